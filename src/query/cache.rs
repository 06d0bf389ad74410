//! Whole-table aggregates kept between queries. They belong to the query layer and are owned
//! beside the table (by the app's loaded data set and by each CLI command), never inside it:
//! the table stays plain data, and a cache is dropped with the data set it was computed for.

use std::sync::{Arc, Mutex, OnceLock};

use super::views::{Acc, ConversationMode, PortSide, Ranked, TimeIndex, ViewCols};
use super::zones::Zones;
use crate::model::columns::ColumnView;
use crate::model::columns::with_slice;
use crate::model::{Counts, Metric};

/// The caches of one table. Every entry is computed on first use; a new table needs a new
/// cache (`ViewCache::default()`).
#[derive(Default)]
pub struct ViewCache {
    /// Smallest and largest `start` (the timeline's axis).
    start_range: OnceLock<(u64, u64)>,
    /// The aggregates of every row, for the views of large selections: their views are computed
    /// from the rows they leave out (the smaller side) and subtracted.
    all: Mutex<Option<(AccKey, Arc<Acc>)>>,
    /// The conversations (source, destination, sums) of every row.
    pub(crate) pairs: OnceLock<Vec<(u64, u64, Counts)>>,
    /// Those conversations in one mode, best first by one metric: ((mode, metric), list).
    ranked: Mutex<Option<RankedPairs>>,
    /// Where the table's first start and last end are: (chunk, row in chunk, value).
    extremes: OnceLock<(Option<RowValue>, Option<RowValue>)>,
    /// The blocks of rows by their smallest start and largest end.
    time_index: OnceLock<TimeIndex>,
    /// Per chunk, the rows with a null in a column the views read (ascending).
    view_nulls: OnceLock<Vec<Vec<u32>>>,
    /// Per chunk, the sum of its packets (see `views::typed::Narrow`).
    chunk_packets: OnceLock<Vec<u128>>,
    /// Zone maps of the time columns, by column index (see `select_in`).
    zones: Mutex<Vec<(usize, Arc<Zones>)>>,
}

/// Whole-table conversations in one mode, best first by one metric.
type RankedPairs = ((ConversationMode, Metric), Arc<Vec<Ranked<(u32, u32)>>>);

/// A value and its place: (chunk, row in chunk, value).
pub(crate) type RowValue = (usize, usize, u64);

/// What the cached aggregates depend on besides the table.
pub(crate) type AccKey = (PortSide, bool, usize);

