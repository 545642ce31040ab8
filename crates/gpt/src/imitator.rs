//! The Transformer imitator's network: a GPT over windows of continuous vectors. Each row of a window
//! (one step's state and previous action) is embedded by a linear map plus a learned position
//! embedding, runs through the shared block stack, and one row per window is read by a linear head
//! whose output is squashed into the action box. Parameter names follow nanoGPT's for the blocks,
//! with `embed.*` and `head.*` for the two ends.

use butterfly_nn::{Float, Threads, mse};
use rand::Rng;

use crate::ops::dropout::Dropout;
use crate::ops::{matmul, position, squash};
use crate::params::{TableBuilder, init_tensors};
use crate::trunk::{Trunk, TrunkParams, TrunkShape, sized};
use crate::{BlockOffsets, GptError, ParamTensor};

/// The imitator's shape: `input` channels per row, `output` actions, windows of up to `window` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImitatorShape {
    pub input: usize,
    pub output: usize,
    pub window: usize,
    pub n_layer: usize,
    pub n_head: usize,
    pub n_embd: usize,
}

impl ImitatorShape {
    pub fn validate(&self) -> Result<(), GptError> {
        let bad = |m: String| Err(GptError::Config(m));
        if [self.input, self.output, self.window, self.n_layer, self.n_head, self.n_embd].contains(&0) {
            return bad("input, output, window, n_layer, n_head and n_embd must all be ≥ 1".into());
        }
        if !self.n_embd.is_multiple_of(self.n_head) {
            return bad(format!("n_embd = {} must be a multiple of n_head = {}", self.n_embd, self.n_head));
        }
        Ok(())
    }

    pub fn trunk(&self) -> TrunkShape {
        TrunkShape { n_layer: self.n_layer, n_head: self.n_head, n_embd: self.n_embd }
    }
}

/// θ's named tensors: `embed.weight` `[C,D]`, `embed.bias`, `transformer.wpe.weight` `[window,C]`, the
/// blocks, `transformer.ln_f.*`, `head.weight` `[A,C]`, `head.bias`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImitatorTable {
    pub tensors: Vec<ParamTensor>,
    pub embed_w: usize,
    pub embed_b: usize,
    pub wpe: usize,
    pub blocks: Vec<BlockOffsets>,
    pub lnf_w: usize,
    pub lnf_b: usize,
    pub head_w: usize,
    pub head_b: usize,
    pub total: usize,
}

impl ImitatorTable {
    pub fn new(s: &ImitatorShape) -> Self {
        let c = s.n_embd;
        let mut b = TableBuilder::default();
        let embed_w = b.add("embed.weight".into(), vec![c, s.input]);
        let embed_b = b.add("embed.bias".into(), vec![c]);
        let wpe = b.add("transformer.wpe.weight".into(), vec![s.window, c]);
        let blocks = b.blocks(s.n_layer, c);
        let lnf_w = b.add("transformer.ln_f.weight".into(), vec![c]);
        let lnf_b = b.add("transformer.ln_f.bias".into(), vec![c]);
        let head_w = b.add("head.weight".into(), vec![s.output, c]);
        let head_b = b.add("head.bias".into(), vec![s.output]);
        Self { tensors: b.tensors, embed_w, embed_b, wpe, blocks, lnf_w, lnf_b, head_w, head_b, total: b.total }
    }

    /// nanoGPT's initialization (the two ends' weights N(0, 0.02), biases 0).
    pub fn init(&self, rng: &mut impl Rng) -> Vec<f32> {
        init_tensors(&self.tensors, self.total, self.blocks.len(), rng)
    }

    pub fn trunk(&self) -> TrunkParams<'_> {
        TrunkParams { blocks: &self.blocks, lnf_w: self.lnf_w, lnf_b: self.lnf_b }
    }
}

/// One worker's buffers for B windows of T rows.
#[derive(Debug, Clone, Default)]
pub struct ImitatorWorker<T> {
    trunk: Trunk<T>,
    /// The row each window is read at, among all B·T; the head's outputs before and after
    /// squashing `[B,A]`.
    rows: Vec<usize>,
    y: Vec<T>,
    pub actions: Vec<T>,
    d_y: Vec<T>,
    /// d(input rows) `[N,D]`, computed by the embedding's backward and not used.
    d_x: Vec<T>,
}

impl<T: Float> ImitatorWorker<T> {
    /// Sizes every buffer for `batch` windows of `seq` rows (allocates only when the shape changes).
    pub fn resize(&mut self, s: &ImitatorShape, batch: usize, seq: usize) {
        if self.trunk.batch == batch && self.trunk.seq == seq {
            return;
        }
        self.trunk.resize(s.trunk(), batch, seq);
        let a = s.output;
        for (buf, len) in [
            (&mut self.y, batch * a),
            (&mut self.actions, batch * a),
            (&mut self.d_y, batch * a),
            (&mut self.d_x, batch * seq * s.input),
        ] {
            sized(buf, len);
        }
    }

