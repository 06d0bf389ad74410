//! Writing records out: CSV, JSON lines and Parquet, streaming.
//!
//! The contract (shared/conformance/README.md): column names with `_`, `-` → null, integers as
//! integers, `start`/`end` in epoch seconds, every other field a string. CSV and JSONL are written
//! row by row from the column views, with each dictionary entry escaped once; Parquet is written
//! in row groups of zero-copy slices, with dictionary columns cast to strings one slice at a time,
//! so no second copy of the table is made.

use std::io::{self, Write};

use polars::prelude::*;

use crate::model::columns::{ColumnView, views};
use crate::model::schema::Kind;

/// Output format of records (`flowlens rows`, the app's record export).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowFormat {
    /// Comma-separated values with a header line; null is an empty field.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet.
    Parquet,
}

/// Rows per Parquet row group (and per cast batch).
const PARQUET_BATCH: usize = 1 << 17;

/// Writes the rows of `df` selected by `rows` (all rows when `None`) in `format`.
pub fn write_rows(
    df: &DataFrame,
    rows: Option<&[u32]>,
    format: RowFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        RowFormat::Csv => write_text(df, rows, out, Text::Csv),
        RowFormat::Jsonl => write_text(df, rows, out, Text::Jsonl),
        RowFormat::Parquet => write_parquet(df, rows, out),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Text {
    Csv,
    Jsonl,
}

fn write_text(
    df: &DataFrame,
    rows: Option<&[u32]>,
    out: &mut dyn Write,
    mode: Text,
) -> io::Result<()> {
    let cols = views(df);
    // Each category written once, already escaped for the output format.
    let encoded: Vec<Vec<String>> = cols
        .iter()
        .map(|c| {
            c.categories
                .iter()
                .map(|s| match mode {
                    Text::Csv => csv_escape(s),
                    Text::Jsonl => json_string(s),
                })
                .collect()
        })
        .collect();
    let keys: Vec<String> = cols
        .iter()
        .map(|c| match mode {
            Text::Csv => csv_escape(c.name),
            Text::Jsonl => format!("{}:", json_string(c.name)),
        })
        .collect();
    let mut w = io::BufWriter::with_capacity(1 << 20, out);
    if mode == Text::Csv {
        writeln!(w, "{}", keys.join(","))?;
    }
    let mut num = itoa_buf();
    let chunk_lens = crate::model::columns::aligned_chunks(&cols)
        .ok_or_else(|| io::Error::other("internal error: the frame's chunks are not aligned"))?;
    let starts: Vec<usize> = chunk_lens
        .iter()
        .scan(0, |at, n| {
            let s = *at;
            *at += n;
            Some(s)
        })
        .collect();
    let mut write_row =
        |k: usize, i: usize, w: &mut io::BufWriter<&mut dyn Write>| -> io::Result<()> {
            if mode == Text::Jsonl {
                w.write_all(b"{")?;
            }
            for (j, col) in cols.iter().enumerate() {
                if j > 0 {
                    w.write_all(b",")?;
                }
                if mode == Text::Jsonl {
                    w.write_all(keys[j].as_bytes())?;
                }
                let Some(c) = col.chunks.get(k) else { continue };
                if c.is_null(i) {
                    if mode == Text::Jsonl {
                        w.write_all(b"null")?;
                    }
                    continue;
                }
                let v = c.raw(i);
                if col.is_categorical() {
                    let s = encoded[j].get(v as usize).map_or("", String::as_str);
                    w.write_all(s.as_bytes())?;
                } else {
                    w.write_all(format_u64(&mut num, v))?;
                }
            }
            if mode == Text::Jsonl {
                w.write_all(b"}\n")
            } else {
                w.write_all(b"\n")
            }
        };
    match rows {
        Some(rows) => {
            for &row in rows {
                let row = row as usize;
                let k = starts.partition_point(|s| *s <= row).saturating_sub(1);
                let base = starts.get(k).copied().unwrap_or(0);
                write_row(k, row - base, &mut w)?;
            }
        }
        None => {
            for (k, n) in chunk_lens.iter().enumerate() {
                for i in 0..*n {
                    write_row(k, i, &mut w)?;
                }
            }
        }
    }
    w.flush()
}

fn itoa_buf() -> [u8; 20] {
    [0u8; 20]
}

fn format_u64(buf: &mut [u8; 20], mut v: u64) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

/// A JSON string literal.
pub fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A CSV field, quoted when needed (RFC 4180).
pub fn csv_escape(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn write_parquet(df: &DataFrame, rows: Option<&[u32]>, out: &mut dyn Write) -> io::Result<()> {
    let to_io = |e: PolarsError| io::Error::other(e.to_string());
    // Dictionary columns become plain strings (what a Parquet reader expects of flow logs), and
    // counters held in 32 bits are written as the 64-bit integers they are (one schema whatever
    // the data's range).
    let written = |name: &str, dt: &DataType| -> DataType {
        if matches!(dt, DataType::Enum(_, _) | DataType::Categorical(_, _)) {
            DataType::String
        } else if crate::model::schema::lookup(name).is_some_and(|d| d.kind == Kind::U64) {
            DataType::UInt64
        } else {
            dt.clone()
        }
    };
    let string_schema: Schema = df
        .schema()
        .iter()
        .map(|(name, dt)| Field::new(name.clone(), written(name, dt)))
        .collect();
    let mut writer = ParquetWriter::new(out)
        .with_row_group_size(Some(PARQUET_BATCH))
        .batched(&string_schema)
        .map_err(to_io)?;
    let batch = |part: DataFrame| -> PolarsResult<DataFrame> {
        let cols = part
            .columns()
            .iter()
            .map(|c| {
                let dt = written(c.name(), c.dtype());
                if &dt == c.dtype() {
                    Ok(c.clone())
                } else {
                    c.cast(&dt)
                }
            })
            .collect::<PolarsResult<Vec<_>>>()?;
        DataFrame::new(part.height(), cols)
    };
    match rows {
        None => {
            let mut offset = 0;
            while offset < df.height() || offset == 0 {
                let part = df.slice(offset as i64, PARQUET_BATCH);
                let b = batch(part).map_err(to_io)?;
                writer.write_batch(&b).map_err(to_io)?;
                offset += PARQUET_BATCH;
                if df.height() == 0 {
                    break;
                }
            }
        }
        Some(rows) => {
            for chunk in rows.chunks(PARQUET_BATCH) {
                let idx =
                    IdxCa::from_vec("idx".into(), chunk.iter().map(|&r| r as IdxSize).collect());
                let part = df.take(&idx).map_err(to_io)?;
                writer
                    .write_batch(&batch(part).map_err(to_io)?)
                    .map_err(to_io)?;
            }
        }
    }
    writer.finish().map_err(to_io)?;
    Ok(())
}

/// The value of row `i` of a column as display text (`-` for null).
pub fn cell_text(col: &ColumnView<'_>, i: usize) -> String {
    if col.is_null(i) {
        return "-".to_owned();
    }
    if col.is_categorical() {
        col.str_at(i).unwrap_or("-").to_owned()
    } else {
        col.raw(i).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(csv_escape("plain"), "plain");
        assert_eq!(csv_escape("a,b"), "\"a,b\"");
        assert_eq!(csv_escape("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(json_string("a\"b"), "\"a\\\"b\"");
        let mut b = itoa_buf();
        assert_eq!(format_u64(&mut b, 0), b"0");
        assert_eq!(format_u64(&mut b, u64::MAX), b"18446744073709551615");
    }
}