impl ViewCache {
    /// The smallest and largest `start` of the table, `(0, 0)` without any.
    pub(crate) fn start_range(&self, cols: &[ColumnView<'_>], vc: &ViewCols) -> (u64, u64) {
        *self.start_range.get_or_init(|| {
            let mut lo = u64::MAX;
            let mut hi = 0;
            if let Some(c) = vc.start.and_then(|s| cols.get(s)) {
                for ch in &c.chunks {
                    if let Some((a, b)) = ch.min_max() {
                        lo = lo.min(a);
                        hi = hi.max(b);
                    }
                }
            }
            if lo > hi { (0, 0) } else { (lo, hi) }
        })
    }

    /// The aggregates of every row for these options, computed by `compute` on a miss (the last
    /// options asked for are kept).
    pub(crate) fn all_rows(&self, key: AccKey, compute: impl FnOnce() -> Acc) -> Arc<Acc> {
        keyed(&self.all, key, compute)
    }

    /// The whole table's conversations in one mode, best first by one metric, computed by
    /// `compute` on a miss (the last order asked for is kept).
    pub(crate) fn ranked_pairs(
        &self,
        key: (ConversationMode, Metric),
        compute: impl FnOnce() -> Vec<Ranked<(u32, u32)>>,
    ) -> Arc<Vec<Ranked<(u32, u32)>>> {
        keyed(&self.ranked, key, compute)
    }

    /// The row with the smallest `start` and the row with the largest non-zero `end` (as the
    /// views count them).
    pub(crate) fn extremes(
        &self,
        cols: &[ColumnView<'_>],
        vc: &ViewCols,
    ) -> (Option<RowValue>, Option<RowValue>) {
        *self.extremes.get_or_init(|| extremes(cols, vc))
    }

    /// Per chunk, the rows (ascending) with a null in any column the views may read: packets,
    /// bytes, the addresses, the ports, protocol, action and start.
    pub(crate) fn view_nulls(&self, cols: &[ColumnView<'_>], vc: &ViewCols) -> &[Vec<u32>] {
        self.view_nulls.get_or_init(|| {
            let read = [
                vc.packets,
                vc.bytes,
                vc.src,
                vc.dst,
                vc.srcport,
                vc.dstport,
                vc.protocol,
                vc.action,
                vc.start,
            ];
            let n_chunks = cols.first().map_or(0, |c| c.chunks.len());
            (0..n_chunks)
                .map(|k| {
                    let mut rows: Vec<u32> = Vec::new();
                    for ch in read
                        .iter()
                        .flatten()
                        .filter_map(|c| cols.get(*c)?.chunks.get(k))
                    {
                        crate::model::columns::for_each_null(ch.validity, ch.len(), |r| {
                            rows.push(r as u32);
                        });
                    }
                    rows.sort_unstable();
                    rows.dedup();
                    rows
                })
                .collect()
        })
    }

    /// Computes the zone maps of `start` and `end` now (the app does after a load, so that the
    /// first time range drawn on the timeline does not read the whole column first).
    pub fn index_time(&self, table: &crate::model::FlowTable) {
        let cols = crate::model::columns::views(&table.df);
        for name in ["start", "end"] {
            if let Some(c) = cols.iter().position(|c| c.name == name) {
                self.zones(&cols, c);
            }
        }
    }

    /// The zone maps of column `c`, computed on first use.
    pub(crate) fn zones(&self, cols: &[ColumnView<'_>], c: usize) -> Option<Arc<Zones>> {
        let col = cols.get(c)?;
        let mut held = self.zones.lock().ok()?;
        if let Some((_, z)) = held.iter().find(|(i, _)| *i == c) {
            return Some(z.clone());
        }
        let z = Arc::new(Zones::of(col));
        held.push((c, z.clone()));
        Some(z)
    }

    /// Per chunk, the sum of its packets (no chunk without a `packets` column).
    pub(crate) fn chunk_packets(&self, cols: &[ColumnView<'_>], vc: &ViewCols) -> &[u128] {
        self.chunk_packets.get_or_init(|| {
            vc.packets
                .and_then(|c| cols.get(c))
                .map_or_else(Vec::new, |c| c.chunks.iter().map(|ch| ch.sum()).collect())
        })
    }

    /// The blocks of rows by their time bounds, for the span of a selection.
    pub(crate) fn time_index(&self, cols: &[ColumnView<'_>], vc: &ViewCols) -> &TimeIndex {
        self.time_index.get_or_init(|| {
            let zones = |c: Option<usize>| c.and_then(|c| self.zones(cols, c));
            TimeIndex::new(zones(vc.start).as_deref(), zones(vc.end).as_deref())
        })
    }
}

/// The value kept in `slot` for `key`, or a new one from `compute` (which replaces it).
fn keyed<K: PartialEq, V>(
    slot: &Mutex<Option<(K, Arc<V>)>>,
    key: K,
    compute: impl FnOnce() -> V,
) -> Arc<V> {
    let cached = slot.lock().ok().and_then(|c| {
        c.as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    });
    cached.unwrap_or_else(|| {
        let v = Arc::new(compute());
        if let Ok(mut c) = slot.lock() {
            *c = Some((key, v.clone()));
        }
        v
    })
}

#[allow(clippy::unnecessary_cast)] // `with_slice!` includes `u64` slices
fn extremes(cols: &[ColumnView<'_>], vc: &ViewCols) -> (Option<RowValue>, Option<RowValue>) {
    let best = |c: Option<usize>, min: bool| -> Option<RowValue> {
        let col = cols.get(c?)?;
        let mut out: Option<RowValue> = None;
        for (k, ch) in col.chunks.iter().enumerate() {
            with_slice!(ch.values, v => {
                for (i, x) in v.iter().enumerate() {
                    let x = *x as u64;
                    let better = out.is_none_or(|(_, _, b)| if min { x < b } else { x > b });
                    if better && (min || x > 0) && !ch.is_null(i) {
                        out = Some((k, i, x));
                    }
                }
            });
        }
        out
    };
    (best(vc.start, true), best(vc.end, false))
}

impl std::fmt::Debug for ViewCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ViewCache")
    }
}
