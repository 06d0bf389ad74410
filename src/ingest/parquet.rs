//! Parquet through Polars, behind the checks that keep a damaged file from aborting the process.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use polars::prelude::*;

use super::assemble::group_runs;
use super::limits::{Progress, ReadLimits};
use super::parse::{Cell, Cells, RecordParser};
use super::text::report;
use crate::model::schema::{Column, Kind};
use polars_arrow::array::{Array, PrimitiveArray, Utf8ViewArray};
use polars_arrow::datatypes::{ArrowDataType, ArrowSchema};

/// Guarded sections running now (see [`guarded`]). Process-wide, not per thread: a decoder may
/// panic on one of its own worker threads (Polars' pool does).
static GUARDED: AtomicU64 = AtomicU64::new(0);

/// Runs `f`, turning a panic into an error (damaged input can make third-party decoders panic).
/// While any guarded section runs, the default panic message is not printed (the panic is
/// reported as the file's error instead); at other times every panic prints as usual.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARDED.load(Ordering::SeqCst) == 0 {
                default(info);
            }
        }));
    });
    GUARDED.fetch_add(1, Ordering::SeqCst);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.fetch_sub(1, Ordering::SeqCst);
    result.map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown error".into());
        format!("the file is damaged ({what})")
    })
}

/// Checks every data page header before Polars decodes the file. Polars 0.55 casts a page's
/// value count (an `i32`) to `usize`, so a damaged negative count asks for an exabyte-sized
/// buffer, and a failed allocation aborts the process (it is not a panic, so [`guarded`] cannot
/// catch it; found by the `read_file` fuzz target).
fn check_parquet_pages(data: &polars_buffer::Buffer<u8>) -> Result<(), String> {
    use polars_parquet::parquet::page::{CompressedPage, DataPageHeader};
    use polars_parquet::parquet::read::{get_page_iterator, read_metadata};
    let metadata =
        read_metadata(&mut io::Cursor::new(data.as_slice())).map_err(|e| e.to_string())?;
    for group in &metadata.row_groups {
        for column in group.parquet_columns() {
            let pages =
                get_page_iterator(column, io::Cursor::new(data.clone()), Vec::new(), 1 << 30)
                    .map_err(|e| e.to_string())?;
            for page in pages {
                if let CompressedPage::Data(page) = page.map_err(|e| e.to_string())? {
                    let count = match page.header() {
                        DataPageHeader::V1(header) => header.num_values,
                        DataPageHeader::V2(header) => header.num_values,
                    };
                    if count < 0 {
                        return Err(format!("a data page claims {count} values"));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Reads a Parquet file: columns are matched by their underscore names; every row goes through
/// the same validation as a text record.
pub(crate) fn read_parquet(
    path: &Path,
    layers: u32,
    limits: &ReadLimits,
    parser: &mut RecordParser,
    progress: &Progress,
) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut data = Vec::new();
    if layers == 0 {
        BufReader::new(file)
            .read_to_end(&mut data)
            .map_err(|e| format!("cannot read: {e}"))?;
    } else {
        flate2::read::MultiGzDecoder::new(file)
            .take(limits.max_inflated_bytes)
            .read_to_end(&mut data)
            .map_err(|e| format!("cannot decompress: {e}"))?;
    }
    super::parquet_footer::check(&data).map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let data = polars_buffer::Buffer::from(data);
    guarded(|| check_parquet_pages(&data))
        .and_then(|checked| checked)
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    // One reader: the footer read for the plan is the one the columns are decoded with.
    let (plan, df) = guarded(|| -> PolarsResult<(Plan, DataFrame)> {
        let mut reader = ParquetReader::new(io::Cursor::new(data.as_slice()));
        let schema = reader.schema()?;
        let plan = plan_columns(&schema);
        let names: Vec<String> = plan.columns.iter().map(|c| c.source.clone()).collect();
        let df = reader.with_columns(Some(names)).finish()?;
        Ok((plan, df))
    })
    .map_err(|e| format!("not a readable Parquet file: {e}"))?
    .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    if !plan.skipped.is_empty() {
        parser.note(format!(
            "Parquet columns not read (flowlens cannot convert their type): {}",
            plan.skipped.join(", ")
        ));
    }
    let layout: Arc<[Column]> = plan.columns.iter().map(|c| c.column.clone()).collect();
    // Polars does not check that a damaged file's columns have as many values as it has rows.
    if let Some((short, how)) = df
        .columns()
        .iter()
        .zip(&plan.columns)
        .find(|(c, _)| c.len() != df.height())
    {
        return Err(format!(
            "not a readable Parquet file: the file is damaged (column `{}` has {} values for {} rows)",
            how.source,
            short.len(),
            df.height()
        ));
    }
    parser.force_layout(layout.clone());
    // A range of rows at a time, one per chunk of the first column (the file's row groups and
    // pages as Polars decoded them): each column's slice is then one array as it is, where a
    // whole column would be copied into one first. Consecutive chunks under `MIN_RANGE_ROWS`
    // are read together (copied into one array, as small as that), so that many tiny row
    // groups do not each pay for a set of columns and caches.
    let ranges = row_ranges(df.columns().first());
    let mut skips = Vec::new();
    let mut offset = 0;
    for len in ranges {
        let mut sources = Vec::with_capacity(plan.columns.len());
        for ((col, how), column) in df.columns().iter().zip(&plan.columns).zip(layout.iter()) {
            let part = col.as_materialized_series().slice(offset as i64, len);
            let source = Source::of(&part, how.take, column.kind())
                .map_err(|e| format!("column `{}`: {e}", how.source))?;
            sources.push(source);
        }
        parser.cells_records(&sources, len, |row, reason| {
            skips.push((offset + row, reason))
        });
        offset += len;
    }
    for (row, reason) in skips {
        parser.skip(
            row as u64 + 1,
            reason,
            format!("parquet row {}", row + 1).as_bytes(),
        );
    }
    let (mut r, mut k) = (0, 0);
    report(parser, progress, &mut r, &mut k);
    Ok(())
}

/// Rows read at a time at least (unless the file has fewer).
const MIN_RANGE_ROWS: usize = 1 << 13;

/// The lengths of the row ranges a file is read in: the first column's chunks, small ones
/// merged.
fn row_ranges(first: Option<&polars::prelude::Column>) -> Vec<usize> {
    let chunks = first.map(|c| c.as_materialized_series().chunk_lengths());
    merge_small(chunks.into_iter().flatten())
}

/// The lengths, with every run of consecutive lengths under [`MIN_RANGE_ROWS`] summed until
/// it reaches it (a large chunk is never merged: it would be copied).
fn merge_small(lengths: impl Iterator<Item = usize>) -> Vec<usize> {
    let groups = group_runs(lengths.map(|n| (n, n)), MIN_RANGE_ROWS, MIN_RANGE_ROWS);
    groups.iter().map(|g| g.iter().sum()).collect()
}

/// A column's values as the record parser takes them: one array each, read by row.
enum Source {
    /// An integer column of a number field (a signed type, or an unsigned one of up to 32
    /// bits, cast to `Int64`): the values as they are, no text round trip.
    Ints(PrimitiveArray<i64>),
    /// Anything else, as text; `numeric`: a number field's text (`443.0` is read as `443`).
    Text {
        values: Utf8ViewArray,
        numeric: bool,
    },
}

impl Cells for Source {
    #[inline]
    fn cell(&self, row: usize) -> Cell<'_> {
        match self {
            Source::Ints(a) if row < a.len() && a.is_valid(row) => Cell::Int(a.value(row)),
            Source::Text { values, numeric } if row < values.len() && values.is_valid(row) => {
                let tok = values.value(row).as_bytes();
                Cell::Text(if *numeric { integral(tok) } else { tok })
            }
            _ => Cell::Null,
        }
    }

    fn ints(&self, from: usize, len: usize) -> Option<&[i64]> {
        match self {
            Source::Ints(a) if from.checked_add(len).is_some_and(|end| end <= a.len()) => {
                let valid = a
                    .validity()
                    .is_none_or(|v| v.clone().sliced(from, len).unset_bits() == 0);
                valid.then(|| a.values().get(from..from + len)).flatten()
            }
            _ => None,
        }
    }

    #[inline]
    fn key(&self, row: usize) -> Option<u128> {
        match self {
            Source::Text { values, .. } if row < values.len() && values.is_valid(row) => {
                values.views().get(row).map(|v| v.as_u128())
            }
            _ => None,
        }
    }
}

impl Source {
    fn of(s: &Series, take: Take, kind: Kind) -> PolarsResult<Source> {
        let numeric = !matches!(kind, Kind::Str | Kind::Addr);
        let dtype = s.dtype();
        // Only types whose every value fits `i64` (a cast of `UInt64` or a 128-bit type could
        // turn a large value into a null instead of a reported row).
        let fits_i64 = matches!(
            dtype,
            DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
        );
        if numeric && take == Take::Text && fits_i64 {
            let ints = s.cast(&DataType::Int64)?;
            let values = ints.i64()?.rechunk().downcast_iter().next().cloned();
            return Ok(Source::Ints(values.unwrap_or_else(|| {
                PrimitiveArray::new_empty(ArrowDataType::Int64)
            })));
        }
        let text = as_text(s, take)?;
        let values = text.rechunk().downcast_iter().next().cloned();
        Ok(Source::Text {
            values: values.unwrap_or_else(|| Utf8ViewArray::new_empty(ArrowDataType::Utf8View)),
            numeric,
        })
    }
}

/// How a Parquet column becomes the text tokens the record parser takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Take {
    /// Cast to text (strings, integers of any width, floats, booleans, decimals, dictionaries).
    Text,
    /// Raw bytes, as (lossy) UTF-8.
    Bytes,
    /// A timestamp: its integer value divided by this many units per second.
    Seconds(i64),
    /// A date: days since 1970-01-01.
    Days,
}

/// One column to read: its name in the file, the column it becomes, how.
struct Planned {
    source: String,
    column: Column,
    take: Take,
}

/// The columns of a Parquet file that flowlens reads, and those it cannot (with why).
struct Plan {
    columns: Vec<Planned>,
    skipped: Vec<String>,
}

/// Decides, from the file's schema alone, which columns are read and how. Names match the
/// known fields case- and `-`/`_`-insensitively (`SrcAddr`, `log-status`); other columns are
/// kept as strings when their values have a text form, and skipped (named in a note) when not.
fn plan_columns(schema: &ArrowSchema) -> Plan {
    let mut plan = Plan {
        columns: Vec::new(),
        skipped: Vec::new(),
    };
    for (name, field) in schema.iter() {
        let normalized = name.trim().to_ascii_lowercase().replace('-', "_");
        let column = if crate::model::schema::lookup(&normalized).is_some() {
            Column::from_name(&normalized)
        } else {
            Column::from_name(name.as_str())
        };
        if plan
            .columns
            .iter()
            .any(|c| c.column.name() == column.name())
        {
            plan.skipped.push(format!(
                "`{name}` (a second column named {})",
                column.name()
            ));
            continue;
        }
        match take_of(&field.dtype, column.kind()) {
            Ok(take) => plan.columns.push(Planned {
                source: name.to_string(),
                column,
                take,
            }),
            Err(what) => plan.skipped.push(format!("`{name}` ({what})")),
        }
    }
    plan
}

/// How a column of this type is read for a field of this kind, or what the type is when it
/// cannot be read without loss.
fn take_of(dtype: &ArrowDataType, kind: Kind) -> Result<Take, &'static str> {
    use ArrowDataType as A;
    use polars_arrow::datatypes::TimeUnit;
    Ok(match dtype {
        A::Null | A::Boolean | A::Utf8 | A::LargeUtf8 | A::Utf8View => Take::Text,
        A::Int8 | A::Int16 | A::Int32 | A::Int64 | A::UInt8 | A::UInt16 | A::UInt32 => Take::Text,
        A::UInt64 | A::Float32 | A::Float64 => Take::Text,
        A::Decimal(..) | A::Decimal32(..) | A::Decimal64(..) => Take::Text,
        A::Binary | A::LargeBinary | A::BinaryView => Take::Bytes,
        A::Dictionary(_, values, _) => return take_of(values, kind),
        A::Timestamp(unit, _) if kind == Kind::Time => Take::Seconds(match unit {
            TimeUnit::Second => 1,
            TimeUnit::Millisecond => 1_000,
            TimeUnit::Microsecond => 1_000_000,
            TimeUnit::Nanosecond => 1_000_000_000,
        }),
        A::Date32 | A::Date64 if kind == Kind::Time => Take::Days,
        // As a string field (an unknown column, or a known string field), its text form.
        A::Timestamp(..) | A::Date32 | A::Date64 if kind == Kind::Str => Take::Text,
        A::Timestamp(..) | A::Date32 | A::Date64 => return Err("a date or time"),
        A::Struct(_) => return Err("a struct"),
        A::List(_) | A::LargeList(_) | A::FixedSizeList(..) => return Err("a list"),
        A::Map(..) => return Err("a map"),
        _ => return Err("a type flowlens does not convert"),
    })
}

/// A column as text, one value per row (null stays null).
fn as_text(s: &Series, take: Take) -> PolarsResult<StringChunked> {
    let name = s.name().clone();
    Ok(match take {
        Take::Text => s.cast(&DataType::String)?.rechunk().str()?.clone(),
        Take::Bytes => {
            let s = s.cast(&DataType::Binary)?;
            let bin = s.binary()?;
            StringChunked::from_iter_options(
                name,
                bin.iter()
                    .map(|v| v.map(|b| String::from_utf8_lossy(b).into_owned())),
            )
        }
        Take::Seconds(per_second) => {
            let raw = s.cast(&DataType::Int64)?;
            StringChunked::from_iter_options(
                name,
                raw.i64()?
                    .iter()
                    .map(|v| v.map(|t| t.div_euclid(per_second).to_string())),
            )
        }
        Take::Days => {
            let raw = s.cast(&DataType::Int32)?;
            StringChunked::from_iter_options(
                name,
                raw.i32()?
                    .iter()
                    .map(|v| v.map(|d| (i64::from(d) * 86_400).to_string())),
            )
        }
    })
}

/// A number written with a zero fraction (`443.0` from a float column, `1200.00` from a decimal)
/// as the integer it is; anything else unchanged (a real fraction is then refused, with the
/// row, by the record parser).
fn integral(tok: &[u8]) -> &[u8] {
    match tok.iter().position(|b| *b == b'.') {
        Some(dot) if dot > 0 && tok[dot + 1..].iter().all(|b| *b == b'0') => &tok[..dot],
        _ => tok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_chunks_are_read_together() {
        const M: usize = MIN_RANGE_ROWS;
        let merged = |v: &[usize]| merge_small(v.iter().copied());
        assert_eq!(merged(&[]), Vec::<usize>::new());
        assert_eq!(merged(&[5]), vec![5]);
        assert_eq!(merged(&[M, M + 1, 3]), vec![M, M + 1, 3]);
        assert_eq!(merged(&[16; 10]), vec![160]);
        assert_eq!(merged(&[M - 1, 1, M - 1, 2, 7]), vec![M, M + 1, 7]);
        // Polars' chunks of a benchmark file: the small one stays apart.
        assert_eq!(
            merged(&[82_078, 91_360, 289, 76_273]),
            vec![82_078, 91_360, 289, 76_273]
        );
        assert_eq!(merged(&[M, 5, M, 5, 5]), vec![M, 5, M, 10]);
        let many = merged(&vec![1000; 1000]);
        assert_eq!(many.iter().sum::<usize>(), 1_000_000);
        assert!(
            many.iter()
                .rev()
                .skip(1)
                .all(|&r| (M..M + 1000).contains(&r))
        );
    }
}
