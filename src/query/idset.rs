//! A set of a column's ids (address ids, dictionary ids, ports, protocol numbers) as a lookup
//! table, and, when its members form few runs of consecutive ids, as those runs.
//!
//! Most conditions are such sets: a CIDR block is one run of the sorted address dictionary, an
//! address class or the VPC's blocks a few, a port or a port range one, a string value one id.
//! A row is then tested by a few range comparisons that the compiler turns into SIMD over the
//! column's own width, instead of one table load per row that it cannot vectorize: on the 10M
//! benchmark `srcaddr in 10.0.0.0/16` selects in a third of the time (ARCHITECTURE.md, "The query
//! engine"). A set of many runs keeps the table.

use std::sync::{Arc, OnceLock};

/// Sets with more runs than this are tested by their table (each run costs a comparison a row).
const MAX_RUNS: usize = 8;

/// Rows tested per step: each run is compared with a step's values while they are in L1.
const STEP: usize = 2048;

/// Inclusive ranges of ids.
type Runs = Box<[(u64, u64)]>;

#[derive(Debug, Clone)]
pub(crate) struct IdSet {
    /// `lut[id]`: whether `id` is in the set (ids past its end are not).
    lut: Arc<Vec<bool>>,
    /// The members as inclusive ranges, computed on first use; `None`: too many.
    runs: Arc<OnceLock<Option<Runs>>>,
}

impl IdSet {
    pub(crate) fn new(lut: Vec<bool>) -> IdSet {
        IdSet {
            lut: Arc::new(lut),
            runs: Arc::default(),
        }
    }

    /// The number of ids the table covers (every id past it is outside the set).
    pub(crate) fn table_len(&self) -> usize {
        self.lut.len()
    }

    /// Adds every member of `other` (the two sets are over the same ids).
    pub(crate) fn union_with(&mut self, other: &IdSet) {
        for (a, b) in Arc::make_mut(&mut self.lut)
            .iter_mut()
            .zip(other.lut.iter())
        {
            *a |= *b;
        }
        self.runs = Arc::default();
    }

    /// Whether `id` is a member.
    #[inline]
    pub(crate) fn contains(&self, id: usize) -> bool {
        self.lut.get(id).copied().unwrap_or(false)
    }

    fn runs(&self) -> Option<&[(u64, u64)]> {
        self.runs
            .get_or_init(|| runs_of(&self.lut, MAX_RUNS))
            .as_deref()
    }

    /// ORs into `out[i]` whether `ids[i]` is a member.
    pub(crate) fn or_into<T: Id>(&self, ids: &[T], out: &mut [bool]) {
        match self.runs() {
            Some(runs) => or_runs(runs, ids, out),
            None => {
                for (o, x) in out.iter_mut().zip(ids) {
                    *o |= self.contains(x.index());
                }
            }
        }
    }

    /// Sets `out[i]` to whether `ids[i]` is a member.
    pub(crate) fn test_into<T: Id>(&self, ids: &[T], out: &mut [bool]) {
        out.fill(false);
        self.or_into(ids, out);
    }
}

/// The true entries of `lut` as inclusive ranges, if there are at most `max` of them.
fn runs_of(lut: &[bool], max: usize) -> Option<Runs> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < lut.len() {
        let Some(start) = lut[i..].iter().position(|&b| b).map(|p| i + p) else {
            break;
        };
        let end = lut[start..]
            .iter()
            .position(|&b| !b)
            .map_or(lut.len(), |p| start + p);
        if runs.len() == max {
            return None;
        }
        runs.push((start as u64, end as u64 - 1));
        i = end;
    }
    Some(runs.into_boxed_slice())
}

/// `out[i] |= ids[i]` is in one of `runs`, a step of rows at a time and one run at a time, each
/// test `id - lo <= hi - lo` in the ids' own width (so the loop is SIMD over 16, 8, 4 or 2 ids).
fn or_runs<T: Id>(runs: &[(u64, u64)], ids: &[T], out: &mut [bool]) {
    // Runs wholly above the type's range hold no value of it; a run past it is cut at its top.
    let runs: Vec<(T, T)> = runs
        .iter()
        .filter(|(lo, _)| *lo <= T::MAX)
        .map(|&(lo, hi)| (T::of(lo), T::of(hi.min(T::MAX) - lo)))
        .collect();
    for (o, x) in out.chunks_mut(STEP).zip(ids.chunks(STEP)) {
        for &(lo, span) in &runs {
            for (o, x) in o.iter_mut().zip(x) {
                *o |= x.minus(lo) <= span;
            }
        }
    }
}

/// An unsigned integer type a column's ids are stored in.
pub(crate) trait Id: Copy + PartialOrd {
    /// The largest value, as `u64`.
    const MAX: u64;
    /// `v` (at most `MAX`).
    fn of(v: u64) -> Self;
    /// `self - other`, wrapping.
    fn minus(self, other: Self) -> Self;
    /// The value as an index.
    fn index(self) -> usize;
}

macro_rules! id_impl {
    ($($t:ty),*) => {$(
        impl Id for $t {
            const MAX: u64 = <$t>::MAX as u64;
            #[inline(always)]
            fn of(v: u64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn minus(self, other: Self) -> Self {
                self.wrapping_sub(other)
            }
            #[inline(always)]
            fn index(self) -> usize {
                self as usize
            }
        }
    )*};
}

id_impl!(u8, u16, u32, u64);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every set of a few random shapes, tested by runs and by its table, over every width.
    #[test]
    fn runs_answer_as_the_table_does() {
        let mut next = crate::model::xorshift(7);
        for len in [0usize, 1, 5, 256, 300, 65_536, 70_000] {
            for runs in [0usize, 1, 2, 3, 8, 9, 40] {
                let mut lut = vec![false; len];
                for _ in 0..runs {
                    if len == 0 {
                        break;
                    }
                    let a = (next() as usize) % len;
                    let b = (a + (next() as usize) % 50).min(len);
                    lut[a..b].iter_mut().for_each(|x| *x = true);
                }
                if len > 0 && runs == 3 {
                    // The table's first and last ids.
                    lut[0] = true;
                    lut[len - 1] = true;
                }
                let set = IdSet::new(lut.clone());
                let table = IdSet {
                    lut: Arc::new(lut.clone()),
                    runs: Arc::new(OnceLock::from(None)),
                };
                let ids: Vec<u64> = (0..5000).map(|_| next() % (len as u64 + 300)).collect();
                fn check<T: Id>(set: &IdSet, table: &IdSet, ids: &[T]) {
                    let (mut a, mut b) = (vec![false; ids.len()], vec![true; ids.len()]);
                    set.or_into(ids, &mut a);
                    table.test_into(ids, &mut b);
                    assert_eq!(a, b);
                }
                check(
                    &set,
                    &table,
                    &ids.iter().map(|&x| x as u8).collect::<Vec<_>>(),
                );
                check(
                    &set,
                    &table,
                    &ids.iter().map(|&x| x as u16).collect::<Vec<_>>(),
                );
                check(
                    &set,
                    &table,
                    &ids.iter().map(|&x| x as u32).collect::<Vec<_>>(),
                );
                check(&set, &table, &ids);
                let n = runs_of(&lut, MAX_RUNS).map(|r| r.len());
                let want = lut.windows(2).filter(|w| !w[0] && w[1]).count()
                    + usize::from(lut.first() == Some(&true));
                assert_eq!(n, (want <= MAX_RUNS).then_some(want), "{len} {runs}");
            }
        }
    }
}
