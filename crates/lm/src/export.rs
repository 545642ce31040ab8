//! A run's parameters as named tensors in nanoGPT's `state_dict` layout, so that a PyTorch user loads
//! them into nanoGPT's `GPT` (bias = True, the same n_layer/n_head/n_embd/block_size/vocab_size) with
//! `model.load_state_dict(safetensors.torch.load_file(path))`.

use std::path::Path;

use butterfly_gpt::{GptConfig, ParamTable};
use butterfly_store::{Tensor, TensorFile};

use crate::LmError;

/// Writes `theta` of a model of `config` to `path`: every table tensor by name and shape, and
/// `lm_head.weight` (tied to the token embedding, as nanoGPT's state_dict lists it).
pub fn export(theta: &[f32], config: &GptConfig, path: &Path) -> Result<(), LmError> {
    let table = ParamTable::new(config);
    if theta.len() != table.total {
        return Err(LmError::Config(format!("{} parameters, the model has {}", theta.len(), table.total)));
    }
    let mut file = TensorFile::default();
    for t in &table.tensors {
        file.insert(t.name.clone(), t.shape.clone(), Tensor::F32(theta[t.offset..t.offset + t.len()].to_vec()));
        if t.name == "transformer.wte.weight" {
            file.insert("lm_head.weight", t.shape.clone(), Tensor::F32(theta[t.offset..t.offset + t.len()].to_vec()));
        }
    }
    for (key, value) in [
        ("vocab_size", config.vocab_size),
        ("block_size", config.context),
        ("n_layer", config.n_layer),
        ("n_head", config.n_head),
        ("n_embd", config.n_embd),
    ] {
        file.set_meta(key, value);
    }
    file.set_meta("activation", "gelu_tanh");
    Ok(file.save(path)?)
}
