use std::time::Instant;
use crate::gemm::{gemm, Operand};
pub fn sgemm_gflops(n: usize, reps: usize) -> f64 {
    let a = vec![0.5f32; n * n];
    let b = vec![0.25f32; n * n];
    let mut c = vec![0f32; n * n];
    gemm(n, n, n, Operand { data: &a, transposed: false }, Operand { data: &b, transposed: true }, &mut c, false);
    let t = Instant::now();
    for _ in 0..reps {
        gemm(n, n, n, Operand { data: &a, transposed: false }, Operand { data: &b, transposed: true }, &mut c, false);
    }
    2.0 * (n * n * n * reps) as f64 / t.elapsed().as_secs_f64() / 1e9
}
