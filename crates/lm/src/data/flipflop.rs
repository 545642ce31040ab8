//! The flip-flop language FFL(p) (Liu, Ash, Goel, Krishnamurthy and Zhang, 2023): T instruction–bit pairs,
//! instructions write / ignore / read with probabilities ((1 − p)/2, p, (1 − p)/2), the first always a
//! write, and the bit after a read equal to the last written bit. Every read is a prediction with one
//! right answer, so a model's read errors are an exactly scored long-horizon reward.
//! Text form: one sequence per line, `w1i0r1…`.

use std::path::Path;

use rand::{Rng, SeedableRng};

use crate::LmError;

/// `count` sequences of `length` pairs of FFL(`p`), from `seed`.
pub fn generate(p: f64, length: usize, count: usize, seed: u64) -> Result<Vec<String>, LmError> {
    if !(0.0..=1.0).contains(&p) {
        return Err(LmError::Config(format!("flip-flop p = {p} must be in [0, 1]")));
    }
    if length == 0 || count == 0 {
        return Err(LmError::Config("flip-flop --length and --count must be ≥ 1".into()));
    }
    // The sequences (2 bytes a pair, and a String each), then joined into the file's text, a second copy.
    let bytes = (length as u128).saturating_mul(2).saturating_add(24);
    butterfly_store::memory::ensure_fits(&[(
        &format!("{count} flip-flop sequences of {length} pairs"),
        count as u128,
        bytes.saturating_mul(2),
    )])?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let sequences = (0..count)
        .map(|_| {
            let mut text = String::with_capacity(2 * length);
            let mut last = '0';
            for k in 0..length {
                let u: f64 = rng.random();
                let instruction = if k == 0 || u < (1.0 - p) / 2.0 {
                    'w'
                } else if u < (1.0 - p) / 2.0 + p {
                    'i'
                } else {
                    'r'
                };
                let bit = if instruction == 'r' {
                    last
                } else if rng.random::<bool>() {
                    '1'
                } else {
                    '0'
                };
                if instruction == 'w' {
                    last = bit;
                }
                text.push(instruction);
                text.push(bit);
            }
            text
        })
        .collect();
    Ok(sequences)
}

/// Checks one sequence against the definition; the error names the first offence (pair k counts from 0).
pub fn check(sequence: &str) -> Result<(), String> {
    let chars: Vec<char> = sequence.chars().collect();
    if chars.is_empty() || !chars.len().is_multiple_of(2) {
        return Err(format!("{} characters: a sequence is instruction–bit pairs", chars.len()));
    }
    let mut last = None;
    for (k, pair) in chars.chunks_exact(2).enumerate() {
        let (instruction, bit) = (pair[0], pair[1]);
        if bit != '0' && bit != '1' {
            return Err(format!("pair {k}: bit '{bit}' is not 0 or 1"));
        }
        if k == 0 && matches!(instruction, 'i' | 'r') {
            return Err("pair 0: the first instruction must be a write".into());
        }
        match instruction {
            'w' => last = Some(bit),
            'i' => {}
            'r' if last != Some(bit) => {
                return Err(format!("pair {k}: read gives {bit}, the last write was {}", last.unwrap_or('?')));
            }
            'r' => {}
            other => return Err(format!("pair {k}: unknown instruction '{other}' (w, i or r)")),
        }
    }
    Ok(())
}

/// The sequences of a flip-flop file, each checked; an error names the line.
pub fn read(path: &Path) -> Result<Vec<String>, LmError> {
    let bad = |what: String| LmError::Corpus { path: path.to_path_buf(), what };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let mut sequences = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        check(line).map_err(|e| bad(format!("line {}: {e}", n + 1)))?;
        sequences.push(line.to_string());
    }
    if sequences.is_empty() {
        return Err(bad("holds no flip-flop sequence".into()));
    }
    Ok(sequences)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_sequences_follow_the_definition_and_its_probabilities() {
        let seqs = generate(0.8, 256, 40, 3).unwrap();
        assert_eq!(seqs.len(), 40);
        for s in &seqs {
            assert_eq!(s.len(), 512);
            check(s).unwrap();
        }
        let all: String = seqs.concat();
        let count = |c: u8| all.as_bytes().chunks_exact(2).filter(|p| p[0] == c).count() as f64 / (40.0 * 256.0);
        assert!(
            (count(b'i') - 0.8).abs() < 0.02 && (count(b'r') - 0.1).abs() < 0.015,
            "{} {}",
            count(b'i'),
            count(b'r')
        );
        assert_eq!(generate(0.8, 256, 40, 3).unwrap(), seqs, "the seed fixes the sequences");
        // Edge cases: p = 1 is a write then only ignores; p = 0 has no ignores.
        let ones = generate(1.0, 50, 5, 1).unwrap();
        assert!(ones.iter().all(|s| s.starts_with('w') && s.as_bytes().chunks_exact(2).skip(1).all(|p| p[0] == b'i')));
        let zeros = generate(0.0, 50, 5, 1).unwrap();
        assert!(zeros.iter().all(|s| check(s).is_ok() && !s.contains('i')));
        assert!(generate(1.5, 4, 1, 0).is_err() && generate(0.5, 0, 1, 0).is_err());
        // Sizes no machine holds are one error, before anything is allocated.
        for (length, count) in [(256, 1_000_000_000_000), (100_000_000_000, 1000), (usize::MAX, usize::MAX)] {
            let err = generate(0.8, length, count, 0).unwrap_err().to_string();
            assert!(err.contains("flip-flop sequences") && err.contains("memory"), "{err}");
        }
    }

    #[test]
    fn the_checker_names_each_offence() {
        check("w1i0r1w0r0").unwrap();
        let err = |s: &str| check(s).unwrap_err();
        assert!(err("w1i0r0").contains("pair 2: read gives 0, the last write was 1"), "a wrong bit");
        // A read answers the last write before it, not a later one.
        assert!(err("w1r0w0").contains("pair 1"));
        assert!(err("i0w1").contains("first instruction"));
        assert!(err("r1w1").contains("first instruction"));
        assert!(err("w1x0").contains("unknown instruction 'x'"));
        assert!(err("w1i").contains("3 characters"));
        assert!(err("w2").contains("bit '2'"));
    }
}
