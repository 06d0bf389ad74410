//! Timeline buckets and the selection's time span.

use super::acc::ViewCols;
use crate::model::columns::ColumnView;
use crate::query::block::{NULL, for_blocks};
use crate::query::par::par_chunks;
use crate::query::select::Selection;

/// Division by a fixed divisor without a `div` instruction per row: a float multiply by the
/// reciprocal, then an exact correction.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FastDiv {
    d: u64,
    inv: f64,
}

impl FastDiv {
    pub(crate) fn new(d: u64) -> FastDiv {
        let d = d.max(1);
        FastDiv {
            d,
            inv: 1.0 / d as f64,
        }
    }

    #[inline]
    pub(crate) fn apply(self, n: u64) -> u64 {
        let mut q = (n as f64 * self.inv) as u64;
        // The float estimate is off by at most one either way for the sizes used here.
        if q.saturating_mul(self.d) > n {
            q -= 1;
        } else if (q + 1).saturating_mul(self.d) <= n {
            q += 1;
        }
        q
    }
}

/// A readable bucket width near `span / n` (1 s … 1 day steps).
pub fn bucket_width(span_secs: u64, n: usize) -> u64 {
    const STEPS: [u64; 17] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 86_400,
    ];
    let want = span_secs / (n.max(1) as u64);
    STEPS
        .iter()
        .copied()
        .find(|s| *s >= want)
        .unwrap_or_else(|| want.div_ceil(86_400) * 86_400)
}

/// The first start and last end of the selected flows.
pub(crate) fn time_span(
    sel: &Selection,
    cols: &[ColumnView<'_>],
    vc: &ViewCols,
) -> (Option<u64>, Option<u64>) {
    let spans = par_chunks(sel.masks.len(), "flowlens-views", |k| {
        let (mut lo, mut hi) = (None::<u64>, None::<u64>);
        if let Some(mask) = sel.masks.get(k) {
            for_blocks(cols, &[vc.start, vc.end], k, mask, |b| {
                if let Some(x) = b.col(0).iter().copied().filter(|&t| t != NULL).min() {
                    lo = Some(lo.map_or(x, |l| l.min(x)));
                }
                if let Some(x) = b
                    .col(1)
                    .iter()
                    .copied()
                    .filter(|&t| t != NULL && t > 0)
                    .max()
                {
                    hi = Some(hi.map_or(x, |h| h.max(x)));
                }
            });
        }
        (lo, hi)
    });
    spans.into_iter().fold((None, None), |(lo, hi), (l, h)| {
        (
            match (lo, l) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            match (hi, h) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::FastDiv;

    #[test]
    fn fast_division_is_exact() {
        for d in [1u64, 2, 5, 15, 60, 300, 900, 3600, 86_400] {
            let f = FastDiv::new(d);
            for n in (0..200_000u64).chain([u32::MAX as u64, 1_709_251_200, 4_000_000_000]) {
                assert_eq!(f.apply(n), n / d, "{n} / {d}");
            }
        }
    }
}
