//! A whole file of arbitrary bytes: format detection, gzip layers, JSON envelopes, Parquet,
//! text, then assembly into a frame and the JSONL writer.
#![no_main]

use std::sync::atomic::AtomicBool;

use flowlens::ingest::assemble::{ParsedInput, assemble};
use flowlens::ingest::source::read_file;
use flowlens::ingest::{Progress, ReadLimits};
use flowlens::model::FileReport;
use flowlens::model::schema::default_layout;
use flowlens::report::rows::{RowFormat, write_rows};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("flowlens-fuzz-{}.bin", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let limits = ReadLimits {
        max_inflated_bytes: 64 << 20,
        max_json_bytes: 16 << 20,
        ratio_grace_bytes: 1 << 20,
        ..ReadLimits::default()
    };
    let outcome = read_file(&path, default_layout().into(), &limits, &Progress::default(), &AtomicBool::new(false));
    let records = outcome.parsed.records;
    let input = ParsedInput { report: FileReport::default(), parsed: outcome.parsed };
    let table = assemble(vec![input]).expect("assembly of parsed records never fails");
    assert_eq!(table.len() as u64, records);
    let mut out = Vec::new();
    write_rows(&table.df, None, RowFormat::Jsonl, &mut out).expect("writing to memory");
    assert_eq!(out.iter().filter(|b| **b == b'\n').count() as u64, records);
});
