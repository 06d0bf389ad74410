//! The parser's output: column segments of at most `SEGMENT_ROWS` rows.

use std::sync::Arc;

use crate::model::schema::{Column, Kind};

/// Values of one column of a segment. Strings and addresses hold file-local dictionary ids.
#[derive(Debug)]
pub enum Values {
    /// `Kind::U8`.
    U8(Vec<u8>),
    /// `Kind::U16`.
    U16(Vec<u16>),
    /// `Kind::Time` (seconds).
    U32(Vec<u32>),
    /// `Kind::U64`.
    U64(Vec<u64>),
    /// `Kind::Addr` and `Kind::Str`: ids into the file's dictionary for this column.
    Ids(Vec<u32>),
}

impl Values {
    pub(crate) fn new(kind: Kind) -> Values {
        match kind {
            Kind::U8 => Values::U8(Vec::new()),
            Kind::U16 => Values::U16(Vec::new()),
            Kind::Time => Values::U32(Vec::new()),
            Kind::U64 => Values::U64(Vec::new()),
            Kind::Addr | Kind::Str => Values::Ids(Vec::new()),
        }
    }

    pub(crate) fn shrink(&mut self) {
        match self {
            Values::U8(v) => v.shrink_to_fit(),
            Values::U16(v) => v.shrink_to_fit(),
            Values::U32(v) => v.shrink_to_fit(),
            Values::U64(v) => v.shrink_to_fit(),
            Values::Ids(v) => v.shrink_to_fit(),
        }
    }

    /// Makes room for `rows` values in all, with one allocation.
    pub(crate) fn reserve_total(&mut self, rows: usize) {
        fn go<T>(v: &mut Vec<T>, rows: usize) {
            v.reserve_exact(rows.saturating_sub(v.len()));
        }
        match self {
            Values::U8(v) => go(v, rows),
            Values::U16(v) => go(v, rows),
            Values::U32(v) | Values::Ids(v) => go(v, rows),
            Values::U64(v) => go(v, rows),
        }
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        match self {
            Values::U8(v) => v.truncate(len),
            Values::U16(v) => v.truncate(len),
            Values::U32(v) | Values::Ids(v) => v.truncate(len),
            Values::U64(v) => v.truncate(len),
        }
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        match self {
            Values::U8(v) => v.capacity(),
            Values::U16(v) => v.capacity() * 2,
            Values::U32(v) | Values::Ids(v) => v.capacity() * 4,
            Values::U64(v) => v.capacity() * 8,
        }
    }
}

/// One column of a segment: values plus the rows that are null (`-`).
#[derive(Debug)]
pub struct ColData {
    /// The values (0 where null).
    pub values: Values,
    /// Row indexes (within the segment) that are null.
    pub nulls: Vec<u32>,
    /// For `Kind::Str`: index into [`FileDicts::strings`].
    pub dict: usize,
}

/// Rows that share one layout, in file order.
#[derive(Debug)]
pub struct Segment {
    /// The columns of every row of this segment.
    pub layout: Arc<[Column]>,
    /// One entry per layout column.
    pub cols: Vec<ColData>,
    /// Number of rows.
    pub rows: usize,
}
