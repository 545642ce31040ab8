//! A helper thread for splitting one small job in two with microsecond overhead.
//!
//! rayon's idle workers sleep within a few microseconds, and waking one (an inter-processor
//! interrupt, slow under virtualization) costs about as much as half a batch-20 forward. The helper
//! instead spins briefly after each job, so back-to-back calls hand over work through one atomic.
//! Each run owns its helper (through [`crate::Threads`]); it serves one caller at a time: a concurrent
//! caller runs both halves itself, and a caller whose half is done before the helper has picked up the
//! other (helper asleep or descheduled on a busy machine) takes it back, so a split is never much slower
//! than running both halves in a row. The thread exits when its owner is dropped.

use std::cell::UnsafeCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the idle helper spins for the next job before parking.
const SPIN: Duration = Duration::from_micros(100);

const EMPTY: u8 = 0;
const POSTED: u8 = 1;
const RUNNING: u8 = 2;
const DONE: u8 = 3;
const PANICKED: u8 = 4;

/// The second half, run once: by the helper, or by the caller when the helper never started it.
type Job = *mut (dyn FnMut() + Send);

struct Shared {
    /// Claimed by the caller that owns the helper for one `join`.
    busy: AtomicBool,
    state: AtomicU8,
    /// Set when the owner is dropped: the helper thread returns.
    stop: AtomicBool,
    /// Written by the owning caller before `POSTED`, read by the helper after it.
    job: UnsafeCell<Option<Job>>,
}

// SAFETY: `job` is only written by the caller holding `busy` while the helper is not running a job,
// and only read by the helper between POSTED and DONE (the atomics order both).
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

/// One helper thread, owned: dropping it stops and joins the thread.
pub(crate) struct Helper {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Helper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Helper")
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            // The thread only serves jobs posted by our `join`, which has returned: it exits at once.
            let _ = thread.join();
        }
    }
}

fn serve(h: &Shared) {
    loop {
        let idle_since = Instant::now();
        while h.state.compare_exchange(POSTED, RUNNING, Ordering::Acquire, Ordering::Relaxed).is_err() {
            if h.stop.load(Ordering::Acquire) {
                return;
            }
            if idle_since.elapsed() < SPIN {
                std::hint::spin_loop();
            } else {
                // park/unpark keep a token, so a post between the check and park is not lost.
                std::thread::park();
            }
        }
        // SAFETY: POSTED was stored (Release) after `job` was written, and winning POSTED → RUNNING
        // means the caller will wait for DONE or PANICKED, keeping the closure alive.
        let job = unsafe { (*h.job.get()).take().expect("posted job") };
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe { (*job)() })).is_ok();
        h.state.store(if ok { DONE } else { PANICKED }, Ordering::Release);
    }
}

impl Helper {
    /// Starts the thread.
    pub(crate) fn spawn() -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            busy: AtomicBool::new(false),
            state: AtomicU8::new(EMPTY),
            stop: AtomicBool::new(false),
            job: UnsafeCell::new(None),
        });
        let served = Arc::clone(&shared);
        let handle = std::thread::Builder::new().name("butterfly-nn-helper".into()).spawn(move || serve(&served))?;
        Ok(Self { shared, thread: Some(handle) })
    }

    /// Runs `a` on this thread and `b` on the helper (or both here when the helper is taken), and
    /// returns when both are done.
    pub(crate) fn join(&self, a: impl FnOnce(), b: impl FnOnce() + Send) {
        let h = &*self.shared;
        if h.busy.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            a();
            b();
            return;
        }
        let mut b = Some(b);
        let mut run_b = move || (b.take().expect("the second half runs once"))();
        let job: *mut (dyn FnMut() + Send + '_) = &mut run_b;
        // SAFETY: we hold `busy` and the helper is idle (state EMPTY), so nobody else touches `job`.
        // The lifetime is erased, but we do not return before the helper is done with `run_b`.
        unsafe { *h.job.get() = Some(std::mem::transmute::<*mut (dyn FnMut() + Send + '_), Job>(job)) };
        h.state.store(POSTED, Ordering::Release);
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
        // If `a` panics we must still settle `b` before its borrow ends.
        let a_result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(a));
        let finished = if h.state.compare_exchange(POSTED, EMPTY, Ordering::Acquire, Ordering::Relaxed).is_ok() {
            // The helper never started `b`: run it here.
            // SAFETY: the helper can no longer claim the job; we own the slot again.
            unsafe { *h.job.get() = None };
            let ok = a_result.is_err() || std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut run_b)).is_ok();
            if ok { DONE } else { PANICKED }
        } else {
            let waiting_since = Instant::now();
            loop {
                match h.state.load(Ordering::Acquire) {
                    s @ (DONE | PANICKED) => break s,
                    _ if waiting_since.elapsed() < SPIN => std::hint::spin_loop(),
                    _ => std::thread::yield_now(),
                }
            }
        };
        h.state.store(EMPTY, Ordering::Relaxed);
        h.busy.store(false, Ordering::Release);
        if let Err(p) = a_result {
            std::panic::resume_unwind(p);
        }
        assert!(finished == DONE, "helper thread job panicked");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[test]
    fn a_panicking_half_is_reported_after_both_settle() {
        let helper = Helper::spawn().unwrap();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| helper.join(|| {}, || panic!("boom"))));
        assert!(r.is_err());
        // The helper is usable again afterwards.
        let hits = AtomicUsize::new(0);
        helper.join(|| _ = hits.fetch_add(1, Ordering::Relaxed), || _ = hits.fetch_add(1, Ordering::Relaxed));
        assert_eq!(hits.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn both_halves_run_every_time_even_from_concurrent_callers() {
        let count = AtomicUsize::new(0);
        let helper = Helper::spawn().unwrap();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..500 {
                        helper.join(
                            || _ = count.fetch_add(1, Ordering::Relaxed),
                            || _ = count.fetch_add(10, Ordering::Relaxed),
                        );
                    }
                });
            }
        });
        assert_eq!(count.load(Ordering::Relaxed), 4 * 500 * 11);
    }
}
