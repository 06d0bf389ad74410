//! The loading API: paths in, one [`FlowTable`] out, on named worker threads.
//!
//! [`start`] returns at once with a [`LoadHandle`]: progress counters (bytes, records, files),
//! `cancel()` (honoured within one 256 KiB block, well under 200 ms) and the result when it is
//! ready. [`load`] is the blocking form for the headless commands. Files are read in parallel,
//! largest first; a panic while reading one file is caught and reported for that file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

use super::assemble::{ParsedInput, assemble};
use super::context::{file_is_context, read_context};
use super::discover::discover;
use super::limits::{Progress, ReadLimits};
use super::remote::{Arrivals, Remote};
use super::source::{FileOutcome, read_file};
use crate::model::inventory::Inventory;
use crate::model::schema::{Column, default_layout};
use crate::model::{FileReport, FlowTable};

/// What all workers' whole-file gzip buffers may hold together (see `source::read_whole_gzip`).
const WHOLE_GZIP_BUDGET: usize = 512 << 20;

/// How to load.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Layout of lines before any header line (`--log-format`); default: the 14 v2 fields.
    pub log_format: Option<Vec<Column>>,
    /// Limits against hostile input.
    pub limits: ReadLimits,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Listed remote objects (`s3://…`) to read beside the local paths.
    pub remote: Option<Arc<dyn Remote>>,
}

impl std::fmt::Debug for dyn Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Remote({} objects)", self.objects().len())
    }
}

/// Why a load produced no table.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Cancelled by the user.
    #[error("loading was cancelled")]
    Cancelled,
    /// Building the frame failed.
    #[error("building the table failed: {0}")]
    Polars(#[from] polars::error::PolarsError),
    /// A worker thread could not be started or died.
    #[error("internal error: {0}")]
    Internal(String),
}

/// A load in progress.
pub struct LoadHandle {
    progress: Arc<Progress>,
    cancel: Arc<AtomicBool>,
    rx: mpsc::Receiver<Result<FlowTable, LoadError>>,
    started: Instant,
    paths: Vec<PathBuf>,
}

impl LoadHandle {
    /// Live counters.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Asks the load to stop; the result becomes `Err(LoadError::Cancelled)`.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// When the load started.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// The paths being loaded.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// The result, if the load has finished.
    pub fn try_result(&self) -> Option<Result<FlowTable, LoadError>> {
        match self.rx.try_recv() {
            Ok(r) => Some(r),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err(LoadError::Internal(
                "the load thread ended without a result".into(),
            ))),
        }
    }

    /// Blocks until the load is done.
    pub fn wait(self) -> Result<FlowTable, LoadError> {
        self.rx.recv().unwrap_or_else(|_| {
            Err(LoadError::Internal(
                "the load thread ended without a result".into(),
            ))
        })
    }
}

/// Starts loading `paths` (files and folders) on a background thread. `on_done` is called from
/// that thread when the result is ready (the GUI passes a repaint request).
pub fn start(
    paths: Vec<PathBuf>,
    options: LoadOptions,
    on_done: Option<Box<dyn Fn() + Send>>,
) -> Result<LoadHandle, LoadError> {
    let progress = Arc::new(Progress::default());
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    {
        let progress = progress.clone();
        let cancel = cancel.clone();
        let paths = paths.clone();
        std::thread::Builder::new()
            .name("flowlens-load".into())
            .spawn(move || {
                let result = run(&paths, &options, &progress, &cancel, started);
                tx.send(result).ok();
                if let Some(f) = on_done {
                    f();
                }
            })
            .map_err(|e| LoadError::Internal(format!("cannot start the load thread: {e}")))?;
    }
    Ok(LoadHandle {
        progress,
        cancel,
        rx,
        started,
        paths,
    })
}

/// Loads `paths` and blocks until done.
pub fn load(paths: &[PathBuf], options: &LoadOptions) -> Result<FlowTable, LoadError> {
    let progress = Arc::new(Progress::default());
    let cancel = Arc::new(AtomicBool::new(false));
    run(paths, options, &progress, &cancel, Instant::now())
}

