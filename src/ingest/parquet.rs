//! Parquet through Polars, behind the checks that keep a damaged file from aborting the process.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use polars::prelude::*;

use super::limits::{Progress, ReadLimits};
use super::parse::RecordParser;
use super::text::report;
use crate::model::schema::Column;

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
    let df = guarded(|| ParquetReader::new(io::Cursor::new(data.as_slice())).finish())
        .map_err(|e| format!("not a readable Parquet file: {e}"))?
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let layout: Arc<[Column]> = df
        .get_column_names()
        .iter()
        .map(|n| Column::from_name(n.as_str()))
        .collect();
    let mut texts = Vec::with_capacity(df.width());
    for col in df.columns() {
        let s = col
            .as_materialized_series()
            .cast(&DataType::String)
            .map_err(|e| format!("column `{}`: {e}", col.name()))?;
        let s = s.rechunk();
        let ca = s
            .str()
            .map_err(|e| format!("column `{}`: {e}", col.name()))?
            .clone();
        texts.push(ca);
    }
    parser.force_layout(layout);
    // Polars does not check that a damaged file's columns have as many values as it has rows.
    if let Some(short) = texts.iter().find(|ca| ca.len() != df.height()) {
        return Err(format!(
            "not a readable Parquet file: the file is damaged (column `{}` has {} values for {} rows)",
            short.name(),
            short.len(),
            df.height()
        ));
    }
    let width = texts.len();
    for row in 0..df.height() {
        let res = parser.tokens_record(
            |k| {
                texts
                    .get(k)
                    .and_then(|ca| ca.get(row))
                    .map_or(b"-".as_slice(), str::as_bytes)
            },
            width,
        );
        if let Err(reason) = res {
            parser.skip(
                row as u64 + 1,
                reason,
                format!("parquet row {}", row + 1).as_bytes(),
            );
        }
    }
    let (mut r, mut k) = (0, 0);
    report(parser, progress, &mut r, &mut k);
    Ok(())
}
