//! The parser's output: column segments of at most `SEGMENT_ROWS` rows.

use std::sync::Arc;

use crate::model::schema::{Column, Kind};

/// Values of one column of a segment. Strings and addresses hold file-local dictionary ids.
///
/// While parsing, a column holds its kind's variant; a sealed segment is narrowed
/// ([`Values::narrow`]): counters whose values fit 32 bits become `U32`, and dictionary ids
/// `U8` or `U16` when the ids fit, so the parsed files wait for assembly in about the frame's
/// size rather than half as much again. The column's [`Kind`] says how to read them.
#[derive(Debug)]
pub enum Values {
    /// `Kind::U8`, or the ids of a sealed segment that fit 8 bits.
    U8(Vec<u8>),
    /// `Kind::U16`, or the ids of a sealed segment that fit 16 bits.
    U16(Vec<u16>),
    /// `Kind::Time` (seconds), or the counters of a sealed segment that fit 32 bits.
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

    /// Narrows a sealed segment's counters and ids to the smallest width that holds them (a
    /// new, exactly sized vector; the wide one is freed). Other values are left as they are.
    pub(crate) fn narrow(&mut self) {
        match self {
            Values::U64(v) if v.iter().all(|&x| x <= u64::from(u32::MAX)) => {
                *self = Values::U32(v.iter().map(|&x| x as u32).collect());
            }
            Values::Ids(v) => match v.iter().max().copied().unwrap_or(0) {
                m if m <= u32::from(u8::MAX) => {
                    *self = Values::U8(v.iter().map(|&x| x as u8).collect());
                }
                m if m <= u32::from(u16::MAX) => {
                    *self = Values::U16(v.iter().map(|&x| x as u16).collect());
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// Calls `f` with each value as `u64`, in order.
    pub(crate) fn for_each_u64(&self, mut f: impl FnMut(u64)) {
        match self {
            Values::U8(v) => v.iter().for_each(|&x| f(u64::from(x))),
            Values::U16(v) => v.iter().for_each(|&x| f(u64::from(x))),
            Values::U32(v) | Values::Ids(v) => v.iter().for_each(|&x| f(u64::from(x))),
            Values::U64(v) => v.iter().for_each(|&x| f(x)),
        }
    }

    /// Number of values.
    pub(crate) fn len(&self) -> usize {
        match self {
            Values::U8(v) => v.len(),
            Values::U16(v) => v.len(),
            Values::U32(v) | Values::Ids(v) => v.len(),
            Values::U64(v) => v.len(),
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
