//! Objects that are not local files yet (`s3://…`). The loader asks a [`Remote`] for a local copy
//! of each object before its reader opens it; the network code lives in the `cloud` layer, this
//! layer only knows the trait. Objects arrive in a shared [`Arrivals`] board as their downloads
//! finish (bounded and in parallel on the remote's side), so parsing one object overlaps the
//! download of the next.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::limits::Progress;
use crate::model::FileReport;

/// One listed object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteObject {
    /// Its address (`s3://bucket/key`), shown in the file reports.
    pub url: String,
    /// Its size as listed.
    pub size: u64,
}

/// What fetching one object gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fetched {
    /// The local copy to read (the cache entry, or what arrived before a failure).
    pub path: Option<PathBuf>,
    /// Why the download failed or stopped early.
    pub error: Option<String>,
    /// The copy is a partial download, removed once read.
    pub partial: bool,
}

/// A set of listed objects and the means to fetch them.
pub trait Remote: Send + Sync {
    /// The objects to read (listed before the load starts).
    fn objects(&self) -> &[RemoteObject];
    /// Prefixes or objects that could not be listed (reported like unreadable files).
    fn problems(&self) -> Vec<FileReport>;
    /// Starts fetching the objects in `order` (indexes into [`Remote::objects`]) and returns at
    /// once; each result is put on `board`. Downloaded bytes are added to
    /// `progress.bytes_fetched`; `cancel` stops the downloads.
    fn fetch(
        &self,
        order: Vec<usize>,
        board: Arc<Arrivals>,
        progress: Arc<Progress>,
        cancel: Arc<AtomicBool>,
    );
}

/// Where fetched objects are posted for the parse workers.
#[derive(Debug, Default)]
pub struct Arrivals {
    slots: Mutex<Vec<Option<Fetched>>>,
    ready: Condvar,
}

impl Arrivals {
    /// A board for `n` objects.
    pub fn new(n: usize) -> Arrivals {
        Arrivals {
            slots: Mutex::new(vec![None; n]),
            ready: Condvar::new(),
        }
    }

    /// Posts object `i`'s result.
    pub fn put(&self, i: usize, fetched: Fetched) {
        if let Ok(mut slots) = self.slots.lock()
            && let Some(slot) = slots.get_mut(i)
        {
            *slot = Some(fetched);
        }
        self.ready.notify_all();
    }

    /// Waits for object `i`; `None` when cancelled first.
    pub fn wait(&self, i: usize, cancel: &AtomicBool) -> Option<Fetched> {
        let Ok(mut slots) = self.slots.lock() else {
            return None;
        };
        loop {
            if let Some(done) = slots.get_mut(i).and_then(Option::take) {
                return Some(done);
            }
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            slots = match self.ready.wait_timeout(slots, Duration::from_millis(100)) {
                Ok((s, _)) => s,
                Err(_) => return None,
            };
        }
    }
}
