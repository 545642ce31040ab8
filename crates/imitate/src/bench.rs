//! The training benchmark behind `butterfly bench train`: BC steps/s of the default imitator at several
//! hidden widths, batch-20 inference latency, the sgemm peak, the share of a step that every tracked
//! stabilizer (3 EMAs, BEMA, 2 power EMAs) takes, the default Transformer imitator's step and batch-20
//! action step, and PyTorch's figures on the same workloads.

use std::path::PathBuf;
use std::time::Instant;

use butterfly_envs::bench::median;
use butterfly_gpt::ImitatorShape;
use butterfly_nn::bench::{IMITATOR_INPUT, IMITATOR_OUTPUT, INFER_BATCH, TRAIN_BATCH};
use butterfly_nn::{Layout, bench};

use crate::config::TRANSFORMER_DEFAULTS;
use crate::torch_reference::{TorchRates, run_torch};
use crate::{ImitateError, StabilizerSpec, update_all};

/// The default Transformer imitator on Walker2d's rows (observation and previous action).
pub fn transformer_shape() -> ImitatorShape {
    let (window, n_layer, n_head, n_embd) = TRANSFORMER_DEFAULTS;
    ImitatorShape { input: IMITATOR_INPUT, output: IMITATOR_OUTPUT, window, n_layer, n_head, n_embd }
}

/// The Transformer imitator's figures (medians): training steps/s on batches of 256 windows, and one
/// batch-20 action step.
#[derive(Debug, Clone, Copy)]
pub struct TransformerRate {
    pub steps_per_s: f64,
    pub infer_us_b20: f64,
}

/// How much to measure.
#[derive(Debug, Clone)]
pub struct TrainBench {
    /// Hidden widths (4 hidden layers each).
    pub widths: Vec<usize>,
    /// Timed training steps per repeat at width 256 (scaled down for wider nets).
    pub steps: usize,
    /// Repeats per measurement; the median is reported.
    pub repeats: usize,
    /// Threads of PyTorch (the engine's are set by the caller).
    pub threads: usize,
    /// Pythons to try for PyTorch's side, in order; `None` skips it.
    pub torch: Option<Vec<PathBuf>>,
}

/// BC training speed at one hidden width.
#[derive(Debug, Clone, Copy)]
pub struct WidthRate {
    pub width: usize,
    pub steps_per_s: f64,
    /// Achieved GFLOP/s of those steps.
    pub gflops: f64,
}

/// PyTorch's side: skipped, looked for in vain, or measured.
#[derive(Debug, Clone)]
pub enum Torch {
    Skipped,
    NotFound,
    Measured(TorchRates),
}

/// Medians over the repeats.
#[derive(Debug, Clone)]
pub struct TrainRates {
    pub bc: Vec<WidthRate>,
    pub infer_us_b20: f64,
    pub sgemm_peak_gflops: f64,
    /// The update time of every tracked stabilizer (3 EMAs, BEMA, 2 power EMAs) over a width-256 step's (None
    /// without width 256).
    pub ema_share: Option<f64>,
    pub transformer: TransformerRate,
    pub torch: Torch,
}

impl TrainRates {
    /// The width-256 figures, if measured.
    pub fn at_256(&self) -> Option<&WidthRate> {
        self.bc.iter().find(|r| r.width == 256)
    }
}

