//! `lm train`: a GPT on the shared training loop, in a locked run directory that resumes bit for bit.

use std::path::Path;

use butterfly_gpt::{Gpt, GptConfig};
use butterfly_store::{Log, RunDir, Start};
use butterfly_train::{LoopConfig, Progress, TrainLoop};
use rand::SeedableRng;

use crate::bifurcation::Probe;
use crate::learner::{IterateLossRow, LmLearner};
use crate::prepare::{TRAIN_SHARD, VAL_SHARD, tokenizer_file};
use crate::tokenizer::Tokenizer;
use crate::window_probe::{IterateBifurcationRow, WindowProbe};
use crate::windows::WindowStarts;
use crate::{LmConfig, LmError, shard};

/// Version 1 of the LM checkpoint.
const FORMAT: &str = "butterfly-lm-checkpoint-1";

pub struct LmTrainer {
    inner: TrainLoop<LmLearner>,
    config: LmConfig,
}

/// What a run reads, checked before its directory is made: tokenizer, shards, model and memory.
pub(crate) struct Inputs {
    tokenizer: std::path::PathBuf,
    pub train: Vec<u32>,
    pub val: Vec<u32>,
    /// Where training windows start, and the fixed validation windows.
    pub starts: (WindowStarts, Vec<usize>),
    /// The prompts of the window generations, when asked for.
    pub probe: Option<Probe>,
    pub gpt: GptConfig,
}

pub(crate) fn inputs(config: &LmConfig) -> Result<Inputs, LmError> {
    config.validate()?;
    let tokenizer = tokenizer_file(&config.data)?;
    let loaded = Tokenizer::load(&tokenizer)?;
    let (vocab_size, end_of_text) = (loaded.vocab_size(), loaded.end_of_text());
    let m = &config.model;
    let gpt = GptConfig { vocab_size, context: m.context, n_layer: m.n_layer, n_head: m.n_head, n_embd: m.n_embd };
    gpt.validate()?;
    let (l, c, v, t) = (m.n_layer as u128, m.n_embd as u128, vocab_size as u128, config.seq_len as u128);
    let params = 12 * l * c * c + 13 * l * c + (v + m.context as u128) * c;
    let variants = 1 + config.stabilizers.len() as u128;
    // Two workers' activations for half the batch each: per token ≈ L·(16C + NH·T) + 2V, forward and
    // backward.
    let per_token = l * (16 * c + m.n_head as u128 * t) + 2 * v;
    butterfly_store::memory::ensure_fits(&[
        (
            &format!("the model (n_layer = {}, n_embd = {})", m.n_layer, m.n_embd),
            params.saturating_mul(4 + 17 * variants),
            4,
        ),
        (
            &format!("the activations (batch_size = {}, seq_len = {})", config.batch_size, config.seq_len),
            (config.batch_size as u128).saturating_mul(t).saturating_mul(2 * per_token),
            4,
        ),
    ])?;
    let train = shard::read(&config.data.join(TRAIN_SHARD))?;
    let val = shard::read(&config.data.join(VAL_SHARD))?;
    for (name, tokens) in [(TRAIN_SHARD, &train), (VAL_SHARD, &val)] {
        let path = config.data.join(name);
        if tokens.len() < config.seq_len + 2 {
            return Err(LmError::Shard {
                path,
                what: format!("{} tokens, a sequence needs {}", tokens.len(), config.seq_len + 2),
            });
        }
        if let Some(t) = tokens.iter().find(|&&t| t as usize >= vocab_size) {
            return Err(LmError::Shard {
                path,
                what: format!("token {t} is outside the tokenizer's vocabulary of {vocab_size}"),
            });
        }
    }
    let (t, align) = (config.seq_len, config.windows);
    let val_starts =
        WindowStarts::new(&val, t, align, end_of_text)?.evenly(config.eval.val_batches * config.batch_size);
    let starts = (WindowStarts::new(&train, t, align, end_of_text)?, val_starts);
    let probe = config.eval.window_generations.map(|w| Probe::new(&val, m.context, &w.spec())).transpose()?;
    Ok(Inputs { tokenizer, train, val, starts, probe, gpt })
}

/// The learner's logs in `run`: made fresh, or opened at the positions `checkpoint` recorded.
fn open_logs(
    run: &RunDir,
    checkpoint: Option<&butterfly_store::Checkpoint>,
    probe: Option<Probe>,
    gpt: GptConfig,
) -> Result<(Log<IterateLossRow>, Option<WindowProbe>), LmError> {
    let iterates = Log::open(run.path(), checkpoint)?;
    let probe = match probe {
        Some(p) => Some(WindowProbe::new(p, gpt, Log::<IterateBifurcationRow>::open(run.path(), checkpoint)?)),
        None => None,
    };
    Ok((iterates, probe))
}

