//! The keys every trainer on the shared loop declares alike (BC's and the LM's configs: `steps`,
//! `accumulation`, `optimizer`, `schedule`, `stabilizers`, `eval.every`, `eval.log_every`,
//! `eval.windows`), read in one place: [`training_config!`] implements [`TrainingConfig`] for a config
//! that has them, so the loop's config and the budget scaling are written once.

use crate::LoopConfig;

pub trait TrainingConfig {
    /// The shared loop's config, with the checkpoint `format`, the ranges AdamW decays (None: all) and the
    /// run's threads.
    fn loop_config(
        &self,
        format: &'static str,
        decayed: Option<Vec<std::ops::Range<usize>>>,
        threads: butterfly_nn::Threads,
    ) -> LoopConfig;
    /// The same run at a budget of `steps` updates ([`crate::scale_budget`]).
    fn scale_budget(&mut self, steps: u64);
}

/// Implements [`TrainingConfig`] for a config struct with the shared keys.
#[macro_export]
macro_rules! training_config {
    ($config:ty) => {
        impl $crate::TrainingConfig for $config {
            fn loop_config(
                &self,
                format: &'static str,
                decayed: Option<Vec<std::ops::Range<usize>>>,
                threads: $crate::Threads,
            ) -> $crate::LoopConfig {
                $crate::LoopConfig {
                    steps: self.steps,
                    accumulation: self.accumulation,
                    optimizer: self.optimizer,
                    schedule: self.schedule,
                    stabilizers: self.stabilizers.clone(),
                    eval_every: self.eval.every,
                    log_every: self.eval.log_every,
                    windows: self.eval.windows.clone(),
                    format,
                    decayed,
                    threads,
                }
            }

            fn scale_budget(&mut self, steps: u64) {
                let budget = $crate::Budget {
                    steps: &mut self.steps,
                    eval_every: &mut self.eval.every,
                    schedule: &mut self.schedule,
                    stabilizers: &mut self.stabilizers,
                    windows: &mut self.eval.windows,
                };
                $crate::scale_budget(budget, steps);
            }
        }
    };
}
