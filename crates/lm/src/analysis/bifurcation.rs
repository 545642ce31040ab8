//! Butterfly effects in generation (paper §4.2, Figure 4 bottom): greedy continuations of a fixed prompt
//! set by consecutive kept iterates, how soon and how much they differ, beside the one-step surrogate —
//! how often the same two iterates' argmax next tokens differ on validation text (teacher forcing). Their
//! ratio is the amplification of a small change of the parameters by the model's own feedback loop.

use std::path::Path;

use butterfly_gpt::{Gpt, GptConfig};
use butterfly_train::{kept_steps, kept_variants};

use crate::analysis::generator::{Generator, argmax};
use crate::analysis::kept_model::{load_variant, run_config};
use crate::data::prepare::VAL_SHARD;
use crate::data::shard;
use crate::data::tokenizer::Tokenizer;
use crate::data::windows::WindowStarts;
use crate::{LmError, WindowGenerations};

/// The first position where `a` and `b` differ (a missing token differs); None when equal.
pub fn first_difference(a: &[u32], b: &[u32]) -> Option<usize> {
    let n = a.len().max(b.len());
    (0..n).find(|&i| a.get(i) != b.get(i))
}

/// The fraction of the max(|a|, |b|) positions where they differ.
pub fn differing_fraction(a: &[u32], b: &[u32]) -> f64 {
    let n = a.len().max(b.len());
    if n == 0 {
        return 0.0;
    }
    (0..n).filter(|&i| a.get(i) != b.get(i)).count() as f64 / n as f64
}

/// Levenshtein distance (insertions, deletions, substitutions) over max(|a|, |b|).
pub fn normalized_edit_distance(a: &[u32], b: &[u32]) -> f64 {
    let n = a.len().max(b.len());
    if n == 0 {
        return 0.0;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            row[j + 1] = (prev[j] + usize::from(x != y)).min(prev[j + 1] + 1).min(row[j] + 1);
        }
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()] as f64 / n as f64
}

/// `tokens` greedy tokens after `prompt`.
pub fn greedy(theta: &[f32], config: GptConfig, prompt: &[u32], tokens: usize) -> Result<Vec<u32>, LmError> {
    let mut generator = Generator::new(config)?;
    let mut seq = prompt.to_vec();
    for _ in 0..tokens {
        let next = argmax(generator.logits(theta, &seq)?);
        seq.push(next);
    }
    Ok(seq[prompt.len()..].to_vec())
}

/// The argmax next token at every position of each of `windows` (each a token sequence ≤ context).
fn teacher_forced(gpt: &mut Gpt, theta: &[f32], windows: &[Vec<u32>]) -> Result<Vec<u32>, LmError> {
    let v = gpt.config.vocab_size;
    let mut out = Vec::new();
    for w in windows {
        out.extend(gpt.logits(theta, w)?.chunks_exact(v).map(argmax));
    }
    Ok(out)
}

/// What to compare.
#[derive(Debug, Clone)]
pub struct BifurcationSpec {
    /// Prompts cut from the validation split at evenly spaced places.
    pub prompts: usize,
    pub prompt_tokens: usize,
    /// Greedy tokens generated after each prompt (H).
    pub tokens: usize,
    /// Prompts shown as text examples.
    pub examples: usize,
}

impl Default for BifurcationSpec {
    fn default() -> Self {
        Self { prompts: 32, prompt_tokens: 16, tokens: 48, examples: 3 }
    }
}

/// The window generations' prompts, without text examples.
impl From<WindowGenerations> for BifurcationSpec {
    fn from(w: WindowGenerations) -> Self {
        Self { prompts: w.prompts, prompt_tokens: w.prompt_tokens, tokens: w.tokens, examples: 0 }
    }
}

/// One variant between two consecutive kept steps.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BifurcationRow {
    pub variant: String,
    pub from_step: u64,
    pub step: u64,
    /// Mean over the prompts of the first differing position (H when the continuations agree).
    pub first_difference: f64,
    /// Share of the prompts whose continuations differ at all.
    pub diverged: f64,
    pub differing_fraction: f64,
    pub edit_distance: f64,
    /// How often the two iterates' argmax next tokens differ on the prompts' own validation text.
    pub teacher_forced: f64,
    /// differing_fraction / teacher_forced (None when teacher forcing never differs).
    pub amplification: Option<f64>,
}

/// A fixed prompt set cut from validation text, and what one iterate makes of it.
#[derive(Debug, Clone)]
pub struct Probe {
    /// Each prompt followed by the validation text that truly follows it (H tokens).
    texts: Vec<Vec<u32>>,
    prompt_tokens: usize,
    tokens: usize,
}

