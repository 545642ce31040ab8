//! One declaration per trainer's set of logs: [`log_bundle!`] makes the struct and the three things
//! every trainer does with all its logs at once — open them (new, or checked against a checkpoint),
//! record their positions in a checkpoint, cut them back to it — so no trainer writes that code again.

use std::path::Path;

use crate::{Checkpoint, EventLog, Log, LogRow, StoreError};

/// An append-only file of a run that follows its checkpoints: a CSV [`Log`] or the [`EventLog`].
pub trait RunLog: Sized {
    /// A new file, or the existing one checked against what `checkpoint` recorded.
    fn open(dir: &Path, checkpoint: Option<&Checkpoint>) -> Result<Self, StoreError>;
    /// The file's position, into `checkpoint`.
    fn record(&self, checkpoint: &mut Checkpoint) -> Result<(), StoreError>;
    /// Cuts the file back to the checkpoint it was opened with.
    fn cut_back(&mut self) -> Result<(), StoreError>;
}

impl<R: LogRow> RunLog for Log<R> {
    fn open(dir: &Path, checkpoint: Option<&Checkpoint>) -> Result<Self, StoreError> {
        Log::open(dir, checkpoint)
    }
    fn record(&self, checkpoint: &mut Checkpoint) -> Result<(), StoreError> {
        Log::record(self, checkpoint)
    }
    fn cut_back(&mut self) -> Result<(), StoreError> {
        Log::cut_back(self)
    }
}

impl RunLog for EventLog {
    fn open(dir: &Path, checkpoint: Option<&Checkpoint>) -> Result<Self, StoreError> {
        EventLog::open(dir, checkpoint)
    }
    fn record(&self, checkpoint: &mut Checkpoint) -> Result<(), StoreError> {
        EventLog::record(self, checkpoint)
    }
    fn cut_back(&mut self) -> Result<(), StoreError> {
        EventLog::cut_back(self)
    }
}

/// Declares a struct of [`RunLog`]s, one field each, with `open`, `record` and `cut_back` over all of
/// them in field order.
#[macro_export]
macro_rules! log_bundle {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($(#[$fmeta:meta])* $fvis:vis $field:ident: $log:ty),+ $(,)? }) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$fmeta])* $fvis $field: $log,)+
        }

        impl $name {
            /// New logs with their headers, or the existing ones checked against what `checkpoint`
            /// recorded (cut back to it by `cut_back`).
            $vis fn open(
                dir: &std::path::Path,
                checkpoint: Option<&$crate::Checkpoint>,
            ) -> Result<Self, $crate::StoreError> {
                Ok(Self { $($field: <$log as $crate::RunLog>::open(dir, checkpoint)?,)+ })
            }

            /// Every log's position, into `checkpoint`.
            $vis fn record(&self, checkpoint: &mut $crate::Checkpoint) -> Result<(), $crate::StoreError> {
                $(<$log as $crate::RunLog>::record(&self.$field, checkpoint)?;)+
                Ok(())
            }

            /// Cuts every log back to the checkpoint, once it has been restored.
            $vis fn cut_back(&mut self) -> Result<(), $crate::StoreError> {
                $(<$log as $crate::RunLog>::cut_back(&mut self.$field)?;)+
                Ok(())
            }
        }
    };
}
