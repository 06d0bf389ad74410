//! Timeline buckets.

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
