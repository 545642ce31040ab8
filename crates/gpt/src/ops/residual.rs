//! The residual connection.

use butterfly_nn::Float;

/// `out = a + b`, all `[N,C]` (flat).
pub fn forward<T: Float>(out: &mut [T], a: &[T], b: &[T]) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = x + y;
    }
}

/// Adds `dout` into both `da` and `db`.
pub fn backward<T: Float>(da: &mut [T], db: &mut [T], dout: &[T]) {
    for ((x, y), &g) in da.iter_mut().zip(db.iter_mut()).zip(dout) {
        *x += g;
        *y += g;
    }
}