/// One iterate's greedy continuation of every prompt, and its argmax next token at every position of
/// the prompts' true text.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeOutputs {
    pub continuations: Vec<Vec<u32>>,
    pub forced: Vec<u32>,
}

impl Probe {
    /// `spec.prompts` prompts spread evenly over `val`, each fitting a context of `context` tokens.
    pub fn new(val: &[u32], context: usize, spec: &BifurcationSpec) -> Result<Self, LmError> {
        if spec.prompts == 0 || spec.prompt_tokens == 0 || spec.tokens == 0 {
            return Err(LmError::Config("prompts, prompt tokens and generated tokens must be ≥ 1".into()));
        }
        let window = spec.prompt_tokens.saturating_add(spec.tokens);
        if window > context || val.len() < window.saturating_add(2) {
            return Err(LmError::Config(format!(
                "a prompt of {} + {} tokens must fit the context ({context}) and the validation text ({} tokens)",
                spec.prompt_tokens,
                spec.tokens,
                val.len()
            )));
        }
        // Per prompt: its text, and the continuations and teacher-forced tokens of the two iterates compared.
        butterfly_store::memory::ensure_fits(&[(
            &format!("{} prompts of {window} tokens", spec.prompts),
            (spec.prompts as u128).saturating_mul(window as u128),
            5 * 4,
        )])?;
        let texts = WindowStarts::Anywhere { last: val.len() - window - 1 }
            .evenly(spec.prompts)
            .into_iter()
            .map(|s| val[s..s + window].to_vec())
            .collect();
        Ok(Self { texts, prompt_tokens: spec.prompt_tokens, tokens: spec.tokens })
    }

    /// (prompts, generated tokens per prompt, tokens of each prompt's true text).
    pub fn shape(&self) -> (usize, usize, usize) {
        (self.texts.len(), self.tokens, self.prompt_tokens + self.tokens)
    }

    /// What the model `theta` makes of the prompts.
    pub fn outputs(&self, theta: &[f32], config: GptConfig) -> Result<ProbeOutputs, LmError> {
        let continuations = self
            .texts
            .iter()
            .map(|t| greedy(theta, config, &t[..self.prompt_tokens], self.tokens))
            .collect::<Result<Vec<_>, _>>()?;
        let forced = teacher_forced(&mut Gpt::new(config)?, theta, &self.texts)?;
        Ok(ProbeOutputs { continuations, forced })
    }

    /// How the outputs of `variant` at `step` differ from those at `from_step`.
    pub fn compare(
        &self,
        variant: &str,
        (from_step, before): (u64, &ProbeOutputs),
        (step, after): (u64, &ProbeOutputs),
    ) -> BifurcationRow {
        let n = self.texts.len() as f64;
        let mean = |f: &dyn Fn(&[u32], &[u32]) -> f64| {
            before.continuations.iter().zip(&after.continuations).map(|(a, b)| f(a, b)).sum::<f64>() / n
        };
        let teacher_forced = differing_fraction(&before.forced, &after.forced);
        let differing = mean(&|a, b| differing_fraction(a, b));
        BifurcationRow {
            variant: variant.to_string(),
            from_step,
            step,
            first_difference: mean(&|a, b| first_difference(a, b).unwrap_or(self.tokens) as f64),
            diverged: mean(&|a, b| f64::from(u8::from(first_difference(a, b).is_some()))),
            differing_fraction: differing,
            edit_distance: mean(&|a, b| normalized_edit_distance(a, b)),
            teacher_forced,
            amplification: (teacher_forced > 0.0).then(|| differing / teacher_forced),
        }
    }
}

/// One prompt's continuations by every variant at the last two kept steps (Figure 4, bottom).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Example {
    pub prompt: String,
    pub steps: (u64, u64),
    /// Per variant: the two continuations as text, and the token where they first differ (None: equal).
    pub continuations: Vec<(String, String, String, Option<usize>)>,
}

/// The rows, and `spec.examples` prompts where the raw model's last two kept iterates diverge soonest.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Bifurcations {
    pub rows: Vec<BifurcationRow>,
    pub examples: Vec<Example>,
}

/// One iterate's continuation of every prompt.
type Continuations = Vec<Vec<u32>>;

/// `tokens` as text, with `‖` before token `mark` (the divergence).
fn marked(tokenizer: &Tokenizer, tokens: &[u32], mark: Option<usize>) -> String {
    match mark {
        Some(m) if m <= tokens.len() => {
            format!("{}‖{}", tokenizer.decode(&tokens[..m]), tokenizer.decode(&tokens[m..]))
        }
        _ => tokenizer.decode(tokens),
    }
}

