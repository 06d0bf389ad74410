//! The parser's output: column segments of at most `SEGMENT_ROWS` rows.

use std::sync::Arc;

use crate::model::schema::{Column, Kind};

/// Values of one column of a segment. Strings and addresses hold file-local dictionary ids.
///
/// A column starts in the narrowest variant its kind allows: dictionary ids in `U8`, counters
/// in `U32`; [`Values::push`] widens it (ids to `U16`, then `Ids`; counters to `U64`) when a value
/// does not fit. So the parsed files are written, and wait for assembly, in about the frame's
/// size, with no copy at seal. A sealed segment is narrowed again ([`Values::narrow`]) for the
/// rare column that a refused line widened. The column's [`Kind`] says how to read them.
#[derive(Debug)]
pub enum Values {
    /// `Kind::U8`, or dictionary ids while they fit 8 bits.
    U8(Vec<u8>),
    /// `Kind::U16`, or dictionary ids while they fit 16 bits.
    U16(Vec<u16>),
    /// `Kind::Time` (seconds), or counters (`Kind::U64`) while they fit 32 bits.
    U32(Vec<u32>),
    /// Counters (`Kind::U64`) once one of them did not fit 32 bits.
    U64(Vec<u64>),
    /// `Kind::Addr` and `Kind::Str`: ids into the file's dictionary for this column, once one
    /// of them did not fit 16 bits.
    Ids(Vec<u32>),
}

impl Values {
    pub(crate) fn new(kind: Kind) -> Values {
        match kind {
            Kind::U8 | Kind::Addr | Kind::Str => Values::U8(Vec::new()),
            Kind::U16 => Values::U16(Vec::new()),
            Kind::Time | Kind::U64 => Values::U32(Vec::new()),
        }
    }

    /// Appends `v`, widening the column first if `v` does not fit its variant. Only ids (in
    /// `U8`, `U16`) and counters (in `U32`) can need it: every other value was checked against
    /// its kind's range before.
    #[inline(always)]
    pub(crate) fn push(&mut self, v: u64) {
        match self {
            Values::U8(vec) if v <= u64::from(u8::MAX) => vec.push(v as u8),
            Values::U16(vec) if v <= u64::from(u16::MAX) => vec.push(v as u16),
            Values::U32(vec) | Values::Ids(vec) if v <= u64::from(u32::MAX) => vec.push(v as u32),
            Values::U64(vec) => vec.push(v),
            _ => self.widen_push(v),
        }
    }

    /// [`Values::push`] of a value that does not fit: the values so far move to the next
    /// variant that holds `v`, with the same capacity (reserved for the whole file).
    #[cold]
    fn widen_push(&mut self, v: u64) {
        fn wider<T: Copy, U: From<T>>(old: &[T], capacity: usize) -> Vec<U> {
            let mut out = Vec::with_capacity(capacity.max(old.len() + 1));
            out.extend(old.iter().map(|&x| U::from(x)));
            out
        }
        *self = match self {
            Values::U8(old) if v <= u64::from(u16::MAX) => Values::U16(wider(old, old.capacity())),
            Values::U8(old) => Values::Ids(wider(old, old.capacity())),
            Values::U16(old) => Values::Ids(wider(old, old.capacity())),
            Values::U32(old) | Values::Ids(old) => Values::U64(wider(old, old.capacity())),
            Values::U64(_) => return,
        };
        self.push(v);
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

    /// Appends `f` of each value (as `u64`), in order, to `out`: one reservation, no per-value
    /// capacity test (what the assembly's id remapping spends its time in).
    pub(crate) fn extend_mapped<T>(&self, out: &mut Vec<T>, f: impl Fn(u64) -> T) {
        match self {
            Values::U8(v) => out.extend(v.iter().map(|&x| f(u64::from(x)))),
            Values::U16(v) => out.extend(v.iter().map(|&x| f(u64::from(x)))),
            Values::U32(v) | Values::Ids(v) => out.extend(v.iter().map(|&x| f(u64::from(x)))),
            Values::U64(v) => out.extend(v.iter().map(|&x| f(x))),
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
