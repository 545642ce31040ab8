//! Batched forward and backward passes of an MLP whose parameters live in a flat vector θ.
//!
//! Activations are row-major `[batch, width]`; a Linear computes `x · Wᵀ + b` with `W` stored
//! `[out, in]` as in PyTorch. Bias, layer norm, activation and dropout run in one fused pass per
//! row right after each GEMM, while the row is hot in cache.

use rand::{Rng, RngCore};

use crate::activation::{Activation, with_activation};
use crate::error::{NnError, Result, check_len};
use crate::float::Float;
use crate::gemm::{Operand, gemm};
use crate::layer_norm;
use crate::layout::{Layout, MlpSpec};
use crate::threads::Threads;

/// Rows per thread below which a forward pass is not split (the hand-over costs more than it saves).
const MIN_SPLIT_ROWS: usize = 16;

/// An MLP's layout plus the work buffers its passes reuse (no allocation per step once the
/// largest batch has been seen). θ is owned by the caller, so one `Mlp` can evaluate any
/// parameter vector of its layout (EMA copies, perturbed weights, target networks).
#[derive(Debug, Clone)]
pub struct Mlp<T: Float = f32> {
    layout: Layout,
    work: Workspace<T>,
    threads: Threads,
}

/// What the last forward pass left for backward.
#[derive(Debug, Clone, Copy)]
struct Pass {
    batch: usize,
    dropout: bool,
}

/// Per hidden layer, everything backward reads (each `[batch, width]` unless noted).
#[derive(Debug, Clone, Default)]
struct HiddenBuffers<T> {
    /// Activation input (after layer norm when on).
    pre: Vec<T>,
    /// Activation output after dropout: the next layer's input.
    post: Vec<T>,
    /// Dropout scale per element: 0 or 1/(1 − p) (only with dropout).
    mask: Vec<T>,
    /// Normalized Linear output (only with layer norm).
    xhat: Vec<T>,
    /// 1/σ per row, `[batch]` (only with layer norm).
    rstd: Vec<T>,
}

#[derive(Debug, Clone, Default)]
struct Workspace<T> {
    rows: usize,
    last: Option<Pass>,
    input: Vec<T>,
    hidden: Vec<HiddenBuffers<T>>,
    output: Vec<T>,
    /// Ping-pong buffers for gradients flowing down, `[batch, max width]`.
    scratch: [Vec<T>; 2],
    /// Where [`Mlp::backward_input`] lets the bias and norm gradients fall (they are discarded).
    discarded_grad: Vec<T>,
}

impl<T: Float> Mlp<T> {
    pub fn new(spec: MlpSpec) -> Result<Self> {
        let layout = Layout::new(spec)?;
        let work =
            Workspace { hidden: vec![HiddenBuffers::default(); layout.spec().hidden.len()], ..Default::default() };
        Ok(Mlp { layout, work, threads: Threads::one() })
    }

