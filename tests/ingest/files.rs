//! Many files, folders, cancel and progress, files that change while read, and the two gzip
//! paths (whole-buffer and streamed) giving the same result.

use std::io::Write as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use flowlens::ingest::{LoadError, LoadOptions, ReadLimits, load, start};
use serde_json::{Value, json};

use crate::util::{HEADER, RECORDS, field, gzip, load_paths, records, v2_text, write};

use super::formats::cwl_payload;
use super::tmp;

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

/// Loads `paths` with the whole-file gzip path (libdeflate) and with streaming only (flate2), and
/// checks that both give the same records, skip reports, formats and errors.
fn same_whole_and_streamed(
    paths: &[std::path::PathBuf],
    limits: ReadLimits,
) -> flowlens::model::FlowTable {
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