    /// The actions `[B,A]` read at row `read[b]` of each window b of `x` `[B,T,D]`, inside the box
    /// `bounds` = (low, high) `[A]`; with `dropout` = (its settings, the index of this worker's first
    /// window in the whole batch), in training mode.
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &mut self,
        s: &ImitatorShape,
        p: &ImitatorTable,
        theta: &[T],
        x: &[T],
        read: &[usize],
        bounds: (&[T], &[T]),
        dropout: Option<(Dropout, usize)>,
    ) -> &[T] {
        let (t, c, d, a) = (self.trunk.seq, s.n_embd, s.input, s.output);
        let n = self.trunk.batch * t;
        let w = |offset: usize, len: usize| &theta[offset..offset + len];
        matmul::forward(&mut self.trunk.input, x, w(p.embed_w, c * d), Some(w(p.embed_b, c)), n, d, c);
        position::forward(&mut self.trunk.input, w(p.wpe, s.window * c), t, c);
        self.rows.clear();
        self.rows.extend(read.iter().enumerate().map(|(b, &r)| b * t + r));
        self.trunk.forward(s.trunk(), p.trunk(), theta, dropout, Some(&self.rows));
        let head_in = &self.trunk.out[..read.len() * c];
        matmul::forward(&mut self.y, head_in, w(p.head_w, a * c), Some(w(p.head_b, a)), read.len(), c, a);
        squash::forward(&mut self.actions, &self.y, bounds.0, bounds.1);
        &self.actions
    }

    /// Adds the gradient of `Σ d_actions · actions` (of the last forward, through its dropout masks)
    /// into `grad`; `x` and `bounds` as given to [`Self::forward`].
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &mut self,
        s: &ImitatorShape,
        p: &ImitatorTable,
        theta: &[T],
        x: &[T],
        bounds: (&[T], &[T]),
        d_actions: &[T],
        grad: &mut [T],
    ) {
        let (t, c, d, a) = (self.trunk.seq, s.n_embd, s.input, s.output);
        let (b_len, n) = (self.trunk.batch, self.trunk.batch * t);
        let w = |offset: usize, len: usize| &theta[offset..offset + len];
        self.d_y.fill(T::ZERO);
        squash::backward(&mut self.d_y, &self.y, d_actions, bounds.0, bounds.1);
        let (dw, db) = grad[p.head_w..p.head_w + a * c + a].split_at_mut(a * c);
        let (head_in, d_head_in) = self.trunk.out_and_d_out();
        matmul::backward(d_head_in, dw, Some(db), &self.d_y, head_in, w(p.head_w, a * c), b_len, c, a);
        let d_input = self.trunk.backward(s.trunk(), p.trunk(), theta, grad);
        position::backward(&mut grad[p.wpe..p.wpe + s.window * c], d_input, t, c);
        self.d_x.fill(T::ZERO);
        let (dw, db) = grad[p.embed_w..p.embed_w + c * d + c].split_at_mut(c * d);
        matmul::backward(&mut self.d_x, dw, Some(db), d_input, x, w(p.embed_w, c * d), n, d, c);
    }
}

/// The imitator as the trainer uses it: f32 parameters, and two threads splitting the windows at the
/// top level (each with its own buffers and gradient, added in a fixed order).
#[derive(Debug, Clone)]
pub struct TransformerNet {
    pub shape: ImitatorShape,
    pub table: ImitatorTable,
    low: Vec<f32>,
    high: Vec<f32>,
    workers: [ImitatorWorker<f32>; 2],
    second_grad: Vec<f32>,
    d_actions: Vec<f32>,
    threads: Threads,
}

impl TransformerNet {
    /// The network for actions in the box `low`..`high`.
    pub fn new(shape: ImitatorShape, low: Vec<f32>, high: Vec<f32>) -> Result<Self, GptError> {
        shape.validate()?;
        if low.len() != shape.output || high.len() != shape.output {
            return Err(GptError::Config(format!("action bounds must have {} entries", shape.output)));
        }
        if low.iter().zip(&high).any(|(l, h)| !(l.is_finite() && h.is_finite() && l < h)) {
            return Err(GptError::Config("a squashed head needs finite action bounds, low < high".into()));
        }
        let table = ImitatorTable::new(&shape);
        Ok(Self {
            shape,
            table,
            low,
            high,
            workers: Default::default(),
            second_grad: Vec::new(),
            d_actions: Vec::new(),
            threads: Threads::one(),
        })
    }

