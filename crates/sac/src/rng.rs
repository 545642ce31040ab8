//! The learner's random generator, and its exact state for checkpoints.

use rand::SeedableRng;

/// Seeded generator for minibatches, exploration noise and reset noise.
pub type SacRng = rand_chacha::ChaCha8Rng;

/// The generator's state as words: seed (4), stream, word position (low, high).
pub(crate) fn rng_words(rng: &SacRng) -> Vec<u64> {
    let seed = rng.get_seed();
    let mut words: Vec<u64> = seed.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
    let pos = rng.get_word_pos();
    words.extend([rng.get_stream(), pos as u64, (pos >> 64) as u64]);
    words
}

pub(crate) fn rng_from_words(words: &[u64]) -> Option<SacRng> {
    if words.len() != 7 {
        return None;
    }
    let mut seed = [0u8; 32];
    for (chunk, w) in seed.chunks_exact_mut(8).zip(&words[..4]) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    let mut rng = SacRng::from_seed(seed);
    rng.set_stream(words[4]);
    rng.set_word_pos(words[5] as u128 | (words[6] as u128) << 64);
    Some(rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn state_words_restore_the_stream_exactly() {
        let mut rng = SacRng::seed_from_u64(42);
        for _ in 0..1001 {
            rng.random::<u32>();
        }
        let mut restored = rng_from_words(&rng_words(&rng)).unwrap();
        let a: Vec<u64> = (0..10).map(|_| rng.random()).collect();
        let b: Vec<u64> = (0..10).map(|_| restored.random()).collect();
        assert_eq!(a, b);
    }
}
