fn main() {
    for th in [1, 2] {
        butterfly_nn::gemm::set_num_threads(th).unwrap();
        for (n, r) in [(64usize, 2000usize), (256, 200), (512, 40), (1024, 10)] {
            let mut v: Vec<f64> = (0..5).map(|_| butterfly_nn::bench::sgemm_gflops(n, r)).collect();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            println!("threads {th} n {n}: {:.1} GFLOP/s (median of 5, max {:.1})", v[2], v[4]);
        }
    }
}
