//! The CSV logs of a SAC run, one typed row per file.

butterfly_store::log_row! {
    /// One training episode (`episodes.csv`).
    pub struct EpisodeRow in "episodes.csv" {
        step: u64 => "step",
        ret: f64 => "return",
        length: usize => "length",
    }
    key(row) = (row.step, String::new());
}

butterfly_store::log_row! {
    /// One deterministic evaluation over the fixed initial conditions (`eval.csv`).
    pub struct EvalRow in "eval.csv" {
        step: u64 => "step",
        mean_return: f64 => "mean_return",
        std_return: f64 => "std_return",
        min_return: f64 => "min_return",
        max_return: f64 => "max_return",
        mean_length: f64 => "mean_length",
    }
    key(row) = (row.step, String::new());
}

butterfly_store::log_row! {
    /// Wall-clock figures (`timing.csv`), apart so that the other logs are identical between identical runs.
    pub struct TimingRow in "timing.csv", by_rows {
        step: u64 => "step",
        elapsed_s: f64 => "elapsed_s" as "{:.3}",
        steps_per_s: f64 => "steps_per_s" as "{:.2}",
    }
    key(row) = (row.step, String::new());
}

butterfly_store::log_bundle! {
    /// SAC's logs.
    pub(crate) struct Logs {
        pub(crate) episodes: butterfly_store::Log<EpisodeRow>,
        pub(crate) eval: butterfly_store::Log<EvalRow>,
        pub(crate) timing: butterfly_store::Log<TimingRow>,
        /// The same numbers for TensorBoard (`tensorboard --logdir RUN/tensorboard`).
        pub(crate) events: butterfly_store::EventLog,
    }
}
