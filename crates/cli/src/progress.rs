//! Progress on long work: a bar on a terminal, plain periodic lines otherwise (logs, CI).

use std::io::IsTerminal;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// Every bar of the process, so that runs side by side draw one line each.
static BARS: LazyLock<MultiProgress> = LazyLock::new(MultiProgress::new);

pub struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    total: u64,
    done: u64,
    /// When the last plain line was printed (off a terminal, lines are at most every 30 s).
    last_line: Option<Instant>,
    /// Where and when this process's share of the work began (for the time left).
    start: (u64, Instant),
}

const PLAIN_LINE_EVERY: Duration = Duration::from_secs(30);

impl Progress {
    pub fn new(label: &str, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = BARS.add(ProgressBar::new(total));
            bar.set_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {elapsed} (~{eta} left) {msg}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(label.to_string());
            bar
        });
        Self { bar, label: label.to_string(), total, done: 0, last_line: None, start: (0, Instant::now()) }
    }

    /// `~Ns left` at the pace so far ("" before any progress).
    fn left(&self) -> String {
        let (from, at) = self.start;
        if self.done <= from {
            return String::new();
        }
        let secs = at.elapsed().as_secs_f64() / (self.done - from) as f64 * self.total.saturating_sub(self.done) as f64;
        format!(" (~{} left)", indicatif::HumanDuration(Duration::from_secs_f64(secs)))
    }

    /// Marks one more unit done, with what was just finished.
    pub fn advance(&mut self, msg: &str) {
        self.done += 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(msg.to_string());
                bar.inc(1);
            }
            None => eprintln!("{}: {}/{}{} {msg}", self.label, self.done, self.total, self.left()),
        }
    }

    /// Starts the count at `pos` (a resumed run).
    pub fn set_position(&mut self, pos: u64) {
        self.done = pos;
        self.start = (pos, Instant::now());
        if let Some(bar) = &self.bar {
            bar.set_position(pos);
            bar.reset_eta();
        }
    }

    /// Moves to `pos` with a status message.
    pub fn update(&mut self, pos: u64, msg: &str) {
        self.done = pos;
        match &self.bar {
            Some(bar) => {
                bar.set_position(pos);
                bar.set_message(msg.to_string());
            }
            None => {
                if self.last_line.is_none_or(|t| t.elapsed() >= PLAIN_LINE_EVERY) {
                    eprintln!("{}: {}/{}{} {msg}", self.label, self.done, self.total, self.left());
                    self.last_line = Some(Instant::now());
                }
            }
        }
    }

    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The terminal's view of a study: notes on stderr, a bar per run (plain periodic lines off a terminal).
pub struct Bars;

impl butterfly_studies::Watch for Bars {
    fn note(&self, line: &str) {
        eprintln!("{line}");
    }

    fn bar(&self, label: &str, at: u64, total: u64) -> Box<dyn butterfly_studies::Bar + '_> {
        let mut progress = Progress::new(label, total);
        progress.set_position(at);
        Box::new(RunBar(Some(progress)))
    }
}

/// A run's bar; `None` once finished.
struct RunBar(Option<Progress>);

impl butterfly_studies::Bar for RunBar {
    fn update(&mut self, step: u64, message: &str) {
        if let Some(p) = &mut self.0 {
            p.update(step, message);
        }
    }

    fn finish(&mut self) {
        if let Some(p) = self.0.take() {
            p.finish();
        }
    }
}