/// Every variant of the run in `run` between each pair of consecutive kept steps (its evaluation cadence).
pub fn bifurcations(run: &Path, spec: &BifurcationSpec) -> Result<Bifurcations, LmError> {
    let bad = |what: String| LmError::RunDir { path: run.to_path_buf(), what };
    let config = run_config(run)?;
    let val = shard::read(&config.data.join(VAL_SHARD))?;
    let probe = Probe::new(&val, config.model.context, spec)?;
    let steps = kept_steps(run);
    if steps.len() < 2 {
        return Err(bad(format!("kept parameters at {} step(s): bifurcations need two", steps.len())));
    }
    // The variants kept at every step (`stabilize` may have added one at some steps only).
    let mut variants = kept_variants(run, steps[0])?;
    for &step in &steps[1..] {
        let here = kept_variants(run, step)?;
        variants.retain(|v| here.contains(v));
    }
    let mut rows = Vec::new();
    // Per variant, the continuations at the last two kept steps.
    let mut last_two: Vec<(String, Continuations, Continuations)> = Vec::new();
    let tokenizer = load_variant(run, &variants[0], Some(steps[0]))?.2;
    for variant in &variants {
        let mut previous: Option<(u64, ProbeOutputs)> = None;
        for &step in &steps {
            let (theta, cfg, _) = load_variant(run, variant, Some(step))?;
            let outputs = probe.outputs(&theta, cfg)?;
            if let Some((from_step, before)) = &previous {
                rows.push(probe.compare(variant, (*from_step, before), (step, &outputs)));
            }
            if step == steps[steps.len() - 1] {
                let before = previous.as_ref().map(|p| p.1.continuations.clone()).unwrap_or_default();
                last_two.push((variant.clone(), before, outputs.continuations.clone()));
            }
            previous = Some((step, outputs));
        }
    }
    // The prompts where raw diverges soonest, each with every variant's pair.
    let raw = &last_two[0];
    let texts = &probe.texts;
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| (first_difference(&raw.1[i], &raw.2[i]).unwrap_or(usize::MAX), i));
    let steps_pair = (steps[steps.len() - 2], steps[steps.len() - 1]);
    let examples = order
        .into_iter()
        .take(spec.examples)
        .map(|i| Example {
            prompt: tokenizer.decode(&texts[i][..spec.prompt_tokens]),
            steps: steps_pair,
            continuations: last_two
                .iter()
                .map(|(v, a, b)| {
                    let d = first_difference(&a[i], &b[i]);
                    (v.clone(), marked(&tokenizer, &a[i], d), marked(&tokenizer, &b[i], d), d)
                })
                .collect(),
        })
        .collect();
    Ok(Bifurcations { rows, examples })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_prompt_sizes_are_one_error_not_a_wrapped_sum_or_an_allocation_abort() {
        let val = vec![0u32; 1000];
        let spec = |prompts, prompt_tokens| BifurcationSpec { prompts, prompt_tokens, tokens: 48, examples: 3 };
        let err = Probe::new(&val, 64, &spec(32, usize::MAX)).unwrap_err().to_string();
        assert!(err.contains("must fit the context"), "{err}");
        let err = Probe::new(&val, 64, &spec(usize::MAX, 16)).unwrap_err().to_string();
        assert!(err.contains("prompts") && err.contains("memory"), "{err}");
        assert_eq!(Probe::new(&val, 64, &spec(32, 16)).unwrap().shape(), (32, 48, 64));
    }

    #[test]
    fn divergence_metrics_on_hand_made_pairs() {
        let (a, b) = ([1, 2, 3, 4], [1, 2, 9, 4]);
        assert_eq!(first_difference(&a, &a), None);
        assert_eq!(first_difference(&a, &b), Some(2));
        assert_eq!(first_difference(&a, &a[..3]), Some(3), "a missing token differs");
        assert_eq!(differing_fraction(&a, &b), 0.25);
        assert_eq!(differing_fraction(&a, &[]), 1.0);
        assert_eq!(normalized_edit_distance(&a, &b), 0.25, "one substitution");
        // A shift by one token: every position differs, yet one deletion and one insertion mend it.
        let (x, y) = ([5, 1, 2, 3], [1, 2, 3, 6]);
        assert_eq!(differing_fraction(&x, &y), 1.0);
        assert_eq!(normalized_edit_distance(&x, &y), 0.5);
        assert_eq!(normalized_edit_distance(&[1, 2, 3], &[3, 2, 1]), 2.0 / 3.0);
        assert_eq!(normalized_edit_distance(&[], &[]), 0.0);
        assert_eq!(normalized_edit_distance(&[7, 7], &[]), 1.0);
    }
}
