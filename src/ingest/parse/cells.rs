//! Records given as typed cells, one per field (Parquet rows): integers are checked against
//! the field's kind as they are, with no text round trip; text goes through the same token
//! rules as a line's.

use super::{NULL, RecordParser, SEGMENT_ROWS, number_value, parse_value, push_value};
use crate::model::schema::Kind;
use crate::model::skip::SkipReason;

/// One field's value in a record given as cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell<'t> {
    /// No value (a Parquet null): null in every kind, like `-`.
    Null,
    /// An integer, for a field of a number kind (`U8`, `U16`, `U64`, `Time`).
    Int(i64),
    /// A token, read as a line's token of the field's kind (`-` is null).
    Text(&'t [u8]),
}

/// The value of the integer `n` in a field of `kind`, by the rules of [`parse_value`] for its
/// decimal text ([`number_value`]): negative or above the kind's range is invalid, a time in
/// milliseconds is turned into seconds. `None` for a string or address kind (their values are text).
fn int_value(kind: Kind, n: i64) -> Option<u128> {
    if matches!(kind, Kind::Str | Kind::Addr) {
        return None;
    }
    number_value(kind, u64::try_from(n).ok()?)
}

/// A column of cells, read by row (a Parquet column).
pub trait Cells {
    /// The cell of `row` (`Cell::Null` past the end).
    fn cell(&self, row: usize) -> Cell<'_>;

    /// A key that two rows share only when their cells are equal (a string view's 16 bytes:
    /// its length and inline text, or its length, prefix and place in a shared buffer), so
    /// that a value repeated down the column is parsed once. `None`: no such key.
    fn key(&self, _row: usize) -> Option<u128> {
        None
    }

    /// The integers of rows `from..from + len` as one slice, when every one of them is a
    /// `Cell::Int` (no null, no text): read without a cell at a time. `None`: read by cell.
    fn ints(&self, _from: usize, _len: usize) -> Option<&[i64]> {
        None
    }
}

/// Values by [`Cells::key`], direct-mapped: a Parquet column of addresses or strings repeats
/// a few thousand values (its dictionary) over many rows, and a hit costs one comparison
/// instead of reading a dotted quad or looking a string up.
struct ViewCache<V>(Vec<(u128, V)>);

impl<V: Copy + Default> ViewCache<V> {
    const BITS: u32 = 12;
    /// No string view has this key (its length would be 2^32 - 1 bytes).
    const EMPTY: u128 = u128::MAX;

    fn new() -> ViewCache<V> {
        ViewCache(vec![(Self::EMPTY, V::default()); 1 << Self::BITS])
    }

    /// The value of `key`, or `make()`'s (kept when it is `Some`).
    #[inline]
    fn get_or(&mut self, key: Option<u128>, make: impl FnOnce() -> Option<V>) -> Option<V> {
        let Some(key) = key.filter(|k| *k != Self::EMPTY) else {
            return make();
        };
        let folded = (key as u64) ^ (key >> 64) as u64;
        let at = (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::BITS)) as usize;
        let Some(slot) = self.0.get_mut(at) else {
            return make();
        };
        if slot.0 == key {
            return Some(slot.1);
        }
        let v = make()?;
        *slot = (key, v);
        Some(v)
    }
}

/// Rows parsed and appended at a time, a column at a time.
const BLOCK: usize = 4096;

/// The value of a cell in a field of `kind`; `None` when invalid.
#[inline]
fn cell_value(kind: Kind, cell: Cell<'_>) -> Option<u128> {
    match cell {
        Cell::Null => Some(NULL),
        Cell::Int(i) => int_value(kind, i),
        Cell::Text(tok) => parse_value(kind, tok),
    }
}

impl RecordParser {
    /// Parses `rows` records given as columns of cells (one per field of the layout), appending
    /// every record whose values are all valid, in order; each other record is reported to
    /// `skipped` with its row (from 0) and why, and nothing of it is appended. The rules are a
    /// line's, with integers checked as numbers. Values are parsed a column at a time over a
    /// block of rows, then the block's valid records appended a column at a time.
    pub fn cells_records<C: Cells>(
        &mut self,
        columns: &[C],
        rows: usize,
        mut skipped: impl FnMut(usize, SkipReason),
    ) {
        let n = self.kinds.len();
        if columns.len() != n {
            for row in 0..rows {
                let (expected, found) = (n, columns.len());
                skipped(row, SkipReason::FieldCount { expected, found });
            }
            return;
        }
        let mut values = vec![0u128; BLOCK * n];
        let mut good: Vec<usize> = Vec::with_capacity(BLOCK);
        let mut addrs: Vec<Option<ViewCache<u128>>> = self
            .kinds
            .iter()
            .map(|k| (*k == Kind::Addr).then(ViewCache::new))
            .collect();
        let mut strings: Vec<Option<ViewCache<u64>>> = self
            .kinds
            .iter()
            .map(|k| (*k == Kind::Str).then(ViewCache::new))
            .collect();
        for first in (0..rows).step_by(BLOCK) {
            let len = BLOCK.min(rows - first);
            let mut bad = [false; BLOCK];
            for (k, (col, &kind)) in columns.iter().zip(&self.kinds).enumerate() {
                let out = values
                    .get_mut(k * BLOCK..k * BLOCK + len)
                    .unwrap_or_default();
                // Integers from their slice when the rows have no null; addresses through the
                // cache of parsed views; anything else a cell at a time.
                let ints = col.ints(first, len);
                let mut cache = addrs.get_mut(k).and_then(Option::as_mut);
                for ((i, v), b) in out.iter_mut().enumerate().zip(bad.iter_mut()) {
                    let row = first + i;
                    let parse = || cell_value(kind, col.cell(row));
                    let value = match (ints.and_then(|n| n.get(i)), cache.as_deref_mut()) {
                        (Some(&n), _) => int_value(kind, n),
                        (None, Some(cache)) => cache.get_or(col.key(row), parse),
                        (None, None) => parse(),
                    };
                    match value {
                        Some(x) => *v = x,
                        None => *b = true,
                    }
                }
            }
            good.clear();
            for (i, &b) in bad.iter().take(len).enumerate() {
                if b {
                    skipped(first + i, self.cells_error(columns, first + i));
                } else {
                    good.push(i);
                }
            }
            self.append_block(columns, &values, first, &good, &mut strings);
        }
    }

