//! Bifurcations at every iterate: inside the evaluation windows, each variant's greedy continuations of
//! a fixed prompt set are compared with those of the same variant one update earlier
//! (`iterate_generations.csv`), so that neighbouring iterates — not just kept ones, hundreds of updates
//! apart — are seen to part. Off unless the config asks for it.

use std::collections::BTreeMap;

use butterfly_gpt::GptConfig;
use butterfly_store::{Checkpoint, Log, LogRow, field, finite};

use crate::LmError;
use crate::analysis::bifurcation::{BifurcationRow, Probe, ProbeOutputs};

/// One variant between two consecutive iterates of a window.
#[derive(Debug, Clone, PartialEq)]
pub struct IterateBifurcationRow(pub BifurcationRow);

impl LogRow for IterateBifurcationRow {
    const FILE: &'static str = "iterate_generations.csv";
    const HEADER: &'static str = "step,variant,from_step,first_difference,diverged,differing_fraction,edit_distance,teacher_forced,amplification";
    fn line(&self) -> String {
        let r = &self.0;
        let amplification = r.amplification.map_or(String::new(), |a| format!("{a:?}"));
        format!(
            "{},{},{},{:?},{:?},{:?},{:?},{:?},{amplification}",
            r.step,
            r.variant,
            r.from_step,
            r.first_difference,
            r.diverged,
            r.differing_fraction,
            r.edit_distance,
            r.teacher_forced
        )
    }
    fn parse(f: &[&str]) -> Result<Self, String> {
        let share = |k: usize, name: &str| -> Result<f64, String> {
            let x = finite(f, k, name)?;
            if (0.0..=1.0).contains(&x) { Ok(x) } else { Err(format!("{name} {x} is not a share in [0, 1]")) }
        };
        let step: u64 = field(f, 0, "step")?;
        let from_step: u64 = field(f, 2, "from_step")?;
        if from_step >= step {
            return Err(format!("from_step {from_step} is not before step {step}"));
        }
        Ok(Self(BifurcationRow {
            step,
            variant: f[1].to_string(),
            from_step,
            first_difference: finite(f, 3, "first_difference")?,
            diverged: share(4, "diverged")?,
            differing_fraction: share(5, "differing_fraction")?,
            edit_distance: finite(f, 6, "edit_distance")?,
            teacher_forced: share(7, "teacher_forced")?,
            amplification: if f[8].is_empty() { None } else { Some(finite(f, 8, "amplification")?) },
        }))
    }
    fn key(&self) -> (u64, String) {
        (self.0.step, self.0.variant.clone())
    }
}

/// The probe, the last window iterate's outputs per variant, and the log.
pub struct WindowProbe {
    probe: Probe,
    config: GptConfig,
    last: BTreeMap<String, (u64, ProbeOutputs)>,
    log: Log<IterateBifurcationRow>,
}

impl WindowProbe {
    pub fn new(probe: Probe, config: GptConfig, log: Log<IterateBifurcationRow>) -> Self {
        Self { probe, config, last: BTreeMap::new(), log }
    }

    /// Judges `theta`, the parameters of `variant` after update `step`, against the same variant one
    /// update earlier when that was judged too.
    pub fn judge(&mut self, step: u64, variant: &str, theta: &[f32]) -> Result<(), LmError> {
        let outputs = self.probe.outputs(theta, self.config)?;
        if let Some((from, before)) = self.last.get(variant).filter(|(from, _)| from + 1 == step) {
            self.log.append(&IterateBifurcationRow(self.probe.compare(variant, (*from, before), (step, &outputs))))?;
        }
        self.last.insert(variant.to_string(), (step, outputs));
        Ok(())
    }

    /// The log position and the last outputs (a window may go on past a checkpoint).
    pub fn save(&self, c: &mut Checkpoint) -> Result<(), LmError> {
        self.log.record(c)?;
        c.set_meta("window_probe.variants", self.last.keys().cloned().collect::<Vec<_>>().join("\n"));
        for (variant, (step, out)) in &self.last {
            c.put_count(&format!("window_probe.{variant}.step"), *step);
            let words = |xs: &mut dyn Iterator<Item = u32>| xs.map(u64::from).collect::<Vec<u64>>();
            c.put_words(
                &format!("window_probe.{variant}.continuations"),
                &words(&mut out.continuations.iter().flatten().copied()),
            );
            c.put_words(&format!("window_probe.{variant}.forced"), &words(&mut out.forced.iter().copied()));
        }
        Ok(())
    }

    /// Restores the last outputs, checking their sizes against the probe.
    pub fn load(&mut self, c: &Checkpoint) -> Result<(), LmError> {
        let names = c.meta("window_probe.variants")?;
        let (prompts, tokens, window) = self.probe.shape();
        let mut last = BTreeMap::new();
        for variant in names.split('\n').filter(|n| !n.is_empty()) {
            let tokens_of = |name: &str, len: usize| -> Result<Vec<u32>, LmError> {
                let words = c.words(&format!("window_probe.{variant}.{name}"))?;
                if words.len() != len || words.iter().any(|&w| w > u64::from(u32::MAX)) {
                    return Err(c
                        .invalid(format!(
                            "window_probe.{variant}.{name} holds {} tokens, the probe needs {len}",
                            words.len()
                        ))
                        .into());
                }
                Ok(words.iter().map(|&w| w as u32).collect())
            };
            let continuations =
                tokens_of("continuations", prompts * tokens)?.chunks(tokens).map(<[u32]>::to_vec).collect();
            let forced = tokens_of("forced", prompts * window)?;
            last.insert(
                variant.to_string(),
                (c.count(&format!("window_probe.{variant}.step"))?, ProbeOutputs { continuations, forced }),
            );
        }
        self.last = last;
        Ok(())
    }

    pub fn cut_back(&mut self) -> Result<(), LmError> {
        Ok(self.log.cut_back()?)
    }
}
