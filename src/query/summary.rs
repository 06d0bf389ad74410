//! Whole-table totals: what `flowlens stats` prints and the app's status line shows.

use crate::model::FlowTable;
use crate::model::columns::{ColumnView, frame_bytes};

/// Totals over a table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records.
    pub records: u64,
    /// Flow-log input files (including unreadable ones; not the context files).
    pub files: usize,
    /// Context files (describe-* JSON, ip-ranges.json, labels CSV).
    pub context_files: usize,
    /// Files that stopped early or could not be read.
    pub broken_files: usize,
    /// Skipped lines.
    pub skipped: u64,
    /// Earliest `start` (epoch seconds).
    pub first_start: Option<u64>,
    /// Latest `end` (epoch seconds).
    pub last_end: Option<u64>,
    /// Sum of `packets`.
    pub packets: u128,
    /// Sum of `bytes`.
    pub bytes: u128,
    /// Records with action ACCEPT.
    pub accept: u64,
    /// Records with action REJECT.
    pub reject: u64,
    /// Records with log-status OK.
    pub ok: u64,
    /// Records with log-status NODATA.
    pub nodata: u64,
    /// Records with log-status SKIPDATA.
    pub skipdata: u64,
    /// Bytes held by the frame.
    pub frame_bytes: usize,
}

impl Summary {
    /// Computes the totals (one pass per column, no copies).
    pub fn of(table: &FlowTable) -> Summary {
        let df = &table.df;
        let col = |name: &str| df.column(name).ok().and_then(ColumnView::new);
        let context_files = table.files.iter().filter(|f| f.context).count();
        let mut s = Summary {
            records: df.height() as u64,
            files: table.files.len() - context_files,
            context_files,
            broken_files: table.broken_files().count(),
            skipped: table.skipped(),
            frame_bytes: frame_bytes(df) + table.addrs.len() * 16,
            ..Summary::default()
        };
        // Two halves on two threads: sums and time span here, category counts on a helper.
        let numbers = |s: &mut Summary| {
            if let Some(v) = col("packets") {
                s.packets = v.chunks.iter().map(|c| c.sum()).sum();
            }
            if let Some(v) = col("bytes") {
                s.bytes = v.chunks.iter().map(|c| c.sum()).sum();
            }
            // The smallest and largest value of a column, over all its chunks.
            let range = |name: &str| {
                col(name)?
                    .chunks
                    .iter()
                    .filter_map(|c| c.min_max())
                    .reduce(|(a, b), (lo, hi)| (a.min(lo), b.max(hi)))
            };
            s.first_start = range("start").map(|(lo, _)| lo);
            s.last_end = range("end").map(|(_, hi)| hi);
        };
        let categories = || -> [u64; 5] {
            let counts = |v: &ColumnView| -> Vec<u64> {
                let mut counts = vec![0u64; v.categories.len()];
                for c in &v.chunks {
                    c.count_values(&mut counts);
                }
                counts
            };
            let pick = |v: &ColumnView, counts: &[u64], name: &str| -> u64 {
                v.category_id(name)
                    .and_then(|id| counts.get(id as usize).copied())
                    .unwrap_or(0)
            };
            let mut out = [0u64; 5];
            if let Some(v) = col("action") {
                let c = counts(&v);
                out[0] = pick(&v, &c, "ACCEPT");
                out[1] = pick(&v, &c, "REJECT");
            }
            if let Some(v) = col("log_status") {
                let c = counts(&v);
                out[2] = pick(&v, &c, "OK");
                out[3] = pick(&v, &c, "NODATA");
                out[4] = pick(&v, &c, "SKIPDATA");
            }
            out
        };
        let counted = std::thread::scope(|scope| {
            let helper = std::thread::Builder::new()
                .name("flowlens-summary".into())
                .spawn_scoped(scope, categories);
            numbers(&mut s);
            match helper {
                Ok(h) => h.join().ok(),
                Err(_) => None,
            }
        });
        // Without a helper thread (or if it died), count here.
        let [accept, reject, ok, nodata, skipdata] = counted.unwrap_or_else(categories);
        (s.accept, s.reject, s.ok, s.nodata, s.skipdata) = (accept, reject, ok, nodata, skipdata);
        s
    }
}