    /// The same network computing on `threads` (its passes split in two with the run's helper thread).
    pub fn with_threads(self, threads: Threads) -> Self {
        Self { threads, ..self }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn spec(&self) -> &MlpSpec {
        self.layout.spec()
    }

    pub fn num_params(&self) -> usize {
        self.layout.num_params()
    }

    /// Eval-mode forward (dropout off): returns the `[batch, output]` outputs.
    pub fn forward(&mut self, theta: &[T], input: &[T], batch: usize) -> Result<&[T]> {
        self.forward_impl(theta, input, batch, None)
    }

    /// Train-mode forward: dropout masks are drawn from `rng`, so a seeded RNG reproduces them.
    pub fn forward_train<R: RngCore>(&mut self, theta: &[T], input: &[T], batch: usize, rng: &mut R) -> Result<&[T]> {
        self.forward_impl(theta, input, batch, Some(rng))
    }

    fn forward_impl(&mut self, theta: &[T], input: &[T], batch: usize, rng: Option<&mut dyn RngCore>) -> Result<&[T]> {
        let spec = self.layout.spec();
        check_len("parameters", self.layout.num_params(), theta.len())?;
        if batch == 0 {
            return Err(NnError::Shape { what: "batch size", expected: 1, got: 0 });
        }
        check_len("input batch", batch * spec.input, input.len())?;
        self.work.ensure_rows(&self.layout, batch);
        let (act, p) = (spec.activation, spec.dropout);
        let mut rng = rng.filter(|_| p > 0.0);
        // Two threads split every hidden layer's rows (GEMM and fused pass).
        let split = self.threads.splits() && batch >= 2 * MIN_SPLIT_ROWS;
        let half = if split { (batch / 2).div_ceil(8) * 8 } else { batch };
        let w = &mut self.work;
        w.last = None;
        w.input[..input.len()].copy_from_slice(input);
        if let Some(rng) = rng.as_deref_mut() {
            // Drawn up front, layer by layer, so both halves can apply theirs.
            for (h, &n) in w.hidden.iter_mut().zip(&spec.hidden) {
                draw_dropout_mask(&mut h.mask[..batch * n], p, rng);
            }
        }
        let dropout = rng.is_some();
        let (linears, norms) = (self.layout.linears(), self.layout.norms());
        for (i, l) in linears[..linears.len() - 1].iter().enumerate() {
            let (done, rest) = w.hidden.split_at_mut(i);
            let x = if i == 0 { &w.input } else { &done[i - 1].post };
            let n = l.out_dim;
            let bias = &theta[l.bias..l.bias + n];
            let norm = norms.get(i).map(|s| (&theta[s.weight..s.weight + n], &theta[s.bias..s.bias + n]));
            let (top, bottom) = HiddenRows::split(&mut rest[0], batch, half, n, dropout);
            let (x_top, x_bottom) = x[..batch * l.in_dim].split_at(half * l.in_dim);
            let layer = |x: &[T], mut rows: HiddenRows<'_, T>| {
                linear_gemm(theta, l.weight, rows.count, l.in_dim, n, x, rows.linear_out());
                with_activation!(act, apply, hidden_forward(rows, n, bias, norm));
            };
            if split {
                self.threads.join(|| layer(x_top, top), || layer(x_bottom, bottom));
            } else {
                layer(x_top, top);
            }
        }
        let l = linears[linears.len() - 1];
        let x = w.hidden.last().map_or(&w.input, |h| &h.post);
        linear_gemm(theta, l.weight, batch, l.in_dim, l.out_dim, x, &mut w.output);
        let bias = &theta[l.bias..l.bias + l.out_dim];
        for row in w.output[..batch * l.out_dim].chunks_exact_mut(l.out_dim) {
            for (o, &b) in row.iter_mut().zip(bias) {
                *o += b;
            }
        }
        w.last = Some(Pass { batch, dropout });
        Ok(&w.output[..batch * l.out_dim])
    }

    /// Backpropagates `d_output` (dL/d output of the last forward pass, `[batch, output]`) into
    /// `grad` (dL/dθ; overwritten, or added to when `accumulate`, for gradient accumulation) and,
    /// when given, `d_input` (dL/d input, `[batch, input]`, overwritten; e.g. SAC's dQ/da).
    pub fn backward(
        &mut self,
        theta: &[T],
        d_output: &[T],
        grad: &mut [T],
        accumulate: bool,
        d_input: Option<&mut [T]>,
    ) -> Result<()> {
        self.backward_impl(theta, d_output, grad, accumulate, d_input, true)
    }

    /// Backpropagates `d_output` to the input only (dL/d input, `[batch, input]`, overwritten), e.g. for
    /// SAC's dQ/da. On one thread the weight-gradient GEMMs are skipped (a third of `backward`'s work);
    /// on two or more they run beside the input-gradient ones anyway, costing no wall-clock time, so
    /// the parallel schedule is kept and their result discarded.
    pub fn backward_input(&mut self, theta: &[T], d_output: &[T], d_input: &mut [T]) -> Result<()> {
        let mut discarded = std::mem::take(&mut self.work.discarded_grad);
        discarded.resize(self.layout.num_params(), T::ZERO);
        let weight_grads = self.threads.splits();
        let result = self.backward_impl(theta, d_output, &mut discarded, false, Some(d_input), weight_grads);
        self.work.discarded_grad = discarded;
        result
    }

