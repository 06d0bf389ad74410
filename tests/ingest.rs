//! Every input the loader takes, and how it fails.

use std::io::Write as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::Engine as _;
use flowlens::data::schema::parse_log_format;
use flowlens::data::{LoadError, LoadOptions, ReadLimits, load, start};
use polars::prelude::*;
use serde_json::{Value, json};

use crate::util::{HEADER, RECORDS, field, gzip, load_paths, records, v2_text, write};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn plain_text_with_header_types_every_field() {
    let dir = tmp();
    let p = write(dir.path(), "a.log", v2_text().as_bytes());
    let t = load_paths(&[p]);
    assert_eq!(t.len(), 3);
    let r = records(&t);
    assert_eq!(r[0]["srcport"], json!(20641));
    assert_eq!(r[0]["account_id"], json!("123456789010"));
    assert_eq!(r[0]["bytes"], json!(4249));
    assert_eq!(r[1]["action"], json!("REJECT"));
    assert_eq!(r[2]["srcaddr"], Value::Null);
    assert_eq!(r[2]["action"], Value::Null);
    assert_eq!(r[2]["log_status"], json!("NODATA"));
    assert_eq!(r[2]["start"], json!(1_431_280_876));
    // Storage types from the schema.
    let schema = t.df.schema();
    assert_eq!(schema.get("srcport"), Some(&DataType::UInt16));
    assert_eq!(schema.get("start"), Some(&DataType::UInt32));
    assert_eq!(schema.get("bytes"), Some(&DataType::UInt64));
    assert!(matches!(schema.get("srcaddr"), Some(DataType::Enum(_, _))));
    assert_eq!(t.files[0].format, "text");
}

#[test]
fn gzip_single_multi_member_and_nested() {
    let dir = tmp();
    let text = v2_text();
    let single = write(dir.path(), "single.log.gz", &gzip(text.as_bytes()));
    let mut multi = gzip(format!("{HEADER}\n{}\n", RECORDS[0]).as_bytes());
    multi.extend(gzip(format!("{}\n{}\n", RECORDS[1], RECORDS[2]).as_bytes()));
    let multi = write(dir.path(), "multi.gz", &multi);
    let nested = write(
        dir.path(),
        "nested-no-extension",
        &gzip(&gzip(text.as_bytes())),
    );
    for (path, format) in [
        (single, "gzip text"),
        (multi, "gzip text"),
        (nested, "gzip×2 text"),
    ] {
        let t = load_paths(std::slice::from_ref(&path));
        assert_eq!(t.len(), 3, "{}", path.display());
        assert_eq!(t.files[0].format, format);
        assert_eq!(field(&t, "dstport")[1], json!(3389));
    }
}

#[test]
fn parquet_as_aws_delivers_it() {
    let dir = tmp();
    let path = dir.path().join("flows.log.parquet");
    let mut df = df!(
        "version" => [2i32, 2],
        "account_id" => ["123456789010", "123456789010"],
        "interface_id" => ["eni-1", "eni-2"],
        "srcaddr" => [Some("10.0.0.1"), None],
        "dstaddr" => [Some("2001:db8::1"), Some("-")],
        "srcport" => [Some(443i32), None],
        "dstport" => [Some(50000i32), None],
        "protocol" => [Some(6i64), None],
        "packets" => [Some(3i64), None],
        "bytes" => [Some(5_000_000_000i64), None],
        "start" => [1_418_530_010i64, 1_418_530_010],
        "end" => [1_418_530_070i64, 1_418_530_070],
        "action" => [Some("ACCEPT"), None],
        "log_status" => ["OK", "NODATA"],
        "my_extra" => ["x", "y"],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    let t = load_paths(&[path]);
    assert_eq!(t.files[0].format, "parquet");
    let r = records(&t);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0]["bytes"], json!(5_000_000_000u64));
    assert_eq!(r[0]["dstaddr"], json!("2001:db8::1"));
    assert_eq!(
        r[1]["dstaddr"],
        Value::Null,
        "a literal `-` reads back as null"
    );
    assert_eq!(r[1]["srcport"], Value::Null);
    assert_eq!(
        r[0]["my_extra"],
        json!("x"),
        "unknown columns are kept as strings"
    );
}

fn cwl_payload(kind: &str, messages: &[&str]) -> Value {
    let events: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"id": i.to_string(), "timestamp": 1_418_530_010_000u64, "message": m}))
        .collect();
    json!({
        "messageType": kind, "owner": "123456789010", "logGroup": "vpc-flow-logs",
        "logStream": "eni-1235b8ca123456789-all", "subscriptionFilters": ["f"], "logEvents": events
    })
}

