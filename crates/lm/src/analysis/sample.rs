//! Generation from a trained run: greedy by default, or with temperature and top-k.

use std::path::Path;

use rand::{Rng, SeedableRng};

use crate::LmError;
use crate::analysis::generator::{Generator, argmax};
use crate::analysis::kept_model::load_variant;

#[derive(Debug, Clone)]
pub struct SampleSpec {
    /// `raw` or a stabilizer's name.
    pub variant: String,
    /// The evaluation step whose parameters to use (default: the last kept).
    pub step: Option<u64>,
    pub prompt: String,
    pub tokens: usize,
    /// 0: greedy.
    pub temperature: f64,
    /// Sample among the k most likely tokens only (None: all).
    pub top_k: Option<usize>,
    pub seed: u64,
}

impl SampleSpec {
    /// A NaN temperature made every weight NaN (the draw fell through to the least likely token), and a
    /// negative one or top-k 0 quietly became greedy: each is refused instead.
    pub fn validate(&self) -> Result<(), LmError> {
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return Err(LmError::Config(format!(
                "--temperature {} must be a finite number ≥ 0 (0 is greedy)",
                self.temperature
            )));
        }
        if self.top_k == Some(0) {
            return Err(LmError::Config("--top-k must be at least 1".into()));
        }
        Ok(())
    }
}

/// The prompt followed by `spec.tokens` generated tokens, as text. The model sees at most its
/// context: longer generations slide the window.
pub fn sample(run: &Path, spec: &SampleSpec) -> Result<String, LmError> {
    spec.validate()?;
    let (theta, cfg, tokenizer) = load_variant(run, &spec.variant, spec.step)?;
    let mut tokens = vec![tokenizer.end_of_text()];
    tokens.extend(tokenizer.encode(&spec.prompt)?);
    let prompt_len = tokens.len();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(spec.seed);
    let mut next = Generator::new(cfg)?;
    for _ in 0..spec.tokens {
        let logits = next.logits(&theta, &tokens)?;
        tokens.push(choose(logits, spec.temperature, spec.top_k, &mut rng));
    }
    Ok(format!("{}{}", spec.prompt, tokenizer.decode(&tokens[prompt_len..])))
}

/// The next token from its logits: the argmax (ties to the lowest id), or a draw from the softmax at
/// `temperature` over the `top_k` best.
fn choose(logits: &[f32], temperature: f64, top_k: Option<usize>, rng: &mut impl Rng) -> u32 {
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    if temperature <= 0.0 {
        return argmax(logits);
    }
    order.truncate(top_k.unwrap_or(order.len()));
    let max = logits[order[0]] as f64;
    let weights: Vec<f64> = order.iter().map(|&k| ((logits[k] as f64 - max) / temperature).exp()).collect();
    let mut u = rng.random::<f64>() * weights.iter().sum::<f64>();
    for (&k, w) in order.iter().zip(&weights) {
        u -= w;
        if u <= 0.0 {
            return k as u32;
        }
    }
    order[order.len() - 1] as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_negative_or_infinite_temperatures_and_top_k_zero_are_refused_before_the_run_is_read() {
        let spec = |temperature: f64, top_k: Option<usize>| SampleSpec {
            variant: "raw".into(),
            step: None,
            prompt: String::new(),
            tokens: 1,
            temperature,
            top_k,
            seed: 0,
        };
        let missing = Path::new("/nonexistent/butterfly-run");
        for (t, k, says) in [
            (f64::NAN, None, "--temperature NaN"),
            (-1.0, None, "--temperature -1"),
            (f64::INFINITY, None, "--temperature inf"),
            (0.5, Some(0), "--top-k"),
        ] {
            let err = sample(missing, &spec(t, k)).unwrap_err().to_string();
            assert!(err.contains(says), "{err}");
        }
        // Valid settings get as far as the run directory.
        for (t, k) in [(0.0, None), (0.7, Some(5))] {
            let err = sample(missing, &spec(t, k)).unwrap_err().to_string();
            assert!(err.contains("not an LM run directory"), "{err}");
        }
    }
}
