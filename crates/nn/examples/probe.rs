use butterfly_nn::{Mlp, Optimizer, OptimizerConfig, bench, mse};
use std::time::Instant;
fn main() {
    let th: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    butterfly_nn::set_num_threads(th).unwrap();
    let mut mlp = Mlp::<f32>::new(bench::imitator_spec(256)).unwrap();
    let mut theta: Vec<f32> = (0..mlp.num_params()).map(|i| ((i * 7919) % 1000) as f32 / 1e4 - 0.05).collect();
    let x: Vec<f32> = (0..256 * 23).map(|i| (i % 17) as f32 / 17.0).collect();
    let y = vec![0.1f32; 256 * 6];
    let mut g = vec![0.0; theta.len()];
    let mut d = vec![0.0; y.len()];
    let mut opt = Optimizer::new(OptimizerConfig::adam(), theta.len()).unwrap();
    let (mut tf, mut tb, mut to) = (0.0, 0.0, 0.0);
    for it in 0..1500 {
        let a = Instant::now();
        let p = mlp.forward(&theta, &x, 256).unwrap();
        mse(p, &y, &mut d).unwrap();
        let b = Instant::now();
        mlp.backward(&theta, &d, &mut g, false, None).unwrap();
        let c = Instant::now();
        opt.step(&mut theta, &g, 1e-3).unwrap();
        let e = Instant::now();
        if it >= 100 {
            tf += (b - a).as_secs_f64();
            tb += (c - b).as_secs_f64();
            to += (e - c).as_secs_f64();
        }
    }
    let n = 1400.0;
    println!(
        "threads {th}: fwd {:.0} us, bwd {:.0} us, opt {:.0} us => {:.0} steps/s",
        tf / n * 1e6,
        tb / n * 1e6,
        to / n * 1e6,
        n / (tf + tb + to)
    );
    if std::env::args().nth(2).is_some() {
        return;
    }
    let inf: Vec<f64> = (0..5).map(|_| bench::infer_latency_us(256, 2000).unwrap()).collect();
    println!(
        "  infer {:.1} us; sgemm256 {:.0} 1024 {:.0}",
        bench::median(inf),
        bench::sgemm_gflops(256, 300),
        bench::sgemm_gflops(1024, 10)
    );
}
