//! The time span of a selection (earliest `start`, latest `end`) without reading either column
//! row by row.
//!
//! Per block of rows the table's smallest `start` and largest `end` are kept once
//! ([`TimeIndex`], owned by the [`ViewCache`](crate::query::ViewCache), taken from the same
//! zone maps the time filters read), the blocks ordered by them. The selection's earliest start is in the first block of that order holding a selected
//! row, unless a later block's bound can still beat what was found; the same for the latest end.
//! On logs in time order (as AWS writes them) one or two blocks are read, so the views never
//! read `end` at all, and the span of a selection computed by subtraction costs no scan.

use super::acc::ViewCols;
use crate::model::columns::ColumnView;
use crate::query::block::{BLOCK, Block, NULL};
use crate::query::zones::Zones;

/// One block's bound: (value, chunk, block index in the chunk).
type Bound = (u64, u32, u32);

/// The blocks of a table by their smallest `start` (ascending) and their largest non-zero
/// `end` (descending); blocks without such a value are left out.
#[derive(Debug, Default)]
pub(crate) struct TimeIndex {
    by_start: Vec<Bound>,
    by_end: Vec<Bound>,
}

impl TimeIndex {
    /// From the zone maps of `start` and `end` (blocks of [`BLOCK`] rows): each block's
    /// smallest start, and its largest end when that is not 0.
    pub(crate) fn new(start: Option<&Zones>, end: Option<&Zones>) -> TimeIndex {
        // An all-null zone is (u64::MAX, 0): no bound.
        let mut by_start = bounds(start, |lo, hi| (lo <= hi).then_some(lo));
        let mut by_end = bounds(end, |lo, hi| (lo <= hi && hi > 0).then_some(hi));
        by_start.sort_unstable();
        by_end.sort_unstable_by(|a, b| b.cmp(a));
        TimeIndex { by_start, by_end }
    }

    /// The earliest `start` and latest non-zero `end` of the rows `masks` select.
    pub(crate) fn span(
        &self,
        masks: &[Vec<bool>],
        cols: &[ColumnView<'_>],
        vc: &ViewCols,
    ) -> (Option<u64>, Option<u64>) {
        (
            extreme(masks, cols, vc.start, &self.by_start, true),
            extreme(masks, cols, vc.end, &self.by_end, false),
        )
    }
}

/// Each zone's bound picked by `pick` from its (smallest, largest) non-null value, if any.
fn bounds(zones: Option<&Zones>, pick: impl Fn(u64, u64) -> Option<u64>) -> Vec<Bound> {
    let Some(zones) = zones else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, chunk) in zones.0.iter().enumerate() {
        for (b, &(lo, hi)) in chunk.iter().enumerate() {
            if let Some(x) = pick(lo, hi) {
                out.push((x, k as u32, b as u32));
            }
        }
    }
    out
}

/// The smallest (`min`) or largest non-zero value of column `c` among the selected rows: blocks
/// are visited best bound first and the walk stops when no block left can beat the answer.
fn extreme(
    masks: &[Vec<bool>],
    cols: &[ColumnView<'_>],
    c: Option<usize>,
    order: &[Bound],
    min: bool,
) -> Option<u64> {
    let mut best: Option<u64> = None;
    let mut block = Block::default();
    for &(bound, k, b) in order {
        if best.is_some_and(|x| if min { bound >= x } else { bound <= x }) {
            break;
        }
        let (k, start) = (k as usize, b as usize * BLOCK);
        let Some(mask) = masks
            .get(k)
            .and_then(|m| m.get(start..(start + BLOCK).min(m.len())))
        else {
            continue;
        };
        if !mask.contains(&true) {
            continue;
        }
        block.load(cols, &[c], k, start, mask);
        let values = block
            .col(0)
            .iter()
            .copied()
            .filter(|&x| x != NULL && (min || x > 0));
        let found = if min { values.min() } else { values.max() };
        best = match (best, found) {
            (Some(a), Some(x)) => Some(if min { a.min(x) } else { a.max(x) }),
            (a, x) => a.or(x),
        };
    }
    best
}
