//! Where a training or validation window of `seq_len` (+1 target) tokens may start in a token shard:
//! anywhere (a corpus read as one stream, nanoGPT's way), or only at an end-of-text token, so that every
//! window begins a document (the flip-flop language's way: each window is one whole sequence, as its
//! first read can always see its first write).

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::LmError;

/// The `windows` key of an LM config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WindowAlign {
    #[default]
    Anywhere,
    Documents,
}

impl WindowAlign {
    pub fn is_anywhere(&self) -> bool {
        *self == Self::Anywhere
    }
}

/// The admissible starts of windows in one shard.
#[derive(Debug, Clone)]
pub enum WindowStarts {
    /// Every position `0..=last`.
    Anywhere { last: usize },
    /// The end-of-text positions with a whole window after them, in order.
    At(Vec<usize>),
}

impl WindowStarts {
    /// The starts of `seq_len`-token windows (plus their target) in `tokens` (which the caller has checked
    /// to hold at least one window).
    pub fn new(tokens: &[u32], seq_len: usize, align: WindowAlign, end_of_text: u32) -> Result<Self, LmError> {
        let last = tokens.len() - seq_len - 1;
        match align {
            WindowAlign::Anywhere => Ok(Self::Anywhere { last }),
            WindowAlign::Documents => {
                let at: Vec<usize> = (0..=last).filter(|&p| tokens[p] == end_of_text).collect();
                if at.is_empty() {
                    return Err(LmError::Config(format!(
                        "windows = \"documents\" needs an end-of-text token with {seq_len} tokens after it; the shard has none"
                    )));
                }
                Ok(Self::At(at))
            }
        }
    }

    /// One start, uniformly among the admissible ones.
    pub fn draw(&self, rng: &mut impl Rng) -> usize {
        match self {
            Self::Anywhere { last } => rng.random_range(0..=*last),
            Self::At(at) => at[rng.random_range(0..at.len())],
        }
    }

    /// `count` fixed starts spread evenly over the admissible ones (the validation batches, the prompts).
    pub fn evenly(&self, count: usize) -> Vec<usize> {
        let n = match self {
            Self::Anywhere { last } => *last,
            Self::At(at) => at.len(),
        };
        (0..count)
            .map(|k| k * n / count.max(1))
            .map(|i| match self {
                Self::Anywhere { .. } => i,
                Self::At(at) => at[i],
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn document_windows_start_at_end_of_text_with_room_after_them() {
        // end-of-text = 9 at 0, 4 and 8; a window of 3 (+1) fits after 0 and 4, not after 8.
        let tokens = [9, 1, 2, 3, 9, 1, 2, 3, 9, 1];
        let starts = WindowStarts::new(&tokens, 3, WindowAlign::Documents, 9).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let drawn: std::collections::BTreeSet<usize> = (0..100).map(|_| starts.draw(&mut rng)).collect();
        assert_eq!(drawn.into_iter().collect::<Vec<_>>(), vec![0, 4]);
        assert_eq!(starts.evenly(2), vec![0, 4]);
        assert!(WindowStarts::new(&tokens, 3, WindowAlign::Documents, 7).is_err());
    }

    #[test]
    fn anywhere_keeps_the_stream_draws_and_the_even_spacing() {
        let tokens = [0u32; 20];
        let starts = WindowStarts::new(&tokens, 4, WindowAlign::Anywhere, 9).unwrap();
        let (mut a, mut b) = (rand_chacha::ChaCha8Rng::seed_from_u64(3), rand_chacha::ChaCha8Rng::seed_from_u64(3));
        for _ in 0..50 {
            assert_eq!(starts.draw(&mut a), b.random_range(0..=15));
        }
        assert_eq!(starts.evenly(3), vec![0, 5, 10]);
    }
}
