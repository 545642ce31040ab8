//! `lm train`: a GPT on the shared training loop, in a locked run directory that resumes bit for bit.

use std::path::Path;

use butterfly_envs::{Purpose, seed_stream};
use butterfly_gpt::{Gpt, GptConfig};
use butterfly_store::{Checkpoint, Log, RunDir};
use butterfly_train::{Run, RunKind, Threads, TrainLoop, TrainRng, TrainingConfig};

use crate::analysis::bifurcation::{BifurcationSpec, Probe};
use crate::analysis::window_probe::{IterateBifurcationRow, WindowProbe};
use crate::data::prepare::{TRAIN_SHARD, VAL_SHARD, tokenizer_file};
use crate::data::shard;
use crate::data::tokenizer::Tokenizer;
use crate::data::windows::WindowStarts;
use crate::training::learner::{IterateLossRow, LmLearner};
use crate::{LmConfig, LmError};

/// Version 1 of the LM checkpoint.
/// Version 2: the seed's named streams (θ₀, batches and dropout each on its own); version 1 drew all three
/// from one generator.
const FORMAT: &str = "butterfly-lm-checkpoint-2";

/// What a run reads, checked before its directory is made: tokenizer, shards, model and memory.
pub struct Inputs {
    tokenizer: std::path::PathBuf,
    pub(crate) train: Vec<u32>,
    pub(crate) val: Vec<u32>,
    /// Where training windows start, and the fixed validation windows.
    pub(crate) starts: (WindowStarts, Vec<usize>),
    /// The prompts of the window generations, when asked for.
    probe: Option<Probe>,
    pub(crate) gpt: GptConfig,
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
    let probe =
        config.eval.window_generations.map(|w| Probe::new(&val, m.context, &BifurcationSpec::from(w))).transpose()?;
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

/// Language modelling as a kind of run.
pub struct Lm;

/// An LM run: the shared lifecycle and loop over an [`LmLearner`].
pub type LmTrainer = Run<Lm>;

impl RunKind for Lm {
    type Config = LmConfig;
    type Error = LmError;
    type Context<'a> = ();
    type Checked = Inputs;
    type Body = TrainLoop<LmLearner>;
    const FORMAT: &'static str = FORMAT;

    fn parse(text: &str, path: &Path) -> Result<LmConfig, LmError> {
        LmConfig::from_toml(text).map_err(|e| LmError::RunDir { path: path.to_path_buf(), what: e.to_string() })
    }

    fn to_toml(config: &LmConfig) -> String {
        config.to_toml()
    }

    fn threads(config: &LmConfig) -> usize {
        config.threads
    }

    fn set_steps(config: &mut LmConfig, steps: u64) {
        config.steps = steps;
    }

    fn check(config: &LmConfig, (): ()) -> Result<Inputs, LmError> {
        inputs(config)
    }

    /// The run's copy of the tokenizer and its logs.
    fn begin(
        run: RunDir,
        config: &LmConfig,
        mut inputs: Inputs,
        threads: Threads,
    ) -> Result<TrainLoop<LmLearner>, LmError> {
        let bytes = std::fs::read(&inputs.tokenizer)
            .map_err(|e| LmError::Tokenizer(format!("{}: {e}", inputs.tokenizer.display())))?;
        run.make_dir("checkpoints")?;
        butterfly_store::write_atomic(&tokenizer_copy(&run, &inputs), &bytes)?;
        let logs = open_logs(&run, None, inputs.probe.take(), inputs.gpt)?;
        let (learner, theta, rng) = learner(&run, config, inputs, logs, &threads)?;
        let decayed = Some(learner.gpt.table.decayed_ranges());
        TrainLoop::fresh(run, config.loop_config(FORMAT, decayed, threads), learner, theta, rng)
    }

    fn reopen(
        run: RunDir,
        config: &LmConfig,
        mut inputs: Inputs,
        ckpt: &Checkpoint,
        threads: Threads,
    ) -> Result<TrainLoop<LmLearner>, LmError> {
        let logs = open_logs(&run, Some(ckpt), inputs.probe.take(), inputs.gpt)?;
        let (learner, theta, _) = learner(&run, config, inputs, logs, &threads)?;
        let decayed = Some(learner.gpt.table.decayed_ranges());
        TrainLoop::resume(run, config.loop_config(FORMAT, decayed, threads), learner, theta, ckpt)
    }
}

/// Where a run keeps its copy of the tokenizer.
fn tokenizer_copy(run: &RunDir, inputs: &Inputs) -> std::path::PathBuf {
    run.join(inputs.tokenizer.file_name().expect("a file"))
}

/// The learner over `inputs` (its model on `threads`), θ₀ (drawn from the seed's network stream) and the
/// training stream that draws the minibatches.
fn learner(
    run: &RunDir,
    config: &LmConfig,
    inputs: Inputs,
    (iterates, probe): (Log<IterateLossRow>, Option<WindowProbe>),
    threads: &Threads,
) -> Result<(LmLearner, Vec<f32>, TrainRng), LmError> {
    let gpt = Gpt::new(inputs.gpt)?.with_threads(threads.clone());
    let files = vec![
        ("tokenizer".to_string(), tokenizer_copy(run, &inputs)),
        (TRAIN_SHARD.to_string(), config.data.join(TRAIN_SHARD)),
        (VAL_SHARD.to_string(), config.data.join(VAL_SHARD)),
    ];
    let theta = gpt.table.init(&mut seed_stream(config.seed, Purpose::NetworkInit));
    let dropout = (config.model.dropout, seed_stream(config.seed, Purpose::Dropout));
    let (b, t) = (config.batch_size, config.seq_len);
    let learner = LmLearner::new(gpt, inputs.train, inputs.val, b, t, dropout, inputs.starts, iterates, probe, files);
    Ok((learner, theta, seed_stream(config.seed, Purpose::Training)))
}

/// Tokens per optimizer update.
pub fn tokens_per_step(config: &LmConfig) -> usize {
    config.batch_size * config.seq_len * config.accumulation
}
