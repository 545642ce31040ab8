//! A network frozen for inference: θ's weights transposed and packed once, then evaluated with the
//! small-batch microkernel, rows split in two when the engine runs on two or more threads. For rollouts, where one θ answers
//! thousands of batch-1…64 queries and a call costs microseconds.

use crate::activation::Activation;
use crate::error::{NnError, Result, check_len};
use crate::kernel::{self, MR, NR};
use crate::layer_norm;
use crate::layout::Layout;
use crate::threads::Threads;

/// Rows below which splitting a batch across threads costs more than it saves.
const MIN_ROWS_PER_THREAD: usize = 4;

/// Eval-mode forward of one θ (dropout off), numerically the same network as [`crate::Mlp`]
/// (sums in another order, so equal up to rounding). Rebuild with [`PackedMlp::repack`] when θ
/// changes.
#[derive(Debug, Clone)]
pub struct PackedMlp {
    layout: Layout,
    linears: Vec<PackedLinear>,
    /// Per hidden layer with layer norm: its gain and shift.
    norms: Vec<Option<(Vec<f32>, Vec<f32>)>>,
    /// Per thread chunk of rows: its activation buffers.
    chunks: Vec<Chunk>,
    output: Vec<f32>,
    threads: Threads,
}

/// One linear layer `y = x · Wᵀ + b` packed for the small-batch kernel: each row's arithmetic is the
/// same whatever the other rows, so batched and one-row calls agree bit for bit.
#[derive(Debug, Clone, Default)]
pub struct PackedLinear {
    in_dim: usize,
    out_dim: usize,
    /// Row stride of this layer's outputs: `out_dim` rounded up to whole panels.
    ld: usize,
    weight: Vec<f32>,
    bias: Vec<f32>,
}

impl PackedLinear {
    /// `weight` `[out, in]` (PyTorch's layout) and `bias` `[out]`.
    pub fn new(weight: &[f32], bias: &[f32], in_dim: usize) -> Self {
        let mut p = Self::default();
        p.pack(weight, bias, in_dim);
        p
    }

    fn pack(&mut self, weight: &[f32], bias: &[f32], in_dim: usize) {
        let out_dim = bias.len();
        assert_eq!(weight.len(), out_dim * in_dim, "a packed weight's shape");
        (self.in_dim, self.out_dim, self.ld) = (in_dim, out_dim, out_dim.div_ceil(NR) * NR);
        kernel::pack_transposed(weight, out_dim, in_dim, &mut self.weight);
        self.bias.clear();
        self.bias.extend_from_slice(bias);
        self.bias.resize(self.ld, 0.0);
    }

    pub fn in_dim(&self) -> usize {
        self.in_dim
    }

    pub fn out_dim(&self) -> usize {
        self.out_dim
    }

