//! The record parser on arbitrary lines: header detection, wrappers, every field kind.
#![no_main]

use flowlens::ingest::parse::RecordParser;
use flowlens::model::schema::default_layout;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parser = RecordParser::new(default_layout().into());
    let mut lines = 0u64;
    for (i, line) in data.split(|b| *b == b'\n').enumerate() {
        lines += 1;
        if parser.line(line, i as u64 + 1) {
            // A JSON line: the message path.
            parser.message(line, i as u64 + 1);
        }
    }
    let parsed = parser.finish();
    let rows: usize = parsed.segments.iter().map(|s| s.rows).sum();
    assert_eq!(rows as u64, parsed.records);
    assert!(parsed.records <= 2 * lines, "more records than lines");
});
