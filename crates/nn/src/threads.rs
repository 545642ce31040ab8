//! A run's threads, as a value: built once per run and handed to every network, optimizer and
//! stabilizer it makes, so runs with different counts can train side by side in one process.
//!
//! The maths is single-threaded (every GEMM runs on the calling thread; OpenBLAS is kept at one
//! thread); work is split in two at the top level — a batch's rows, an optimizer pass, SAC's twin
//! critics — with the run's own helper thread. Splits never cut a float reduction, so for a given count
//! a run's results are the same from run to run (a GEMM over half the rows may round differently from
//! one over all of them, so one thread and two may differ).

use std::cell::Cell;
use std::sync::Arc;

use crate::error::{NnError, Result};
use crate::helper::Helper;

thread_local! {
    /// Set while this thread runs one of two networks side by side ([`Threads::join_serial`]).
    static SERIAL: Cell<bool> = const { Cell::new(false) };
}

/// How many threads a run computes on, owning its helper thread when there are two or more. Cloning
/// shares the helper; the thread stops when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct Threads {
    count: usize,
    helper: Option<Arc<Helper>>,
}

/// Equal counts compute the same (each run has its own helper).
impl PartialEq for Threads {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count
    }
}

impl Default for Threads {
    fn default() -> Self {
        Self::one()
    }
}

impl Threads {
    /// One thread: everything runs on the caller.
    pub fn one() -> Self {
        Self { count: 1, helper: None }
    }

    /// `count` threads (checked against the machine's bound); two or more start a helper thread. The
    /// engine splits work in two at most, so counts above two compute like two.
    pub fn new(count: usize) -> Result<Self> {
        butterfly_store::threads::check_threads("threads", count)
            .map_err(|e| NnError::InvalidThreads(e.to_string()))?;
        if count < 2 {
            return Ok(Self::one());
        }
        let helper = Helper::spawn().map_err(|e| NnError::InvalidThreads(format!("starting a helper thread: {e}")))?;
        Ok(Self { count, helper: Some(Arc::new(helper)) })
    }

    /// The count asked for.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Whether work is split in two here (two or more threads, and not inside [`Self::join_serial`]).
    pub fn splits(&self) -> bool {
        self.helper.is_some() && !SERIAL.get()
    }

    /// Runs `a` here and `b` on the helper thread when [`Self::splits`], else one after the other.
    pub fn join(&self, a: impl FnOnce(), b: impl FnOnce() + Send) {
        match &self.helper {
            Some(helper) if !SERIAL.get() => helper.join(a, b),
            _ => {
                a();
                b();
            }
        }
    }

    /// Runs two independent jobs (e.g. SAC's twin critics) side by side, each with every network
    /// single-threaded inside: coarser and cheaper than splitting every layer of both.
    pub fn join_serial(&self, a: impl FnOnce(), b: impl FnOnce() + Send) {
        if !self.splits() {
            a();
            b();
            return;
        }
        /// Restores the flag even when a job panics.
        struct Serial(bool);
        impl Drop for Serial {
            fn drop(&mut self) {
                SERIAL.set(self.0);
            }
        }
        let serial = || Serial(SERIAL.replace(true));
        self.join(
            || {
                let _serial = serial();
                a()
            },
            || {
                let _serial = serial();
                b()
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn counts_beyond_the_shared_bound_are_refused() {
        for bad in [0, 100_000] {
            let err = Threads::new(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("threads = {bad}")) && err.contains("use 1 to"), "{err}");
        }
        assert!(!Threads::new(1).unwrap().splits());
        assert!(Threads::new(2).unwrap().splits());
    }

    #[test]
    fn jobs_inside_join_serial_do_not_split_and_the_helper_runs_the_second() {
        let threads = Threads::new(2).unwrap();
        let caller = std::thread::current().id();
        let inner_splits = AtomicUsize::new(0);
        let (mut a_on, mut b_on) = (None, None);
        threads.join_serial(
            || {
                a_on = Some(std::thread::current().id());
                inner_splits.fetch_add(threads.splits() as usize, Ordering::Relaxed);
            },
            || {
                b_on = Some(std::thread::current().id());
                inner_splits.fetch_add(threads.splits() as usize, Ordering::Relaxed);
            },
        );
        assert_eq!(inner_splits.load(Ordering::Relaxed), 0);
        assert_eq!(a_on, Some(caller));
        assert!(b_on.is_some());
        // Afterwards this thread splits again.
        assert!(threads.splits());
    }

    #[test]
    fn two_runs_with_their_own_helpers_split_side_by_side() {
        let (one, two) = (Threads::new(2).unwrap(), Threads::new(2).unwrap());
        let count = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for threads in [&one, &two] {
                let count = &count;
                s.spawn(move || {
                    for _ in 0..200 {
                        threads.join(
                            || _ = count.fetch_add(1, Ordering::Relaxed),
                            || _ = count.fetch_add(10, Ordering::Relaxed),
                        );
                    }
                });
            }
        });
        assert_eq!(count.load(Ordering::Relaxed), 2 * 200 * 11);
    }
}