    /// The same network splitting its batches over `threads` (a worker per half).
    pub fn with_threads(self, threads: Threads) -> Self {
        Self { threads, ..self }
    }

    pub fn num_params(&self) -> usize {
        self.table.total
    }

    fn check(&self, theta: &[f32], x: &[f32], read: &[usize], seq: usize) -> Result<(), GptError> {
        let bad = |what: String| Err(GptError::Input { what });
        if theta.len() != self.table.total {
            return bad(format!("{} parameters, the network has {}", theta.len(), self.table.total));
        }
        if seq == 0 || seq > self.shape.window || read.is_empty() || x.len() != read.len() * seq * self.shape.input {
            return bad(format!(
                "{} inputs are not {} windows of {seq} ≤ {} rows of {}",
                x.len(),
                read.len(),
                self.shape.window,
                self.shape.input
            ));
        }
        if let Some(r) = read.iter().find(|&&r| r >= seq) {
            return bad(format!("row {r} read from windows of {seq}"));
        }
        Ok(())
    }

    /// The actions `[B,A]` read at row `read[b]` of each window of `x` `[B,seq,D]` (eval mode).
    pub fn actions(&mut self, theta: &[f32], x: &[f32], read: &[usize], seq: usize) -> Result<&[f32], GptError> {
        self.check(theta, x, read, seq)?;
        let w = &mut self.workers[0];
        w.resize(&self.shape, read.len(), seq);
        Ok(w.forward(&self.shape, &self.table, theta, x, read, (&self.low, &self.high), None))
    }

