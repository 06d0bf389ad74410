//! The selected rows of a block of a chunk, decoded to plain `u64` slices for the kernels.

use crate::model::columns::ColumnView;
use crate::model::columns::with_slice;

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
    out.resize(range.len(), NULL);
    if let Some(bits) = ch.validity {
        mark_nulls(bits, range.start, out);
    }
}

/// Sets `out[j]` to [`NULL`] where bit `start + j` of `bits` is unset, a byte at a time
/// (all-valid bytes, the common case, are skipped).
fn mark_nulls(bits: &polars_arrow::bitmap::Bitmap, start: usize, out: &mut [u64]) {
    let (bytes, offset, _) = bits.as_slice();
    let mut j = 0;
    while j < out.len() {
        let bit = offset + start + j;
        if bit.is_multiple_of(8) && j + 8 <= out.len() && bytes.get(bit / 8).copied() == Some(0xff)
        {
            j += 8;
            continue;
        }
        let valid = bytes
            .get(bit / 8)
            .is_some_and(|b| b & (1 << (bit % 8)) != 0);
        if !valid && let Some(o) = out.get_mut(j) {
            *o = NULL;
        }
        j += 1;
    }
}

/// Sets `out[i]` to [`NULL`] where row `rows[i]` is null: the null rows of `range` are found a
/// byte of the bitmap at a time (all-valid bytes, the common case, are skipped) and matched to
/// the selected rows by a merge (both ascending), so the cost is the bitmap's bytes, not a bit
/// test per selected row.
fn mark_selected_nulls(
    bits: &polars_arrow::bitmap::Bitmap,
    range: std::ops::Range<usize>,
    rows: &[u32],
    out: &mut [u64],
) {
    let (bytes, offset, _) = bits.as_slice();
    let mut i = 0;
    let mut bit = offset + range.start;
    let end = offset + range.end;
    while bit < end && i < rows.len() {
        let byte = bytes.get(bit / 8).copied().unwrap_or(0xff);
        if bit.is_multiple_of(8) && bit + 8 <= end && byte == 0xff {
            bit += 8;
            continue;
        }
        if byte & (1 << (bit % 8)) == 0 {
            let row = (bit - offset) as u32;
            while rows.get(i).is_some_and(|&r| r < row) {
                i += 1;
            }
            if rows.get(i) == Some(&row)
                && let Some(o) = out.get_mut(i)
            {
                *o = NULL;
            }
        }
        bit += 1;
    }
}

/// The selected rows of one block of a chunk, decoded: `cols[c][i]` is column `which[c]` at the
/// `i`-th selected row ([`NULL`] where null). A column that does not exist stays empty, and
/// [`Block::get`] reads it as null. Kernels loop over `0..len()` with no mask test per row.
#[derive(Default)]
pub(crate) struct Block {
    cols: Vec<Vec<u64>>,
    /// Positions of the selected rows in the chunk.
    rows: Vec<u32>,
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
        self.rows.clear();
        // Eight mask bytes at a time: a bool is 0 or 1, so each set byte is one set bit.
        let mut words = m.chunks_exact(8);
        let mut base = start;
        for w in &mut words {
            let mut word = w
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            while word != 0 {
                self.rows
                    .push((base + word.trailing_zeros() as usize / 8) as u32);
                word &= word - 1;
            }
            base += 8;
        }
        for (j, &on) in words.remainder().iter().enumerate() {
            if on {
                self.rows.push((base + j) as u32);
            }
        }
        self.cols.resize_with(which.len(), Vec::new);
        // Dense blocks are decoded whole (a vectorised pass) and then compacted in place.
        let dense = self.rows.len() * 2 >= m.len();
        for (buf, c) in self.cols.iter_mut().zip(which) {
            buf.clear();
            if self.rows.is_empty() {
                continue;
            }
            if dense {
                decode(cols, *c, k, start..start + m.len(), buf);
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
                self.rows.iter().map(|&r| v.get(r as usize).map_or(NULL, |x| *x as u64))
            ));
            if let Some(bits) = ch.validity {
                mark_selected_nulls(bits, start..start + m.len(), &self.rows, buf);
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
    mut f: impl FnMut(&Block),
) {
    let mut block = Block::default();
    for (b, m) in mask.chunks(BLOCK).enumerate() {
        block.load(cols, which, k, b * BLOCK, m);
        if block.len() > 0 {
            f(&block);
        }
    }
}
