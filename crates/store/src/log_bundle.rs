//! One declaration per trainer's set of logs: [`log_bundle!`] makes the struct and the three things
//! every trainer does with all its logs at once — open them (new, or checked against a checkpoint),
//! record their positions in a checkpoint, cut them back to it — so no trainer writes that code again.

/// Declares a struct of [`Log`](crate::Log)s, one field per row type, with `open`, `record` and
/// `cut_back` over all of them in field order.
#[macro_export]
macro_rules! log_bundle {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($fvis:vis $field:ident: $row:ty),+ $(,)? }) => {
        $(#[$meta])*
        $vis struct $name {
            $($fvis $field: $crate::Log<$row>,)+
        }

        impl $name {
            /// New logs with their headers, or the existing ones checked against what `checkpoint`
            /// recorded (cut back to it by `cut_back`).
            $vis fn open(
                dir: &std::path::Path,
                checkpoint: Option<&$crate::Checkpoint>,
            ) -> Result<Self, $crate::StoreError> {
                Ok(Self { $($field: $crate::Log::open(dir, checkpoint)?,)+ })
            }

            /// Every log's position, into `checkpoint`.
            $vis fn record(&self, checkpoint: &mut $crate::Checkpoint) -> Result<(), $crate::StoreError> {
                $(self.$field.record(checkpoint)?;)+
                Ok(())
            }

            /// Cuts every log back to the checkpoint, once it has been restored.
            $vis fn cut_back(&mut self) -> Result<(), $crate::StoreError> {
                $(self.$field.cut_back()?;)+
                Ok(())
            }
        }
    };
}