fn run(
    paths: &[PathBuf],
    options: &LoadOptions,
    progress: &Arc<Progress>,
    cancel: &Arc<AtomicBool>,
    started: Instant,
) -> Result<FlowTable, LoadError> {
    let (files, mut unreadable) = discover(paths);
    let (mut files, context_files): (Vec<_>, Vec<_>) =
        files.into_iter().partition(|(p, _)| !file_is_context(p));
    // Remote objects come after the local files; `first_remote` tells them apart.
    let first_remote = files.len();
    if let Some(remote) = &options.remote {
        add_remote(remote.as_ref(), &mut files, &mut unreadable, progress);
    }
    progress
        .bytes_total
        .store(files.iter().map(|f| f.1).sum(), Ordering::Relaxed);
    progress
        .files_total
        .store(files.len() as u64, Ordering::Relaxed);
    let layout: Arc<[Column]> = options
        .log_format
        .clone()
        .unwrap_or_else(default_layout)
        .into();

    let (threads, options) = worker_options(options, files.len());
    let options = &options;

    // Largest files first, so the last file to finish is a small one.
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(files.get(i).map_or(0, |f| f.1)));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<FileOutcome>>> =
        Mutex::new((0..files.len()).map(|_| None).collect());
    let board = Arc::new(Arrivals::new(files.len() - first_remote));
    if let Some(remote) = &options.remote {
        let remote_order = order.iter().filter_map(|&i| i.checked_sub(first_remote));
        remote.fetch(
            remote_order.collect(),
            board.clone(),
            progress.clone(),
            cancel.clone(),
        );
    }

    let mut context = (Inventory::default(), Vec::new());
    std::thread::scope(|scope| -> Result<(), LoadError> {
        // The context files are read beside the logs, on their own thread.
        let context_reader = std::thread::Builder::new()
            .name("flowlens-context".into())
            .spawn_scoped(scope, || read_contexts(context_files))
            .map_err(|e| LoadError::Internal(format!("cannot start the context reader: {e}")))?;
        let mut workers = Vec::new();
        for w in 0..threads {
            let worker = std::thread::Builder::new()
                .name(format!("flowlens-parse-{w}"))
                .spawn_scoped(scope, || {
                    loop {
                        if cancel.load(Ordering::Relaxed) {
                            break;
                        }
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&i) = order.get(k) else { break };
                        let Some((path, _)) = files.get(i) else { break };
                        let outcome = match i.checked_sub(first_remote) {
                            None => read_caught(path, &layout, options, progress, cancel),
                            Some(r) => match board.wait(r, cancel) {
                                Some(fetched) => {
                                    read_fetched(fetched, &layout, options, progress, cancel)
                                }
                                None => break,
                            },
                        };
                        if let Ok(mut r) = results.lock()
                            && let Some(slot) = r.get_mut(i)
                        {
                            *slot = Some(outcome);
                        }
                        progress.files_done.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .map_err(|e| LoadError::Internal(format!("cannot start a worker: {e}")))?;
            workers.push(worker);
        }
        for w in workers {
            w.join()
                .map_err(|_| LoadError::Internal("a worker thread panicked".into()))?;
        }
        context = context_reader
            .join()
            .map_err(|_| LoadError::Internal("the context reader panicked".into()))?;
        Ok(())
    })?;
    let (context, mut context_reports) = context;
    if cancel.load(Ordering::Relaxed) {
        return Err(LoadError::Cancelled);
    }
    let results = results
        .into_inner()
        .map_err(|_| LoadError::Internal("a worker thread panicked".into()))?;
    let inputs = inputs_of(files, results)?;
    let parsed_at = started.elapsed().as_secs_f64();
    let mut table = assemble(inputs)?;
    super::memory::release_free_memory();
    if std::env::var_os("FLOWLENS_TIMING").is_some() {
        eprintln!(
            "timing: discover+parse {parsed_at:.3} s, assemble {:.3} s",
            started.elapsed().as_secs_f64() - parsed_at
        );
    }
    table.files.append(&mut context_reports);
    table.files.append(&mut unreadable);
    table.context = Arc::new(context);
    table.load_secs = started.elapsed().as_secs_f64();
    Ok(table)
}

/// Appends the remote objects to the files to read (and what could not be listed to the
/// unreadable paths).
fn add_remote(
    remote: &dyn Remote,
    files: &mut Vec<(PathBuf, u64)>,
    unreadable: &mut Vec<FileReport>,
    progress: &Progress,
) {
    unreadable.extend(remote.problems());
    let objects = remote.objects();
    files.extend(objects.iter().map(|o| (PathBuf::from(&o.url), o.size)));
    progress
        .objects_total
        .store(objects.len() as u64, Ordering::Relaxed);
}

/// The number of parse workers, and the options they read with: each worker keeps a whole-file
/// gzip buffer, so on a machine with many cores only smaller files, so that all workers
/// together hold at most about 512 MB of text.
fn worker_options(options: &LoadOptions, files: usize) -> (usize, LoadOptions) {
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        options.threads
    }
    .clamp(1, files.max(1));
    let options = LoadOptions {
        limits: ReadLimits {
            whole_gzip_bytes: options
                .limits
                .whole_gzip_bytes
                .min(WHOLE_GZIP_BUDGET / threads),
            ..options.limits.clone()
        },
        ..options.clone()
    };
    (threads, options)
}

