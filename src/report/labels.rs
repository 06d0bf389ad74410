//! Label columns beside the records (`src_label`, `dst_label`, `interface_label`) when context
//! is loaded: dictionary columns with the frame's own chunk boundaries, so every writer of rows
//! and tables takes them as it takes any other field.

use polars::prelude::*;
use polars_arrow::array::PrimitiveArray;
use polars_arrow::bitmap::MutableBitmap;

use crate::model::FlowTable;
use crate::model::columns::{ColumnView, views};
use crate::query::labels::{Labels, label_column_name};

/// The frame with a label column after each labelled column that the data has.
pub fn with_label_columns(table: &FlowTable, labels: &Labels) -> PolarsResult<DataFrame> {
    let cols = views(&table.df);
    let mut out: Vec<Column> = table.df.columns().to_vec();
    for source in ["srcaddr", "dstaddr", "interface_id"] {
        let Some(name) = label_column_name(source) else {
            continue;
        };
        let Some(view) = cols.iter().find(|c| c.name == source) else {
            continue;
        };
        let texts: Vec<Option<String>> = if source == "interface_id" {
            view.categories
                .iter()
                .map(|eni| labels.interface(eni).map(|r| r.label.clone()))
                .collect()
        } else {
            table
                .addrs
                .iter()
                .map(|k| labels.addr_label(*k).map(|c| c.into_owned()))
                .collect()
        };
        if texts.iter().any(Option::is_some) {
            out.push(label_column(view, name, &texts)?);
        }
    }
    DataFrame::new(table.df.height(), out)
}

/// One dictionary column: row `i` is `texts[id]` of the source's id at `i` (null where the
/// source is null or has no label).
fn label_column(
    view: &ColumnView<'_>,
    name: &str,
    texts: &[Option<String>],
) -> PolarsResult<Column> {
    let mut distinct: Vec<&str> = texts.iter().flatten().map(String::as_str).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let id_of: Vec<Option<u32>> = texts
        .iter()
        .map(|t| {
            t.as_deref()
                .and_then(|t| distinct.binary_search(&t).ok())
                .map(|i| i as u32)
        })
        .collect();
    let fcats = FrozenCategories::new(distinct.iter().copied())?;
    let mapping = fcats.mapping().clone();
    let physical = fcats.physical();
    let dtype = DataType::Enum(fcats, mapping);
    let chunks: Vec<(Vec<u32>, MutableBitmap)> = view
        .chunks
        .iter()
        .map(|c| {
            let mut ids = Vec::with_capacity(c.len());
            let mut valid = MutableBitmap::with_capacity(c.len());
            for i in 0..c.len() {
                let id = if c.is_null(i) {
                    None
                } else {
                    usize::try_from(c.raw(i))
                        .ok()
                        .and_then(|r| id_of.get(r).copied().flatten())
                };
                ids.push(id.unwrap_or(0));
                valid.push(id.is_some());
            }
            (ids, valid)
        })
        .collect();
    let name = PlSmallStr::from(name);
    fn arrays<T: polars_arrow::types::NativeType>(
        chunks: Vec<(Vec<u32>, MutableBitmap)>,
        narrow: impl Fn(u32) -> T,
    ) -> Vec<PrimitiveArray<T>> {
        chunks
            .into_iter()
            .map(|(ids, valid)| {
                let ids: Vec<T> = ids.into_iter().map(&narrow).collect();
                PrimitiveArray::from_vec(ids).with_validity(Some(valid.into()))
            })
            .collect()
    }
    // SAFETY (all arms): every id is an index into `distinct`, the categories of `dtype`, or 0
    // under a null; the physical type is the one the categories chose.
    Ok(match physical {
        CategoricalPhysical::U8 => {
            let phys = UInt8Chunked::from_chunk_iter(name, arrays(chunks, |g| g as u8));
            unsafe { Categorical8Chunked::from_cats_and_dtype_unchecked(phys, dtype) }.into_column()
        }
        CategoricalPhysical::U16 => {
            let phys = UInt16Chunked::from_chunk_iter(name, arrays(chunks, |g| g as u16));
            unsafe { Categorical16Chunked::from_cats_and_dtype_unchecked(phys, dtype) }
                .into_column()
        }
        CategoricalPhysical::U32 => {
            let phys = UInt32Chunked::from_chunk_iter(name, arrays(chunks, |g| g));
            unsafe { Categorical32Chunked::from_cats_and_dtype_unchecked(phys, dtype) }
                .into_column()
        }
    })
}
