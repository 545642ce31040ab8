//! Softmax and cross-entropy of the next token, fused.

use butterfly_nn::Float;

/// probs `[N,V]` = softmax of logits `[N,V]` per row; losses `[N]` = −ln probs[target].
pub fn forward<T: Float>(losses: &mut [T], probs: &mut [T], logits: &[T], targets: &[u32], v: usize) {
    for (((loss, p), z), &target) in
        losses.iter_mut().zip(probs.chunks_exact_mut(v)).zip(logits.chunks_exact(v)).zip(targets)
    {
        let max = z.iter().fold(T::from_f64(f64::NEG_INFINITY), |m, &x| m.max(x));
        let mut sum = T::ZERO;
        for (pi, &zi) in p.iter_mut().zip(z) {
            *pi = (zi - max).exp_fast();
            sum += *pi;
        }
        let inv = T::ONE / sum;
        p.iter_mut().for_each(|pi| *pi *= inv);
        *loss = -p[target as usize].ln();
    }
}

/// Adds `dloss · (probs − onehot(target))` into dlogits `[N,V]`: the gradient of `dloss · Σ losses`.
pub fn backward<T: Float>(dlogits: &mut [T], probs: &[T], targets: &[u32], dloss: T, v: usize) {
    for ((d, p), &target) in dlogits.chunks_exact_mut(v).zip(probs.chunks_exact(v)).zip(targets) {
        for (k, (dk, &pk)) in d.iter_mut().zip(p).enumerate() {
            let indicator = if k == target as usize { T::ONE } else { T::ZERO };
            *dk += (pk - indicator) * dloss;
        }
    }
}

/// The same losses as log-sum-exp minus the target's logit.
#[cfg(test)]
pub fn naive_losses(logits: &[f64], targets: &[u32], v: usize) -> Vec<f64> {
    logits
        .chunks_exact(v)
        .zip(targets)
        .map(|(z, &t)| z.iter().map(|x| x.exp()).sum::<f64>().ln() - z[t as usize])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{Rand, grad_check, max_rel_diff};

    #[test]
    fn matches_log_sum_exp_and_finite_differences() {
        let (n, v) = (4, 7);
        let targets = [3u32, 0, 6, 3];
        let logits: Vec<f64> = Rand::new(6).vec(n * v).iter().map(|x| 4.0 * x).collect();
        let (mut losses, mut probs) = (vec![0.0; n], vec![0.0; n * v]);
        forward(&mut losses, &mut probs, &logits, &targets, v);
        assert!(max_rel_diff(&losses, &naive_losses(&logits, &targets, v)) < 1e-12);
        let mut d = vec![0.0; n * v];
        backward(&mut d, &probs, &targets, 0.25, v);
        grad_check(&logits, &d, |z| 0.25 * naive_losses(z, &targets, v).iter().sum::<f64>());
    }
}
