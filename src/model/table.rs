//! The loaded flows: one Polars [`DataFrame`] plus the address dictionary and per-file reports.
//!
//! The frame is immutable once assembled (`crate::ingest::assemble`). Query caches are not kept
//! here: they belong to the query layer and live beside the table (`crate::query::ViewCache`).
//! The schema is written down in ARCHITECTURE.md.

use std::path::PathBuf;
use std::sync::Arc;

use polars::prelude::*;

use super::inventory::Inventory;
use super::skip::SkipReport;

/// One input file as loaded.
#[derive(Clone, Debug, Default)]
pub struct FileReport {
    /// The path as given or found while walking a folder.
    pub path: PathBuf,
    /// Size on disk.
    pub bytes: u64,
    /// Detected format (`gzip text`, `json`, `parquet`, …).
    pub format: String,
    /// Valid records read.
    pub records: u64,
    /// Skipped lines.
    pub skipped: SkipReport,
    /// Why reading stopped early (records before it are kept), or why the file could not be read.
    pub error: Option<String>,
    /// What the user should know that is not an error (columns not read, …).
    pub notes: Vec<String>,
    /// A context file (inventory), not flow logs.
    pub context: bool,
    /// The fields of its first records, in their order (text: the header's or `--log-format`'s).
    pub fields: Vec<String>,
}

/// The loaded flows.
#[derive(Clone, Debug)]
pub struct FlowTable {
    /// The flows; schema in ARCHITECTURE.md. All columns share the same chunk boundaries.
    pub df: DataFrame,
    /// The address dictionary: id `i` in every address column is `addrs[i]` (IPv4 as
    /// `::ffff:a.b.c.d`), sorted, so a CIDR block is one contiguous id range.
    pub addrs: Arc<Vec<u128>>,
    /// Per-file statistics and skipped-line reports, in load order.
    pub files: Vec<FileReport>,
    /// Wall time of the load in seconds.
    pub load_secs: f64,
    /// The context files found among the inputs (or added with `--context`), merged.
    pub context: Arc<Inventory>,
}

impl FlowTable {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.df.height()
    }

    /// Whether no record was loaded.
    pub fn is_empty(&self) -> bool {
        self.df.height() == 0
    }

    /// Skipped lines over all files.
    pub fn skipped(&self) -> u64 {
        self.files.iter().map(|f| f.skipped.count).sum()
    }

    /// Files that stopped early or could not be read.
    pub fn broken_files(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| f.error.is_some())
    }

    /// An empty table (nothing loaded).
    pub fn empty() -> FlowTable {
        FlowTable {
            df: DataFrame::empty(),
            addrs: Arc::new(Vec::new()),
            files: Vec::new(),
            load_secs: 0.0,
            context: Arc::default(),
        }
    }
}