    fn backward_impl(
        &mut self,
        theta: &[T],
        d_output: &[T],
        grad: &mut [T],
        accumulate: bool,
        d_input: Option<&mut [T]>,
        weight_grads: bool,
    ) -> Result<()> {
        let Pass { batch, dropout } = self.work.last.ok_or(NnError::NoForward)?;
        let layout = &self.layout;
        let spec = layout.spec();
        check_len("parameters", layout.num_params(), theta.len())?;
        check_len("parameter gradient", layout.num_params(), grad.len())?;
        check_len("output gradient", batch * spec.output, d_output.len())?;
        if let Some(d) = &d_input {
            check_len("input gradient", batch * spec.input, d.len())?;
        }
        let (linears, norms) = (layout.linears(), layout.norms());
        // Biases and norm parameters are summed over rows below: start them at zero unless
        // accumulating. (Weights need no clearing: their GEMM overwrites.)
        if !accumulate {
            for l in linears {
                grad[l.bias..l.bias + l.out_dim].fill(T::ZERO);
            }
            if let Some(first) = norms.first() {
                grad[first.weight..].fill(T::ZERO);
            }
        }
        let norm_start = norms.first().map_or(grad.len(), |n| n.weight);
        // With two or more threads each layer's weight-gradient GEMM runs beside its input-gradient
        // GEMM (one thread each): they are independent and equally large, so this beats splitting
        // every GEMM in two, and the elementwise pass below rides along on the main thread.
        let split = weight_grads && self.threads.splits();
        let w = &mut self.work;
        let [s0, s1] = &mut w.scratch;
        let (mut cur, mut next) = (s0, s1);
        let last = linears.len() - 1;
        let mut d_input = d_input;
        for (i, l) in linears.iter().enumerate().rev() {
            let dz: &[T] = if i == last { d_output } else { &cur[..batch * l.out_dim] };
            let x = if i == 0 { &w.input } else { &w.hidden[i - 1].post };
            // θ order puts lower layers' gradients before this layer's weight, norms after every
            // Linear: three disjoint regions for the two jobs.
            let (below_grad, rest) = grad.split_at_mut(l.weight);
            let (own_grad, norm_grad) = rest.split_at_mut(norm_start - l.weight);
            let w_len = l.in_dim * l.out_dim;
            let weight_job = |own_grad: &mut [T]| {
                // dW = dzᵀ · x  ([out, batch] · [batch, in])
                let (dw, db) = own_grad.split_at_mut(w_len);
                let dz_t = Operand::transposed(dz);
                let x_op = Operand::plain(&x[..batch * l.in_dim]);
                gemm(l.out_dim, l.in_dim, batch, dz_t, x_op, dw, accumulate);
                if i == last {
                    add_column_sums(dz, l.out_dim, &mut db[..l.out_dim]);
                }
            };
            // dx = dz · W  ([batch, out] · [out, in]), then through the layer below.
            let weight = Operand::plain(&theta[l.weight..l.weight + w_len]);
            let dz_op = Operand::plain(dz);
            let mut input_job = || {
                if i > 0 {
                    let dx = &mut next[..batch * l.in_dim];
                    gemm(batch, l.in_dim, l.out_dim, dz_op, weight, dx, false);
                    let below = linears[i - 1];
                    let d_bias = &mut below_grad[below.bias..below.bias + below.out_dim];
                    let norm = norms.get(i - 1).map(|s| {
                        let (dg, ds) =
                            norm_grad[s.weight - norm_start..s.bias - norm_start + s.dim].split_at_mut(s.dim);
                        (&theta[s.weight..s.weight + s.dim], dg, ds)
                    });
                    let h = &w.hidden[i - 1];
                    with_activation!(
                        spec.activation,
                        derivative,
                        hidden_backward(h, dx, below.out_dim, dropout, d_bias, norm)
                    );
                } else if let Some(d_in) = d_input.as_deref_mut() {
                    gemm(batch, l.in_dim, l.out_dim, dz_op, weight, d_in, false);
                }
            };
            if split {
                self.threads.join(input_job, || weight_job(own_grad));
            } else {
                input_job();
                if weight_grads {
                    weight_job(own_grad);
                }
            }
            if i > 0 {
                std::mem::swap(&mut cur, &mut next);
            }
        }
        Ok(())
    }
}

impl<T: Float> Workspace<T> {
    /// Grows every buffer to `batch` rows; a no-op once the largest batch has been seen.
    fn ensure_rows(&mut self, layout: &Layout, batch: usize) {
        if batch <= self.rows {
            return;
        }
        let spec = layout.spec();
        self.rows = batch;
        self.input.resize(batch * spec.input, T::ZERO);
        self.output.resize(batch * spec.output, T::ZERO);
        for (h, &n) in self.hidden.iter_mut().zip(&spec.hidden) {
            h.pre.resize(batch * n, T::ZERO);
            h.post.resize(batch * n, T::ZERO);
            if spec.dropout > 0.0 {
                h.mask.resize(batch * n, T::ZERO);
            }
            if spec.layer_norm {
                h.xhat.resize(batch * n, T::ZERO);
                h.rstd.resize(batch, T::ZERO);
            }
        }
        let width = layout.max_width();
        for s in &mut self.scratch {
            s.resize(batch * width, T::ZERO);
        }
    }
}

/// `z = x · Wᵀ` for a Linear whose weight starts at `theta[weight]`.
#[allow(clippy::too_many_arguments)]
fn linear_gemm<T: Float>(theta: &[T], weight: usize, batch: usize, k: usize, n: usize, x: &[T], z: &mut [T]) {
    gemm(
        batch,
        n,
        k,
        Operand::plain(&x[..batch * k]),
        Operand::transposed(&theta[weight..weight + n * k]),
        &mut z[..batch * n],
        false,
    );
}

/// One hidden layer's buffers for a contiguous block of rows (all of them, or one thread's half).
struct HiddenRows<'a, T> {
    count: usize,
    pre: &'a mut [T],
    post: &'a mut [T],
    /// Empty without dropout.
    mask: &'a [T],
    /// Empty without layer norm, like `rstd`.
    xhat: &'a mut [T],
    rstd: &'a mut [T],
}

