//! Generation from a trained run: greedy by default, or with temperature and top-k.

use std::path::Path;

use butterfly_gpt::{Decoder, Gpt, GptConfig};
use butterfly_train::{Kept, kept_parameters};
use rand::{Rng, SeedableRng};

use crate::prepare::tokenizer_file;
use crate::tokenizer::Tokenizer;
use crate::{LmConfig, LmError};

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

/// The parameters of `variant` at `step` (default: the last kept) of the run in `run`, with the model's
/// shape and the run's tokenizer.
pub fn load_variant(run: &Path, variant: &str, step: Option<u64>) -> Result<(Vec<f32>, GptConfig, Tokenizer), LmError> {
    let bad = |what: String| LmError::RunDir { path: run.to_path_buf(), what };
    let text = std::fs::read_to_string(run.join(butterfly_store::run_dir::CONFIG))
        .map_err(|_| bad("is not an LM run directory (no config.toml)".into()))?;
    let config = LmConfig::from_toml(&text)?;
    let tokenizer = Tokenizer::load(&tokenizer_file(run)?)?;
    let Kept { theta, .. } = kept_parameters(run, variant, step)?;
    let m = &config.model;
    let cfg = GptConfig {
        vocab_size: tokenizer.vocab_size(),
        context: m.context,
        n_layer: m.n_layer,
        n_head: m.n_head,
        n_embd: m.n_embd,
    };
    Ok((theta, cfg, tokenizer))
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

/// The logits of the token after a growing sequence: from the key/value cache while the sequence fits
/// the context, then from the last `context` tokens recomputed (the window slides).
pub struct Generator {
    decoder: Decoder,
    gpt: Gpt,
    logits: Vec<f32>,
}

impl Generator {
    pub fn new(config: GptConfig) -> Result<Self, LmError> {
        Ok(Self { decoder: Decoder::new(config)?, gpt: Gpt::new(config)?, logits: Vec::new() })
    }

    /// `tokens` must extend the sequence of the previous call (or start a new one).
    pub fn logits(&mut self, theta: &[f32], tokens: &[u32]) -> Result<&[f32], LmError> {
        let (context, v) = (self.gpt.config.context, self.gpt.config.vocab_size);
        if tokens.len() < self.decoder.len() {
            self.decoder.reset();
        }
        if tokens.len() <= context {
            for &t in &tokens[self.decoder.len()..] {
                let row = self.decoder.push(theta, t)?;
                self.logits.clear();
                self.logits.extend_from_slice(row);
            }
        } else {
            let window = &tokens[tokens.len() - context..];
            let all = self.gpt.logits(theta, window)?;
            self.logits.clear();
            self.logits.extend_from_slice(&all[(context - 1) * v..]);
        }
        Ok(&self.logits)
    }
}

/// The most likely token (ties to the lowest id).
pub(crate) fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (k, &x) in logits.iter().enumerate() {
        if x > logits[best] {
            best = k;
        }
    }
    best as u32
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
