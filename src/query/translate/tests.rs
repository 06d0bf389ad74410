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
        "coalesce(contains('10.0.0.0/16', CAST(srcaddr AS IPADDRESS)), false)"
    );
    assert_eq!(
        sql("addr == 2001:db8::1"),
        "coalesce((contains('2001:db8::1/128', CAST(srcaddr AS IPADDRESS)) OR contains('2001:db8::1/128', CAST(dstaddr AS IPADDRESS))), false)"
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
        "coalesce(action = 'ACCEPT', false)"
    );
    assert_eq!(
        sql("interface_id ~ \"^eni-0a\""),
        "coalesce(regexp_like(interface_id, '^eni-0a'), false)"
    );
    assert_eq!(
        sql("not (action == REJECT or log_status == NODATA)"),
        "NOT (coalesce(action = 'REJECT', false) OR coalesce(log_status = 'NODATA', false))"
    );
    assert!(
        sql("src is private").contains("contains('172.16.0.0/12', CAST(srcaddr AS IPADDRESS))")
    );
    assert!(sql("dst is public").starts_with("coalesce((dstaddr IS NOT NULL AND NOT ("));
    let out = sql("direction == outbound");
    assert!(
        out.contains("AND NOT (contains('10.0.0.0/8', CAST(dstaddr"),
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
        "SELECT srcport, count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes\nFROM vpc_flow_logs\nWHERE coalesce(contains('10.0.0.0/16', CAST(srcaddr AS IPADDRESS)), false)\nGROUP BY srcport\nORDER BY flows DESC NULLS LAST, srcport\nLIMIT 10;"
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
