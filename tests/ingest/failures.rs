//! Damaged and hostile input: what is skipped, what is kept, and the limits.

use std::io::Write as _;

use flowlens::ingest::{LoadOptions, ReadLimits, load};
use serde_json::json;

use crate::util::{HEADER, RECORDS, field, gzip, load_paths, v2_text, write};

use super::tmp;

#[test]
fn bad_lines_are_skipped_counted_and_explained() {
    let dir = tmp();
    let text = format!(
        "{HEADER}\n{}\nthis is not a flow log record\n{}\n{}\n2 1 eni-1 10.0.0.1 10.0.0.2 1 abc 6 1 1 1 2 ACCEPT OK\n2 1 eni-1 10.0.0.999 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK\n{}\n",
        RECORDS[0],
        RECORDS[1].rsplit_once(' ').unwrap().0,
        RECORDS[1],
        RECORDS[2]
    );
    let p = write(dir.path(), "bad.log", text.as_bytes());
    let t = load_paths(&[p]);
    assert_eq!(t.len(), 3, "every valid record is kept");
    let s = &t.files[0].skipped;
    assert_eq!(s.count, 4);
    let lines: Vec<u64> = s.examples.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4, 6, 7]);
    let reasons: Vec<String> = s.examples.iter().map(|e| e.reason.to_string()).collect();
    assert_eq!(reasons[0], "expected 14 fields, found 7");
    assert_eq!(reasons[1], "expected 14 fields, found 13");
    assert_eq!(reasons[2], "field `dstport`: `abc` is not a valid number");
    assert_eq!(
        reasons[3],
        "field `srcaddr`: `10.0.0.999` is not an IPv4 or IPv6 address"
    );
    assert_eq!(s.examples[0].text, "this is not a flow log record");
}

#[test]
fn truncated_gzip_keeps_records_before_the_break() {
    let dir = tmp();
    let mut text = String::from(HEADER);
    text.push('\n');
    for i in 0..20_000 {
        text.push_str(&format!(
            "2 123456789010 eni-1 10.0.{}.{} 10.0.0.2 {} 443 6 1 100 1418530010 1418530070 ACCEPT OK\n",
            i / 256 % 256,
            i % 256,
            1024 + i % 50_000
        ));
    }
    let gz = gzip(text.as_bytes());
    let cut = &gz[..gz.len() / 2];
    let p = write(dir.path(), "cut.log.gz", cut);
    let t = load_paths(std::slice::from_ref(&p));
    let f = &t.files[0];
    let err = f
        .error
        .as_deref()
        .expect("a truncated file reports an error");
    assert!(err.contains("near byte"), "{err}");
    assert!(
        t.len() > 1000 && t.len() < 20_000,
        "kept {} records",
        t.len()
    );
    assert_eq!(f.records as usize, t.len());
    // Every kept record is complete and valid.
    assert!(field(&t, "dstport").iter().all(|v| *v == json!(443)));
}

#[test]
fn gzip_bomb_stops_at_the_limit() {
    let dir = tmp();
    let zeros = vec![b'\n'; 50 << 20];
    let p = write(dir.path(), "bomb.gz", &gzip(&zeros));
    let opts = LoadOptions {
        limits: ReadLimits {
            ratio_grace_bytes: 1 << 20,
            ..ReadLimits::default()
        },
        ..LoadOptions::default()
    };
    let t = load(&[p], &opts).unwrap();
    let err = t.files[0].error.as_deref().unwrap();
    assert!(err.contains("gzip bomb"), "{err}");
}

#[test]
fn long_lines_are_skipped_without_holding_them() {
    let dir = tmp();
    let mut text = format!("{HEADER}\n{}\n", RECORDS[0]).into_bytes();
    text.extend(std::iter::repeat_n(b'x', 3 << 20));
    text.extend(format!("\n{}\n", RECORDS[1]).as_bytes());
    let p = write(dir.path(), "long.log", &text);
    let t = load_paths(&[p]);
    assert_eq!(t.len(), 2);
    let s = &t.files[0].skipped;
    assert_eq!(s.count, 1);
    assert_eq!(s.examples[0].line, 3);
    assert!(s.examples[0].reason.to_string().contains("longer than"));
}

#[test]
fn binary_garbage_and_invalid_utf8_do_not_stop_the_file() {
    let dir = tmp();
    let mut data = format!("{HEADER}\n").into_bytes();
    data.extend([0u8, 159, 146, 150, 255, b'\n']);
    data.extend(format!("{}\n", RECORDS[0]).as_bytes());
    data.extend(b"2 123456789010 eni-\xff\xfe 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK\n");
    let p = write(dir.path(), "garbage.log", &data);
    let t = load_paths(&[p]);
    assert_eq!(t.len(), 2);
    assert_eq!(t.skipped(), 1);
    let ids = field(&t, "interface_id");
    assert_eq!(ids[1], json!("eni-\u{fffd}\u{fffd}"), "lossy UTF-8");
}

