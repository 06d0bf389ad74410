//! The headless subcommands, run as a user would.

use std::process::Command;

use crate::util::{HEADER, RECORDS, v2_text, write};

fn flowlens() -> Command {
    Command::new(env!("CARGO_BIN_EXE_flowlens"))
}

#[test]
fn rows_csv_and_jsonl_follow_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", v2_text().as_bytes());
    let out = flowlens()
        .args(["rows", "--format", "csv"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], HEADER.replace('-', "_").replace(' ', ","));
    assert_eq!(
        lines[3],
        "2,123456789010,eni-1235b8ca123456789,,,,,,,,1431280876,1431280934,,NODATA"
    );

    let out = flowlens()
        .args(["rows", "--format", "jsonl"])
        .arg(&p)
        .output()
        .unwrap();
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["srcport"], 20641);
    assert_eq!(first["srcaddr"], "172.31.16.139");
}

#[test]
fn rows_parquet_round_trips_and_skips_go_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "a.log",
        format!("{}bogus!\n", v2_text()).as_bytes(),
    );
    let pq = dir.path().join("out.parquet");
    let out = flowlens()
        .args(["rows", "--format", "parquet", "-o"])
        .arg(&pq)
        .arg(&p)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("skipped 1 line"), "{err}");
    assert!(
        err.contains("a.log:5: expected 14 fields, found 1: bogus!"),
        "{err}"
    );
    // The Parquet output loads back to the same records.
    let back = flowlens()
        .args(["rows", "--format", "csv"])
        .arg(&pq)
        .output()
        .unwrap();
    let orig = flowlens()
        .args(["rows", "--format", "csv"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(back.stdout).unwrap(),
        String::from_utf8(orig.stdout).unwrap()
    );
}

#[test]
fn stats_prints_totals_and_bad_input_gets_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", v2_text().as_bytes());
    let out = flowlens().arg("stats").arg(&p).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "records      3",
        "ACCEPT       1",
        "REJECT       1",
        "NODATA       1",
        "bytes        8498",
        "packets      40",
        "time span    2014-12-14T04:06:50Z .. 2015-05-10T18:02:14Z",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    let out = flowlens()
        .args(["stats", "--log-format", "${srcaddr} ${nope}"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("unknown field `nope`")
    );
    let out = flowlens()
        .args(["stats", "/no/such/file.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("/no/such/file.log: cannot read")
    );
    let _ = RECORDS;
}

#[test]
fn gen_is_deterministic_and_loads_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let run = |sub: &str| {
        let out = flowlens()
            .args(["gen", "--records", "5000", "--files", "2", "--out"])
            .arg(dir.path().join(sub))
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let a = run("a");
    run("b");
    let stats = flowlens()
        .arg("stats")
        .arg(dir.path().join("a"))
        .output()
        .unwrap();
    let text = String::from_utf8(stats.stdout).unwrap();
    assert!(text.contains("records      5000"), "{text}");
    assert!(text.contains("skipped      0"), "{text}");
    for (x, y) in a.lines().zip(a.lines().map(|l| l.replace("/a/", "/b/"))) {
        assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
    }
}

#[test]
fn input_text_reaches_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n\x1b[2J\x1b[Hall records loaded\x07\n2 1 eni-\x07x 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n",
        v2_text().trim_end()
    );
    let p = write(dir.path(), "evil.log", text.as_bytes());
    let out = flowlens().arg("stats").arg(&p).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
    assert!(
        err.contains("\\x1b[2J\\x1b[Hall records loaded\\x07"),
        "{err}"
    );
    let out = flowlens()
        .args(["top", "--by", "interface_id"])
        .arg(&p)
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("eni-\\x07x") && !table.contains('\x07'),
        "{table:?}"
    );
}

#[test]
fn report_onto_a_file_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", v2_text().as_bytes());
    let file = write(dir.path(), "taken.html", b"not a folder");
    let out = flowlens()
        .args(["report", "--out"])
        .arg(&file)
        .arg(&p)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("is a file, not a folder"), "{err}");
    assert!(!err.contains("os error"), "{err}");
}

#[test]
fn rows_of_firehose_zip_snappy_and_hadoop_snappy_objects_equal_the_gzip_object() {
    use crate::ingest::hostile::{hadoop_snappy, object_text, snappy_framed, zip_of};
    let dir = tempfile::tempdir().unwrap();
    let text = object_text();
    let rows = |name: &str, bytes: &[u8]| {
        let p = write(dir.path(), name, bytes);
        let out = flowlens()
            .args(["rows", "--format", "jsonl"])
            .arg(&p)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let want = rows("object.gz", &crate::util::gzip(text.as_bytes()));
    assert_eq!(want.lines().count(), 300);
    let zip = zip_of(&[("object.log.gz", crate::util::gzip(text.as_bytes()))]);
    assert_eq!(rows("object.zip", &zip), want);
    assert_eq!(rows("object.snappy", &snappy_framed(text.as_bytes())), want);
    assert_eq!(
        rows("object.hsnappy", &hadoop_snappy(text.as_bytes())),
        want
    );
}
