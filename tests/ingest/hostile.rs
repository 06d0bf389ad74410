//! Files from other tools and hostile text: every compression Firehose writes (and zstd,
//! bzip2), Parquet from other writers, byte-order marks, ambiguous addresses, zero padding.

use std::io::Write as _;

use flowlens::ingest::{LoadOptions, load};
use polars::prelude::*;

use super::tmp;
use crate::util::{HEADER, RECORDS, gzip, load_paths, records, write, write_parquet};

/// A few hundred records with a header, as a Firehose object of direct delivery would hold.
pub(crate) fn object_text() -> String {
    let mut text = format!("{HEADER}\n");
    for i in 0..300 {
        text.push_str(&format!(
            "2 123456789010 eni-0a{i:04} 10.0.{}.{} 52.94.5.{} {} 443 6 {} {} 1709251200 1709251260 {} OK\n",
            i / 250,
            i % 250,
            i % 200,
            30000 + i,
            i + 1,
            (i + 1) * 100,
            if i % 7 == 0 { "REJECT" } else { "ACCEPT" }
        ));
    }
    text
}

pub(crate) fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

pub(crate) fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub(crate) fn snappy_framed(data: &[u8]) -> Vec<u8> {
    let mut e = snap::write::FrameEncoder::new(Vec::new());
    e.write_all(data).unwrap();
    e.into_inner().unwrap()
}

/// Hadoop's Snappy block stream (what Firehose writes for HADOOP_SNAPPY), 64 KiB blocks of
/// 16 KiB chunks.
pub(crate) fn hadoop_snappy(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = snap::raw::Encoder::new();
    for block in data.chunks(64 << 10) {
        out.extend_from_slice(&(block.len() as u32).to_be_bytes());
        for chunk in block.chunks(16 << 10) {
            let z = enc.compress_vec(chunk).unwrap();
            out.extend_from_slice(&(z.len() as u32).to_be_bytes());
            out.extend_from_slice(&z);
        }
    }
    out
}

/// A ZIP archive of `members` (name, bytes), deflated.
pub(crate) fn zip_of(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated);
    for (name, data) in members {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn every_firehose_compression_gives_the_records_of_the_gzip_object() {
    let dir = tmp();
    let text = object_text();
    let (first, second) = text.split_at(text.find("\n2 123456789010 eni-0a0150").unwrap() + 1);
    let reference = load_paths(&[write(dir.path(), "ref.gz", &gzip(text.as_bytes()))]);
    assert_eq!(reference.len(), 300);
    let want = records(&reference);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("object.zst", zstd(text.as_bytes()), "zstd text"),
        ("object.bz2", bzip2(text.as_bytes()), "bzip2 text"),
        (
            "object.snappy",
            snappy_framed(text.as_bytes()),
            "snappy text",
        ),
        (
            "object.hsnappy",
            hadoop_snappy(text.as_bytes()),
            "hadoop-snappy text",
        ),
        // zstd inside gzip: layers are unwrapped whatever their order.
        ("nested", gzip(&zstd(text.as_bytes())), "gzip zstd text"),
        (
            "object.zip",
            // Two `.log.gz` objects zipped together, the second without its header.
            zip_of(&[
                ("a.log.gz", gzip(first.as_bytes())),
                ("b.log", format!("{HEADER}\n{second}").into_bytes()),
            ]),
            "zip of gzip text, text",
        ),
    ];
    for (name, bytes, format) in cases {
        let p = write(dir.path(), name, &bytes);
        let t = load_paths(&[p]);
        let f = &t.files[0];
        assert_eq!(f.error, None, "{name}");
        assert_eq!(f.format, format, "{name}");
        assert_eq!(f.skipped.count, 0, "{name}: {:?}", f.skipped.examples);
        assert_eq!(records(&t), want, "{name}");
    }
}

#[test]
fn recognised_but_unread_formats_are_named_and_bombs_stop() {
    let dir = tmp();
    let xz = write(
        dir.path(),
        "a.xz",
        b"\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46binary",
    );
    let t = load_paths(&[xz]);
    let err = t.files[0].error.clone().unwrap();
    assert!(err.contains("xz data: flowlens does not read xz"), "{err}");
    assert_eq!((t.len(), t.files[0].skipped.count), (0, 0));
    // The inflate limits hold for zstd as for gzip.
    let zeros = vec![b'0'; 64 << 20];
    let p = write(dir.path(), "bomb.zst", &zstd(&zeros));
    let options = LoadOptions {
        limits: flowlens::ingest::ReadLimits {
            max_inflate_ratio: 100,
            ratio_grace_bytes: 1 << 20,
            ..Default::default()
        },
        ..LoadOptions::default()
    };
    let t = load(&[p], &options).unwrap();
    let err = t.files[0].error.clone().unwrap();
    assert!(err.contains("decompression bomb"), "{err}");
}