#[test]
fn corrupt_member_in_the_middle_keeps_the_members_around_it() {
    let dir = tmp();
    let member = |port: u32, n: usize| {
        let mut text = String::new();
        for i in 0..n {
            text.push_str(&format!(
                "2 123456789010 eni-1 10.0.{}.{} 10.0.0.2 {port} 443 6 1 100 1418530010 1418530070 ACCEPT OK\n",
                i / 256 % 256,
                i % 256
            ));
        }
        gzip(text.as_bytes())
    };
    let first = member(1111, 3000);
    let mut middle = member(2222, 3000);
    let len = middle.len();
    for b in &mut middle[len / 3..len / 3 + 64] {
        *b ^= 0x5a; // damage the deflate data
    }
    let last = member(3333, 3000);
    let mut data = first.clone();
    data.extend(&middle);
    data.extend(&last);
    let p = write(dir.path(), "three-members.gz", &data);
    let t = load_paths(&[p]);
    let ports = field(&t, "srcport");
    let count = |port: u32| ports.iter().filter(|v| **v == json!(port)).count();
    assert_eq!(count(1111), 3000, "every record of the member before");
    assert_eq!(count(3333), 3000, "every record of the member after");
    assert!(count(2222) < 3000, "the damaged member lost something");
    let err = t.files[0].error.as_deref().expect("the break is reported");
    assert!(err.contains("gzip member broken near byte"), "{err}");
    assert!(err.contains("reading went on at the next member"), "{err}");
    // Only complete, valid records: nothing was glued across the break.
    assert!(
        ports
            .iter()
            .all(|v| [json!(1111), json!(2222), json!(3333)].contains(v))
    );
}

/// Found by the `read_file` fuzz target: damaged Parquet files made the Parquet decoder panic
/// (in its metadata parser, and on one of Polars' worker threads). Each file must get a clear
/// error, and nothing else may be affected.
#[test]
fn regression_fuzz_damaged_parquet() {
    for name in [
        "fuzz-parquet-metadata-panic.bin",
        "fuzz-parquet-worker-panic.bin",
        // A negative page value count: Polars would abort on a huge allocation (the test
        // process would die), so this is checked before decoding.
        "fuzz-parquet-alloc-abort.bin",
        // A column shorter than the frame: reading row by row went out of bounds.
        "fuzz-parquet-short-column.bin",
        // A footer list claiming 1.8 billion row groups: the footer decoder pre-sized it and
        // the allocation failure aborted the process. The footer is walked first now.
        "fuzz-parquet-metadata-alloc-abort.bin",
    ] {
        check_damaged_parquet(name);
    }
}

fn check_damaged_parquet(name: &str) {
    let crash = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let outcome = flowlens::ingest::source::read_file(
        &crash,
        flowlens::model::schema::default_layout().into(),
        &ReadLimits::default(),
        &flowlens::ingest::Progress::default(),
        &std::sync::atomic::AtomicBool::new(false),
    );
    assert_eq!(outcome.format, "parquet");
    let err = outcome.error.expect("a damaged Parquet file is an error");
    assert!(err.starts_with("not a readable Parquet file"), "{err}");
    assert_eq!(outcome.parsed.records, 0);
    // Loaded with a good file: the good one is unaffected.
    let dir = tmp();
    let good = write(dir.path(), "good.log", v2_text().as_bytes());
    let t = load_paths(&[crash, good]);
    assert_eq!(t.len(), 3);
    assert_eq!(t.broken_files().count(), 1);
}

/// Peak resident memory of this process so far (Linux), in bytes.
#[cfg(target_os = "linux")]
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

/// A 1 GB line without a newline: skipped with bounded memory, the record after it kept.
#[cfg(target_os = "linux")]
#[test]
fn one_gigabyte_line_is_skipped_in_bounded_memory() {
    let dir = tmp();
    let path = dir.path().join("one-line.log");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let block = vec![b'x'; 1 << 20];
        for _ in 0..1024 {
            f.write_all(&block).unwrap();
        }
        f.write_all(format!("\n{}\n", RECORDS[0]).as_bytes())
            .unwrap();
    }
    let before = peak_rss();
    let t = load_paths(std::slice::from_ref(&path));
    let grew = peak_rss().saturating_sub(before);
    assert_eq!(t.len(), 1, "the record after the long line is kept");
    assert_eq!(t.skipped(), 1);
    assert!(
        t.files[0].skipped.examples[0]
            .reason
            .to_string()
            .contains("longer than")
    );
    // Generous bound: other tests run in this process at the same time.
    assert!(grew < 256 << 20, "peak memory grew by {} MB", grew >> 20);
}
