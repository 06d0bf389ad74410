//! Every input format and wrapper the loader takes.

use base64::Engine as _;
use flowlens::ingest::{LoadOptions, load};
use flowlens::model::schema::parse_log_format;
use polars::prelude::*;
use serde_json::{Value, json};

use crate::util::{
    HEADER, RECORDS, field, gzip, load_paths, records, v2_text, write, write_parquet,
};

use super::tmp;

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
    // Counters are held in 32 bits when every value fits (these do).
    assert_eq!(schema.get("bytes"), Some(&DataType::UInt32));
    assert!(matches!(schema.get("srcaddr"), Some(DataType::Enum(_, _))));
    assert_eq!(t.files[0].format, "text");
}

/// Counters are held in 32 bits when every value of the column fits, in 64 bits otherwise (per
/// column, over every file), with the same values either way; written Parquet keeps 64 bits.
#[test]
fn counters_take_32_bits_only_when_every_value_fits() {
    let dir = tmp();
    let small = write(dir.path(), "small.log", v2_text().as_bytes());
    // The second file's one large `bytes` value widens that column for the whole table.
    let big_line = RECORDS[0].replace(" 20 4249 ", " 4294967295 4294967296 ");
    let big = write(
        dir.path(),
        "big.log",
        format!("{HEADER}\n{big_line}\n").as_bytes(),
    );
    let t = load_paths(std::slice::from_ref(&small));
    assert_eq!(t.df.schema().get("packets"), Some(&DataType::UInt32));
    let t = load_paths(&[small.clone(), big.clone()]);
    let schema = t.df.schema();
    assert_eq!(schema.get("packets"), Some(&DataType::UInt32));
    assert_eq!(schema.get("bytes"), Some(&DataType::UInt64));
    let packets = field(&t, "packets");
    let bytes = field(&t, "bytes");
    assert!(packets.contains(&json!(4_294_967_295_u64)), "{packets:?}");
    assert!(bytes.contains(&json!(4_294_967_296_u64)), "{bytes:?}");
    assert_eq!(bytes.iter().filter(|b| **b == json!(4249)).count(), 2);
    // Written Parquet says UInt64 for every counter, whatever width the frame chose.
    let t = load_paths(std::slice::from_ref(&small));
    let mut out = Vec::new();
    flowlens::report::rows::write_rows(
        &t.df,
        None,
        flowlens::report::rows::RowFormat::Parquet,
        &mut out,
    )
    .unwrap();
    let back = ParquetReader::new(std::io::Cursor::new(out))
        .finish()
        .unwrap();
    assert_eq!(back.schema().get("packets"), Some(&DataType::UInt64));
    assert_eq!(back.schema().get("bytes"), Some(&DataType::UInt64));
    assert_eq!(
        back.column("bytes").unwrap().u64().unwrap().get(0),
        Some(4249)
    );
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
    write_parquet(&path, &mut df, None);
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

/// Integer columns are read as numbers, not through text, with the same rules: the same rows
/// as text and as typed Parquet columns (every integer width, nulls, milliseconds, values out
/// of their field's range, a `UInt64` past `i64`) load to the same records and skip the same
/// rows for the same reasons.
#[test]
fn parquet_integers_are_checked_as_their_text_would_be() {
    let n = 400usize;
    let opt = |i: usize, v: i64| (i % 37 != 5).then_some(v);
    let srcport: Vec<Option<i32>> = (0..n)
        .map(|i| match i {
            10 => Some(-1),
            20 => Some(70_000),
            _ => opt(i, (i * 7919 % 65_536) as i64).map(|v| v as i32),
        })
        .collect();
    let protocol: Vec<Option<i16>> = (0..n)
        .map(|i| {
            if i == 30 {
                Some(300)
            } else {
                Some([6, 17, 1][i % 3])
            }
        })
        .collect();
    let packets: Vec<Option<u32>> = (0..n)
        .map(|i| opt(i, i as i64 * 3).map(|v| v as u32))
        .collect();
    let bytes: Vec<Option<u64>> = (0..n)
        .map(|i| match i {
            40 => Some(u64::MAX),
            _ => opt(i, i as i64 * 1_000_003).map(|v| v as u64),
        })
        .collect();
    // Seconds, and milliseconds on every fourth row (read as seconds).
    let start: Vec<i64> = (0..n)
        .map(|i| {
            let s = 1_709_251_200 + i as i64;
            if i % 4 == 0 { s * 1000 } else { s }
        })
        .collect();
    let end: Vec<Option<i64>> = (0..n)
        .map(|i| {
            if i == 50 {
                Some(-5)
            } else {
                Some(1_709_251_260 + i as i64)
            }
        })
        .collect();
    let src: Vec<String> = (0..n)
        .map(|i| format!("10.0.{}.{}", i % 5, i % 250))
        .collect();
    let dst: Vec<String> = (0..n).map(|i| format!("172.16.0.{}", i % 9)).collect();
    let eni: Vec<String> = (0..n).map(|i| format!("eni-{:04x}", i % 7)).collect();
    let action: Vec<&str> = (0..n)
        .map(|i| if i % 5 == 0 { "REJECT" } else { "ACCEPT" })
        .collect();
    let mut df = df!(
        "version" => vec![2i8; n],
        "account_id" => vec!["123456789010"; n],
        "interface_id" => eni,
        "srcaddr" => src,
        "dstaddr" => dst,
        "srcport" => srcport,
        "dstport" => (0..n).map(|i| 40_000u16 + i as u16).collect::<Vec<_>>(),
        "protocol" => protocol,
        "packets" => packets,
        "bytes" => bytes,
        "start" => start,
        "end" => end,
        "action" => action,
        "log_status" => vec!["OK"; n],
    )
    .unwrap();
    let dir = tmp();
    let pq = dir.path().join("typed.log.parquet");
    // Row groups of 16 rows, which the reader merges into one range (the bad rows 10, 20, 30,
    // 40 and 50 fall in four of them); `parquet_row_groups_keep_row_numbers` reads large ones.
    write_parquet(&pq, &mut df, Some(16));
    // The same rows as text (`-` for nulls).
    let mut text = format!("{HEADER}\n");
    for row in 0..n {
        let cells: Vec<String> = df
            .columns()
            .iter()
            .map(|c| match c.get(row).unwrap() {
                AnyValue::Null => "-".to_owned(),
                AnyValue::String(s) => s.to_owned(),
                v => v.to_string(),
            })
            .collect();
        text.push_str(&cells.join(" "));
        text.push('\n');
    }
    let txt = write(dir.path(), "typed.log", text.as_bytes());
    let (from_pq, from_text) = (load_paths(&[pq]), load_paths(&[txt]));
    assert_eq!(from_pq.files[0].format, "parquet");
    let reasons = |t: &flowlens::model::FlowTable| -> Vec<String> {
        let s = &t.files[0].skipped;
        s.examples
            .iter()
            .map(|e| format!("{}: {}", e.line, e.reason))
            .collect()
    };
    assert_eq!(from_pq.files[0].skipped.count, 4, "{:?}", reasons(&from_pq));
    // Text line numbers count the header; Parquet rows do not.
    let text_reasons: Vec<String> = from_text.files[0]
        .skipped
        .examples
        .iter()
        .map(|e| format!("{}: {}", e.line - 1, e.reason))
        .collect();
    assert_eq!(reasons(&from_pq), text_reasons);
    assert_eq!(records(&from_pq), records(&from_text));
    assert_eq!(from_pq.len(), n - 4);
}

/// A file of several large row groups is read a range of rows at a time: a bad row in the
/// last group is reported with its row number in the file, and every other row is kept.
#[test]
fn parquet_row_groups_keep_row_numbers() {
    let n = 200_000usize;
    let bad = 180_001usize;
    let mut df = df!(
        "version" => vec![2i32; n],
        "srcaddr" => (0..n).map(|i| format!("10.1.{}.{}", i / 256 % 256, i % 256)).collect::<Vec<_>>(),
        "srcport" => (0..n).map(|i| if i == bad { -1 } else { (i % 60_000) as i32 }).collect::<Vec<_>>(),
        "action" => (0..n).map(|i| if i % 3 == 0 { "REJECT" } else { "ACCEPT" }).collect::<Vec<_>>(),
    )
    .unwrap();
    let dir = tmp();
    let pq = dir.path().join("groups.parquet");
    write_parquet(&pq, &mut df, Some(50_000));
    let t = load_paths(&[pq]);
    assert_eq!(t.len(), n - 1);
    let skipped = &t.files[0].skipped;
    assert_eq!(skipped.count, 1);
    assert_eq!(
        skipped.examples[0].line,
        bad as u64 + 1,
        "{:?}",
        skipped.examples
    );
    let r = records(&t);
    assert_eq!(
        r[bad]["srcaddr"],
        json!(format!(
            "10.1.{}.{}",
            (bad + 1) / 256 % 256,
            (bad + 1) % 256
        ))
    );
    assert_eq!(r[n - 2]["srcport"], json!((n - 1) % 60_000));
}

pub(super) fn cwl_payload(kind: &str, messages: &[&str]) -> Value {
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

/// A file of many JSON payloads (one a line, or pretty-printed over several): a bad record is
/// reported at the line where its payload starts plus its place among the events, wherever that
/// payload is in the file (lines are counted once, as the payloads go by).
#[test]
fn json_payloads_report_their_own_lines() {
    let dir = tmp();
    let bad =
        "2 123456789010 eni-1 10.0.0.1 10.0.0.2 99999 22 6 1 40 1418530010 1418530070 ACCEPT OK";
    let mut text = String::new();
    let mut want = Vec::new();
    for i in 0..40 {
        let line = text.lines().count() as u64 + 1;
        let messages = if i % 9 == 4 {
            vec![RECORDS[0], bad]
        } else {
            vec![RECORDS[0]]
        };
        let payload = cwl_payload("DATA_MESSAGE", &messages);
        if i % 2 == 0 {
            text.push_str(&payload.to_string());
        } else {
            text.push_str(&serde_json::to_string_pretty(&payload).unwrap());
        }
        text.push('\n');
        if i % 9 == 4 {
            // The bad record is the payload's second event.
            want.push(line + 1);
        }
    }
    // A payload with an event that has no `message`: that event is reported, the next loads.
    let line = text.lines().count() as u64 + 1;
    let mut odd = cwl_payload("DATA_MESSAGE", &[RECORDS[1]]);
    odd["logEvents"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"id": "x", "timestamp": 1}));
    text.push_str(&format!("{odd}\n"));
    let p = write(dir.path(), "many.json", text.as_bytes());
    let t = load_paths(&[p]);
    let f = &t.files[0];
    let lines: Vec<u64> = f.skipped.examples.iter().map(|e| e.line).collect();
    want.push(line);
    assert_eq!(lines, want, "{:?}", f.skipped);
    let last = f.skipped.examples.last().unwrap().reason.to_string();
    assert!(last.contains("without a `message`"), "{last}");
    assert_eq!(t.len(), 41);
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
