//! Password hashing on its own small pool of threads, apart from tokio's blocking pool (which every database
//! transaction uses), with a global cap on concurrent hashes and a bounded queue.
//!
//! A PBKDF2 hash at production strength costs a core for a good part of a second. Run on the shared blocking
//! pool, a few hundred logins with made-up usernames would take every core and starve the database work of
//! everyone else. Here at most `threads` hashes run at once and at most `queue` wait; anything beyond is refused
//! at once with [`HashError::Busy`], which the API answers with 503 and `Retry-After`.
//!
//! A login takes its place ([`HashPool::admit`]) before it reads the database, so that a flood beyond the pool's
//! capacity is turned away without touching the database at all.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use thiserror::Error;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError, oneshot};

/// Why a hash was not computed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum HashError {
    /// Every hashing thread is busy and the queue is full.
    #[error("password hashing is at capacity")]
    Busy,
    /// The pool is gone or a job panicked.
    #[error("password hashing pool failed")]
    Failed,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of dedicated hashing threads fed through a bounded queue.
#[derive(Debug)]
pub struct HashPool {
    sender: SyncSender<Job>,
    // One permit per running or waiting job; the channel has room for all of them, so it never refuses.
    places: Arc<Semaphore>,
    threads: usize,
    queue: usize,
}

impl HashPool {
    /// Starts `threads` hashing threads (at least 1) with room for `queue` waiting jobs.
    ///
    /// The threads end once the pool is dropped and the jobs already queued are done.
    pub fn new(threads: usize, queue: usize) -> Self {
        let threads = threads.max(1);
        let (sender, receiver) = sync_channel::<Job>(threads + queue);
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads {
            let receiver = Arc::clone(&receiver);
            let spawned =
                std::thread::Builder::new().name(format!("hb-hash-{index}")).spawn(move || worker(&receiver));
            if let Err(e) = spawned {
                // Fewer threads still serve; none at all shows up as `Failed` on the first hash.
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        Self { sender, places: Arc::new(Semaphore::new(threads + queue)), threads, queue }
    }

    /// The default size: one thread fewer than the machine has cores (at least one), so that hashing never
    /// takes every core; the queue holds four jobs per thread.
    pub fn default_threads() -> usize {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).saturating_sub(1).max(1)
    }

    /// Number of hashing threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Most jobs that may wait.
    pub fn queue(&self) -> usize {
        self.queue
    }

    /// Takes a place in the pool (running or waiting), or refuses at once when every place is taken.
    pub fn admit(&self) -> Result<Admission<'_>, HashError> {
        match Arc::clone(&self.places).try_acquire_owned() {
            Ok(permit) => Ok(Admission { pool: self, _permit: permit }),
            Err(TryAcquireError::NoPermits) => Err(HashError::Busy),
            Err(TryAcquireError::Closed) => Err(HashError::Failed),
        }
    }

    /// Runs `work` on a hashing thread, or refuses at once when the pool is full.
    pub async fn run<T, F>(&self, work: F) -> Result<T, HashError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.admit()?.run(work).await
    }
}

/// A place held in the pool; it is given back when dropped.
#[derive(Debug)]
pub struct Admission<'a> {
    pool: &'a HashPool,
    _permit: OwnedSemaphorePermit,
}

impl Admission<'_> {
    /// Runs `work` on a hashing thread, in the place this admission holds.
    pub async fn run<T, F>(self, work: F) -> Result<T, HashError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(work());
        });
        // Full cannot happen while places are bounded by the channel's room; it is mapped all the same.
        match self.pool.sender.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(HashError::Busy),
            Err(TrySendError::Disconnected(_)) => return Err(HashError::Failed),
        }
        let result = rx.await.map_err(|_| HashError::Failed);
        drop(self);
        result
    }
}

fn worker(receiver: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while waiting for the next job, never while hashing.
        let job = match receiver.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // A panicking job drops its answer channel (the caller sees `Failed`); the thread carries on.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn runs_jobs_and_refuses_when_full() {
        let pool = Arc::new(HashPool::new(1, 2));
        assert_eq!(pool.run(|| 2 + 2).await, Ok(4));

        // One job holds the only thread until released; two more fill the queue; the fourth is refused.
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let started = Arc::new(AtomicUsize::new(0));
        let mut waiting = Vec::new();
        let first_started = Arc::clone(&started);
        let first = {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move {
                pool.run(move || {
                    first_started.fetch_add(1, Ordering::SeqCst);
                    hold.recv().ok();
                    1
                })
                .await
            })
        };
        while started.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for value in [2, 3] {
            let pool = Arc::clone(&pool);
            waiting.push(tokio::spawn(async move { pool.run(move || value).await }));
        }
        // The queued jobs are in the channel once their tasks have run up to the await.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(pool.run(|| 4).await, Err(HashError::Busy));
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(1));
        let mut results = Vec::new();
        for task in waiting {
            results.push(task.await.unwrap());
        }
        assert_eq!(results, vec![Ok(2), Ok(3)]);
        assert_eq!(pool.run(|| 5).await, Ok(5), "the pool serves again once drained");
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone() {
        let pool = HashPool::new(1, 1);
        let failed: Result<(), HashError> = pool.run(|| panic!("boom")).await;
        assert_eq!(failed, Err(HashError::Failed));
        assert_eq!(pool.run(|| 7).await, Ok(7));
    }
}
