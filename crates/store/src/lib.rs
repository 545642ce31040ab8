//! Tensor files: safetensors (which PyTorch and numpy users load in a few lines) with string metadata,
//! written atomically (temp file, fsync, rename) so that a killed process never leaves a torn file.

mod atomic;
mod csv_log;
mod error;
mod tensor_file;

pub use atomic::write_atomic;
pub use csv_log::CsvLog;
pub use error::StoreError;
pub use tensor_file::{Tensor, TensorFile};
