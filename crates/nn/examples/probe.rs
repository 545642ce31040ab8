use butterfly_nn::bench;
fn main() {
    for th in [1, 2] {
        butterfly_nn::set_num_threads(th).unwrap();
        let inf: Vec<f64> = (0..5).map(|_| bench::infer_latency_us(256, 2000).unwrap()).collect();
        let tr: Vec<f64> = (0..3).map(|_| bench::bc_steps_per_s(256, 200).unwrap()).collect();
        let pk: Vec<f64> = [64usize, 128, 256, 512, 1024].iter().map(|&n| bench::sgemm_gflops(n, (1usize << 30) / (n * n * n) + 3)).collect();
        println!("threads {th}: infer {:.1} us, train256 {:.1}/s, sgemm 64..1024 {:?}", bench::median(inf), bench::median(tr), pk.iter().map(|x| x.round()).collect::<Vec<_>>());
    }
}
