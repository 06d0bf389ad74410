//! The selected rows of a block of a chunk, decoded to plain `u64` slices for the kernels.

use crate::model::columns::with_slice;
use crate::model::columns::{ColumnView, for_each_unset};

/// Null marker in decoded blocks.
pub(crate) const NULL: u64 = u64::MAX;

/// Rows decoded at a time: ten decoded columns of a block (640 KiB) stay in a 1 MiB L2 cache.
pub(crate) const BLOCK: usize = 1 << 13;

/// Decodes rows `range` of column `c`, chunk `k` into `out` as `u64` ([`NULL`] where null), so
/// the aggregation loops run over plain slices. A column that does not exist leaves `out` empty
/// (read through [`Block::get`] or `.get(j)`, a missing value is null).
#[allow(clippy::unnecessary_cast)] // `with_slice!` includes `u64` slices
fn decode(
    cols: &[ColumnView<'_>],
    c: Option<usize>,
    k: usize,
    range: std::ops::Range<usize>,
    out: &mut Vec<u64>,
    null: u64,
) {
    out.clear();
    let Some(ch) = c
        .and_then(|c| cols.get(c))
        .and_then(|col| col.chunks.get(k))
    else {
        // A missing column stays empty: readers treat a missing value as null.
        return;
    };
    with_slice!(ch.values, v => {
        let part = v.get(range.clone()).unwrap_or_default();
        out.extend(part.iter().map(|x| *x as u64));
    });
    out.resize(range.len(), null);
    if let Some(bits) = ch.validity {
        mark_nulls(bits, range.start, out, null);
    }
}

/// Sets `out[j]` to `null` where bit `start + j` of `bits` is unset.
fn mark_nulls(bits: &polars_arrow::bitmap::Bitmap, start: usize, out: &mut [u64], null: u64) {
    let (bytes, offset, _) = bits.as_slice();
    let len = out.len();
    for_each_unset(bytes, offset + start, len, |j| {
        if let Some(o) = out.get_mut(j) {
            *o = null;
        }
    });
}

/// Sets `out[i]` to `null` where row `rows[i]` is null: the null rows of `range` are found a
/// word of the bitmap at a time and matched to the selected rows by a merge (both ascending), so
/// the cost is the bitmap's words, not a bit test per selected row.
fn mark_selected_nulls(
    bits: &polars_arrow::bitmap::Bitmap,
    range: std::ops::Range<usize>,
    rows: &[u32],
    out: &mut [u64],
    null: u64,
) {
    let (bytes, offset, _) = bits.as_slice();
    let mut i = 0;
    for_each_unset(bytes, offset + range.start, range.len(), |j| {
        let row = (range.start + j) as u32;
        while rows.get(i).is_some_and(|&r| r < row) {
            i += 1;
        }
        if rows.get(i) == Some(&row)
            && let Some(o) = out.get_mut(i)
        {
            *o = null;
        }
    });
}

/// Sets `rows` to the positions (`start + j`) of the set bytes of `m`, 64 mask bytes at a time:
/// their bits gathered into one word (a bool is 0 or 1, so a multiply collects eight of them),
/// all-clear words skipped, and the set bits' positions written eight at a time whatever their
/// count, into a buffer of which only the count is kept. No branch depends on where a bit is,
/// so a dense selection costs no mispredicted loop exit per word.
pub(crate) fn selected_rows(m: &[bool], start: usize, rows: &mut Vec<u32>) {
    rows.clear();
    let mut words = m.chunks_exact(64);
    let mut base = start as u32;
    let mut found = [0u32; 64];
    for w in &mut words {
        let mut bits = mask_bits(w);
        base += 64;
        if bits == 0 {
            continue;
        }
        let count = bits.count_ones() as usize;
        for eight in found.chunks_exact_mut(8).take(count.div_ceil(8)) {
            for slot in eight {
                // Past the last set bit this writes `base` (`trailing_zeros` of 0 is 64), unread.
                *slot = base - 64 + bits.trailing_zeros();
                bits &= bits.wrapping_sub(1);
            }
        }
        rows.extend_from_slice(&found[..count]);
    }
    for (j, &on) in words.remainder().iter().enumerate() {
        if on {
            rows.push(base + j as u32);
        }
    }
}

/// Bit `j` set where `w[j]` is true (`w`: 64 bools).
#[inline]
fn mask_bits(w: &[bool]) -> u64 {
    let mut words = [0u64; 8];
    for (word, eight) in words.iter_mut().zip(w.chunks_exact(8)) {
        let mut b = [0u8; 8];
        for (d, s) in b.iter_mut().zip(eight) {
            *d = u8::from(*s);
        }
        *word = u64::from_le_bytes(b);
    }
    // Sparse selections: most words have no row.
    if words.iter().fold(0, |a, w| a | w) == 0 {
        return 0;
    }
    // Byte i (0 or 1) of a word lands on bit 56 + i; the other products fall below bit 56
    // without colliding (so without carries) or above bit 63.
    words.iter().enumerate().fold(0, |bits, (k, w)| {
        bits | (w.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k)
    })
}

/// The selected rows of one block of a chunk, decoded: `cols[c][i]` is column `which[c]` at the
/// `i`-th selected row ([`NULL`] where null). A column that does not exist stays empty, and
/// [`Block::get`] reads it as null. Kernels loop over `0..len()` with no mask test per row.
#[derive(Default)]
pub(crate) struct Block {
    cols: Vec<Vec<u64>>,
    /// Positions of the selected rows in the chunk.
    rows: Vec<u32>,
    /// Bit `c` set: column `c`'s nulls are decoded as 0, not [`NULL`] (counters that are summed).
    zero_nulls: u64,
}

impl Block {
    /// Gathers the `which` columns of the selected rows among rows `start..start + m.len()` of
    /// chunk `k`.
    #[allow(clippy::unnecessary_cast)] // `with_slice!` includes `u64` slices
    pub(crate) fn load(
        &mut self,
        cols: &[ColumnView<'_>],
        which: &[Option<usize>],
        k: usize,
        start: usize,
        m: &[bool],
    ) {
        selected_rows(m, start, &mut self.rows);
        self.cols.resize_with(which.len(), Vec::new);
        // Dense blocks are decoded whole (a vectorised pass) and then compacted in place.
        let dense = self.rows.len() * 2 >= m.len();
        for (ci, (buf, c)) in self.cols.iter_mut().zip(which).enumerate() {
            buf.clear();
            if self.rows.is_empty() {
                continue;
            }
            let null = if ci < 64 && (self.zero_nulls >> ci) & 1 == 1 {
                0
            } else {
                NULL
            };
            if dense {
                decode(cols, *c, k, start..start + m.len(), buf, null);
                if buf.len() == m.len() && self.rows.len() < m.len() {
                    for (i, &r) in self.rows.iter().enumerate() {
                        // i <= r - start: the write never overtakes the reads still to come.
                        if let Some(&v) = buf.get(r as usize - start) {
                            buf[i] = v;
                        }
                    }
                    buf.truncate(self.rows.len());
                }
                continue;
            }
            let Some(ch) = c
                .and_then(|c| cols.get(c))
                .and_then(|col| col.chunks.get(k))
            else {
                continue;
            };
            with_slice!(ch.values, v => buf.extend(
                self.rows.iter().map(|&r| v.get(r as usize).map_or(null, |x| *x as u64))
            ));
            if let Some(bits) = ch.validity {
                mark_selected_nulls(bits, start..start + m.len(), &self.rows, buf, null);
            }
        }
    }

    /// Number of selected rows in the block.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Column `col` (an index into `which`) of the `i`-th selected row.
    #[inline]
    pub(crate) fn get(&self, col: usize, i: usize) -> u64 {
        self.cols
            .get(col)
            .and_then(|c| c.get(i))
            .copied()
            .unwrap_or(NULL)
    }

    /// Column `col` as a slice (empty where the column does not exist).
    pub(crate) fn col(&self, col: usize) -> &[u64] {
        self.cols.get(col).map_or(&[][..], Vec::as_slice)
    }
}

/// Runs `f` over the selected rows of chunk `k`, a block of [`BLOCK`] rows at a time (blocks
/// with no selected row are skipped).
pub(crate) fn for_blocks(
    cols: &[ColumnView<'_>],
    which: &[Option<usize>],
    k: usize,
    mask: &[bool],
    f: impl FnMut(&Block),
) {
    for_blocks_zeroing(cols, which, 0, k, mask, f);
}

/// [`for_blocks`] with the nulls of the columns whose bit is set in `zero_nulls` (bit `c` for
/// `which[c]`) decoded as 0: counters that are only summed need no null test per row.
pub(crate) fn for_blocks_zeroing(
    cols: &[ColumnView<'_>],
    which: &[Option<usize>],
    zero_nulls: u64,
    k: usize,
    mask: &[bool],
    mut f: impl FnMut(&Block),
) {
    let mut block = Block {
        zero_nulls,
        ..Block::default()
    };
    for (b, m) in mask.chunks(BLOCK).enumerate() {
        block.load(cols, which, k, b * BLOCK, m);
        if block.len() > 0 {
            f(&block);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_arrow::bitmap::Bitmap;

    /// Nulls found a word at a time equal a bit-by-bit test: lengths and offsets around the
    /// 64-bit word boundaries, no nulls, all nulls and scattered ones, decoded as `NULL` or 0.
    #[test]
    fn nulls_found_a_word_at_a_time_equal_a_bit_test() {
        let mut next = crate::model::xorshift(11);
        for len in [1usize, 63, 64, 65, 127, 128, 130, 200, 1000] {
            for density in [0u64, 3, 50, 100] {
                for offset in [0usize, 5, 64] {
                    let valid: Vec<bool> = (0..len + offset + 70)
                        .map(|_| next() % 100 >= density)
                        .collect();
                    let bits = Bitmap::from_iter(valid.iter().copied()).sliced(offset, len + 70);
                    let valid = &valid[offset..];
                    let start = (next() % 70) as usize;
                    for null in [NULL, 0] {
                        let mut out = vec![7u64; len];
                        mark_nulls(&bits, start, &mut out, null);
                        let expected: Vec<u64> = (0..len)
                            .map(|j| if valid[start + j] { 7 } else { null })
                            .collect();
                        assert_eq!(out, expected, "len {len}, {density}%, offset {offset}");
                        let rows: Vec<u32> = (0..len as u32)
                            .filter(|_| next().is_multiple_of(3))
                            .collect();
                        let mut out = vec![7u64; rows.len()];
                        mark_selected_nulls(&bits, 0..len, &rows, &mut out, null);
                        let expected: Vec<u64> = rows
                            .iter()
                            .map(|&r| if valid[r as usize] { 7 } else { null })
                            .collect();
                        assert_eq!(out, expected, "selected: len {len}, {density}%");
                    }
                }
            }
        }
    }

    /// The selected rows equal a scan of the mask: block lengths around the 64-row words, every
    /// density from none to all (and words with exactly 8, 9, 63 and 64 set), any start.
    #[test]
    fn selected_rows_equal_a_scan() {
        let mut next = crate::model::xorshift(5);
        let mut rows = Vec::new();
        for len in [0usize, 1, 8, 63, 64, 65, 128, 200, 8192] {
            for density in [0u64, 1, 10, 50, 90, 99, 100] {
                let start = (next() % 100_000) as usize;
                let mut m: Vec<bool> = (0..len).map(|_| next() % 100 < density).collect();
                if len >= 128 {
                    // One word with exactly `n` set rows, at random places.
                    let n = [8, 9, 63, 64][(next() % 4) as usize];
                    m[64..128].iter_mut().for_each(|x| *x = false);
                    let mut set = 0;
                    while set < n {
                        let j = 64 + (next() % 64) as usize;
                        set += usize::from(!m[j]);
                        m[j] = true;
                    }
                }
                selected_rows(&m, start, &mut rows);
                let expected: Vec<u32> = (0..len)
                    .filter(|&j| m[j])
                    .map(|j| (start + j) as u32)
                    .collect();
                assert_eq!(rows, expected, "len {len}, {density}%");
            }
        }
    }
}
