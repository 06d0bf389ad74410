//! `flowlens athena run` against moto's Athena: the query is accepted, its state polled, its
//! rows paged in and printed as the view; the SQL sent is flowlens's (no CAST of `-`, the
//! partition pruned).

use std::io::{Read as _, Write as _};

use super::proxy::Proxy;
use super::{flowlens, moto};

/// Queues the rows moto's Athena answers the next query with (moto's `/moto-api`).
fn queue_results(moto: &str, rows: &[&[&str]]) {
    queue_answers(moto, "us-east-1", &[rows]);
}

/// Queues the rows of the next queries in `region`, one answer per query, in order (moto keeps
/// a queue per account and region: tests running at once use different regions).
fn queue_answers(moto: &str, region: &str, answers: &[&[&[&str]]]) {
    let results: Vec<serde_json::Value> = answers
        .iter()
        .map(|rows| {
            let rows: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| serde_json::json!({"Data": r.iter().map(|v| serde_json::json!({"VarCharValue": v})).collect::<Vec<_>>()}))
                .collect();
            serde_json::json!({"rows": rows, "column_info": []})
        })
        .collect();
    let body = serde_json::json!({
        "account_id": "123456789012",
        "region": region,
        "results": results,
    })
    .to_string();
    let addr = moto.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "POST /moto-api/static/athena/query-results HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    conn.read_to_string(&mut resp).unwrap();
    assert!(
        resp.starts_with("HTTP/1.1 20") || resp.starts_with("HTTP/1.0 20"),
        "{resp}"
    );
}

#[test]
fn a_view_runs_on_athena_and_comes_back_as_rows() {
    let Some(moto) = moto() else { return };
    queue_results(
        &moto,
        &[
            &["dstport", "flows", "packets", "bytes"],
            &["443", "1200", "5000", "900000"],
            &["22", "300", "900", "81000"],
        ],
    );
    let home = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(&moto);
    let out = flowlens(
        &[
            "athena",
            "run",
            "--by",
            "dstport",
            "--filter",
            "action == REJECT",
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-02",
            "--partitions",
            "day",
            "--table",
            "logs.flows",
            "--output-location",
            "s3://athena-results/",
            "--format",
            "csv",
        ],
        &proxy.url,
        home.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout,
        "dstport,flows,packets,bytes\n443,1200,5000,900000\n22,300,900,81000\n"
    );
    assert!(err.contains("dstport: SUCCEEDED"), "{err}");
    let ops: Vec<String> = proxy.seen().iter().map(|s| s.target_op.clone()).collect();
    assert_eq!(
        ops.first().map(String::as_str),
        Some("AmazonAthena.StartQueryExecution"),
        "{ops:?}"
    );
    assert!(
        ops.iter().any(|o| o == "AmazonAthena.GetQueryExecution"),
        "{ops:?}"
    );
    assert_eq!(
        ops.last().map(String::as_str),
        Some("AmazonAthena.GetQueryResults"),
        "{ops:?}"
    );
    let start = &proxy.seen()[0].body;
    let q: serde_json::Value = serde_json::from_str(start).unwrap();
    let sql = q["QueryString"].as_str().unwrap();
    assert!(
        sql.contains("FROM logs.flows\nWHERE day BETWEEN '2024/03/01' AND '2024/03/03'"),
        "{sql}"
    );
    assert!(
        sql.contains("nullif(action, '-') = 'REJECT'") && !sql.contains("CAST("),
        "{sql}"
    );
    assert_eq!(
        q["ResultConfiguration"]["OutputLocation"],
        "s3://athena-results/"
    );
}

#[test]
fn the_four_views_page_through_results_and_are_saved_as_files() {
    let Some(moto) = moto() else { return };
    let ports: &[&[&str]] = &[
        &["dstport", "flows", "packets", "bytes"],
        &["443", "1200", "5000", "900000"],
        &["22", "300", "900", "81000"],
        &["3389", "120", "240", "9600"],
        &["53", "90", "90", "7000"],
        &["123", "8", "8", "600"],
    ];
    queue_answers(
        &moto,
        "eu-west-1",
        &[
            &[&["flows", "packets", "bytes"], &["1718", "6238", "998200"]],
            ports,
            &[
                &["srcaddr", "flows", "packets", "bytes"],
                &["10.0.1.5", "900", "4000", "700000"],
            ],
            &[
                &["bucket", "lane", "flows", "packets", "bytes"],
                &["1709251200", "ACCEPT", "1500", "6000", "990000"],
                &["1709251200", "REJECT", "218", "238", "8200"],
                &["1709254800", "ACCEPT", "0", "0", "0"],
            ],
        ],
    );
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("from-athena");
    let proxy = Proxy::start(&moto);
    // Two rows a page: the ports answer (a header and five rows) takes three pages.
    proxy.page_results(2);
    let out = flowlens(
        &[
            "athena",
            "run",
            "--filter",
            "srcaddr in 10.0.0.0/8",
            "--output-location",
            "s3://athena-results/",
            "--format",
            "csv",
            "--out",
            dir.to_str().unwrap(),
            "--region",
            "eu-west-1",
        ],
        &proxy.url,
        home.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let tokens: Vec<String> = proxy
        .seen()
        .iter()
        .filter(|s| s.target_op == "AmazonAthena.GetQueryResults")
        .map(|s| {
            let q: serde_json::Value = serde_json::from_str(&s.body).unwrap();
            q["NextToken"].as_str().unwrap_or("").to_owned()
        })
        .collect();
    assert!(
        tokens.iter().any(|t| t == "test-page-2"),
        "the third page was never asked for: {tokens:?}"
    );
    let expected_ports = "dstport,flows,packets,bytes\n443,1200,5000,900000\n22,300,900,81000\n\
                          3389,120,240,9600\n53,90,90,7000\n123,8,8,600\n";
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(expected_ports), "{stdout}");
    // The files: every view's rows as Athena gave them, the SQL, the charts, the index.
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    assert_eq!(read("ports.csv"), expected_ports);
    assert_eq!(
        read("totals.csv"),
        "flows,packets,bytes\n1718,6238,998200\n"
    );
    assert!(read("timeline.csv").starts_with("bucket,lane,flows,packets,bytes\n1709251200,ACCEPT"));
    let sql = read("queries.sql");
    assert_eq!(sql.matches("-- ").count(), 4, "{sql}");
    assert!(sql.contains("-- ports: SUCCEEDED"), "{sql}");
    assert!(sql.contains("GROUP BY 1"), "{sql}");
    for png in ["ports.png", "timeline.png"] {
        let bytes = std::fs::read(dir.join(png)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{png}");
    }
    let index = read("index.md");
    assert!(index.contains("results from Amazon Athena"), "{index}");
    assert!(index.contains("srcaddr in 10.0.0.0/8"), "{index}");
    assert!(index.contains("| ports | SUCCEEDED | 5 |"), "{index}");
    // A second run into the same folder does not replace it without --force.
    let again = flowlens(
        &["athena", "run", "--out", dir.to_str().unwrap()],
        &proxy.url,
        home.path(),
    );
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already exists"),
        "{again:?}"
    );
}
