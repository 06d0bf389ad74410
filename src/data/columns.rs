//! Zero-copy typed views of the frame's columns, for the kernels and the writers.
//!
//! Every column of a [`FlowTable`](super::FlowTable) frame is a single chunk (see `table.rs`), so a
//! column is a plain slice of values plus an optional validity bitmap. Dictionary (`Enum`) columns
//! are seen as their category ids plus the category strings.

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
#[macro_export]
macro_rules! with_slice {
    ($values:expr, $v:ident => $body:expr) => {
        match $values {
            $crate::data::columns::Values::U8($v) | $crate::data::columns::Values::Cat8($v) => {
                $body
            }
            $crate::data::columns::Values::U16($v) | $crate::data::columns::Values::Cat16($v) => {
                $body
            }
            $crate::data::columns::Values::U32($v) | $crate::data::columns::Values::Cat32($v) => {
                $body
            }
            $crate::data::columns::Values::U64($v) => $body,
        }
    };
}

// `with_slice!` instantiates each body for every integer width, `u64` included.
#[allow(clippy::useless_conversion)]
impl ChunkView<'_> {
    /// Sum of the non-null values.
    pub fn sum(&self) -> u128 {
        match self.validity {
            None => with_slice!(self.values, v => v.iter().map(|x| u128::from(*x)).sum()),
            Some(bits) => with_slice!(self.values, v => v
                .iter()
                .zip(bits.iter())
                .filter(|(_, ok)| *ok)
                .map(|(x, _)| u128::from(*x))
                .sum()),
        }
    }

    /// Smallest and largest non-null value.
    pub fn min_max(&self) -> Option<(u64, u64)> {
        let fold = |acc: Option<(u64, u64)>, x: u64| {
            Some(acc.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x))))
        };
        match self.validity {
            None => {
                with_slice!(self.values, v => v.iter().fold(None, |a, x| fold(a, u64::from(*x))))
            }
            Some(bits) => with_slice!(self.values, v => v
                .iter()
                .zip(bits.iter())
                .filter(|(_, ok)| *ok)
                .fold(None, |a, (x, _)| fold(a, u64::from(*x)))),
        }
    }

    /// Adds the number of non-null rows per value (category id) to `counts` (values past its
    /// end are ignored).
    pub fn count_values(&self, counts: &mut [u64]) {
        match self.validity {
            None => with_slice!(self.values, v => {
                for x in v {
                    if let Some(c) = counts.get_mut(u64::from(*x) as usize) {
                        *c += 1;
                    }
                }
            }),
            Some(bits) => with_slice!(self.values, v => {
                for (x, ok) in v.iter().zip(bits.iter()) {
                    if ok && let Some(c) = counts.get_mut(u64::from(*x) as usize) {
                        *c += 1;
                    }
                }
            }),
        }
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