impl TrainBench {
    pub fn measure(&self) -> Result<TrainRates, ImitateError> {
        if self.widths.is_empty() || self.repeats == 0 || self.steps == 0 {
            return Err(ImitateError::Config("--widths, --steps and --repeats must be non-empty / at least 1".into()));
        }
        // The same Transformer on both sides.
        let shape = transformer_shape();
        // PyTorch first: it runs in its own process, never alongside our timing.
        let torch = match &self.torch {
            None => Torch::Skipped,
            Some(candidates) => {
                match run_torch(candidates, &self.widths, &shape, self.steps, self.repeats, self.threads)? {
                    Some(rates) => Torch::Measured(rates),
                    None => Torch::NotFound,
                }
            }
        };
        let threads = butterfly_nn::Threads::new(self.threads)?;
        let mut bc = Vec::new();
        for &width in &self.widths {
            let runs = (0..self.repeats)
                .map(|_| bench::bc_steps_per_s(width, self.steps_at(width), &threads))
                .collect::<Result<_, _>>()?;
            let steps_per_s = median(runs);
            let flops = bench::bc_step_flops(&Layout::new(bench::imitator_spec(width))?, bench::TRAIN_BATCH);
            bc.push(WidthRate { width, steps_per_s, gflops: steps_per_s * flops / 1e9 });
        }
        let infer_runs =
            (0..self.repeats).map(|_| bench::infer_latency_us(256, 2000, &threads)).collect::<Result<_, _>>()?;
        let sgemm_peak_gflops = median((0..self.repeats).map(|_| bench::sgemm_gflops(1024, 10, &threads)).collect());
        let ema_share = match bc.iter().find(|r| r.width == 256) {
            Some(r) => {
                let seconds =
                    (0..self.repeats).map(|_| stabilizer_seconds_per_step(&threads)).collect::<Result<_, _>>()?;
                Some(median(seconds) * r.steps_per_s)
            }
            None => None,
        };
        let gpt = |e: butterfly_gpt::GptError| ImitateError::Config(e.to_string());
        let steps = (self.steps / 4).max(5);
        let transformer = TransformerRate {
            steps_per_s: median(
                (0..self.repeats)
                    .map(|_| butterfly_gpt::bench::steps_per_s(shape, TRAIN_BATCH, steps, &threads).map_err(gpt))
                    .collect::<Result<_, _>>()?,
            ),
            infer_us_b20: median(
                (0..self.repeats)
                    .map(|_| butterfly_gpt::bench::infer_latency_us(shape, INFER_BATCH, 500).map_err(gpt))
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(TrainRates { bc, infer_us_b20: median(infer_runs), sgemm_peak_gflops, ema_share, transformer, torch })
    }

    /// Timed steps at a width: keep each repeat's wall time roughly equal across widths.
    fn steps_at(&self, width: usize) -> usize {
        (self.steps * 256 * 256 / (width * width)).max(5)
    }
}

/// Every stabilizer a run may track, as `bench train` times them: the three default EMAs (α = 0.5, 0.7, 0.9),
/// BEMA with its defaults, and EDM2's two power EMAs (σ_rel 0.05 and 0.10) whose snapshots `stabilize` uses.
const TRACKED: [&str; 6] = [
    "kind = \"ema\"\nalpha = 0.5\ngamma_min = 1e-4",
    "kind = \"ema\"\nalpha = 0.7\ngamma_min = 1e-4",
    "kind = \"ema\"\nalpha = 0.9\ngamma_min = 1e-4",
    "kind = \"bema\"",
    "kind = \"power\"\nsigma_rel = 0.05",
    "kind = \"power\"\nsigma_rel = 0.1",
];

/// Seconds to update every tracked stabilizer ([`TRACKED`]) over the width-256 imitator's θ.
fn stabilizer_seconds_per_step(threads: &butterfly_nn::Threads) -> Result<f64, ImitateError> {
    let layout = Layout::new(bench::imitator_spec(256))?;
    let theta: Vec<f32> = (0..layout.num_params()).map(|i| (i as f32 * 1e-3).sin()).collect();
    let mut emas = TRACKED
        .iter()
        .map(|text| {
            let spec: StabilizerSpec = toml::from_str(text).map_err(|e| ImitateError::Config(e.to_string()))?;
            Ok(spec.build(&theta)?)
        })
        .collect::<Result<Vec<_>, ImitateError>>()?;
    const UPDATES: u64 = 200;
    let start = Instant::now();
    for t in 1..=UPDATES {
        update_all(&mut emas, t + 1, &theta, threads);
    }
    Ok(start.elapsed().as_secs_f64() / UPDATES as f64)
}
