//! `s3://` inputs end to end: the same records as local files (gzip and Parquet), date pruning
//! by the list requests, pagination, the cache, access denied, a server gone mid-download, a
//! profile from a test `AWS_CONFIG_FILE`.

use std::path::{Path, PathBuf};

use super::proxy::Proxy;
use super::{flowlens, moto, put_objects};

const SAMPLE: &str = "assets/sample";
const ACCOUNT: &str = "213561313723";

fn sample_logs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(SAMPLE)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".log.gz"))
        .collect();
    v.sort();
    v
}

/// The AWS layout key of a sample file (its day from its name).
fn aws_key(prefix: &str, file: &Path) -> String {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let stamp = name.split('_').nth(4).unwrap();
    let (y, m, d) = (&stamp[0..4], &stamp[4..6], &stamp[6..8]);
    format!("{prefix}AWSLogs/{ACCOUNT}/vpcflowlogs/us-east-1/{y}/{m}/{d}/{name}")
}

fn sorted_lines(out: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(out);
    let mut lines: Vec<String> = text.lines().skip(1).map(str::to_owned).collect();
    lines.sort();
    lines
}

/// The `records` line of `flowlens stats`.
fn records(out: &std::process::Output) -> u64 {
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("records"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.replace(',', "").parse().ok())
        .unwrap_or_else(|| panic!("no records line in {text}"))
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn s3_gives_the_records_of_the_local_files_and_the_cache_serves_a_second_open() {
    let Some(moto) = moto() else { return };
    let home = tempfile::tempdir().unwrap();
    let logs = sample_logs();
    // A Parquet copy of the first file, written by flowlens itself.
    let parquet = home.path().join("first.parquet");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowlens"))
        .args(["rows", "--format", "parquet", "-o"])
        .arg(&parquet)
        .arg(&logs[0])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut objects: Vec<(String, Vec<u8>)> = logs
        .iter()
        .map(|p| (aws_key("archive/", p), std::fs::read(p).unwrap()))
        .collect();
    let pq_key = aws_key("archive/", &logs[0]).replace(".log.gz", ".log.parquet");
    objects.push((pq_key, std::fs::read(&parquet).unwrap()));
    put_objects(&moto, "same-records", &objects);

    let proxy = Proxy::start(&moto);
    let args = [
        "rows",
        "--format",
        "csv",
        "s3://same-records/archive/",
        "--from",
        "2024-03-01",
        "--to",
        "2024-03-02",
    ];
    let remote = flowlens(&args, &proxy.url, home.path());
    assert!(remote.status.success(), "{}", stderr(&remote));
    let local = std::process::Command::new(env!("CARGO_BIN_EXE_flowlens"))
        .args(["rows", "--format", "csv"])
        .args(&logs)
        .arg(&parquet)
        .output()
        .unwrap();
    assert!(local.status.success());
    let (r, l) = (sorted_lines(&remote.stdout), sorted_lines(&local.stdout));
    assert!(r.len() > 1000, "{} records", r.len());
    assert_eq!(r, l, "the same records from S3 as from the local files");
    let gets = proxy.seen().iter().filter(|s| s.is_get_object()).count();
    assert_eq!(gets, 4, "{:?}", proxy.seen());
    assert!(stderr(&remote).contains("0 objects from the cache, 4 downloaded"));

    // A second open reads no object again.
    proxy.reset();
    let again = flowlens(&args, &proxy.url, home.path());
    assert!(again.status.success());
    assert_eq!(sorted_lines(&again.stdout), l);
    assert_eq!(proxy.seen().iter().filter(|s| s.is_get_object()).count(), 0);
    assert!(
        stderr(&again).contains("4 objects from the cache, 0 downloaded"),
        "{}",
        stderr(&again)
    );
}

/// One small gzip object per day from 2024-02-20 to 2024-03-10, for two accounts and two
/// regions, in the AWS layout or the Hive-compatible one.
fn dated_archive(hive: bool) -> Vec<(String, Vec<u8>)> {
    let text = crate::util::v2_text();
    let mut v = Vec::new();
    for account in ["111111111111", "222222222222"] {
        for region in ["us-east-1", "eu-west-1"] {
            for (m, days) in [(2, 20..=29), (3, 1..=10)] {
                for d in days {
                    let name = format!(
                        "{account}_vpcflowlogs_{region}_fl-0a1b2c3d_2024{m:02}{d:02}T1200Z_ab12cd34.log.gz"
                    );
                    let key = if hive {
                        format!(
                            "AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/year=2024/month={m:02}/day={d:02}/hour=12/{name}"
                        )
                    } else {
                        format!("AWSLogs/{account}/vpcflowlogs/{region}/2024/{m:02}/{d:02}/{name}")
                    };
                    v.push((key, crate::util::gzip(text.as_bytes())));
                }
            }
        }
    }
    v
}

#[test]
fn a_date_range_lists_only_its_days() {
    let Some(moto) = moto() else { return };
    for (bucket, hive) in [("pruned-aws", false), ("pruned-hive", true)] {
        put_objects(&moto, bucket, &dated_archive(hive));
        let home = tempfile::tempdir().unwrap();
        let proxy = Proxy::start(&moto);
        let url = format!("s3://{bucket}/");
        let out = flowlens(
            &[
                "stats",
                &url,
                "--from",
                "2024-03-01",
                "--to",
                "2024-03-02",
                "--account",
                "111111111111",
                "--region",
                "eu-west-1",
            ],
            &proxy.url,
            home.path(),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let lists: Vec<String> = proxy
            .seen()
            .iter()
            .filter(|s| s.is_list())
            .map(|s| s.prefix().unwrap_or_default().to_owned())
            .collect();
        // The walk down to the region (bucket, AWSLogs/, account, [service,] region), then one
        // list per day of the range and the day after it (records of the range's last minutes
        // are delivered after midnight; the file names' times keep only those): never another
        // day, account or region.
        let days: Vec<&String> = lists.iter().filter(|p| p.contains("2024")).collect();
        assert_eq!(days.len(), 3, "{lists:?}");
        for (day, want) in days.iter().zip(["01", "02", "03"]) {
            assert!(
                day.ends_with(&format!("03/{want}/")) || day.ends_with(&format!("day={want}/")),
                "{lists:?}"
            );
        }
        assert!(lists.len() <= 8, "{lists:?}");
        assert!(
            lists
                .iter()
                .all(|p| !p.contains("222222222222") && !p.contains("us-east-1"))
        );
        // 2 objects of the three documentation records each.
        assert_eq!(records(&out), 6, "{}", stderr(&out));

        // Without a range, a dated layout is refused with the way out.
        let out = flowlens(&["stats", &url], &proxy.url, home.path());
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("choose a range with --from and --to"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn more_than_a_thousand_objects_are_paged() {
    let Some(moto) = moto() else { return };
    let body = crate::util::gzip(crate::util::v2_text().as_bytes());
    let objects: Vec<(String, Vec<u8>)> = (0..1050)
        .map(|i| {
            (
                format!("firehose/2024/03/01/07/part-{i:05}.gz"),
                body.clone(),
            )
        })
        .collect();
    put_objects(&moto, "paged", &objects);
    let home = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(&moto);
    let out = flowlens(
        &[
            "stats",
            "s3://paged/firehose/",
            "--from",
            "2024-03-01T07:00",
            "--to",
            "2024-03-01T07:59",
        ],
        &proxy.url,
        home.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records(&out), 3150, "{}", stderr(&out));
    let day_lists = proxy
        .seen()
        .iter()
        .filter(|s| s.is_list() && s.prefix() == Some("firehose/2024/03/01/"))
        .count();
    assert_eq!(day_lists, 2, "1,050 keys are two pages of 1,000");
}

/// `flowlens stats s3://denied/` for 2024-03-01, with `extra` arguments.
fn stats_of_the_day(extra: &[&str], endpoint: &str, home: &Path) -> std::process::Output {
    let mut args = vec![
        "stats",
        "s3://denied/",
        "--from",
        "2024-03-01",
        "--to",
        "2024-03-01",
    ];
    args.extend_from_slice(extra);
    flowlens(&args, endpoint, home)
}

#[test]
fn access_denied_on_one_prefix_skips_it_and_loads_the_rest() {
    let Some(moto) = moto() else { return };
    put_objects(&moto, "denied", &dated_archive(false));
    let home = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(&moto);
    proxy.deny("AWSLogs/222222222222/");
    let out = stats_of_the_day(&[], &proxy.url, home.path());
    let err = stderr(&out);
    assert!(
        err.contains("s3://denied/AWSLogs/222222222222/: not listed: access denied"),
        "{err}"
    );
    // Account 111… in both regions: 2 objects of 3 records.
    assert_eq!(records(&out), 6, "{}", stderr(&out));

    // One object denied (listed, but GetObject refused): the rest loads, the object is named.
    // (A fresh cache: the first run cached the objects.)
    let home = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(&moto);
    let key =
        "AWSLogs/111111111111/vpcflowlogs/eu-west-1/2024/03/01/111111111111_vpcflowlogs_eu-west-1";
    proxy.deny(key);
    let out = stats_of_the_day(&["--account", "111111111111"], &proxy.url, home.path());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("s3://denied/{key}")) && err.contains("access denied (s3:GetObject)"),
        "{err}"
    );
    assert_eq!(records(&out), 3, "{err}");

    // An object deleted after it was listed: said so, the rest loads.
    let home = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(&moto);
    proxy.gone(key);
    let out = stats_of_the_day(&["--account", "111111111111"], &proxy.url, home.path());
    let err = stderr(&out);
    assert!(
        err.contains("the object was deleted after it was listed"),
        "{err}"
    );
    assert_eq!(records(&out), 3, "{err}");

    // An object replaced after it was listed: the server refuses the listed ETag (If-Match,
    // 412 PreconditionFailed), which is said; the rest loads.
    let home = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(&moto);
    proxy.change_before_get(key);
    let out = stats_of_the_day(&["--account", "111111111111"], &proxy.url, home.path());
    let err = stderr(&out);
    assert!(
        err.contains("the object changed after it was listed (its ETag differs)"),
        "{err}"
    );
    assert_eq!(records(&out), 3, "{err}");
}

#[test]
fn throttling_is_retried_then_reported() {
    let Some(moto) = moto() else { return };
    put_objects(&moto, "throttled", &dated_archive(false));
    let key =
        "AWSLogs/111111111111/vpcflowlogs/eu-west-1/2024/03/01/111111111111_vpcflowlogs_eu-west-1";
    let day = |endpoint: &str, home: &Path| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flowlens"));
        super::isolated(&mut cmd, endpoint, home);
        // The SDK's standard retries (the tests' default is a single attempt).
        cmd.env("AWS_MAX_ATTEMPTS", "3");
        cmd.args([
            "stats",
            "s3://throttled/",
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-01",
            "--account",
            "111111111111",
        ]);
        cmd.output().unwrap()
    };
    // Slowed down once: the GET is retried after a backoff and everything loads.
    let home = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(&moto);
    proxy.throttle(key, 1);
    let out = day(&proxy.url, home.path());
    assert_eq!(records(&out), 6, "{}", stderr(&out));
    let gets = proxy
        .seen()
        .iter()
        .filter(|s| s.is_get_object() && s.target.contains(key))
        .count();
    assert_eq!(gets, 2, "one refused GET, one retry");
    // Slowed down every time: after the attempts, the object is reported and the rest loads.
    let home = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(&moto);
    proxy.throttle(key, usize::MAX);
    let out = day(&proxy.url, home.path());
    let err = stderr(&out);
    assert!(
        err.contains(key) && err.contains("S3 asked to slow down (SlowDown) on every attempt"),
        "{err}"
    );
    assert!(err.contains("1 downloaded"), "only the other object: {err}");
    assert_eq!(records(&out), 3, "{err}");
}

#[test]
fn a_server_stopped_mid_download_keeps_what_arrived() {
    let Some(moto) = moto() else { return };
    let logs = sample_logs();
    let big = std::fs::read(&logs[0]).unwrap();
    put_objects(&moto, "stopped", &[(aws_key("", &logs[0]), big.clone())]);
    let home = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(&moto);
    proxy.stop_after(big.len() / 2);
    let out = flowlens(
        &[
            "stats",
            "s3://stopped/",
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-02",
        ],
        &proxy.url,
        home.path(),
    );
    assert!(proxy.stopped());
    let err = stderr(&out);
    assert!(err.contains("download stopped after"), "{err}");
    assert!(records(&out) > 0, "what arrived is read: {err}");
    // The partial download is not left in the cache as an entry.
    let cache = home.path().join("cache");
    let entries: Vec<_> = std::fs::read_dir(&cache)
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(entries.is_empty(), "{entries:?}");
}

#[test]
fn a_profile_from_the_config_file_is_used() {
    let Some(moto) = moto() else { return };
    put_objects(&moto, "profiled", &dated_archive(false)[..3]);
    let home = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(&moto);
    let config = home.path().join("config");
    std::fs::write(
        &config,
        "[profile flowtest]\nregion = us-east-1\naws_access_key_id = AKIAFLOWTEST\naws_secret_access_key = secret\n",
    )
    .unwrap();
    let run = |profile: &str| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flowlens"));
        super::isolated(&mut cmd, &proxy.url, home.path());
        cmd.env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("AWS_CONFIG_FILE", &config)
            .args([
                "stats",
                "s3://profiled/",
                "--from",
                "2024-02-20",
                "--to",
                "2024-02-22",
                "--profile",
                profile,
            ])
            .output()
            .unwrap()
    };
    let out = run("flowtest");
    assert!(out.status.success(), "{}", stderr(&out));
    let keys: Vec<String> = proxy.seen().iter().map(|s| s.access_key.clone()).collect();
    assert!(
        !keys.is_empty() && keys.iter().all(|k| k == "AKIAFLOWTEST"),
        "{keys:?}"
    );
    // A profile that is not there: a clear error, and nothing sent.
    proxy.reset();
    let out = run("missing");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).to_lowercase().contains("missing"),
        "{}",
        stderr(&out)
    );
    assert!(proxy.seen().is_empty());
}
