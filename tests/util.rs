//! Fixture writers and helpers shared by the tests.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use flowlens::ingest::{LoadOptions, load};
use flowlens::model::FlowTable;
use flowlens::report::rows::{RowFormat, write_rows};
use serde_json::Value;

/// The v2 header line.
pub const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

/// Three valid v2 records from the AWS documentation (ACCEPT, REJECT, NODATA).
pub const RECORDS: [&str; 3] = [
    "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
    "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK",
    "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
];

/// gzip of `data` (one member).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// Writes `data` to `dir/name`, returning the path.
pub fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, data).unwrap();
    path
}

/// Loads with default options.
pub fn load_paths(paths: &[PathBuf]) -> FlowTable {
    load(paths, &LoadOptions::default()).unwrap()
}

/// The table's records as JSON objects (the `rows --format jsonl` contract).
pub fn records(table: &FlowTable) -> Vec<serde_json::Map<String, Value>> {
    let mut out = Vec::new();
    write_rows(&table.df, None, RowFormat::Jsonl, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| match serde_json::from_str(l).unwrap() {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        })
        .collect()
}

/// One field of every record.
pub fn field(table: &FlowTable, name: &str) -> Vec<Value> {
    records(table)
        .into_iter()
        .map(|r| r.get(name).cloned().unwrap_or(Value::Null))
        .collect()
}

/// The text of the three documentation records with the header, newline-terminated.
pub fn v2_text() -> String {
    format!("{HEADER}\n{}\n", RECORDS.join("\n"))
}

/// Writes `df` as a Parquet file at `path`, in row groups of `group_rows` (Polars' default
/// when `None`).
pub fn write_parquet(path: &Path, df: &mut polars::prelude::DataFrame, group_rows: Option<usize>) {
    polars::prelude::ParquetWriter::new(std::fs::File::create(path).unwrap())
        .with_row_group_size(group_rows)
        .finish(df)
        .unwrap();
}

/// A seeded xorshift generator of numbers below a bound: the same sequence for the same seed
/// (not zero).
pub fn seeded(mut x: u64) -> impl FnMut(u64) -> u64 {
    move |n| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    }
}
