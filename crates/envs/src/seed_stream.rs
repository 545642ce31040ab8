//! One run seed, many generators: each purpose draws from its own ChaCha8 stream of the seed (as the
//! theory crate gives each Monte Carlo trial its own stream), so adding draws for one purpose never shifts
//! another's, and no two purposes can collide the way hand-picked seed offsets can.

use rand::SeedableRng;

use crate::EnvRng;

/// What a generator of a training run is for. The discriminant is the ChaCha8 stream number; stream 0 is
/// the plain `seed_from_u64(seed)` generator, so the training stream is the seed's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Minibatches, exploration noise, and everything else drawn step by step while training.
    Training = 0,
    /// The expert trajectories a run trains on (and its fresh data).
    TrainData = 1,
    /// The held-out trajectories of the validation loss.
    ValidationData = 2,
    /// The initial parameters of the networks.
    NetworkInit = 3,
    /// The initial conditions a run evaluates on (the same at every evaluation).
    EvalConditions = 4,
    /// The seeds of a language model's dropout masks (one per update with dropout on).
    Dropout = 5,
    /// The fresh initial conditions `butterfly select` rolls checkpoints out from (beyond the run's own).
    Selection = 6,
}

/// The generator of `purpose` for a run seeded with `seed`.
pub fn seed_stream(seed: u64, purpose: Purpose) -> EnvRng {
    let mut rng = EnvRng::seed_from_u64(seed);
    rng.set_stream(purpose as u64);
    rng
}

#[cfg(test)]
mod tests {
    use rand::Rng;

    use super::*;

    fn draws(mut rng: EnvRng) -> Vec<u64> {
        (0..8).map(|_| rng.random()).collect()
    }

    #[test]
    fn each_purpose_has_its_own_stream_and_training_is_the_seeds_own() {
        let all = [
            Purpose::Training,
            Purpose::TrainData,
            Purpose::ValidationData,
            Purpose::NetworkInit,
            Purpose::EvalConditions,
            Purpose::Dropout,
            Purpose::Selection,
        ];
        let streams: Vec<Vec<u64>> = all.iter().map(|&p| draws(seed_stream(7, p))).collect();
        for i in 0..streams.len() {
            for j in 0..i {
                assert_ne!(streams[i], streams[j], "{:?} and {:?} draw the same numbers", all[i], all[j]);
            }
        }
        assert_eq!(streams[0], draws(EnvRng::seed_from_u64(7)));
        assert_eq!(draws(seed_stream(7, Purpose::TrainData)), streams[1], "a stream is a function of the seed");
        assert_ne!(draws(seed_stream(8, Purpose::TrainData)), streams[1]);
    }
}
