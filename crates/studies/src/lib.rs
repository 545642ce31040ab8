//! Butterfly's studies as library functions, each a whole experiment: train runs side by side (resuming
//! what exists), then write the reports. `butterfly demo`, `demo lm`, `reproduce figure1|2|3|4`, `sweep`,
//! `stabilize` and `lm flipflop study` are each one call here; a [`Watch`] shows their progress.

pub mod bc_study;
pub mod demo;
pub mod demo_lm;
mod error;
pub mod figure1;
pub mod figure4;
pub mod flipflop;
pub mod paper_sweep;
pub mod select_command;
pub mod select_lm;
pub mod select_run;
mod selection_cache;
pub mod side_by_side;
pub mod stabilize;
pub mod sweep;
pub mod training;
pub mod watch;

pub use bc_study::{Study, StudyOutcome, run_study};
pub use demo::{DemoSpec, demo_config, demo_study};
pub use demo_lm::{DemoLmOutcome, DemoLmSpec, run_demo_lm};
pub use error::StudyError;
pub use figure1::figure1_study;
pub use figure4::{Figure4Spec, figure4_study};
pub use flipflop::flipflop_study;
pub use paper_sweep::{PaperSweep, paper_sweep, run_paper_sweep};
pub use select_command::{CommandSelection, select_by_command};
pub use select_lm::select_lm_run;
pub use select_run::{RunChoice, RunSelection, select_run, selection_cache_dir};
pub use stabilize::{StabilizeOutcome, StabilizeSpec, stabilize_run};
pub use sweep::{report_sweep, train_sweep};
pub use training::{train_bc, train_lm};
pub use watch::{Bar, Quiet, Watch};