#[test]
fn parquet_from_other_writers_converts_what_it_can_and_names_the_rest() {
    let dir = tmp();
    let n = 4;
    let ms = |s: i64| s * 1000;
    let mut df = DataFrame::new(
        n,
        vec![
            Series::new("Version".into(), &[2i8, 2, 2, 2]).into(),
            Series::new("account-id".into(), &["1", "1", "1", "1"]).into(),
            Series::new(
                "INTERFACE_ID".into(),
                &[&b"eni-a"[..], b"eni-b", b"eni-c", b"eni-d"],
            )
            .into(),
            Series::new(
                "SrcAddr".into(),
                &["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"],
            )
            .into(),
            Series::new("dstaddr".into(), &["1.1.1.1"; 4]).into(),
            // pandas writes integer columns with nulls as float64.
            Series::new("srcport".into(), &[443.0f64, 80.0, 443.5, 22.0]).into(),
            Series::new("dstport".into(), &[40000i64, 40001, 40002, 40003]).into(),
            Series::new("protocol".into(), &[6i16, 6, 17, 6]).into(),
            Series::new("packets".into(), &[1u32, 2, 3, 4]).into(),
            Series::new("bytes".into(), &[100i64, 200, 300, 400])
                .cast(&DataType::Decimal(20, 0))
                .unwrap()
                .into(),
            Series::new(
                "start".into(),
                &[
                    ms(1709251200),
                    ms(1709251201),
                    ms(1709251202),
                    ms(1709251203),
                ],
            )
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .unwrap()
            .into(),
            Series::new("end".into(), &[1709251260i64; 4]).into(),
            Series::new("action".into(), &["ACCEPT", "REJECT", "ACCEPT", "ACCEPT"]).into(),
            Series::new("log-status".into(), &["OK"; 4]).into(),
            Series::new("note".into(), &["a", "b", "c", "d"]).into(),
            Series::new(
                "tags".into(),
                &[
                    Series::new("".into(), &[1i64]),
                    Series::new("".into(), &[2i64]),
                    Series::new("".into(), &[3i64]),
                    Series::new("".into(), &[4i64]),
                ],
            )
            .into(),
        ],
    )
    .unwrap();
    let path = dir.path().join("other.parquet");
    write_parquet(&path, &mut df, None);
    let t = load_paths(&[path]);
    let f = &t.files[0];
    assert_eq!(f.error, None);
    // The row with a fractional port is skipped with its reason; the others load.
    assert_eq!((t.len(), f.skipped.count), (3, 1));
    let reason = f.skipped.examples[0].reason.to_string();
    assert!(
        reason.contains("srcport") && reason.contains("443.5"),
        "{reason}"
    );
    assert_eq!(
        f.notes,
        vec!["Parquet columns not read (flowlens cannot convert their type): `tags` (a list)"]
    );
    let rows = records(&t);
    let row = &rows[0];
    assert_eq!(row["srcaddr"], "10.0.0.1");
    assert_eq!(row["srcport"], 443);
    assert_eq!(row["interface_id"], "eni-a");
    assert_eq!(row["version"], 2);
    assert_eq!(row["protocol"], 6);
    assert_eq!(row["bytes"], 100);
    assert_eq!(row["start"], 1709251200);
    assert_eq!(row["log_status"], "OK");
    assert_eq!(row["account_id"], "1");
    assert_eq!(row["note"], "a", "an unknown column is kept as text");
    assert_eq!(rows[2]["start"], 1709251203);
}

#[test]
fn byte_order_marks_hide_nothing() {
    let dir = tmp();
    let body: Vec<String> = (0..50).map(|i| RECORDS[i % 2].to_owned()).collect();
    // Before a header line in another order than the default.
    let custom = "version srcaddr dstaddr action log-status account-id interface-id srcport dstport protocol packets bytes start end";
    let mut text = format!("\u{feff}{custom}\n");
    for _ in 0..50 {
        text.push_str("2 10.0.0.1 10.0.0.2 ACCEPT OK 1 eni-1 1 2 6 1 40 1709251200 1709251260\n");
    }
    let t = load_paths(&[write(dir.path(), "bom-header.log", text.as_bytes())]);
    assert_eq!((t.len(), t.skipped()), (50, 0));
    // Before a headerless first record.
    let text = format!("\u{feff}{}\n", body.join("\n"));
    let t = load_paths(&[write(dir.path(), "bom.log", text.as_bytes())]);
    assert_eq!((t.len(), t.skipped()), (50, 0));
}

