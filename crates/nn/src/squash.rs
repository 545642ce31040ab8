//! The tanh squash into a box of actions, as a forward/backward pair: `a = mid + half ⊙ tanh(y)` per row,
//! so every action lies inside `[mid − half, mid + half]` (the control range) whatever the network says.

use crate::error::{Result, check_len};
use crate::float::Float;

/// `a[r, i] = mid[i] + half[i] · tanh(y[r, i])` over rows of `y` `[batch, n]` (`mid`, `half` `[n]`).
pub fn squash_forward<T: Float>(y: &[T], mid: &[T], half: &[T], a: &mut [T]) -> Result<()> {
    check(y, mid, half, a)?;
    for (a_row, y_row) in a.chunks_exact_mut(mid.len()).zip(y.chunks_exact(mid.len())) {
        for (((a, &y), &m), &h) in a_row.iter_mut().zip(y_row).zip(mid).zip(half) {
            *a = m + h * y.tanh();
        }
    }
    Ok(())
}

/// `dy[r, i] = da[r, i] · half[i] · (1 − tanh²(y[r, i]))`, the gradient through [`squash_forward`]
/// (`y`, `da`, `dy` `[batch, n]`).
pub fn squash_backward<T: Float>(y: &[T], da: &[T], half: &[T], dy: &mut [T]) -> Result<()> {
    check(y, half, half, dy)?;
    check_len("squash output gradient", y.len(), da.len())?;
    for ((dy_row, y_row), da_row) in
        dy.chunks_exact_mut(half.len()).zip(y.chunks_exact(half.len())).zip(da.chunks_exact(half.len()))
    {
        for (((dy, &y), &da), &h) in dy_row.iter_mut().zip(y_row).zip(da_row).zip(half) {
            let t = y.tanh();
            *dy = da * h * (T::ONE - t * t);
        }
    }
    Ok(())
}

fn check<T>(y: &[T], mid: &[T], half: &[T], out: &[T]) -> Result<()> {
    check_len("squash centres", half.len(), mid.len())?;
    check_len("squash output", y.len(), out.len())?;
    if half.is_empty() || !y.len().is_multiple_of(half.len()) {
        return Err(crate::NnError::Shape { what: "squash rows", expected: half.len(), got: y.len() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::mse;

    /// MSE after the squash, at `y`.
    fn loss(y: &[f64], mid: &[f64], half: &[f64], target: &[f64]) -> f64 {
        let mut a = vec![0.0; y.len()];
        squash_forward(y, mid, half, &mut a).unwrap();
        mse(&a, target, &mut vec![0.0; y.len()]).unwrap()
    }

    #[test]
    fn stays_in_the_box_and_its_gradient_matches_finite_differences() {
        let (mid, half): ([f64; 3], [f64; 3]) = ([0.0, 0.5, -1.0], [0.4, 1.5, 2.0]);
        let y: [f64; 6] = [3.0, -0.2, 0.7, -25.0, 0.01, 1.3];
        let target = [0.1, 0.9, -2.5, -0.3, 1.9, 0.4];
        let mut a = [0.0; 6];
        squash_forward(&y, &mid, &half, &mut a).unwrap();
        for (k, &a) in a.iter().enumerate() {
            assert!((a - mid[k % 3]).abs() <= half[k % 3], "{a} outside the box");
        }
        let mut da = [0.0; 6];
        mse(&a, &target, &mut da).unwrap();
        let mut dy = [0.0; 6];
        squash_backward(&y, &da, &half, &mut dy).unwrap();
        let h = 1e-6;
        for k in 0..6 {
            let (mut up, mut down) = (y, y);
            up[k] += h;
            down[k] -= h;
            let numeric = (loss(&up, &mid, &half, &target) - loss(&down, &mid, &half, &target)) / (2.0 * h);
            assert!((dy[k] - numeric).abs() < 1e-8 * (1.0 + numeric.abs()), "y[{k}]: {} vs {numeric}", dy[k]);
        }
        assert!(squash_forward(&y[..5], &mid, &half, &mut a[..5]).is_err(), "rows of 3");
    }
}
