//! Branch-free f32 `exp` and `tanh` that the compiler vectorizes, for the elementwise ops whose libm
//! calls dominate a GPT step (GELU's tanh, the softmaxes' exp). Each is within a few ulp of the
//! correctly rounded value; [`crate::Float`] maps them to libm for f64, so f64 gradient checks stay exact.

/// Round-to-nearest-even of |y| < 2²² by the 1.5·2²³ trick (vectorizes on SSE2, unlike `round`).
#[inline(always)]
fn round_nearest(y: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0;
    (y + MAGIC) - MAGIC
}

/// `(2ⁿ, r)` with `y = n·ln 2 + r`, |r| ≤ ln2/2 (Cody–Waite: ln 2 split so that n·LN2_HI is exact).
#[inline(always)]
fn reduce(y: f32) -> (f32, f32) {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let n = round_nearest(y * LOG2_E);
    let r = (y - n * LN2_HI) - n * LN2_LO;
    let two_n = f32::from_bits(((n as i32 + 127) as u32) << 23);
    (two_n, r)
}

/// `expm1(r) = eʳ − 1` for |r| ≤ ln2/2: the Taylor series to r⁷ (the next term is < 6e-9 there).
#[inline(always)]
fn expm1_reduced(r: f32) -> f32 {
    let p = 1.0 / 5040.0;
    let p = p * r + 1.0 / 720.0;
    let p = p * r + 1.0 / 120.0;
    let p = p * r + 1.0 / 24.0;
    let p = p * r + 1.0 / 6.0;
    let p = p * r + 0.5;
    (p * r) * r + r
}

/// `eʸ`, with y clamped to [−87, 88] (the normal range of f32: below it returns ≈ 1.6e-38, not 0).
#[inline(always)]
pub fn exp(y: f32) -> f32 {
    let (two_n, r) = reduce(y.clamp(-87.0, 88.0));
    two_n * expm1_reduced(r) + two_n
}

/// `tanh x = −m / (2 + m)` with `m = expm1(−2|x|)`, sign restored: expm1 keeps small |x| accurate
/// in relative terms; |x| ≥ 9 is ±1 in f32.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let y = -2.0 * x.abs().min(9.0);
    let (two_n, r) = reduce(y);
    let m = two_n * expm1_reduced(r) + (two_n - 1.0);
    (-m / (2.0 + m)).copysign(x)
}

#[cfg(test)]
mod tests {
    /// Relative error in units of f32's epsilon, against the f64 function.
    fn ulps(fast: f32, exact: f64) -> f64 {
        if exact == 0.0 {
            return (fast as f64).abs() / f32::MIN_POSITIVE as f64;
        }
        ((fast as f64 - exact) / exact).abs() / f32::EPSILON as f64
    }

    fn grid() -> impl Iterator<Item = f32> {
        // Dense near zero (where tanh's relative accuracy is hardest), then out to the tails.
        let fine = (-20_000..=20_000).map(|i| i as f32 * 1e-5);
        let coarse = (-200_000..=200_000).map(|i| i as f32 * 1e-4);
        let tiny = [1e-30f32, -1e-30, 1e-10, -3e-8, 0.0];
        fine.chain(coarse).chain(tiny)
    }

    #[test]
    fn tanh_is_within_a_few_ulp_of_libm_everywhere() {
        let worst = grid().map(|x| ulps(super::tanh(x), (x as f64).tanh())).fold(0.0, f64::max);
        assert!(worst < 4.0, "tanh worst error {worst} ulp");
        assert_eq!(super::tanh(100.0), 1.0);
        assert_eq!(super::tanh(-100.0), -1.0);
        assert_eq!(super::tanh(0.0), 0.0);
    }

    #[test]
    fn exp_is_within_a_few_ulp_of_libm_over_its_range() {
        let worst = grid()
            .map(|x| 4.0 * x)
            .filter(|x| x.abs() < 87.0)
            .map(|y| ulps(super::exp(y), (y as f64).exp()))
            .fold(0.0, f64::max);
        assert!(worst < 4.0, "exp worst error {worst} ulp");
        assert_eq!(super::exp(0.0), 1.0);
        assert!(super::exp(-1000.0) < 1e-37);
    }
}