#[test]
fn cloudwatch_payloads_envelopes_and_concatenation() {
    let dir = tmp();
    let data = cwl_payload("DATA_MESSAGE", &RECORDS[..2]);
    let control = json!({
        "messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [{"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}]
    });
    // Decoded payload, pretty-printed.
    let a = write(
        dir.path(),
        "a.json",
        serde_json::to_string_pretty(&data).unwrap().as_bytes(),
    );
    // Lambda envelope: base64(gzip(JSON)).
    let b64 = base64::engine::general_purpose::STANDARD.encode(gzip(data.to_string().as_bytes()));
    let b = write(
        dir.path(),
        "b.json",
        json!({"awslogs": {"data": b64}}).to_string().as_bytes(),
    );
    // Firehose: payloads glued `}{`, each gzip'ed, in one multi-member object.
    let mut glued = gzip(control.to_string().as_bytes());
    glued.extend(gzip(data.to_string().as_bytes()));
    let c = write(dir.path(), "c", &glued);
    let d = write(dir.path(), "d.json", format!("{control}{data}").as_bytes());
    for p in [a, b, c, d] {
        let t = load_paths(std::slice::from_ref(&p));
        assert_eq!(t.len(), 2, "{}", p.display());
        assert_eq!(t.skipped(), 0, "the control message is not a skipped line");
        assert_eq!(field(&t, "dstport"), vec![json!(22), json!(3389)]);
    }
}

#[test]
fn message_lines_export_prefixes_and_console_csv() {
    let dir = tmp();
    let json_lines = format!(
        "{}\n{}\n",
        json!({"message": RECORDS[0]}),
        json!({"id": "1", "timestamp": 1, "message": RECORDS[1]})
    );
    let export = format!(
        "2021-03-04T14:01:33.000Z {}\n2021-03-04T14:01:34.000Z {}\n",
        RECORDS[0], RECORDS[2]
    );
    let csv = format!(
        "timestamp,message\n1418530010000,{}\n1431280876000,\"{}\"\n",
        RECORDS[1], RECORDS[2]
    );
    for (name, text, want) in [
        ("lines.json", json_lines, vec![json!(22), json!(3389)]),
        ("000000", export, vec![json!(22), Value::Null]),
        ("console.csv", csv, vec![json!(3389), Value::Null]),
    ] {
        let p = write(dir.path(), name, text.as_bytes());
        let t = load_paths(&[p]);
        assert_eq!(t.skipped(), 0, "{name}: {:?}", t.files[0].skipped);
        assert_eq!(field(&t, "dstport"), want, "{name}");
    }
}

#[test]
fn headers_anywhere_unknown_fields_and_log_format() {
    let dir = tmp();
    let text = format!(
        "{}\nsrcaddr dstaddr tcp-flags my-field\n10.0.0.1 2001:db8::2 19 hello\n{HEADER}\n{}\n",
        RECORDS[0], RECORDS[1]
    );
    let p = write(dir.path(), "mixed.log", text.as_bytes());
    let t = load_paths(std::slice::from_ref(&p));
    assert_eq!(t.len(), 3);
    let r = records(&t);
    assert_eq!(r[1]["tcp_flags"], json!(19));
    assert_eq!(r[1]["my_field"], json!("hello"));
    assert_eq!(r[1]["dstaddr"], json!("2001:db8::2"));
    assert_eq!(
        r[1]["version"],
        Value::Null,
        "fields outside a layout are null"
    );
    assert_eq!(r[2]["dstport"], json!(3389));

    // Headerless custom layout via --log-format; a header still wins.
    let custom = write(dir.path(), "custom.log", b"eni-9 10.1.2.3 1500000000000\n");
    let opts = LoadOptions {
        log_format: Some(parse_log_format("${interface-id} ${srcaddr} ${start}").unwrap()),
        ..LoadOptions::default()
    };
    let t = load(&[custom], &opts).unwrap();
    let r = records(&t);
    assert_eq!(r[0]["interface_id"], json!("eni-9"));
    assert_eq!(
        r[0]["start"],
        json!(1_500_000_000),
        "milliseconds become seconds"
    );
}

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
fn folders_missing_paths_duplicates_and_empty_files() {
    let dir = tmp();
    write(dir.path(), "a/one.log", v2_text().as_bytes());
    write(dir.path(), "a/b/two.log.gz", &gzip(v2_text().as_bytes()));
    write(dir.path(), "a/empty.log", b"");
    write(dir.path(), "a/.hidden", b"garbage");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("a"), dir.path().join("a/b/loop")).unwrap();
    let one = dir.path().join("a/one.log");
    let missing = dir.path().join("nope.log");
    let t = load_paths(&[dir.path().join("a"), one, missing.clone()]);
    assert_eq!(
        t.len(),
        6,
        "two files with three records each, the duplicate once"
    );
    let broken: Vec<_> = t.broken_files().map(|f| f.path.clone()).collect();
    assert_eq!(broken, vec![missing]);
    assert!(
        t.files
            .iter()
            .any(|f| f.path.ends_with("empty.log") && f.records == 0)
    );
    assert!(!t.files.iter().any(|f| f.path.ends_with(".hidden")));
}