impl<'a, T> HiddenRows<'a, T> {
    /// Rows `[0, at)` and `[at, batch)` of a layer `n` wide.
    fn split(h: &'a mut HiddenBuffers<T>, batch: usize, at: usize, n: usize, dropout: bool) -> (Self, Self) {
        fn cut<T>(v: &mut [T], len: usize, at: usize) -> (&mut [T], &mut [T]) {
            if v.is_empty() { (&mut [], &mut []) } else { v[..len].split_at_mut(at) }
        }
        let (pre0, pre1) = cut(&mut h.pre, batch * n, at * n);
        let (post0, post1) = cut(&mut h.post, batch * n, at * n);
        let (xhat0, xhat1) = cut(&mut h.xhat, batch * n, at * n);
        let (rstd0, rstd1) = cut(&mut h.rstd, batch, at);
        let (mask0, mask1) = if dropout { h.mask[..batch * n].split_at(at * n) } else { (&[][..], &[][..]) };
        (
            HiddenRows { count: at, pre: pre0, post: post0, mask: mask0, xhat: xhat0, rstd: rstd0 },
            HiddenRows { count: batch - at, pre: pre1, post: post1, mask: mask1, xhat: xhat1, rstd: rstd1 },
        )
    }

    /// Where the Linear's GEMM writes: `pre`, or `xhat` when layer norm follows.
    fn linear_out(&mut self) -> &mut [T] {
        if self.xhat.is_empty() { self.pre } else { self.xhat }
    }
}

/// After a hidden GEMM: bias, layer norm (when on), activation and dropout (when its mask is
/// given), one row at a time. The Linear output is in `pre` (no layer norm) or `xhat` (layer norm).
fn hidden_forward<T: Float>(
    h: HiddenRows<'_, T>,
    n: usize,
    bias: &[T],
    norm: Option<(&[T], &[T])>,
    f: impl Fn(T) -> T,
) {
    for r in 0..h.count {
        let rows = r * n..(r + 1) * n;
        let (pre, post) = (&mut h.pre[rows.clone()], &mut h.post[rows.clone()]);
        match norm {
            None => {
                for ((p, o), &b) in pre.iter_mut().zip(post.iter_mut()).zip(bias) {
                    *p += b;
                    *o = f(*p);
                }
            }
            Some((gain, shift)) => {
                let xhat = &mut h.xhat[rows.clone()];
                for (x, &b) in xhat.iter_mut().zip(bias) {
                    *x += b;
                }
                h.rstd[r] = layer_norm::forward_row(xhat, gain, shift, pre);
                for (o, &p) in post.iter_mut().zip(pre.iter()) {
                    *o = f(p);
                }
            }
        }
        if !h.mask.is_empty() {
            for (o, &m) in post.iter_mut().zip(&h.mask[rows]) {
                *o *= m;
            }
        }
    }
}

/// Inverted dropout's mask: 0 with probability `p`, else 1/(1 − p).
fn draw_dropout_mask<T: Float>(mask: &mut [T], p: f64, rng: &mut dyn RngCore) {
    let keep_scale = T::from_f64(1.0 / (1.0 - p));
    for m in mask {
        *m = if rng.random::<f64>() < p { T::ZERO } else { keep_scale };
    }
}

/// Through a hidden layer's dropout, activation and layer norm, one row at a time: turns `d`
/// from dL/d(layer output) into dL/d(Linear output) in place, adding the bias and norm gradients.
fn hidden_backward<T: Float>(
    h: &HiddenBuffers<T>,
    d: &mut [T],
    n: usize,
    dropout: bool,
    d_bias: &mut [T],
    mut norm: Option<(&[T], &mut [T], &mut [T])>,
    df: impl Fn(T) -> T,
) {
    for (r, d_row) in d.chunks_exact_mut(n).enumerate() {
        let rows = r * n..(r + 1) * n;
        if dropout {
            for (g, &m) in d_row.iter_mut().zip(&h.mask[rows.clone()]) {
                *g *= m;
            }
        }
        for (g, &p) in d_row.iter_mut().zip(&h.pre[rows.clone()]) {
            *g *= df(p);
        }
        if let Some((gain, d_gain, d_shift)) = norm.as_mut() {
            layer_norm::backward_row(d_row, &h.xhat[rows], gain, h.rstd[r], d_gain, d_shift);
        }
        for (b, &g) in d_bias.iter_mut().zip(d_row.iter()) {
            *b += g;
        }
    }
}

/// `out[j] += Σ_r m[r, j]`, summing rows in order (deterministic).
fn add_column_sums<T: Float>(m: &[T], n: usize, out: &mut [T]) {
    for row in m.chunks_exact(n) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

#[cfg(test)]
mod tests;
