//! Several runs at once on one machine: `jobs` worker threads take the next run in order until none
//! is left (or one failed). Each run is independent of the others (its own data, generators, buffers,
//! threads and helper thread), so running side by side changes no number, whatever each run's
//! `threads`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::StudyError;

/// Calls `work(k, &items[k])` for every item on up to `jobs` threads; the first error is returned
/// after the running items finish (no new item starts once one failed).
pub fn side_by_side<T: Sync>(
    items: &[T],
    jobs: usize,
    work: impl Fn(usize, &T) -> Result<(), StudyError> + Sync,
) -> Result<(), StudyError> {
    butterfly_store::threads::check_threads("--jobs", jobs)?;
    if jobs == 1 {
        return items.iter().enumerate().try_for_each(|(k, item)| work(k, item));
    }
    let (next, failed) = (AtomicUsize::new(0), AtomicBool::new(false));
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.min(items.len()))
            .map(|_| {
                scope.spawn(|| -> Result<(), StudyError> {
                    while !failed.load(Ordering::SeqCst) {
                        let k = next.fetch_add(1, Ordering::SeqCst);
                        let Some(item) = items.get(k) else { return Ok(()) };
                        if let Err(e) = work(k, item) {
                            failed.store(true, Ordering::SeqCst);
                            return Err(e);
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        let results: Vec<Result<(), StudyError>> =
            workers.into_iter().map(|w| w.join().unwrap_or(Err(StudyError::Panicked))).collect();
        results.into_iter().collect()
    })
}