#[test]
fn many_files_load_in_parallel_in_order() {
    let dir = tmp();
    let mut paths = Vec::new();
    for i in 0..50 {
        let line = format!(
            "2 123456789010 eni-1 10.0.0.1 10.0.0.2 {i} 443 6 1 100 1418530010 1418530070 ACCEPT OK\n"
        );
        paths.push(write(dir.path(), &format!("f{i:02}.log"), line.as_bytes()));
    }
    let opts = LoadOptions {
        threads: 4,
        ..LoadOptions::default()
    };
    let t = load(&paths, &opts).unwrap();
    let ports: Vec<Value> = (0..50).map(|i| json!(i)).collect();
    assert_eq!(
        field(&t, "srcport"),
        ports,
        "records come out in input order"
    );
}

#[test]
fn cancel_takes_effect_quickly_and_progress_counts() {
    let dir = tmp();
    let mut f = std::fs::File::create(dir.path().join("big.log")).unwrap();
    let line = format!("{}\n", RECORDS[0]);
    for _ in 0..400_000 {
        f.write_all(line.as_bytes()).unwrap();
    }
    drop(f);
    let handle = start(vec![dir.path().to_path_buf()], LoadOptions::default(), None).unwrap();
    while handle.progress().bytes_done.load(Ordering::Relaxed) == 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(handle.progress().bytes_total.load(Ordering::Relaxed) > 40_000_000);
    let asked = Instant::now();
    handle.cancel();
    let result = handle.wait();
    assert!(matches!(result, Err(LoadError::Cancelled)), "{result:?}");
    assert!(
        asked.elapsed() < Duration::from_millis(200),
        "{:?}",
        asked.elapsed()
    );
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

#[test]
fn twenty_thousand_small_files_in_a_folder() {
    let dir = tmp();
    let folder = dir.path().join("many");
    std::fs::create_dir_all(&folder).unwrap();
    for i in 0..20_000 {
        let line = format!(
            "2 123456789010 eni-1 10.0.0.1 10.0.0.2 {} 443 6 1 100 1418530010 1418530070 ACCEPT OK\n",
            i % 60_000
        );
        std::fs::write(folder.join(format!("{i:05}.log")), line).unwrap();
    }
    let t = load_paths(&[folder]);
    assert_eq!(t.files.len(), 20_000);
    assert_eq!(t.len(), 20_000);
    assert_eq!(t.skipped(), 0);
    // Small files are merged into few chunks, not one per file.
    let chunks =
        t.df.column("srcport")
            .unwrap()
            .as_materialized_series()
            .n_chunks();
    assert!(chunks < 10, "{chunks} chunks");
}

#[test]
fn a_file_growing_while_read_gives_only_complete_records() {
    let dir = tmp();
    let path = dir.path().join("growing.log");
    let line = format!("{}\n", RECORDS[0]);
    std::fs::write(&path, line.repeat(50_000)).unwrap();
    let writer = {
        let path = path.clone();
        let line = line.clone();
        std::thread::Builder::new()
            .name("grow".into())
            .spawn(move || {
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .unwrap();
                for _ in 0..2_000 {
                    // Half a line, then the rest: a reader may see the file end mid-line.
                    let (a, b) = line.split_at(40);
                    f.write_all(a.as_bytes()).unwrap();
                    f.flush().unwrap();
                    f.write_all(b.as_bytes()).unwrap();
                }
            })
            .unwrap()
    };
    let t = load_paths(std::slice::from_ref(&path));
    writer.join().unwrap();
    assert!(
        t.len() >= 50_000,
        "at least what was there at the start: {}",
        t.len()
    );
    assert!(t.len() <= 52_000);
    // Every kept record is whole; a line cut by the end of the file is skipped, not mangled.
    assert!(field(&t, "dstport").iter().all(|v| *v == json!(22)));
    assert!(t.skipped() <= 1, "{:?}", t.files[0].skipped);
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
    let outcome = flowlens::data::source::read_file(
        &crash,
        flowlens::data::schema::default_layout().into(),
        &ReadLimits::default(),
        &flowlens::data::Progress::default(),
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

/// Loads `paths` with the whole-file gzip path (libdeflate) and with streaming only (flate2), and
/// checks that both give the same records, skip reports, formats and errors.
fn same_whole_and_streamed(
    paths: &[std::path::PathBuf],
    limits: ReadLimits,
) -> flowlens::data::FlowTable {
    let whole = load(
        paths,
        &LoadOptions {
            limits: limits.clone(),
            ..LoadOptions::default()
        },
    )
    .unwrap();
    let streamed = load(
        paths,
        &LoadOptions {
            limits: ReadLimits {
                whole_gzip_bytes: 0,
                ..limits
            },
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(records(&whole), records(&streamed));
    for (w, s) in whole.files.iter().zip(&streamed.files) {
        assert_eq!(w.format, s.format, "{}", w.path.display());
        assert_eq!(w.records, s.records, "{}", w.path.display());
        assert_eq!(w.skipped, s.skipped, "{}", w.path.display());
        assert_eq!(w.error, s.error, "{}", w.path.display());
    }
    whole
}

#[test]
fn whole_file_gzip_path_matches_the_stream() {
    let dir = tmp();
    // A big first member (so the last member's size, the buffer hint, is far too small), then
    // members with a header switch, bad lines, CRLF, a line over the limit, a JSON-wrapped
    // message, and a last line without a newline.
    let mut big = format!("{HEADER}\n");
    for i in 0..30_000u32 {
        big.push_str(&format!(
            "2 123456789010 eni-{:017x} 10.0.{}.{} 10.1.0.2 {} 443 6 1 {} 1418530010 1418530070 ACCEPT OK\n",
            i % 7,
            i / 256 % 256,
            i % 256,
            1024 + i % 50_000,
            i * 3
        ));
    }
    let mut data = gzip(big.as_bytes());
    data.extend(gzip(
        format!(
            "version srcaddr dstaddr action\n2 10.0.0.1 10.0.0.2 ACCEPT\r\nnot a record\n{}\n",
            "x".repeat(500)
        )
        .as_bytes(),
    ));
    data.extend(gzip(
        format!(
            "{HEADER}\n{{\"message\": \"{}\"}}\n{}\n{}",
            RECORDS[0], RECORDS[1], RECORDS[2]
        )
        .as_bytes(),
    ));
    let multi = write(dir.path(), "multi.gz", &data);
    // CloudWatch Logs payloads, gzip'ed and glued as Firehose writes them.
    let payload = cwl_payload("DATA_MESSAGE", &RECORDS[..2]);
    let mut glued = gzip(payload.to_string().as_bytes());
    glued.extend(gzip(payload.to_string().as_bytes()));
    let json = write(dir.path(), "firehose-cwl", &glued);
    // Damage: a corrupt member between two good ones (whole-file decoding refuses the file and
    // the stream reports the break).
    let mut damaged = gzip(format!("{}\n", RECORDS[0]).as_bytes());
    let mut bad = gzip(format!("{}\n", RECORDS[1]).as_bytes());
    let mid = bad.len() / 2;
    bad[mid] ^= 0xff;
    damaged.extend(bad);
    damaged.extend(gzip(format!("{}\n", RECORDS[0]).as_bytes()));
    let damaged = write(dir.path(), "damaged.gz", &damaged);
    let limits = ReadLimits {
        max_line_bytes: 200,
        ..ReadLimits::default()
    };
    let t = same_whole_and_streamed(&[multi, json, damaged], limits);
    assert_eq!(t.files[0].records, 30_000 + 1 + 3);
    assert_eq!(t.files[0].skipped.count, 2, "{:?}", t.files[0].skipped);
    assert_eq!(t.files[0].format, "gzip text");
    assert_eq!(t.files[1].records, 4);
    assert_eq!(t.files[1].format, "gzip json");
    assert!(t.files[2].error.is_some());
    assert_eq!(t.files[2].records, 2);
}
