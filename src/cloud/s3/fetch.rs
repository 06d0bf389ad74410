//! Downloading listed objects into the cache, at most [`PARALLEL`](super::PARALLEL) at once, in
//! the loader's order. A cached object (same bucket, key and ETag) is not downloaded again. A
//! body cut short is resumed from where it stopped (a ranged GET pinned to the ETag), three
//! times with backoff; after that what arrived is handed to the reader, which keeps every
//! record before the break, and the report says where the download stopped.

use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata as _;

use super::{Listed, PARALLEL, S3Remote};
use crate::cloud::cache::Cache;
use crate::cloud::runtime;
use crate::fmt::human_bytes;
use crate::ingest::Progress;
use crate::ingest::remote::{Arrivals, Fetched};

/// Resumptions of a body cut short.
const RESUMES: u32 = 3;

/// Starts the downloads on the cloud runtime and returns at once.
pub(super) fn fetch_all(
    remote: &S3Remote,
    order: Vec<usize>,
    board: Arc<Arrivals>,
    progress: Arc<Progress>,
    cancel: Arc<AtomicBool>,
) {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            for i in order {
                board.put(i, failed(e.0.clone()));
            }
            return;
        }
    };
    std::fs::create_dir_all(&remote.cache.dir).ok();
    let gate = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    if let Ok(mut c) = remote.counts.lock() {
        *c = (0, 0);
    }
    for i in order {
        let Some((bucket, item)) = remote.items.get(i).cloned() else {
            board.put(i, failed("internal error: no such listed object".into()));
            continue;
        };
        let job = Job {
            client: remote.client.clone(),
            cache: remote.cache.clone(),
            bucket,
            item,
            progress: progress.clone(),
            cancel: cancel.clone(),
            counts: remote.counts.clone(),
        };
        let (gate, board) = (gate.clone(), board.clone());
        rt.spawn(async move {
            let fetched = match gate.acquire_owned().await {
                // The download runs as its own task so that a panic in it is this object's
                // error, never a worker waiting forever for it.
                Ok(_permit) => match tokio::spawn(job.run()).await {
                    Ok(f) => f,
                    Err(e) => failed(format!("internal error while downloading: {e}")),
                },
                Err(_) => failed("the download queue closed".into()),
            };
            board.put(i, fetched);
        });
    }
}

fn failed(error: String) -> Fetched {
    Fetched {
        error: Some(error),
        ..Fetched::default()
    }
}

/// One object to fetch.
struct Job {
    client: Client,
    cache: Cache,
    bucket: String,
    item: Listed,
    progress: Arc<Progress>,
    cancel: Arc<AtomicBool>,
    counts: Arc<Mutex<(u64, u64)>>,
}

impl Job {
    async fn run(self) -> Fetched {
        let (bucket, key, etag) = (&self.bucket, &self.item.key, &self.item.etag);
        if let Some(path) = self.cache.hit(bucket, key, etag) {
            self.count(true);
            self.progress
                .bytes_fetched
                .fetch_add(self.item.size, Ordering::Relaxed);
            return Fetched {
                path: Some(path),
                ..Fetched::default()
            };
        }
        if self.cancel.load(Ordering::Relaxed) {
            return failed("cancelled".into());
        }
        let entry = self.cache.entry(bucket, key, etag);
        let part = entry.with_extension("part");
        let result = self.download(&part).await;
        if result.is_ok() {
            self.count(false);
        }
        match result {
            Ok(()) => match std::fs::rename(&part, &entry) {
                Ok(()) => Fetched {
                    path: Some(entry),
                    ..Fetched::default()
                },
                Err(e) => failed(format!("cannot store the download in the cache: {e}")),
            },
            Err((got, why)) if got > 0 => Fetched {
                path: Some(part),
                error: Some(format!(
                    "download stopped after {} of {}: {why}",
                    human_bytes(got),
                    human_bytes(self.item.size)
                )),
                partial: true,
            },
            Err((_, why)) => {
                std::fs::remove_file(&part).ok();
                failed(why)
            }
        }
    }

    fn count(&self, cached: bool) {
        if let Ok(mut c) = self.counts.lock() {
            if cached {
                c.0 += 1;
            } else {
                c.1 += 1;
            }
        }
    }

    /// Downloads into `part`; on failure, the bytes that arrived and why.
    async fn download(&self, part: &Path) -> Result<(), (u64, String)> {
        let mut file = std::fs::File::create(part).map_err(|e| {
            (
                0,
                format!("cannot write the cache ({}): {e}", part.display()),
            )
        })?;
        let mut got: u64 = 0;
        let mut attempt = 0;
        loop {
            match self.body(&mut file, &mut got).await {
                Ok(()) => return Ok(()),
                Err(Stop::Final(why)) => return Err((got, why)),
                Err(Stop::Retry(why)) if attempt >= RESUMES => return Err((got, why)),
                Err(Stop::Retry(_)) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
                }
            }
        }
    }

    /// One GET (ranged from `got` when resuming), its body appended to `file`.
    async fn body(&self, file: &mut std::fs::File, got: &mut u64) -> Result<(), Stop> {
        let mut req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&self.item.key);
        if !self.item.etag.is_empty() {
            req = req.if_match(&self.item.etag);
        }
        if *got > 0 {
            req = req.range(format!("bytes={got}-"));
        }
        let resp = req.send().await.map_err(|e| {
            let why = match e.code() {
                Some("NoSuchKey") => "the object was deleted after it was listed".to_owned(),
                Some("PreconditionFailed") => {
                    "the object changed after it was listed (its ETag differs)".to_owned()
                }
                Some("AccessDenied") => "access denied (s3:GetObject)".to_owned(),
                // Throttling that outlasted the SDK's retries (with backoff).
                Some(
                    code @ ("SlowDown"
                    | "Throttling"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "TooManyRequestsException"),
                ) => format!(
                    "S3 asked to slow down ({code}) on every attempt; open the range again later \
                     (AWS_MAX_ATTEMPTS sets how many attempts)"
                ),
                _ => crate::cloud::error_text(&e, &Default::default()),
            };
            // The SDK has already retried what it could (throttling, dropped connections).
            if *got > 0 && e.code().is_none() {
                Stop::Retry(why)
            } else {
                Stop::Final(why)
            }
        })?;
        let mut body = resp.body;
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(Stop::Final("cancelled".into()));
            }
            match body.next().await {
                None => return Ok(()),
                Some(Ok(chunk)) => {
                    file.write_all(&chunk)
                        .map_err(|e| Stop::Final(format!("cannot write the cache: {e}")))?;
                    *got += chunk.len() as u64;
                    self.progress
                        .bytes_fetched
                        .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
                Some(Err(e)) => {
                    return Err(Stop::Retry(format!(
                        "the connection broke: {}",
                        aws_sdk_s3::error::DisplayErrorContext(&e)
                    )));
                }
            }
        }
    }
}

/// Why a GET ended.
enum Stop {
    /// Worth resuming.
    Retry(String),
    /// Not worth it.
    Final(String),
}
