//! Zone maps: each block's smallest and largest value of a time column, so that a comparison
//! on `start` or `end` fills the blocks it keeps or drops whole and tests values only in the
//! blocks that straddle its bound. AWS writes each log file in time order, so a time range
//! (a brush on the timeline, `start >= … and start < …`) straddles a few blocks of each file.

use super::filter::CmpOp;
use crate::model::columns::{ColumnView, with_slice};

/// Rows per zone: the views' block size (a straddling zone is one block's test, and the time
/// index of `views::span` takes its blocks' bounds from the zones).
pub(crate) const ZONE_ROWS: usize = super::block::BLOCK;

/// Per chunk, per zone of [`ZONE_ROWS`] rows, the smallest and largest non-null value;
/// `(u64::MAX, 0)` for a zone whose values are all null.
#[derive(Debug, Default)]
pub(crate) struct Zones(pub(crate) Vec<Vec<(u64, u64)>>);

impl Zones {
    /// Reads the column once.
    #[allow(clippy::unnecessary_cast)] // `with_slice!` includes `u64` slices
    pub(crate) fn of(col: &ColumnView<'_>) -> Zones {
        Zones(
            col.chunks
                .iter()
                .map(|ch| {
                    with_slice!(ch.values, v => {
                        v.chunks(ZONE_ROWS)
                            .enumerate()
                            .map(|(z, vals)| {
                                let base = z * ZONE_ROWS;
                                vals.iter()
                                    .enumerate()
                                    .filter(|(i, _)| !ch.is_null(base + i))
                                    .fold((u64::MAX, 0), |(lo, hi), (_, x)| {
                                        (lo.min(*x as u64), hi.max(*x as u64))
                                    })
                            })
                            .collect()
                    })
                })
                .collect(),
        )
    }
}

/// What `x op value` is for every non-null `x` of a zone whose values span `lo..=hi`: `Some`
/// when it is the same for all of them, `None` when the zone must be tested row by row.
pub(crate) fn verdict(op: CmpOp, value: u64, (lo, hi): (u64, u64)) -> Option<bool> {
    if lo > hi {
        // Only nulls: no row passes.
        return Some(false);
    }
    let (all, none) = match op {
        CmpOp::Eq => (lo == value && hi == value, value < lo || value > hi),
        CmpOp::Ne => (value < lo || value > hi, lo == value && hi == value),
        CmpOp::Lt => (hi < value, lo >= value),
        CmpOp::Le => (hi <= value, lo > value),
        CmpOp::Gt => (lo > value, hi <= value),
        CmpOp::Ge => (lo >= value, hi < value),
    };
    if all {
        Some(true)
    } else if none {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every verdict agrees with testing each value of the zone, at and around its bounds.
    #[test]
    fn verdicts_agree_with_each_value() {
        let ops = [
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
        ];
        for (lo, hi) in [(10, 10), (10, 12), (0, 3)] {
            for value in 0..16 {
                for op in ops {
                    let each: Vec<bool> = (lo..=hi).map(|x| op.test(x, value)).collect();
                    match verdict(op, value, (lo, hi)) {
                        Some(v) => {
                            assert!(each.iter().all(|x| *x == v), "{op:?} {value} {lo}..{hi}")
                        }
                        None => assert!(each.contains(&true) && each.contains(&false)),
                    }
                }
            }
        }
        assert_eq!(verdict(CmpOp::Ne, 5, (u64::MAX, 0)), Some(false));
    }
}
