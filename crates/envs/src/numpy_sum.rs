//! NumPy's summation order, so that sums of more than seven terms round exactly as Gymnasium's `np.sum`.

/// NumPy's `pairwise_sum` for float64: sequential below 8 terms, eight accumulators up to 128, halving above.
pub fn pairwise_sum(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        a.iter().fold(0.0, |acc, &x| acc + x)
    } else if n <= BLOCK {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let whole = n - n % 8;
        for chunk in a[8..whole].chunks_exact(8) {
            for (acc, &x) in r.iter_mut().zip(chunk) {
                *acc += x;
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[whole..] {
            res += x;
        }
        res
    } else {
        let half = n / 2;
        let half = half - half % 8;
        pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
    }
}

/// `np.sum(np.square(a))`.
pub fn sum_of_squares(a: &[f64], scratch: &mut Vec<f64>) -> f64 {
    scratch.clear();
    scratch.extend(a.iter().map(|x| x * x));
    pairwise_sum(scratch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_sums_are_sequential() {
        let a = [1e16, 1.0, -1e16, 1.0];
        assert_eq!(pairwise_sum(&a), ((1e16 + 1.0) - 1e16) + 1.0);
    }

    #[test]
    fn eight_accumulators_then_tail() {
        // With 9 terms NumPy adds the first eight pairwise and the ninth last.
        let a = [1e16, 1.0, 1.0, 1.0, -1e16, 1.0, 1.0, 1.0, 0.5];
        let expected = ((1e16 + 1.0) + (1.0 + 1.0)) + ((-1e16 + 1.0) + (1.0 + 1.0)) + 0.5;
        assert_eq!(pairwise_sum(&a), expected);
        assert_ne!(expected, a.iter().sum::<f64>(), "the test must tell the two orders apart");
    }

    #[test]
    fn long_sums_split_at_multiples_of_eight() {
        let a: Vec<f64> = (0..300).map(|i| (i as f64 * 0.37).sin() * 10f64.powi(i % 7)).collect();
        assert_eq!(pairwise_sum(&a), pairwise_sum(&a[..144]) + pairwise_sum(&a[144..]));
    }
}