    /// `y` `[rows, out]` (resized) from `x` `[rows, in]`; `padded` is scratch.
    pub fn forward(&self, x: &[f32], rows: usize, y: &mut Vec<f32>, padded: &mut Vec<f32>) {
        assert!(x.len() >= rows * self.in_dim, "a packed layer's input is shorter than its rows");
        padded.resize(rows * self.ld, 0.0);
        kernel::gemm_bias(rows, self.in_dim, x, self.in_dim, &self.weight, &self.bias, padded, self.ld);
        y.clear();
        for row in padded.chunks_exact(self.ld).take(rows) {
            y.extend_from_slice(&row[..self.out_dim]);
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Chunk {
    rows: usize,
    /// Per layer, `[rows, ld]`.
    acts: Vec<Vec<f32>>,
    /// One row of layer-norm output.
    scratch: Vec<f32>,
}

impl PackedMlp {
    pub fn new(layout: &Layout, theta: &[f32]) -> Result<Self> {
        let mut packed = PackedMlp {
            layout: layout.clone(),
            linears: vec![PackedLinear::default(); layout.linears().len()],
            norms: Vec::new(),
            chunks: Vec::new(),
            output: Vec::new(),
            threads: Threads::one(),
        };
        packed.repack(theta)?;
        Ok(packed)
    }

    /// The same network splitting its batches over `threads` in [`Self::forward`].
    pub fn with_threads(self, threads: Threads) -> Self {
        Self { threads, ..self }
    }

    /// Packs a new θ of the same layout, reusing every buffer.
    pub fn repack(&mut self, theta: &[f32]) -> Result<()> {
        check_len("parameters", self.layout.num_params(), theta.len())?;
        for (p, l) in self.linears.iter_mut().zip(self.layout.linears()) {
            p.pack(&theta[l.weight..l.weight + l.out_dim * l.in_dim], &theta[l.bias..l.bias + l.out_dim], l.in_dim);
        }
        let norms = self.layout.norms();
        self.norms = (0..self.linears.len())
            .map(|i| {
                norms
                    .get(i)
                    .map(|n| (theta[n.weight..n.weight + n.dim].to_vec(), theta[n.bias..n.bias + n.dim].to_vec()))
            })
            .collect();
        Ok(())
    }

    /// The `[batch, output]` outputs for a `[batch, input]` input; rows split with the helper thread
    /// when the network was given two or more threads.
    pub fn forward(&mut self, input: &[f32], batch: usize) -> Result<&[f32]> {
        let split = self.threads.splits() && batch >= 2 * MIN_ROWS_PER_THREAD;
        self.forward_on(input, batch, if split { 2 } else { 1 })
    }

    /// The same outputs computed on the calling thread only: for rollouts that already run one per
    /// core. Each row's output does not depend on the other rows, so this equals [`Self::forward`].
    pub fn forward_serial(&mut self, input: &[f32], batch: usize) -> Result<&[f32]> {
        self.forward_on(input, batch, 1)
    }

    fn forward_on(&mut self, input: &[f32], batch: usize, threads: usize) -> Result<&[f32]> {
        let spec = self.layout.spec();
        if batch == 0 {
            return Err(NnError::Shape { what: "batch size", expected: 1, got: 0 });
        }
        check_len("input batch", batch * spec.input, input.len())?;
        let (n_in, n_out, act) = (spec.input, spec.output, spec.activation);
        // The helper thread gives at most a two-way split (this machine has two cores).
        self.ensure_chunks(batch, threads);
        self.output.resize(batch * n_out, 0.0);
        let (linears, norms) = (&self.linears, &self.norms[..]);
        let (first, rest) = self.chunks.split_at_mut(1);
        let rows = first[0].rows;
        let first = &mut first[0];
        let (x0, x1) = input.split_at(rows * n_in);
        let (y0, y1) = self.output.split_at_mut(rows * n_out);
        if threads == 1 {
            forward_rows(linears, norms, act, first, x0, y0);
        } else {
            let second = &mut rest[0];
            self.threads.join(
                || forward_rows(linears, norms, act, first, x0, y0),
                || forward_rows(linears, norms, act, second, x1, y1),
            );
        }
        Ok(&self.output)
    }

    /// Splits `batch` rows into `threads` chunks (the first a multiple of the tile height) and sizes
    /// their buffers; allocates only when a chunk grows.
    fn ensure_chunks(&mut self, batch: usize, threads: usize) {
        let per = batch.div_ceil(threads).div_ceil(MR) * MR;
        self.chunks.resize_with(self.chunks.len().max(threads), Chunk::default);
        let mut left = batch;
        let max_ld = self.linears.iter().map(|l| l.ld).max().unwrap_or(0);
        for chunk in self.chunks.iter_mut().take(threads) {
            chunk.rows = per.min(left);
            left -= chunk.rows;
            chunk.acts.resize_with(self.linears.len(), Vec::new);
            for (a, l) in chunk.acts.iter_mut().zip(&self.linears) {
                if a.len() < chunk.rows * l.ld {
                    a.resize(chunk.rows * l.ld, 0.0);
                }
            }
            chunk.scratch.resize(max_ld, 0.0);
        }
    }
}

/// The whole network on one chunk of rows.
fn forward_rows(
    linears: &[PackedLinear],
    norms: &[Option<(Vec<f32>, Vec<f32>)>],
    act: Activation,
    chunk: &mut Chunk,
    input: &[f32],
    output: &mut [f32],
) {
    let rows = chunk.rows;
    if rows == 0 {
        return;
    }
    let last = linears.len() - 1;
    for (i, l) in linears.iter().enumerate() {
        let (done, rest) = chunk.acts.split_at_mut(i);
        let (x, ldx) = if i == 0 { (input, l.in_dim) } else { (&done[i - 1][..], linears[i - 1].ld) };
        let y = &mut rest[0];
        kernel::gemm_bias(rows, l.in_dim, x, ldx, &l.weight, &l.bias, y, l.ld);
        if i == last {
            for (o, z) in output.chunks_exact_mut(l.out_dim).zip(y.chunks_exact(l.ld)) {
                o.copy_from_slice(&z[..l.out_dim]);
            }
            break;
        }
        for z in y.chunks_exact_mut(l.ld).take(rows) {
            let z = &mut z[..l.out_dim];
            if let Some((gain, shift)) = &norms[i] {
                let normed = &mut chunk.scratch[..l.out_dim];
                layer_norm::forward_row(z, gain, shift, normed);
                z.copy_from_slice(normed);
            }
            act.apply_slice(z);
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::layout::MlpSpec;
    use crate::mlp::Mlp;

    #[test]
    fn matches_the_training_forward_for_every_layer_kind_and_thread_count() {
        for activation in [Activation::Relu, Activation::Tanh, Activation::Gelu, Activation::Elu] {
            for layer_norm in [false, true] {
                let spec = MlpSpec { input: 23, hidden: vec![40, 33], output: 6, activation, layer_norm, dropout: 0.2 };
                let mut rng = ChaCha8Rng::seed_from_u64(4);
                let mut mlp = Mlp::<f32>::new(spec).unwrap();
                let mut theta: Vec<f32> = mlp.layout().init_params(&mut rng);
                let mut packed = PackedMlp::new(mlp.layout(), &theta).unwrap();
                let mut packed_two = packed.clone().with_threads(Threads::new(2).unwrap());
                for batch in [1, 7, 20] {
                    let x: Vec<f32> = (0..batch * 23).map(|_| rng.random_range(-1.0..1.0)).collect();
                    let one = packed.forward(&x, batch).unwrap().to_vec();
                    let two = packed_two.forward(&x, batch).unwrap().to_vec();
                    assert_eq!(one, two, "a row's arithmetic does not depend on the split");
                    let reference = mlp.forward(&theta, &x, batch).unwrap();
                    for (a, b) in one.iter().zip(reference) {
                        assert!((a - b).abs() < 1e-5 * (1.0 + b.abs()), "{activation:?} norm={layer_norm}: {a} vs {b}");
                    }
                }
                // A new θ through repack gives the new network's outputs.
                theta.iter_mut().for_each(|v| *v *= -0.5);
                packed.repack(&theta).unwrap();
                let x = vec![0.3f32; 23 * 3];
                let (a, b) = (packed.forward(&x, 3).unwrap().to_vec(), mlp.forward(&theta, &x, 3).unwrap());
                assert!(a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-5 * (1.0 + b.abs())));
                assert!(packed.forward(&x[1..], 3).is_err());
                assert!(packed.repack(&theta[1..]).is_err());
            }
        }
    }
}
