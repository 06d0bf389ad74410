//! `flowlens athena ddl` and the SQL it pairs with: the DDL's columns are the frame's, typed as
//! the AWS guide types them; the layout (text or Parquet, AWS or Hive prefixes, hourly folders)
//! is read from the data.

use std::process::Command;

use crate::util::{gzip, v2_text, write};

fn flowlens(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flowlens"))
        .args(args)
        .output()
        .unwrap()
}

/// (name, type) of each column of a `CREATE EXTERNAL TABLE`.
fn ddl_columns(ddl: &str) -> Vec<(String, String)> {
    let body = ddl
        .split_once("(\n")
        .unwrap()
        .1
        .split_once("\n)\nPARTITIONED")
        .unwrap()
        .0;
    body.lines()
        .map(|l| {
            let l = l.trim().trim_end_matches(',');
            let (name, ty) = l.split_once(' ').unwrap();
            (name.trim_matches('`').to_owned(), ty.to_owned())
        })
        .collect()
}

#[test]
fn the_ddl_columns_are_the_frames() {
    let out = flowlens(&["athena", "ddl", "assets/sample", "--location", "s3://b/p/"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ddl = String::from_utf8(out.stdout).unwrap();
    let cols = ddl_columns(&ddl);
    let rows = flowlens(&["rows", "--format", "csv", "assets/sample"]);
    let text = String::from_utf8(rows.stdout).unwrap();
    // The frame's columns (the sample's context adds name columns to `rows`).
    let header: Vec<&str> = text
        .lines()
        .next()
        .unwrap()
        .split(',')
        .filter(|c| !c.ends_with("_label"))
        .collect();
    let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        names, header,
        "the text table's columns in the files' order"
    );
    for (name, ty) in &cols {
        let def = flowlens::model::schema::lookup(name).unwrap();
        let want = match def.kind {
            flowlens::model::schema::Kind::Str | flowlens::model::schema::Kind::Addr => "string",
            flowlens::model::schema::Kind::U64 | flowlens::model::schema::Kind::Time => "bigint",
            _ if name == "protocol" => "bigint",
            _ => "int",
        };
        assert_eq!(ty, want, "{name}");
    }
    assert!(ddl.contains("\"skip.header.line.count\" = \"1\""));
    assert!(ddl.contains("\"projection.accid.values\" = \"213561313723\""));
    assert!(ddl.contains("\"projection.day.range\" = \"2024/03/01,NOW\""));
    assert!(
        ddl.contains("s3://b/p/AWSLogs/${accid}/vpcflowlogs/${logregion}/${day}"),
        "{ddl}"
    );
    assert!(ddl.contains("flowlens athena run --table vpc_flow_logs --partitions day"));
}

#[test]
fn parquet_and_hive_prefixes_and_hours_are_read_from_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir
        .path()
        .join("AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=03/day=05/hour=07");
    std::fs::create_dir_all(&folder).unwrap();
    let text = write(&folder, "a.log.gz", &gzip(v2_text().as_bytes()));
    let pq = folder.join("b.parquet");
    let out = Command::new(env!("CARGO_BIN_EXE_flowlens"))
        .args(["rows", "--format", "parquet", "-o"])
        .arg(&pq)
        .arg(&text)
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::remove_file(&text).unwrap();
    let out = flowlens(&[
        "athena",
        "ddl",
        dir.path().to_str().unwrap(),
        "--location",
        "s3://b/",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ddl = String::from_utf8(out.stdout).unwrap();
    assert!(
        ddl.contains("ParquetHiveSerDe") && !ddl.contains("skip.header"),
        "{ddl}"
    );
    assert!(ddl.contains("PARTITIONED BY (`accid` string, `logregion` string, `year` string, `month` string, `day` string, `hour` string)"), "{ddl}");
    assert!(ddl.contains("aws-account-id=${accid}/aws-service=vpcflowlogs/aws-region=${logregion}/year=${year}/month=${month}/day=${day}/hour=${hour}"), "{ddl}");
    assert!(ddl.contains("\"projection.accid.values\" = \"111122223333\""));
    assert!(ddl.contains("--partitions hive"));
    assert_eq!(ddl_columns(&ddl).len(), 14);
}

#[test]
fn sql_for_a_projected_table_prunes_on_its_partitions() {
    let out = flowlens(&[
        "sql",
        "--partitions",
        "day",
        "--table",
        "logs.flows",
        "--filter",
        "start >= 1709251200 and start < 1709337600 and action == REJECT",
        "--by",
        "dstport",
    ]);
    let sql = String::from_utf8(out.stdout).unwrap();
    assert!(
        sql.contains("FROM logs.flows\nWHERE day BETWEEN '2024/03/01' AND '2024/03/02'"),
        "{sql}"
    );
    assert!(sql.contains("nullif(action, '-') = 'REJECT'"), "{sql}");
}
