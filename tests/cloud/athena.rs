//! `flowlens athena run` against moto's Athena: the query is accepted, its state polled, its
//! rows paged in and printed as the view; the SQL sent is flowlens's (no CAST of `-`, the
//! partition pruned).

use std::io::{Read as _, Write as _};

use super::proxy::Proxy;
use super::{flowlens, moto};

/// Queues the rows moto's Athena answers the next query with (moto's `/moto-api`).
fn queue_results(moto: &str, rows: &[&[&str]]) {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::json!({"Data": r.iter().map(|v| serde_json::json!({"VarCharValue": v})).collect::<Vec<_>>()}))
        .collect();
    let body = serde_json::json!({
        "account_id": "123456789012",
        "region": "us-east-1",
        "results": [{"rows": rows, "column_info": []}],
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
