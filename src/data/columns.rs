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

/// A typed view of one column.
#[derive(Clone, Debug)]
pub struct ColumnView<'a> {
    /// Column name.
    pub name: &'a str,
    /// The values (unspecified where null).
    pub values: Values<'a>,
    /// Validity (`None` = no nulls).
    pub validity: Option<&'a Bitmap>,
    /// Category strings of an `Enum` column, by id.
    pub categories: Vec<&'a str>,
}

impl<'a> ColumnView<'a> {
    /// Views a column, or `None` if it is not one of the frame's types or not a single chunk.
    pub fn new(column: &'a Column) -> Option<ColumnView<'a>> {
        let series = column.as_materialized_series();
        if series.n_chunks() != 1 {
            return None;
        }
        fn prim<T: PolarsNumericType>(
            ca: &ChunkedArray<T>,
        ) -> Option<(&[T::Native], Option<&Bitmap>)> {
            let arr = ca.downcast_iter().next()?;
            Some((arr.values().as_slice(), arr.validity()))
        }
        let mut categories = Vec::new();
        let (values, validity) =
            match series.dtype() {
                DataType::UInt8 => prim(series.u8().ok()?).map(|(v, b)| (Values::U8(v), b))?,
                DataType::UInt16 => prim(series.u16().ok()?).map(|(v, b)| (Values::U16(v), b))?,
                DataType::UInt32 => prim(series.u32().ok()?).map(|(v, b)| (Values::U32(v), b))?,
                DataType::UInt64 => prim(series.u64().ok()?).map(|(v, b)| (Values::U64(v), b))?,
                DataType::Enum(fcats, _) => {
                    let cats = fcats.categories();
                    categories = (0..cats.len()).map(|i| cats.value(i)).collect();
                    match fcats.physical() {
                        CategoricalPhysical::U8 => prim(series.cat8().ok()?.physical())
                            .map(|(v, b)| (Values::Cat8(v), b))?,
                        CategoricalPhysical::U16 => prim(series.cat16().ok()?.physical())
                            .map(|(v, b)| (Values::Cat16(v), b))?,
                        CategoricalPhysical::U32 => prim(series.cat32().ok()?.physical())
                            .map(|(v, b)| (Values::Cat32(v), b))?,
                    }
                }
                _ => return None,
            };
        Some(ColumnView {
            name: column.name().as_str(),
            values,
            validity,
            categories,
        })
    }

    /// Whether row `i` is null.
    #[inline]
    pub fn is_null(&self, i: usize) -> bool {
        self.validity.is_some_and(|b| !b.get_bit(i))
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self.values {
            Values::U8(v) | Values::Cat8(v) => v.len(),
            Values::U16(v) | Values::Cat16(v) => v.len(),
            Values::U32(v) | Values::Cat32(v) => v.len(),
            Values::U64(v) => v.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether this is a dictionary (`Enum`) column.
    pub fn is_categorical(&self) -> bool {
        matches!(
            self.values,
            Values::Cat8(_) | Values::Cat16(_) | Values::Cat32(_)
        )
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

    /// The category string at row `i` (`None` where null or not categorical).
    pub fn str_at(&self, i: usize) -> Option<&'a str> {
        if self.is_null(i) || !self.is_categorical() {
            return None;
        }
        self.categories.get(self.raw(i) as usize).copied()
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