    /// Why the record at `row` is invalid: its first invalid value.
    fn cells_error<C: Cells>(&self, columns: &[C], row: usize) -> SkipReason {
        for (k, (col, &kind)) in columns.iter().zip(&self.kinds).enumerate() {
            let cell = col.cell(row);
            if cell_value(kind, cell).is_none() {
                return match cell {
                    Cell::Int(i) => self.value_error(k, i.to_string().as_bytes()),
                    Cell::Text(tok) => self.value_error(k, tok),
                    Cell::Null => self.value_error(k, b"-"),
                };
            }
        }
        SkipReason::FieldCount {
            expected: self.kinds.len(),
            found: columns.len(),
        }
    }

    /// Appends the block's valid records (`good`: their positions in the block, from `first`),
    /// whose values are in `values` (column `k` at `k * BLOCK`), a column at a time; a segment
    /// that fills up is sealed between two records, as a record at a time would.
    fn append_block<C: Cells>(
        &mut self,
        columns: &[C],
        values: &[u128],
        first: usize,
        mut good: &[usize],
        caches: &mut [Option<ViewCache<u64>>],
    ) {
        while !good.is_empty() {
            self.ensure_segment();
            let Some(seg) = self.current.as_mut() else {
                return;
            };
            let (now, rest) = good.split_at(good.len().min(SEGMENT_ROWS - seg.rows));
            let base = seg.rows;
            for (k, (col, &kind)) in seg.cols.iter_mut().zip(&self.kinds).enumerate() {
                let values = values.get(k * BLOCK..).unwrap_or_default();
                if kind != Kind::Str {
                    // Numbers and addresses are in `values` (no text read).
                    for (j, &i) in now.iter().enumerate() {
                        let v = values.get(i).copied().unwrap_or(NULL);
                        let row = (base + j) as u32;
                        push_value(col, kind, v, b"", 0, 0, row, &mut self.dicts);
                    }
                    continue;
                }
                let mut dict = self.dicts.strings.get_mut(col.dict).map(|(_, d)| d);
                let mut id_of = |tok: &[u8]| {
                    dict.as_deref_mut()
                        .map_or(0, |d| u64::from(d.id(tok, 0, tok.len())))
                };
                let column = columns.get(k);
                let mut cache = caches.get_mut(k).and_then(Option::as_mut);
                for (j, &i) in now.iter().enumerate() {
                    if values.get(i) == Some(&NULL) {
                        col.nulls.push((base + j) as u32);
                        col.values.push(0);
                        continue;
                    }
                    let row = first + i;
                    let mut look_up = || Some(id_of(text_of(columns, k, row)));
                    let id = match cache.as_deref_mut() {
                        Some(cache) => cache.get_or(column.and_then(|c| c.key(row)), look_up),
                        None => look_up(),
                    };
                    col.values.push(id.unwrap_or(0));
                }
            }
            seg.rows += now.len();
            self.records += now.len() as u64;
            good = rest;
        }
    }
}