/// Each file with what reading it gave; a file never read means the load was cancelled.
fn inputs_of(
    files: Vec<(PathBuf, u64)>,
    results: Vec<Option<FileOutcome>>,
) -> Result<Vec<ParsedInput>, LoadError> {
    let mut inputs: Vec<ParsedInput> = Vec::with_capacity(files.len());
    for ((path, bytes), outcome) in files.into_iter().zip(results) {
        let Some(outcome) = outcome else {
            return Err(LoadError::Cancelled);
        };
        let fields = outcome
            .parsed
            .segments
            .first()
            .map(|s| s.layout.iter().map(|c| c.name().to_owned()).collect());
        inputs.push(ParsedInput {
            report: FileReport {
                path,
                bytes,
                format: outcome.format,
                error: outcome.error,
                fields: fields.unwrap_or_default(),
                ..FileReport::default()
            },
            parsed: outcome.parsed,
        });
    }
    Ok(inputs)
}

/// Reads the context files (told from the logs by their content): a file that looks like
/// context but cannot be read is reported, never parsed as flow logs.
fn read_contexts(files: Vec<(PathBuf, u64)>) -> (Inventory, Vec<FileReport>) {
    let mut inventory = Inventory::default();
    let mut reports = Vec::new();
    for (path, bytes) in files {
        let mut report = FileReport {
            path: path.clone(),
            bytes,
            format: "context".into(),
            context: true,
            ..FileReport::default()
        };
        match read_context(&path) {
            Ok(inv) => {
                if let Some(src) = inv.sources.last() {
                    report.format = format!("context: {}", src.kind);
                    report.notes = src.problems.clone();
                }
                inventory.merge(inv);
            }
            Err(e) => report.error = Some(format!("context file not read: {e}")),
        }
        reports.push(report);
    }
    if let Some(note) = inventory.link_prefix_lists()
        && let Some(r) = reports.last_mut()
    {
        r.notes.push(note);
    }
    (inventory, reports)
}

/// Reads a fetched object's local copy (also what arrived before a failed download); the
/// download's error comes first in the report.
fn read_fetched(
    fetched: super::remote::Fetched,
    layout: &Arc<[Column]>,
    options: &LoadOptions,
    progress: &Progress,
    cancel: &AtomicBool,
) -> FileOutcome {
    let Some(path) = fetched.path else {
        return FileOutcome {
            parsed: Default::default(),
            format: "unknown".into(),
            error: fetched.error,
        };
    };
    let mut outcome = read_caught(&path, layout, options, progress, cancel);
    if fetched.partial {
        std::fs::remove_file(&path).ok();
    }
    if let Some(e) = fetched.error {
        outcome.error = Some(match outcome.error {
            Some(read) => format!("{e}; what arrived was read up to: {read}"),
            None => e,
        });
    }
    outcome
}

/// Reads one file, turning a panic into an error for that file.
fn read_caught(
    path: &Path,
    layout: &Arc<[Column]>,
    options: &LoadOptions,
    progress: &Progress,
    cancel: &AtomicBool,
) -> FileOutcome {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_file(path, layout.clone(), &options.limits, progress, cancel)
    }));
    result.unwrap_or_else(|panic| {
        let msg = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        FileOutcome {
            parsed: Default::default(),
            format: "unknown".into(),
            error: Some(format!("internal error while reading this file: {msg}")),
        }
    })
}
