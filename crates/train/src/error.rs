#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("config: {0}")]
    Config(String),

    #[error(
        "training diverged at step {step} (loss {loss}); the last good checkpoint (step {checkpoint}) is kept: \
         lower the learning rate or clip gradients, then resume or restart"
    )]
    Diverged { step: u64, loss: f64, checkpoint: u64 },

    #[error(transparent)]
    Nn(#[from] butterfly_nn::NnError),

    #[error(transparent)]
    Store(#[from] butterfly_store::StoreError),
}
