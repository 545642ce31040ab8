//! Everything a run keeps on disk: run directories (locked, never torn), checkpoints (named tensors and
//! scalars, checksummed), typed CSV logs and TensorBoard event files, and safetensors files (which PyTorch and numpy users load in a
//! few lines) written atomically (temp file, fsync, rename) so that a killed process never leaves a torn
//! file; and the memory check that comes before any of them is created.

mod atomic;
mod cache;
mod checkpoint;
mod csv_log;
mod error;
mod event_log;
mod log_bundle;
mod log_row;
pub mod memory;
mod output;
mod paths;
pub mod run_dir;
mod tensor_file;
mod tfevents;
pub mod threads;

pub use atomic::{temp_sibling, write_atomic};
pub use cache::cache_dir;
pub use checkpoint::{Checkpoint, State};
pub use csv_log::{Log, read_log};
pub use error::StoreError;
pub use event_log::{EVENTS_DIR, EventLog};
pub use log_bundle::RunLog;
pub use log_row::{CsvField, LogRow, field, finite};
pub use output::{check_output, enclosing_run};
pub use paths::ensure_distinct;
pub use run_dir::{RunDir, Start};
pub use tensor_file::{Tensor, TensorFile, checksum};
