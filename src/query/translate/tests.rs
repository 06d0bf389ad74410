//! The translations of every construct, and whole queries.

use super::*;
use crate::model::Metric;
use crate::query::context::QueryContext;
use crate::query::filter::parse;

fn sql(text: &str) -> String {
    sql_condition(&parse(text).unwrap(), &QueryContext::default())
}

fn li(text: &str) -> String {
    insights_condition(&parse(text).unwrap(), &QueryContext::default())
}

#[test]
fn every_construct_translates_to_sql() {
    assert_eq!(
        sql("srcaddr in 10.0.0.0/16"),
        "coalesce(contains('10.0.0.0/16', try_cast(srcaddr AS IPADDRESS)), false)"
    );
    assert_eq!(
        sql("addr == 2001:db8::1"),
        "coalesce((contains('2001:db8::1/128', try_cast(srcaddr AS IPADDRESS)) OR contains('2001:db8::1/128', try_cast(dstaddr AS IPADDRESS))), false)"
    );
    assert_eq!(
        sql("dstport in {22, 1024..65535}"),
        "coalesce((dstport = 22 OR dstport BETWEEN 1024 AND 65535), false)"
    );
    assert_eq!(
        sql("protocol in {tcp, udp}"),
        "coalesce(protocol IN (6, 17), false)"
    );
    assert_eq!(sql("bytes > 10MB"), "coalesce(bytes > 10000000, false)");
    assert_eq!(sql("end < 100"), "coalesce(\"end\" < 100, false)");
    assert_eq!(
        sql("action == ACCEPT"),
        "coalesce(nullif(action, '-') = 'ACCEPT', false)"
    );
    assert_eq!(
        sql("interface_id ~ \"^eni-0a\""),
        "coalesce(regexp_like(nullif(interface_id, '-'), '^eni-0a'), false)"
    );
    assert_eq!(
        sql("not (action == REJECT or log_status == NODATA)"),
        "NOT (coalesce(nullif(action, '-') = 'REJECT', false) OR coalesce(nullif(log_status, '-') = 'NODATA', false))"
    );
    assert!(
        sql("src is private").contains("contains('172.16.0.0/12', try_cast(srcaddr AS IPADDRESS))")
    );
    assert!(
        sql("dst is public")
            .starts_with("coalesce((try_cast(dstaddr AS IPADDRESS) IS NOT NULL AND NOT (")
    );
    let out = sql("direction == outbound");
    assert!(
        out.contains("AND NOT (contains('10.0.0.0/8', try_cast(dstaddr"),
        "{out}"
    );
    assert_eq!(sql(""), "TRUE");
}

#[test]
fn every_construct_translates_to_logs_insights() {
    assert_eq!(
        li("srcaddr in 10.0.0.0/16"),
        "isIpInSubnet(srcAddr, \"10.0.0.0/16\")"
    );
    assert_eq!(
        li("dstport in {22, 3389}"),
        "(dstPort = 22 or dstPort = 3389)"
    );
    assert_eq!(li("port == 443"), "(srcPort = 443 or dstPort = 443)");
    assert_eq!(li("protocol == tcp"), "protocol in [6]");
    assert_eq!(li("log_status == NODATA"), "logStatus = \"NODATA\"");
    assert_eq!(
        li("interface_id ~ \"^eni-0a\""),
        "interfaceId like /^eni-0a/"
    );
    assert_eq!(li("packets >= 5"), "packets >= 5");
    assert_eq!(li("not action == ACCEPT"), "not action = \"ACCEPT\"");
    assert!(li("direction == inbound").starts_with("(not (isIpInSubnet(srcAddr"));
    assert!(li("addr is cgnat").contains("isIpInSubnet(dstAddr, \"100.64.0.0/10\")"));
}

#[test]
fn full_queries() {
    let f = parse("srcaddr in 10.0.0.0/16").unwrap();
    let q = athena_sql(
        &f,
        &["srcport".into()],
        Metric::Flows,
        10,
        &QueryContext::default(),
    );
    assert_eq!(
        q,
        "SELECT srcport, count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes\nFROM vpc_flow_logs\nWHERE coalesce(contains('10.0.0.0/16', try_cast(srcaddr AS IPADDRESS)), false)\nGROUP BY 1\nORDER BY flows DESC NULLS LAST, srcport\nLIMIT 10;"
    );
    let li = insights_query(
        &f,
        &["srcport".into()],
        Metric::Bytes,
        5,
        &QueryContext::default(),
    );
    assert!(li.ends_with("| stats count(*) as flows, sum(packets) as packets, sum(bytes) as bytes by srcPort\n| sort bytes desc\n| limit 5"), "{li}");
}

#[test]
fn no_cast_of_a_dash_and_dashes_are_null() {
    // The guide's text table keeps `-` in STRING columns: nothing may CAST it, and grouping by
    // a text column groups `-` with the nulls.
    let f = parse("srcaddr in 10.0.0.0/8 and action == ACCEPT and not dst is private").unwrap();
    let q = athena_sql(
        &f,
        &["dstaddr".into(), "action".into()],
        Metric::Flows,
        5,
        &QueryContext::default(),
    );
    assert!(!q.contains("CAST("), "{q}");
    assert!(q.contains("try_cast(srcaddr AS IPADDRESS)"), "{q}");
    assert!(
        q.starts_with("SELECT nullif(dstaddr, '-') AS dstaddr, nullif(action, '-') AS action,"),
        "{q}"
    );
    assert!(q.contains("GROUP BY 1, 2"), "{q}");
}

#[test]
fn time_conditions_prune_partitions() {
    // 2024-03-01T00:00Z .. 2024-03-02T23:00Z
    let f = parse("start >= 1709251200 and end <= 1709420400 and dstport == 443").unwrap();
    assert_eq!(
        partition_condition(&f, Partitions::Date).unwrap(),
        "\"date\" BETWEEN DATE '2024-03-01' AND DATE '2024-03-02'"
    );
    assert_eq!(
        partition_condition(&f, Partitions::Day).unwrap(),
        "day BETWEEN '2024/03/01' AND '2024/03/02'"
    );
    assert_eq!(
        partition_condition(&f, Partitions::Hive).unwrap(),
        "year BETWEEN '2024' AND '2024' AND concat(year, month, day) BETWEEN '20240301' AND '20240302'"
    );
    // The last half hour of a day reaches into the next day's folder.
    let late = parse("start <= 1709336500").unwrap();
    assert_eq!(
        partition_condition(&late, Partitions::Day).unwrap(),
        "day <= '2024/03/02'"
    );
    assert!(partition_condition(&parse("dstport == 443").unwrap(), Partitions::Day).is_none());
    assert!(partition_condition(&f, Partitions::None).is_none());
    let table = AthenaTable {
        name: "logs.flows".into(),
        partitions: Partitions::Day,
    };
    let q = athena_query(&f, &[], Metric::Flows, 10, &QueryContext::default(), &table);
    assert!(
        q.contains("FROM logs.flows\nWHERE day BETWEEN '2024/03/01' AND '2024/03/02'\n  AND ("),
        "{q}"
    );
}

#[test]
fn logs_insights_uses_the_discovered_time_fields() {
    assert_eq!(
        li("start >= 100 and end < 200"),
        "(startTime >= 100 and endTime < 200)"
    );
}