#[test]
fn leading_zero_addresses_are_refused_with_the_reason() {
    let dir = tmp();
    let text = format!(
        "{HEADER}\n{}\n2 1 eni-1 010.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n2 1 eni-1 10.0.0.1 10.00.0.2 1 2 6 1 40 1 2 ACCEPT OK\n",
        RECORDS[0]
    );
    let t = load_paths(&[write(dir.path(), "zeros.log", text.as_bytes())]);
    assert_eq!((t.len(), t.skipped()), (1, 2));
    let reasons: Vec<String> = t.files[0]
        .skipped
        .examples
        .iter()
        .map(|e| e.reason.to_string())
        .collect();
    assert!(
        reasons[0].contains("`010.0.0.1` has a leading zero"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("`10.00.0.2` has a leading zero"),
        "{reasons:?}"
    );
}

#[test]
fn zero_padding_after_the_last_gzip_member_is_no_damage() {
    let dir = tmp();
    let text = object_text();
    let mut padded = gzip(text.as_bytes());
    padded.extend_from_slice(&[0; 10_000]);
    // Whole-buffer path (small file) and streamed path (limit 0) alike.
    for whole in [64 << 20, 0] {
        let p = write(dir.path(), &format!("padded-{whole}.gz"), &padded);
        let options = LoadOptions {
            limits: flowlens::ingest::ReadLimits {
                whole_gzip_bytes: whole,
                ..Default::default()
            },
            ..LoadOptions::default()
        };
        let t = load(&[p], &options).unwrap();
        assert_eq!(t.files[0].error, None, "whole limit {whole}");
        assert_eq!(t.len(), 300);
    }
    // Zeros followed by more data are still reported.
    let mut damaged = gzip(text.as_bytes());
    damaged.extend_from_slice(&[0, 0, 7, 7]);
    let t = load_paths(&[write(dir.path(), "damaged.gz", &damaged)]);
    assert!(t.files[0].error.is_some());
    assert_eq!(t.len(), 300);
}

/// Writes the fuzz seeds for format detection and the Parquet column mapping into
/// `fuzz/seeds/read_file/` (run by hand: `cargo test --release -- --ignored write_fuzz_seeds`).
#[test]
#[ignore = "writes fuzz seeds into the source tree"]
fn write_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/read_file");
    std::fs::create_dir_all(&dir).unwrap();
    let text = format!("{HEADER}\n{}\n", RECORDS.join("\n"));
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("zstd", zstd(text.as_bytes())),
        ("bzip2", bzip2(text.as_bytes())),
        ("snappy", snappy_framed(text.as_bytes())),
        ("hadoop-snappy", hadoop_snappy(text.as_bytes())),
        (
            "zip",
            zip_of(&[
                ("a.log.gz", gzip(text.as_bytes())),
                ("b.log", text.clone().into_bytes()),
            ]),
        ),
        ("gzip-zstd", gzip(&zstd(text.as_bytes()))),
        ("bom", format!("\u{feff}{text}").into_bytes()),
        ("padded-gzip", [gzip(text.as_bytes()), vec![0; 64]].concat()),
    ];
    for (name, bytes) in seeds {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    // Parquet with the types other writers use, and a column flowlens does not convert.
    let mut df = DataFrame::new(
        2,
        vec![
            Series::new("SrcAddr".into(), &["10.0.0.1", "010.0.0.2"]).into(),
            Series::new("dst-port".into(), &[443.0f64, 22.5]).into(),
            Series::new("bytes".into(), &[1i64, 2])
                .cast(&DataType::Decimal(20, 0))
                .unwrap()
                .into(),
            Series::new("start".into(), &[1_709_251_200_000i64, -1])
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                .unwrap()
                .into(),
            Series::new("flag".into(), &[&b"\x00\x1b"[..], b"ok"]).into(),
            Series::new(
                "tags".into(),
                &[
                    Series::new("".into(), &[1i64]),
                    Series::new("".into(), &[2i64]),
                ],
            )
            .into(),
        ],
    )
    .unwrap();
    write_parquet(&dir.join("parquet-other-writer"), &mut df, None);
}
