//! What a model brings to the training loop: its minibatch gradient, its held-out loss, and how its
//! parameters are judged (rollouts for an imitator, generations for a language model).

use butterfly_store::{Checkpoint, StoreError};

use crate::TrainError;

/// The generator of minibatches and dropout masks (it first draws θ₀).
pub type TrainRng = rand_chacha::ChaCha8Rng;

pub trait Learner {
    /// The learner's own error; the loop's errors convert into it.
    type Error: From<TrainError> + From<StoreError> + From<butterfly_nn::NnError>;

    /// The loss of one minibatch drawn with `rng` at `theta`; its gradient goes into `grad` (added to it
    /// when `accumulate`).
    fn minibatch_gradient(
        &mut self,
        theta: &[f32],
        rng: &mut TrainRng,
        grad: &mut [f32],
        accumulate: bool,
    ) -> Result<f64, Self::Error>;

    /// The loss on held-out data at `theta`.
    fn held_out_loss(&mut self, theta: &[f32]) -> Result<f64, Self::Error>;

    /// After update `step` (e.g. fresh data replacing old).
    fn after_update(&mut self, _step: u64) -> Result<(), Self::Error> {
        Ok(())
    }

    /// What [`Learner::evaluate`]'s headline numbers are called in TensorBoard (`J_H` for BC).
    const HEADLINE: &'static str = "headline";

    /// Judges every variant (raw first, then the stabilizers) at evaluation `step`, writing its own
    /// logs; returns one headline number per variant (shown while training), or none to show the
    /// held-out loss.
    fn evaluate(&mut self, step: u64, variants: &[(&str, &[f32])]) -> Result<Vec<f64>, Self::Error>;

    /// Judges the iterates of an evaluation window, `(step, variant, parameters)`, writing its own logs.
    fn evaluate_iterates(&mut self, iterates: &[(u64, &str, &[f32])]) -> Result<(), Self::Error>;

    /// Its share of a checkpoint: its generators, data and log positions.
    fn save_state(&self, checkpoint: &mut Checkpoint) -> Result<(), Self::Error>;

    /// Restores and checks its share, touching no file.
    fn load_state(&mut self, checkpoint: &Checkpoint) -> Result<(), Self::Error>;

    /// Cuts its logs back to the checkpoint, once everything was restored.
    fn cut_back(&mut self) -> Result<(), Self::Error>;

    /// Metadata of the parameter files kept at every evaluation (e.g. the env).
    fn params_meta(&self) -> Vec<(String, String)>;
}
