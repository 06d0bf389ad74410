//! Zero-copy typed views of the frame's columns, for the kernels and the writers.
//!
//! A column of the [`FlowTable`](super::FlowTable) frame is a list of chunks, and every column
//! has the same chunk boundaries (`crate::ingest::assemble`); each chunk is seen as a plain slice
//! of values plus an optional validity bitmap ([`ChunkView`]). Dictionary (`Enum`) columns are
//! seen as their category ids plus the category strings.

use polars::prelude::*;
use polars_arrow::bitmap::Bitmap;

/// The values of one column.
#[derive(Clone, Copy, Debug)]
pub enum Values<'a> {
    /// `UInt8` column.
    U8(&'a [u8]),
    /// `UInt16` column.
    U16(&'a [u16]),
    /// `UInt32` column (times).
    U32(&'a [u32]),
    /// `UInt64` column.
    U64(&'a [u64]),
    /// `Enum` ids (u8 physical).
    Cat8(&'a [u8]),
    /// `Enum` ids (u16 physical).
    Cat16(&'a [u16]),
    /// `Enum` ids (u32 physical).
    Cat32(&'a [u32]),
}

/// One chunk of a column.
#[derive(Clone, Copy, Debug)]
pub struct ChunkView<'a> {
    /// The values (unspecified where null).
    pub values: Values<'a>,
    /// Validity (`None` = no nulls).
    pub validity: Option<&'a Bitmap>,
}

impl ChunkView<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self.values {
            Values::U8(v) | Values::Cat8(v) => v.len(),
            Values::U16(v) | Values::Cat16(v) => v.len(),
            Values::U32(v) | Values::Cat32(v) => v.len(),
            Values::U64(v) => v.len(),
        }
    }

    /// Whether the chunk has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether row `i` is null.
    #[inline]
    pub fn is_null(&self, i: usize) -> bool {
        self.validity.is_some_and(|b| !b.get_bit(i))
    }

    /// The integer at row `i` (numbers, or the category id), ignoring validity.
    #[inline]
    pub fn raw(&self, i: usize) -> u64 {
        match self.values {
            Values::U8(v) | Values::Cat8(v) => v.get(i).map_or(0, |x| u64::from(*x)),
            Values::U16(v) | Values::Cat16(v) => v.get(i).map_or(0, |x| u64::from(*x)),
            Values::U32(v) | Values::Cat32(v) => v.get(i).map_or(0, |x| u64::from(*x)),
            Values::U64(v) => v.get(i).copied().unwrap_or(0),
        }
    }
}

/// Runs `$body` with `$v` bound to the chunk's value slice, whatever its integer type.
macro_rules! with_slice {
    ($values:expr, $v:ident => $body:expr) => {
        match $values {
            $crate::model::columns::Values::U8($v) | $crate::model::columns::Values::Cat8($v) => {
                $body
            }
            $crate::model::columns::Values::U16($v) | $crate::model::columns::Values::Cat16($v) => {
                $body
            }
            $crate::model::columns::Values::U32($v) | $crate::model::columns::Values::Cat32($v) => {
                $body
            }
            $crate::model::columns::Values::U64($v) => $body,
        }
    };
}
pub(crate) use with_slice;

// `with_slice!` instantiates each body for every integer width, `u64` included.
#[allow(clippy::useless_conversion)]
impl ChunkView<'_> {
    /// Sum of the non-null values: the sum of all values (a tight loop) minus the values at
    /// the null rows (few, found a 64-bit word of the bitmap at a time).
    pub fn sum(&self) -> u128 {
        with_slice!(self.values, v => {
            // Low and high halves summed apart: each fits a u64 for any chunk size below 2^32.
            let (lo, hi) = v.iter().fold((0u64, 0u64), |(lo, hi), x| {
                let x = u64::from(*x);
                (lo.wrapping_add(x & 0xffff_ffff), hi.wrapping_add(x >> 32))
            });
            let mut total = u128::from(lo) + (u128::from(hi) << 32);
            for_each_null(self.validity, v.len(), |i| {
                total -= v.get(i).map_or(0, |x| u128::from(*x));
            });
            total
        })
    }

    /// Smallest and largest non-null value.
    pub fn min_max(&self) -> Option<(u64, u64)> {
        with_slice!(self.values, v => {
            let mut acc: Option<(u64, u64)> = None;
            let mut add = |lo: u64, hi: u64| {
                acc = Some(acc.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
            };
            let block_min_max = |block: &[_]| {
                block.iter().fold((u64::MAX, 0u64), |(lo, hi), x| {
                    let x = u64::from(*x);
                    (lo.min(x), hi.max(x))
                })
            };
            match self.validity {
                None if !v.is_empty() => {
                    let (lo, hi) = block_min_max(v);
                    add(lo, hi);
                }
                None => {}
                Some(bits) => {
                    // Whole words of the bitmap first (the iterator stops 64–127 bits short of
                    // the end), then the rest bit by bit.
                    let mut done = 0;
                    for (w, word) in bits.fast_iter_u64().enumerate() {
                        let Some(block) = v.get(w * 64..w * 64 + 64) else { break };
                        if word == u64::MAX {
                            let (lo, hi) = block_min_max(block);
                            add(lo, hi);
                        } else {
                            for (j, x) in block.iter().enumerate() {
                                if word >> j & 1 == 1 {
                                    add(u64::from(*x), u64::from(*x));
                                }
                            }
                        }
                        done = w * 64 + 64;
                    }
                    for (i, x) in v.iter().enumerate().skip(done) {
                        if bits.get_bit(i) {
                            add(u64::from(*x), u64::from(*x));
                        }
                    }
                }
            }
            acc
        })
    }

    /// Adds the number of non-null rows per value (category id) to `counts` (values past its
    /// end are ignored).
    pub fn count_values(&self, counts: &mut [u64]) {
        with_slice!(self.values, v => {
            // Four tallies per value, used in turn: a run of equal values would otherwise wait
            // on one counter, one increment after the other.
            let mut lanes = vec![[0u64; 4]; counts.len()];
            let mut quads = v.chunks_exact(4);
            for q in &mut quads {
                for (lane, x) in q.iter().enumerate() {
                    if let Some(c) = lanes.get_mut(u64::from(*x) as usize) {
                        c[lane] += 1;
                    }
                }
            }
            for x in quads.remainder() {
                if let Some(c) = lanes.get_mut(u64::from(*x) as usize) {
                    c[0] += 1;
                }
            }
            for_each_null(self.validity, v.len(), |i| {
                if let Some(c) = v.get(i).and_then(|x| lanes.get_mut(u64::from(*x) as usize)) {
                    c[0] -= 1;
                }
            });
            for (c, l) in counts.iter_mut().zip(&lanes) {
                *c += l.iter().sum::<u64>();
            }
        })
    }
}

/// Calls `f` with each null row of a chunk of `len` rows (see [`for_each_unset`]).
pub(crate) fn for_each_null(validity: Option<&Bitmap>, len: usize, f: impl FnMut(usize)) {
    let Some(bits) = validity else { return };
    if bits.unset_bits() == 0 {
        return;
    }
    let (bytes, offset, _) = bits.as_slice();
    for_each_unset(bytes, offset, len.min(bits.len()), f);
}

/// Calls `f(j)` for every unset bit `from + j` (`j < len`) of a validity bitmap's bytes: whole
/// 64-bit words of set bits (the common case: few nulls) are skipped with one comparison. A
/// byte past the bitmap's end reads as all valid.
pub(crate) fn for_each_unset(bytes: &[u8], from: usize, len: usize, mut f: impl FnMut(usize)) {
    let mut j = 0;
    while j < len {
        let bit = from + j;
        if bit.is_multiple_of(64) && j + 64 <= len {
            let word = bytes
                .get(bit / 8..bit / 8 + 8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(u64::MAX, u64::from_le_bytes);
            let mut unset = !word;
            while unset != 0 {
                f(j + unset.trailing_zeros() as usize);
                unset &= unset - 1;
            }
            j += 64;
            continue;
        }
        if bytes
            .get(bit / 8)
            .is_some_and(|b| b & (1 << (bit % 8)) == 0)
        {
            f(j);
        }
        j += 1;
    }
}

/// A typed view of one column (all chunks).
#[derive(Clone, Debug)]
pub struct ColumnView<'a> {
    /// Column name.
    pub name: &'a str,
    /// The chunks, in row order.
    pub chunks: Vec<ChunkView<'a>>,
    /// Category strings of an `Enum` column, by id.
    pub categories: Vec<&'a str>,
    starts: Vec<usize>,
    categorical: bool,
}

impl<'a> ColumnView<'a> {
    /// Views a column, or `None` if it is not one of the frame's types.
    pub fn new(column: &'a Column) -> Option<ColumnView<'a>> {
        let series = column.as_materialized_series();
        fn prim<'b, T: PolarsNumericType>(
            ca: &'b ChunkedArray<T>,
            wrap: impl Fn(&'b [T::Native]) -> Values<'b>,
        ) -> Vec<ChunkView<'b>> {
            ca.downcast_iter()
                .map(|arr| ChunkView {
                    values: wrap(arr.values().as_slice()),
                    validity: arr.validity(),
                })
                .collect()
        }
        let mut categories = Vec::new();
        let mut categorical = false;
        let chunks = match series.dtype() {
            DataType::UInt8 => prim(series.u8().ok()?, Values::U8),
            DataType::UInt16 => prim(series.u16().ok()?, Values::U16),
            DataType::UInt32 => prim(series.u32().ok()?, Values::U32),
            DataType::UInt64 => prim(series.u64().ok()?, Values::U64),
            DataType::Enum(fcats, _) => {
                let cats = fcats.categories();
                categories = (0..cats.len()).map(|i| cats.value(i)).collect();
                categorical = true;
                match fcats.physical() {
                    CategoricalPhysical::U8 => prim(series.cat8().ok()?.physical(), Values::Cat8),
                    CategoricalPhysical::U16 => {
                        prim(series.cat16().ok()?.physical(), Values::Cat16)
                    }
                    CategoricalPhysical::U32 => {
                        prim(series.cat32().ok()?.physical(), Values::Cat32)
                    }
                }
            }
            _ => return None,
        };
        let mut starts = Vec::with_capacity(chunks.len());
        let mut at = 0;
        for c in &chunks {
            starts.push(at);
            at += c.len();
        }
        Some(ColumnView {
            name: column.name().as_str(),
            chunks,
            categories,
            starts,
            categorical,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(ChunkView::len).sum()
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether this is a dictionary (`Enum`) column.
    pub fn is_categorical(&self) -> bool {
        self.categorical
    }

    /// (chunk, row in chunk) of a row.
    pub fn locate(&self, row: usize) -> (usize, usize) {
        let k = self.starts.partition_point(|s| *s <= row).saturating_sub(1);
        (k, row - self.starts.get(k).copied().unwrap_or(0))
    }

    /// Whether row `row` is null (random access; loops should go chunk by chunk).
    pub fn is_null(&self, row: usize) -> bool {
        let (k, i) = self.locate(row);
        self.chunks.get(k).is_none_or(|c| c.is_null(i))
    }

    /// The integer at `row` (random access).
    pub fn raw(&self, row: usize) -> u64 {
        let (k, i) = self.locate(row);
        self.chunks.get(k).map_or(0, |c| c.raw(i))
    }

    /// The category string at `row` (`None` where null or not categorical).
    pub fn str_at(&self, row: usize) -> Option<&'a str> {
        if !self.categorical || self.is_null(row) {
            return None;
        }
        self.categories.get(self.raw(row) as usize).copied()
    }

    /// The id of category `s`, if present.
    pub fn category_id(&self, s: &str) -> Option<u64> {
        self.categories
            .iter()
            .position(|c| *c == s)
            .map(|i| i as u64)
    }
}

/// Views every column of a frame (skipping any that cannot be viewed).
pub fn views(df: &DataFrame) -> Vec<ColumnView<'_>> {
    df.columns().iter().filter_map(ColumnView::new).collect()
}

/// Bytes the frame holds: Polars' estimate, with a buffer that several chunks of a column
/// share (a constant column is stored once, `ingest::assemble`) counted once, not per chunk.
pub fn frame_bytes(df: &DataFrame) -> usize {
    let mut counted_twice = 0;
    for view in views(df) {
        // (start of the slice, its bytes): chunks that share a buffer start at the same place.
        let mut buffers: Vec<(usize, usize)> = Vec::new();
        for chunk in &view.chunks {
            let (at, bytes) =
                with_slice!(chunk.values, v => (v.as_ptr() as usize, std::mem::size_of_val(v)));
            match buffers.iter_mut().find(|(a, _)| *a == at) {
                Some((_, held)) => {
                    counted_twice += bytes.min(*held);
                    *held = (*held).max(bytes);
                }
                None => buffers.push((at, bytes)),
            }
        }
    }
    df.estimated_size().saturating_sub(counted_twice)
}

/// Row counts of the frame's chunks, if every column has the same chunk boundaries.
pub fn aligned_chunks(cols: &[ColumnView<'_>]) -> Option<Vec<usize>> {
    let Some(head) = cols.first() else {
        return Some(Vec::new());
    };
    let first: Vec<usize> = head.chunks.iter().map(ChunkView::len).collect();
    cols.iter()
        .all(|c| {
            c.chunks.len() == first.len() && c.chunks.iter().zip(&first).all(|(a, b)| a.len() == *b)
        })
        .then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length around the bitmap's word boundaries, bitmaps with an offset, no nulls,
    /// all nulls and scattered nulls: the word-at-a-time kernels against a plain loop.
    #[test]
    fn sum_min_max_and_counts_match_a_plain_loop() {
        let mut next = crate::model::xorshift(7);
        for len in [0usize, 1, 63, 64, 65, 127, 128, 129, 191, 200, 1000, 4099] {
            for density in [0u64, 1, 30, 100] {
                for offset in [0usize, 3] {
                    let values: Vec<u64> = (0..len)
                        .map(|_| next() % 5 + (next() % 3) * (1 << 40))
                        .collect();
                    let valid: Vec<bool> =
                        (0..len + offset).map(|_| next() % 100 >= density).collect();
                    let bits = Bitmap::from_iter(valid.iter().copied()).sliced(offset, len);
                    let valid = &valid[offset..];
                    let view = ChunkView {
                        values: Values::U64(&values),
                        validity: Some(&bits),
                    };
                    let kept = || {
                        values
                            .iter()
                            .zip(valid)
                            .filter(|(_, ok)| **ok)
                            .map(|(x, _)| *x)
                    };
                    let what = format!("len {len}, nulls {density}%, offset {offset}");
                    assert_eq!(view.sum(), kept().map(u128::from).sum::<u128>(), "{what}");
                    let mm = kept().fold(None, |a: Option<(u64, u64)>, x| {
                        Some(a.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x))))
                    });
                    assert_eq!(view.min_max(), mm, "{what}");
                    let small: Vec<u8> = values.iter().map(|x| (x % 5) as u8).collect();
                    let view = ChunkView {
                        values: Values::Cat8(&small),
                        validity: Some(&bits),
                    };
                    // One slot short: value 4 is past the end and ignored.
                    let mut counts = vec![0u64; 4];
                    view.count_values(&mut counts);
                    let mut expected = vec![0u64; 4];
                    for (x, ok) in small.iter().zip(valid) {
                        if *ok && (*x as usize) < 4 {
                            expected[*x as usize] += 1;
                        }
                    }
                    assert_eq!(counts, expected, "{what}");
                }
            }
        }
    }
}