    /// The mean squared error of the actions read from the windows of `x` against `targets` `[B,A]`,
    /// and its gradient written into `grad` (added to it when `accumulate`); in training mode with
    /// `dropout`.
    #[allow(clippy::too_many_arguments)]
    pub fn loss_and_grad(
        &mut self,
        theta: &[f32],
        x: &[f32],
        read: &[usize],
        seq: usize,
        targets: &[f32],
        grad: &mut [f32],
        accumulate: bool,
        dropout: Option<Dropout>,
    ) -> Result<f64, GptError> {
        self.check(theta, x, read, seq)?;
        let a = self.shape.output;
        if targets.len() != read.len() * a {
            return Err(GptError::Input {
                what: format!("{} targets for {} windows of {a} actions", targets.len(), read.len()),
            });
        }
        if let Some(d) = dropout.filter(|d| !(0.0..1.0).contains(&d.p)) {
            return Err(GptError::Input { what: format!("dropout p = {} is outside [0, 1)", d.p) });
        }
        if !accumulate {
            grad.fill(0.0);
        }
        let batch = read.len();
        let (s, p, bounds) = (&self.shape, &self.table, (&self.low[..], &self.high[..]));
        let [first, second] = &mut self.workers;
        // The first half of the windows here, the rest on the helper thread when there is one.
        let split = if !self.threads.splits() || batch < 2 { batch } else { batch.div_ceil(2) };
        let row = seq * s.input;
        let (x0, x1) = x.split_at(split * row);
        let (read0, read1) = read.split_at(split);
        first.resize(s, split, seq);
        if split == batch {
            first.forward(s, p, theta, x0, read0, bounds, dropout.map(|d| (d, 0)));
        } else {
            second.resize(s, batch - split, seq);
            self.threads.join_serial(
                || {
                    first.forward(s, p, theta, x0, read0, bounds, dropout.map(|d| (d, 0)));
                },
                || {
                    second.forward(s, p, theta, x1, read1, bounds, dropout.map(|d| (d, split)));
                },
            );
        }
        let mut predictions = first.actions.clone();
        if split < batch {
            predictions.extend_from_slice(&second.actions);
        }
        self.d_actions.resize(predictions.len(), 0.0);
        let loss =
            mse(&predictions, targets, &mut self.d_actions).map_err(|e| GptError::Input { what: e.to_string() })?;
        let (d0, d1) = self.d_actions.split_at(split * a);
        if split == batch {
            first.backward(s, p, theta, x0, bounds, d0, grad);
            return Ok(loss);
        }
        self.second_grad.clear();
        self.second_grad.resize(theta.len(), 0.0);
        let second_grad = &mut self.second_grad;
        self.threads.join_serial(
            || first.backward(s, p, theta, x0, bounds, d0, grad),
            || second.backward(s, p, theta, x1, bounds, d1, second_grad),
        );
        for (g, &h) in grad.iter_mut().zip(second_grad.iter()) {
            *g += h;
        }
        Ok(loss)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::ops::check::{Rand, grad_check};

    const TINY: ImitatorShape = ImitatorShape { input: 5, output: 3, window: 4, n_layer: 2, n_head: 2, n_embd: 8 };
    const LOW: [f64; 3] = [-1.0, -0.5, 0.0];
    const HIGH: [f64; 3] = [1.0, 0.5, 2.0];

    /// The whole tiny network's MSE gradient against central differences in f64, reading a different
    /// row of each window, with or without dropout (masks are a function of the seed).
    fn check_tiny(dropout: Option<Dropout>) {
        let table = ImitatorTable::new(&TINY);
        let mut r = Rand::new(11);
        let theta: Vec<f64> = r.vec(table.total).iter().map(|x| 0.5 * x).collect();
        let (x, targets) = (r.vec(3 * 4 * 5), r.vec(3 * 3));
        let read = [3, 0, 2];
        let d = dropout.map(|d| (d, 0));
        let loss = |theta: &[f64]| {
            let mut w = ImitatorWorker::<f64>::default();
            w.resize(&TINY, 3, 4);
            let a = w.forward(&TINY, &table, theta, &x, &read, (&LOW, &HIGH), d);
            a.iter().zip(&targets).map(|(a, t)| (a - t) * (a - t)).sum::<f64>() / 9.0
        };
        let mut w = ImitatorWorker::<f64>::default();
        w.resize(&TINY, 3, 4);
        let a = w.forward(&TINY, &table, &theta, &x, &read, (&LOW, &HIGH), d).to_vec();
        let d_actions: Vec<f64> = a.iter().zip(&targets).map(|(a, t)| 2.0 * (a - t) / 9.0).collect();
        let mut grad = vec![0.0; table.total];
        w.backward(&TINY, &table, &theta, &x, (&LOW, &HIGH), &d_actions, &mut grad);
        assert!(grad[table.embed_w..table.embed_w + 8 * 5].iter().any(|g| *g != 0.0), "the input embedding learns");
        grad_check(&theta, &grad, loss);
    }

    #[test]
    fn the_whole_tiny_imitator_matches_finite_differences() {
        check_tiny(None);
    }

    #[test]
    fn the_whole_tiny_imitator_with_dropout_matches_finite_differences() {
        check_tiny(Some(Dropout { p: 0.3, seed: 4 }));
    }

    #[test]
    fn a_row_sees_only_the_rows_before_it_and_threads_agree() {
        let low = LOW.map(|x| x as f32).to_vec();
        let high = HIGH.map(|x| x as f32).to_vec();
        let mut net = TransformerNet::new(TINY, low, high).unwrap();
        let theta = net.table.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(2));
        let x: Vec<f32> = Rand::new(5).vec(6 * 4 * 5).iter().map(|&v| v as f32).collect();
        // Causality: row 1 of a window is the last row of its first two rows on their own.
        let full = net.actions(&theta, &x[..20], &[1], 4).unwrap().to_vec();
        let prefix = net.actions(&theta, &x[..10], &[1], 2).unwrap().to_vec();
        for (a, b) in full.iter().zip(&prefix) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        let read = [3, 1, 0, 2, 3, 3];
        let targets = vec![0.25f32; 18];
        let run = |net: &mut TransformerNet, threads: usize, dropout: Option<Dropout>| {
            let mut net = net.clone().with_threads(Threads::new(threads).unwrap());
            let mut grad = vec![0.0; theta.len()];
            let loss = net.loss_and_grad(&theta, &x, &read, 4, &targets, &mut grad, false, dropout).unwrap();
            (loss, grad)
        };
        let d = Some(Dropout { p: 0.2, seed: 3 });
        for dropout in [None, d] {
            let (one, two, again) = (run(&mut net, 1, dropout), run(&mut net, 2, dropout), run(&mut net, 2, dropout));
            assert_eq!(two, again, "the same thread count repeats bit for bit");
            assert!((one.0 - two.0).abs() < 1e-6 * one.0);
            for (a, b) in one.1.iter().zip(&two.1) {
                assert!((a - b).abs() <= 1e-5 * a.abs().max(1e-3), "{a} vs {b}");
            }
        }
        assert_ne!(run(&mut net, 1, None).0, run(&mut net, 1, d).0, "dropout changes the loss");
        let bad = |net: &mut TransformerNet, x: &[f32], read: &[usize], seq: usize| {
            let mut grad = vec![0.0; theta.len()];
            net.loss_and_grad(&theta, x, read, seq, &targets[..read.len() * 3], &mut grad, false, None).is_err()
        };
        assert!(bad(&mut net, &x[..40], &[0, 4], 4), "a row outside the window");
        assert!(bad(&mut net, &x[..50], &[0, 1], 5), "windows longer than the network's");
        assert!(bad(&mut net, &x[..39], &[0, 1], 4), "not whole windows");
        assert!(TransformerNet::new(ImitatorShape { n_embd: 9, ..TINY }, vec![0.0; 3], vec![1.0; 3]).is_err());
    }
}