/// The text of column `k` at `row` (what a string or address value is read from; empty for
/// the others).
#[inline]
fn text_of<C: Cells>(columns: &[C], k: usize, row: usize) -> &[u8] {
    match columns.get(k).map(|c| c.cell(row)) {
        Some(Cell::Text(tok)) => tok,
        _ => b"",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::parse::MILLIS_THRESHOLD;
    use crate::ingest::parse::segment::Values;
    use crate::model::schema::parse_log_format;

    /// Ports: row `r` is `r % 65,536`, except every 1,000,003rd row, `-1` (invalid).
    struct Ports;

    impl Cells for Ports {
        fn cell(&self, row: usize) -> Cell<'_> {
            if row % 1_000_003 == 7 {
                Cell::Int(-1)
            } else {
                Cell::Int((row % 65_536) as i64)
            }
        }
    }

    #[test]
    fn blocks_fill_segments_exactly_and_skip_only_invalid_records() {
        let layout = parse_log_format("${srcport}").unwrap();
        let mut p = RecordParser::new(layout.into());
        let rows = SEGMENT_ROWS + BLOCK + 123;
        let mut skipped = Vec::new();
        p.cells_records(&[Ports], rows, |row, reason| skipped.push((row, reason)));
        let bad: Vec<usize> = (0..rows).filter(|r| r % 1_000_003 == 7).collect();
        assert_eq!(skipped.iter().map(|s| s.0).collect::<Vec<_>>(), bad);
        assert!(skipped[0].1.to_string().contains("-1"), "{}", skipped[0].1);
        let file = p.finish();
        assert_eq!(file.records as usize, rows - bad.len());
        // The first segment is full, the rest is in the second, every value in order.
        let lens: Vec<usize> = file.segments.iter().map(|s| s.rows).collect();
        assert_eq!(lens, vec![SEGMENT_ROWS, rows - bad.len() - SEGMENT_ROWS]);
        let mut want = (0..rows)
            .filter(|r| r % 1_000_003 != 7)
            .map(|r| (r % 65_536) as u16);
        for seg in &file.segments {
            let Values::U16(v) = &seg.cols[0].values else {
                panic!("ports are u16")
            };
            assert_eq!(v.len(), seg.rows);
            assert!(v.iter().all(|&x| Some(x) == want.next()));
        }
        assert_eq!(want.next(), None);
    }

    #[test]
    fn integers_follow_the_text_rules() {
        for (kind, n) in [
            (Kind::U8, 0),
            (Kind::U8, 255),
            (Kind::U8, 256),
            (Kind::U16, 65_535),
            (Kind::U16, 65_536),
            (Kind::U16, -1),
            (Kind::U64, i64::MAX),
            (Kind::Time, 1_709_251_201),
            (Kind::Time, 1_709_251_201_123),
            (Kind::Time, i64::from(u32::MAX) + 1),
            (Kind::Time, MILLIS_THRESHOLD as i64 - 1),
        ] {
            let text = n.to_string();
            assert_eq!(
                int_value(kind, n),
                parse_value(kind, text.as_bytes()),
                "{kind:?} {n}"
            );
        }
        assert_eq!(int_value(Kind::Str, 5), None);
        assert_eq!(int_value(Kind::Addr, 5), None);
    }

    /// An address column of text cells; with `keyed`, each row's key is its value's number
    /// among the distinct values (equal keys, equal text), as a string view's would be.
    struct Addrs {
        rows: Vec<Option<(u128, String)>>,
        keyed: bool,
    }

    impl Cells for Addrs {
        fn cell(&self, row: usize) -> Cell<'_> {
            match self.rows.get(row) {
                Some(Some((_, text))) => Cell::Text(text.as_bytes()),
                _ => Cell::Null,
            }
        }
        fn key(&self, row: usize) -> Option<u128> {
            match self.rows.get(row) {
                Some(Some((key, _))) if self.keyed => Some(*key),
                _ => None,
            }
        }
    }

    /// Addresses and strings read through the caches by key equal those read row by row: 30,000
    /// rows over 12,000 distinct values (far more than the cache's slots, so slots are shared
    /// and overwritten), with IPv6, invalid and ambiguous addresses and nulls among them, over
    /// more than one block.
    #[test]
    fn cached_values_equal_parsed_ones() {
        let mut next = crate::model::xorshift(11);
        let distinct: Vec<String> = (0..12_000u64)
            .map(|i| match i % 10 {
                7 => format!("2001:db8::{:x}", next() % 5000),
                8 if i % 20 == 8 => format!("10.0.{}.{}", next() % 300, next() % 256),
                9 if i % 30 == 9 => format!("10.0.0{}.1", next() % 10),
                _ => format!("10.{}.{}.{}", next() % 4, next() % 256, next() % 256),
            })
            .collect();
        let rows: Vec<Option<(u128, String)>> = (0..30_000)
            .map(|_| {
                let k = (next() % 12_000) as usize;
                (k % 97 != 3).then(|| (k as u128 * 0x1_0000_0001, distinct[k].clone()))
            })
            .collect();
        // The same texts as a string column too (dictionary ids cached by key).
        let layout = parse_log_format("${srcaddr} ${dstaddr} ${interface-id}").unwrap();
        let parse = |keyed: bool| {
            let mut p = RecordParser::new(layout.clone().into());
            let mut skipped = Vec::new();
            let half = |shift: usize| Addrs {
                rows: rows
                    .iter()
                    .cycle()
                    .skip(shift)
                    .take(rows.len())
                    .cloned()
                    .collect(),
                keyed,
            };
            p.cells_records(&[half(0), half(5), half(9)], rows.len(), |row, reason| {
                skipped.push((row, reason.to_string()))
            });
            (super::super::tests::parsed_summary(p), skipped)
        };
        let (cached, cached_skips) = parse(true);
        let (plain, plain_skips) = parse(false);
        assert!(plain_skips.len() > 500, "invalid addresses among the rows");
        assert_eq!(cached_skips, plain_skips);
        assert_eq!(cached, plain);
    }
}
