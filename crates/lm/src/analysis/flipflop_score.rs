//! A model scored on the flip-flop language: at every read the greedy prediction must be the bit the
//! sequence's last write set, so read errors are an exactly scored long-horizon reward.

use std::path::Path;

use butterfly_gpt::{Gpt, GptConfig};

use crate::LmError;
use crate::analysis::generator::argmax;
use crate::analysis::kept_model::load_variant;
use crate::data::tokenizer::Tokenizer;

/// A model's greedy predictions at every read of a set of sequences.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FlipflopScore {
    pub sequences: usize,
    pub reads: usize,
    pub read_errors: usize,
    /// read_errors / reads.
    pub error_rate: f64,
    /// The fraction of the sequences that hold reads with every read right.
    pub all_correct: f64,
}

/// Scores `predict` — the next-token predictions after each position of a token sequence — on
/// `sequences`: at each read, the prediction after the `r` must be the bit that follows it. A
/// sequence is fed as the corpus feeds documents, after an end-of-text token. Sequences without a read
/// have nothing to score: they are skipped, and none at all with a read is an error (not a 0 error rate).
pub fn score(
    sequences: &[String],
    tokenizer: &Tokenizer,
    mut predict: impl FnMut(&[u32]) -> Result<Vec<u32>, LmError>,
) -> Result<FlipflopScore, LmError> {
    let has_read = |s: &String| s.as_bytes().chunks_exact(2).any(|p| p[0] == b'r');
    let scored = sequences.iter().filter(|s| has_read(s)).count();
    if scored == 0 {
        return Err(LmError::Config(format!(
            "none of the {} flip-flop sequences holds a read (r): there is no read error to measure",
            sequences.len()
        )));
    }
    let (mut reads, mut errors, mut perfect) = (0, 0, 0);
    for sequence in sequences.iter().filter(|s| has_read(s)) {
        let mut tokens = vec![tokenizer.end_of_text()];
        tokens.extend(tokenizer.encode(sequence)?);
        // Inputs: everything but the last bit; prediction j is of token j + 1.
        let predicted = predict(&tokens[..tokens.len() - 1])?;
        let mut wrong = 0;
        for (k, pair) in sequence.as_bytes().chunks_exact(2).enumerate() {
            if pair[0] == b'r' {
                // The 'r' of pair k is token 1 + 2k; its bit, token 2 + 2k.
                reads += 1;
                wrong += usize::from(predicted[1 + 2 * k] != tokens[2 + 2 * k]);
            }
        }
        errors += wrong;
        perfect += usize::from(wrong == 0);
    }
    Ok(FlipflopScore {
        sequences: sequences.len(),
        reads,
        read_errors: errors,
        error_rate: errors as f64 / reads as f64,
        all_correct: perfect as f64 / scored as f64,
    })
}

/// [`score`] with a GPT's greedy (argmax) predictions from one forward per sequence.
pub fn score_model(
    theta: &[f32],
    config: GptConfig,
    tokenizer: &Tokenizer,
    sequences: &[String],
) -> Result<FlipflopScore, LmError> {
    let longest = sequences.iter().map(|s| s.len()).max().unwrap_or(0);
    if longest > config.context {
        return Err(LmError::Config(format!(
            "flip-flop sequences of {longest} tokens (+1 end-of-text) need a context of {}; the model's is {}",
            longest + 1,
            config.context
        )));
    }
    let mut gpt = Gpt::new(config)?;
    let v = config.vocab_size;
    score(sequences, tokenizer, |tokens| {
        let logits = gpt.logits(theta, tokens)?;
        Ok(logits.chunks_exact(v).map(argmax).collect())
    })
}

/// One variant's score at one kept step of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StepScore {
    pub step: u64,
    pub variant: String,
    #[serde(flatten)]
    pub score: FlipflopScore,
}

/// Every variant at every step whose parameters the run kept (its evaluation cadence), scored on
/// `sequences`: the read error of every evaluated iterate, raw and stabilized. The kept models are split
/// between `threads` threads, each with its own model; the rows come back in step order.
pub fn score_run(run: &Path, sequences: &[String], threads: usize) -> Result<Vec<StepScore>, LmError> {
    let threads = butterfly_store::threads::check_threads("threads", threads)?;
    let mut jobs = Vec::new();
    for step in butterfly_train::kept_steps(run) {
        for variant in butterfly_train::kept_variants(run, step)? {
            jobs.push((step, variant));
        }
    }
    if jobs.is_empty() {
        return Err(LmError::RunDir { path: run.to_path_buf(), what: "kept no parameters yet: train it first".into() });
    }
    let score_all = |jobs: &[(u64, String)]| -> Result<Vec<StepScore>, LmError> {
        jobs.iter()
            .map(|(step, variant)| {
                let (theta, config, tokenizer) = load_variant(run, variant, Some(*step))?;
                let score = score_model(&theta, config, &tokenizer, sequences)?;
                Ok(StepScore { step: *step, variant: variant.clone(), score })
            })
            .collect()
    };
    let chunk = jobs.len().div_ceil(threads);
    let parts: Vec<Result<Vec<StepScore>, LmError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs.chunks(chunk).map(|part| scope.spawn(move || score_all(part))).collect();
        handles.into_iter().map(|h| h.join().expect("a scoring thread panicked")).collect()
    });
    let mut rows = Vec::with_capacity(jobs.len());
    for part in parts {
        rows.extend(part?);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_count_wrong_reads_exactly() {
        let tok = Tokenizer::train_char(&["w0w1i0i1r0r1".to_string()]);
        let seqs = vec!["w1i0r1w0r0".to_string(), "w0r0".to_string()];
        // A predictor that always says 1: right at the first sequence's first read, wrong at its second
        // and at the second sequence's only read.
        let one = tok.encode("1").unwrap()[0];
        let s = score(&seqs, &tok, |t| Ok(vec![one; t.len()])).unwrap();
        assert_eq!((s.reads, s.read_errors, s.all_correct), (3, 2, 0.0));
        // One that copies the true next token everywhere is perfect.
        let s = score(&seqs, &tok, |t| {
            let text = seqs.iter().find(|q| q.len() == t.len()).unwrap();
            Ok(tok.encode(text).unwrap())
        })
        .unwrap();
        assert_eq!((s.read_errors, s.error_rate, s.all_correct), (0, 0.0, 1.0));
    }

    #[test]
    fn sequences_without_reads_are_not_scored_as_right() {
        let tok = Tokenizer::train_char(&["w0w1i0i1r0r1".to_string()]);
        let zero = tok.encode("0").unwrap()[0];
        let always_zero = |t: &[u32]| Ok(vec![zero; t.len()]);
        let err = score(&["w1i0".to_string(), "w0".to_string()], &tok, always_zero).unwrap_err().to_string();
        assert!(err.contains("holds a read"), "{err}");
        // A sequence without reads counts toward neither the reads nor the all-correct share.
        let s = score(&["w1r1".to_string(), "w0i1".to_string()], &tok, always_zero).unwrap();
        assert_eq!((s.sequences, s.reads, s.read_errors, s.all_correct), (2, 1, 1, 0.0));
    }
}
