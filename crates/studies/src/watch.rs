//! Where a study's long work reports itself: the CLI draws progress bars and prints notes; tests stay
//! quiet. The study decides what is said, the watcher only how it is shown.

/// Receives a study's notes and its runs' progress (from several threads when runs train side by side).
pub trait Watch: Sync {
    /// One line of news: what is being collected or computed.
    fn note(&self, line: &str);
    /// A bar for one run, `total` steps long, already at `at`.
    fn bar(&self, label: &str, at: u64, total: u64) -> Box<dyn Bar + '_>;
}

/// One run's progress.
pub trait Bar {
    fn update(&mut self, step: u64, message: &str);
    fn finish(&mut self);
}

/// Shows nothing (tests, callers with their own reporting).
pub struct Quiet;

impl Watch for Quiet {
    fn note(&self, _line: &str) {}

    fn bar(&self, _label: &str, _at: u64, _total: u64) -> Box<dyn Bar + '_> {
        Box::new(Quiet)
    }
}

impl Bar for Quiet {
    fn update(&mut self, _step: u64, _message: &str) {}

    fn finish(&mut self) {}
}
