//! One flat parameter vector θ and the table of named tensors in it, named and shaped like nanoGPT's
//! `state_dict` (PyTorch's `[out, in]` Linear weights), so that a checkpoint loads into nanoGPT's `GPT`.

use rand::Rng;
use rand_distr::{Distribution, Normal};

use crate::GptConfig;

/// Offsets into θ of one block's tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockOffsets {
    pub ln1_w: usize,
    pub ln1_b: usize,
    pub qkv_w: usize,
    pub qkv_b: usize,
    pub proj_w: usize,
    pub proj_b: usize,
    pub ln2_w: usize,
    pub ln2_b: usize,
    pub fc_w: usize,
    pub fc_b: usize,
    pub fcproj_w: usize,
    pub fcproj_b: usize,
}

/// A named tensor of θ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub offset: usize,
}

impl ParamTensor {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamTable {
    pub tensors: Vec<ParamTensor>,
    pub wte: usize,
    pub wpe: usize,
    pub blocks: Vec<BlockOffsets>,
    pub lnf_w: usize,
    pub lnf_b: usize,
    pub total: usize,
}

/// Tensors laid out one after the other in θ, in the order they are added.
#[derive(Debug, Default)]
pub(crate) struct TableBuilder {
    pub tensors: Vec<ParamTensor>,
    pub total: usize,
}

impl TableBuilder {
    /// Adds a tensor; returns its offset.
    pub fn add(&mut self, name: String, shape: Vec<usize>) -> usize {
        let offset = self.total;
        self.total += shape.iter().product::<usize>();
        self.tensors.push(ParamTensor { name, shape, offset });
        offset
    }

    /// The blocks of the stack (`transformer.h.{l}.…`) for C = `c` channels.
    pub fn blocks(&mut self, n_layer: usize, c: usize) -> Vec<BlockOffsets> {
        (0..n_layer)
            .map(|l| {
                let mut p = |suffix: &str, shape: Vec<usize>| self.add(format!("transformer.h.{l}.{suffix}"), shape);
                BlockOffsets {
                    ln1_w: p("ln_1.weight", vec![c]),
                    ln1_b: p("ln_1.bias", vec![c]),
                    qkv_w: p("attn.c_attn.weight", vec![3 * c, c]),
                    qkv_b: p("attn.c_attn.bias", vec![3 * c]),
                    proj_w: p("attn.c_proj.weight", vec![c, c]),
                    proj_b: p("attn.c_proj.bias", vec![c]),
                    ln2_w: p("ln_2.weight", vec![c]),
                    ln2_b: p("ln_2.bias", vec![c]),
                    fc_w: p("mlp.c_fc.weight", vec![4 * c, c]),
                    fc_b: p("mlp.c_fc.bias", vec![4 * c]),
                    fcproj_w: p("mlp.c_proj.weight", vec![c, 4 * c]),
                    fcproj_b: p("mlp.c_proj.bias", vec![c]),
                }
            })
            .collect()
    }
}

/// nanoGPT's initialization of `tensors` over θ of `total` entries: weights N(0, 0.02), the residual
/// projections (`c_proj`) N(0, 0.02/√(2L)), biases 0, LayerNorm gains 1.
pub(crate) fn init_tensors(tensors: &[ParamTensor], total: usize, layers: usize, rng: &mut impl Rng) -> Vec<f32> {
    let layers = layers.max(1) as f64;
    let mut theta = vec![0.0f32; total];
    for t in tensors {
        let values = &mut theta[t.offset..t.offset + t.len()];
        if t.name.ends_with("ln_1.weight") || t.name.ends_with("ln_2.weight") || t.name.ends_with("ln_f.weight") {
            values.fill(1.0);
        } else if t.shape.len() == 2 {
            let std = if t.name.ends_with("c_proj.weight") { 0.02 / (2.0 * layers).sqrt() } else { 0.02 };
            let normal = Normal::new(0.0, std).expect("a positive std");
            values.iter_mut().for_each(|x| *x = normal.sample(rng) as f32);
        }
    }
    theta
}

impl ParamTable {
    pub fn new(cfg: &GptConfig) -> Self {
        let (v, t, c) = (cfg.vocab_size, cfg.context, cfg.n_embd);
        let mut b = TableBuilder::default();
        let wte = b.add("transformer.wte.weight".into(), vec![v, c]);
        let wpe = b.add("transformer.wpe.weight".into(), vec![t, c]);
        let blocks = b.blocks(cfg.n_layer, c);
        let lnf_w = b.add("transformer.ln_f.weight".into(), vec![c]);
        let lnf_b = b.add("transformer.ln_f.bias".into(), vec![c]);
        Self { tensors: b.tensors, wte, wpe, blocks, lnf_w, lnf_b, total: b.total }
    }

    /// nanoGPT's initialization (see [`init_tensors`]).
    pub fn init(&self, rng: &mut impl Rng) -> Vec<f32> {
        init_tensors(&self.tensors, self.total, self.blocks.len(), rng)
    }

    /// The ranges of θ that AdamW decays: the 2-D weights only (nanoGPT's parameter groups).
    pub fn decayed_ranges(&self) -> Vec<std::ops::Range<usize>> {
        self.tensors.iter().filter(|t| t.shape.len() == 2).map(|t| t.offset..t.offset + t.len()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_tiles_theta_with_nanogpt_names() {
        let cfg = GptConfig { vocab_size: 11, context: 4, n_layer: 2, n_head: 2, n_embd: 8 };
        let table = ParamTable::new(&cfg);
        let mut next = 0;
        for t in &table.tensors {
            assert_eq!(t.offset, next, "{}", t.name);
            next += t.len();
        }
        assert_eq!(next, table.total);
        // nanoGPT: 12·L·C² + 13·L·C + (V + T)·C + 2C (weights tied, so lm_head adds nothing).
        let (l, c) = (2, 8);
        assert_eq!(table.total, 12 * l * c * c + 13 * l * c + (11 + 4) * c + 2 * c);
        assert_eq!(table.tensors[2].name, "transformer.h.0.ln_1.weight");
        assert!(table.tensors.iter().any(|t| t.name == "transformer.h.1.mlp.c_proj.weight" && t.shape == [8, 32]));
    }
}
