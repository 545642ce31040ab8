//! The logs the loop itself writes, one typed row per file.

butterfly_store::log_row! {
    /// Training loss, every `log_every` updates (`metrics.csv`).
    pub struct MetricsRow in "metrics.csv" {
        step: u64 => "step",
        lr: f64 => "lr",
        train_loss: f64 => "train_loss",
    }
    key(row) = (row.step, String::new());
}

butterfly_store::log_row! {
    /// Held-out loss per evaluation and variant (`validation.csv`).
    pub struct ValidationRow in "validation.csv" {
        step: u64 => "step",
        variant: String => "variant",
        val_loss: f64 => "val_loss",
    }
    key(row) = (row.step, row.variant.clone());
}

butterfly_store::log_row! {
    /// Wall-clock figures (`timing.csv`), apart so that the other logs are identical between identical runs.
    pub struct TimingRow in "timing.csv", by_rows {
        step: u64 => "step",
        elapsed_s: f64 => "elapsed_s" as "{:.3}",
        updates_per_s: f64 => "updates_per_s" as "{:.2}",
        eval_s: f64 => "eval_s" as "{:.3}",
    }
    key(row) = (row.step, String::new());
}

butterfly_store::log_bundle! {
    /// The logs the loop writes.
    pub(crate) struct LoopLogs {
        pub metrics: butterfly_store::Log<MetricsRow>,
        pub validation: butterfly_store::Log<ValidationRow>,
        pub timing: butterfly_store::Log<TimingRow>,
        /// The same numbers for TensorBoard (`tensorboard --logdir RUN/tensorboard`).
        pub events: butterfly_store::EventLog,
    }
}
