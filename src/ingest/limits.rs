//! Limits that apply to every input, and the progress counters the UI reads.

use std::sync::atomic::AtomicU64;

/// Limits that keep hostile input from exhausting the machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Longest line accepted; longer lines are skipped (and never held in memory whole).
    pub max_line_bytes: usize,
    /// Decompressed bytes one file may produce.
    pub max_inflated_bytes: u64,
    /// Largest decompressed/compressed ratio once past [`ReadLimits::ratio_grace_bytes`].
    pub max_inflate_ratio: u64,
    /// Decompressed bytes allowed before the ratio is enforced.
    pub ratio_grace_bytes: u64,
    /// Largest JSON document (CloudWatch payloads are read whole).
    pub max_json_bytes: u64,
    /// Gzip files that decompress to at most this many bytes are read whole and inflated with
    /// libdeflate (about twice as fast); larger or damaged ones are streamed. 0 streams all.
    pub whole_gzip_bytes: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_line_bytes: 1 << 20,
            max_inflated_bytes: 32 << 30,
            max_inflate_ratio: 200,
            ratio_grace_bytes: 64 << 20,
            max_json_bytes: 2 << 30,
            whole_gzip_bytes: 64 << 20,
        }
    }
}

/// Progress counters shared between the workers and whoever watches the load.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes of all input files.
    pub bytes_total: AtomicU64,
    /// Bytes read from disk so far.
    pub bytes_done: AtomicU64,
    /// Valid records so far.
    pub records: AtomicU64,
    /// Skipped lines so far.
    pub skipped: AtomicU64,
    /// Files to read.
    pub files_total: AtomicU64,
    /// Files finished.
    pub files_done: AtomicU64,
    /// Bytes downloaded (remote objects; a cached object counts at once).
    pub bytes_fetched: AtomicU64,
    /// Remote objects in this load.
    pub objects_total: AtomicU64,
}