impl LmTrainer {
    /// Starts a run of `config` in `dir` (new or empty), or continues the run of the same config there.
    pub fn create(config: LmConfig, dir: &Path) -> Result<Self, LmError> {
        let inputs = inputs(&config)?;
        let (run, start) = RunDir::claim(dir, &config.to_toml())?;
        Self::start(run, start, config, inputs)
    }

    /// Continues the run in `dir` from its checkpoint, or from nothing when it died before one.
    pub fn resume(dir: &Path) -> Result<Self, LmError> {
        let (run, text, start) = RunDir::open(dir)?;
        let config = LmConfig::from_toml(&text)
            .map_err(|e| LmError::RunDir { path: run.join(butterfly_store::run_dir::CONFIG), what: e.to_string() })?;
        let inputs = inputs(&config)?;
        Self::start(run, start, config, inputs)
    }

    fn start(run: RunDir, start: Start, config: LmConfig, inputs: Inputs) -> Result<Self, LmError> {
        let gpt = Gpt::new(inputs.gpt)?;
        let copy = run.join(inputs.tokenizer.file_name().expect("a file"));
        let files = vec![
            ("tokenizer".to_string(), copy.clone()),
            (TRAIN_SHARD.to_string(), config.data.join(TRAIN_SHARD)),
            (VAL_SHARD.to_string(), config.data.join(VAL_SHARD)),
        ];
        let loop_config = LoopConfig {
            steps: config.steps,
            accumulation: config.accumulation,
            optimizer: config.optimizer,
            schedule: config.schedule,
            stabilizers: config.stabilizers.clone(),
            eval_every: config.eval.every,
            log_every: config.eval.log_every,
            windows: config.eval.windows.clone(),
            format: FORMAT,
            decayed: Some(gpt.table.decayed_ranges()),
        };
        let mut rng = butterfly_train::TrainRng::seed_from_u64(config.seed);
        let theta = gpt.table.init(&mut rng);
        // The logs: opened at the checkpoint's positions, or made for a fresh run (a failure removes it).
        let (ckpt, (iterates, probe)) = match start {
            Start::Checkpointed => {
                let ckpt = TrainLoop::<LmLearner>::checkpoint(&run, FORMAT)?;
                let logs = open_logs(&run, Some(&ckpt), inputs.probe, inputs.gpt)?;
                (Some(ckpt), logs)
            }
            Start::Fresh => {
                let made = (|| {
                    let bytes = std::fs::read(&inputs.tokenizer)
                        .map_err(|e| LmError::Tokenizer(format!("{}: {e}", inputs.tokenizer.display())))?;
                    run.make_dir("checkpoints")?;
                    butterfly_store::write_atomic(&copy, &bytes)?;
                    open_logs(&run, None, inputs.probe, inputs.gpt)
                })();
                match made {
                    Ok(logs) => (None, logs),
                    Err(e) => {
                        run.discard();
                        return Err(e);
                    }
                }
            }
        };
        let (b, t, dropout) = (config.batch_size, config.seq_len, config.model.dropout);
        let learner =
            LmLearner::new(gpt, inputs.train, inputs.val, b, t, dropout, inputs.starts, iterates, probe, files);
        let inner = match &ckpt {
            Some(ckpt) => TrainLoop::resume(run, loop_config, learner, theta, ckpt)?,
            None => TrainLoop::fresh(run, loop_config, learner, theta, rng)?,
        };
        Ok(Self { inner, config })
    }

    pub fn config(&self) -> &LmConfig {
        &self.config
    }

    pub fn dir(&self) -> &Path {
        self.inner.run_dir().path()
    }

    pub fn step(&self) -> u64 {
        self.inner.step()
    }

    pub fn total_steps(&self) -> u64 {
        self.inner.total_steps()
    }

    /// Validation loss of each variant (raw first) at the last evaluation of this session.
    pub fn last_eval(&self) -> &[(String, f64)] {
        self.inner.last_eval()
    }

    /// Tokens per optimizer update.
    pub fn tokens_per_step(&self) -> usize {
        self.config.batch_size * self.config.seq_len * self.config.accumulation
    }

    pub fn run(&mut self, stop_at: Option<u64>, on_progress: impl FnMut(&Progress)) -> Result<(), LmError> {
        self.inner.run(stop_at, on_progress)
    }
}
