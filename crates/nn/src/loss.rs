//! Losses that produce the output gradient `backward` starts from.

use crate::error::{Result, check_len};
use crate::float::Float;

/// Mean squared error over all elements, `mean((pred − target)²)` (PyTorch's `MSELoss()`),
/// writing dL/dpred into `d_pred`. The loss is summed in f64, in order.
pub fn mse<T: Float>(pred: &[T], target: &[T], d_pred: &mut [T]) -> Result<f64> {
    check_len("MSE target", pred.len(), target.len())?;
    check_len("MSE gradient", pred.len(), d_pred.len())?;
    let scale = T::from_f64(2.0 / pred.len() as f64);
    let mut sum = 0.0;
    for ((&p, &t), d) in pred.iter().zip(target).zip(d_pred.iter_mut()) {
        let e = p - t;
        sum += (e * e).to_f64();
        *d = scale * e;
    }
    Ok(sum / pred.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mse_value_and_gradient() {
        let (pred, target) = ([1.0f64, 2.0, 4.0, -1.0], [0.0, 2.0, 1.0, 1.0]);
        let mut d = [0.0; 4];
        let loss = mse(&pred, &target, &mut d).unwrap();
        assert_eq!(loss, (1.0 + 0.0 + 9.0 + 4.0) / 4.0);
        assert_eq!(d, [0.5, 0.0, 1.5, -1.0]);
        assert!(mse(&pred, &target[..3], &mut d).is_err());
    }
}
