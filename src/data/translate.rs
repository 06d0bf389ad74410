//! The same question for the archive in the cloud: a filter plus a grouping as Athena SQL (Trino
//! dialect, against the `vpc_flow_logs` table the AWS Athena guide defines, `bytes` BIGINT) and
//! as a CloudWatch Logs Insights query.
//!
//! flowlens treats a condition on a null value as false and `not` of it as true; SQL's three-valued
//! logic differs, so every condition is wrapped in `coalesce(…, false)` to ask exactly the same.

use ipnet::IpNet;

use super::filter::{AddrClass, CmpOp, Direction, Filter, Side};
use super::query::{Metric, QueryContext};
use super::schema::{self, Kind};

/// Default table name (the AWS Athena guide's).
pub const ATHENA_TABLE: &str = "vpc_flow_logs";

fn sql_col(name: &str) -> String {
    // `end` is reserved in Trino.
    if name == "end" {
        "\"end\"".into()
    } else {
        name.to_owned()
    }
}

fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn class_nets(class: AddrClass, ctx: &QueryContext) -> Vec<String> {
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect();
    match class {
        AddrClass::Private => s(&["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]),
        AddrClass::Cgnat => s(&["100.64.0.0/10"]),
        AddrClass::LinkLocal => s(&["169.254.0.0/16", "fe80::/10"]),
        AddrClass::Vpc => ctx.vpc.iter().map(IpNet::to_string).collect(),
        AddrClass::Public => s(&[
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "fc00::/7",
            "100.64.0.0/10",
            "169.254.0.0/16",
            "fe80::/10",
            "127.0.0.0/8",
            "::1/128",
            "224.0.0.0/4",
            "ff00::/8",
            "0.0.0.0/8",
            "255.255.255.255/32",
            "::/128",
        ]),
    }
}

fn sql_in_nets(col: &str, nets: &[String]) -> String {
    let parts: Vec<String> = nets
        .iter()
        .map(|n| format!("contains({}, CAST({col} AS IPADDRESS))", sql_str(n)))
        .collect();
    if parts.len() == 1 {
        parts.concat()
    } else {
        format!("({})", parts.join(" OR "))
    }
}

fn side_cols(side: Side) -> &'static [&'static str] {
    match side {
        Side::Src => &["srcaddr"],
        Side::Dst => &["dstaddr"],
        Side::Either => &["srcaddr", "dstaddr"],
    }
}

/// `(a OR b …)` in SQL.
fn any_of(parts: Vec<String>) -> String {
    join_any(parts, " OR ")
}

/// `(a or b …)` in Logs Insights.
fn li_any_of(parts: Vec<String>) -> String {
    join_any(parts, " or ")
}

fn join_any(parts: Vec<String>, op: &str) -> String {
    if parts.len() == 1 {
        parts.concat()
    } else {
        format!("({})", parts.join(op))
    }
}

/// The WHERE condition of a filter (`TRUE` for the empty filter).
pub fn sql_condition(f: &Filter, ctx: &QueryContext) -> String {
    let leaf = |c: String| format!("coalesce({c}, false)");
    match f {
        Filter::All => "TRUE".into(),
        Filter::And(parts) => format!(
            "({})",
            parts
                .iter()
                .map(|p| sql_condition(p, ctx))
                .collect::<Vec<_>>()
                .join(" AND ")
        ),
        Filter::Or(parts) => format!(
            "({})",
            parts
                .iter()
                .map(|p| sql_condition(p, ctx))
                .collect::<Vec<_>>()
                .join(" OR ")
        ),
        Filter::Not(inner) => format!("NOT {}", sql_condition(inner, ctx)),
        Filter::Addr { field, nets } => {
            let nets: Vec<String> = nets.iter().map(IpNet::to_string).collect();
            leaf(any_of(
                field
                    .columns()
                    .iter()
                    .map(|c| sql_in_nets(c, &nets))
                    .collect(),
            ))
        }
        Filter::Class { side, class } => {
            let nets = class_nets(*class, ctx);
            let parts = side_cols(*side)
                .iter()
                .map(|c| {
                    let inside = sql_in_nets(c, &nets);
                    if *class == AddrClass::Public {
                        format!("({c} IS NOT NULL AND NOT {inside})")
                    } else {
                        inside
                    }
                })
                .collect();
            leaf(any_of(parts))
        }
        Filter::Port { field, ranges } => {
            let parts = field
                .columns()
                .iter()
                .flat_map(|c| {
                    ranges.iter().map(move |(lo, hi)| {
                        if lo == hi {
                            format!("{c} = {lo}")
                        } else {
                            format!("{c} BETWEEN {lo} AND {hi}")
                        }
                    })
                })
                .collect();
            leaf(any_of(parts))
        }
        Filter::Protocol(ps) => {
            let list: Vec<String> = ps.iter().map(u8::to_string).collect();
            leaf(format!("protocol IN ({})", list.join(", ")))
        }
        Filter::Num { field, op, value } => {
            leaf(format!("{} {} {value}", sql_col(field), sql_op(*op)))
        }
        Filter::Str { field, values } => {
            let list: Vec<String> = values.iter().map(|v| sql_str(v)).collect();
            if let [one] = list.as_slice() {
                leaf(format!("{} = {one}", sql_col(field)))
            } else {
                leaf(format!("{} IN ({})", sql_col(field), list.join(", ")))
            }
        }
        Filter::Regex { field, pattern } => leaf(format!(
            "regexp_like({}, {})",
            sql_col(field),
            sql_str(pattern)
        )),
        Filter::Direction(d) => {
            let nets = class_nets(AddrClass::Vpc, ctx);
            let s = sql_in_nets("srcaddr", &nets);
            let t = sql_in_nets("dstaddr", &nets);
            leaf(match d {
                Direction::Outbound => format!("({s} AND NOT {t})"),
                Direction::Inbound => format!("(NOT {s} AND {t})"),
                Direction::Internal => format!("({s} AND {t})"),
                Direction::External => format!("(NOT {s} AND NOT {t})"),
            })
        }
    }
}

fn sql_op(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    }
}

/// A full Athena query: `by` fields grouped and ranked by `metric`, or the totals when `by` is
/// empty.
pub fn athena_sql(
    f: &Filter,
    by: &[String],
    metric: Metric,
    limit: usize,
    ctx: &QueryContext,
) -> String {
    let cols: Vec<String> = by.iter().map(|c| sql_col(&c.replace('-', "_"))).collect();
    let where_ = sql_condition(f, ctx);
    let aggs = "count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes";
    if cols.is_empty() {
        return format!("SELECT {aggs}\nFROM {ATHENA_TABLE}\nWHERE {where_};");
    }
    let keys = cols.join(", ");
    format!(
        "SELECT {keys}, {aggs}\nFROM {ATHENA_TABLE}\nWHERE {where_}\nGROUP BY {keys}\nORDER BY {} DESC NULLS LAST, {keys}\nLIMIT {limit};",
        metric.name()
    )
}

/// The Logs Insights field name of a column (auto-discovered VPC flow log fields are camelCase).
fn li_field(col: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in col.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    match out.as_str() {
        "srcaddr" => "srcAddr".into(),
        "dstaddr" => "dstAddr".into(),
        "srcport" => "srcPort".into(),
        "dstport" => "dstPort".into(),
        "pktSrcaddr" => "pktSrcAddr".into(),
        "pktDstaddr" => "pktDstAddr".into(),
        _ => out,
    }
}

fn li_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn li_nets(field: &str, nets: &[String]) -> String {
    let parts: Vec<String> = nets
        .iter()
        .map(|n| format!("isIpInSubnet({field}, {})", li_str(n)))
        .collect();
    li_any_of(parts)
}

/// The filter as a Logs Insights boolean expression (`1=1` for the empty filter).
pub fn insights_condition(f: &Filter, ctx: &QueryContext) -> String {
    match f {
        Filter::All => "1=1".into(),
        Filter::And(parts) => format!(
            "({})",
            parts
                .iter()
                .map(|p| insights_condition(p, ctx))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
        Filter::Or(parts) => format!(
            "({})",
            parts
                .iter()
                .map(|p| insights_condition(p, ctx))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        Filter::Not(inner) => format!("not {}", insights_condition(inner, ctx)),
        Filter::Addr { field, nets } => {
            let nets: Vec<String> = nets.iter().map(IpNet::to_string).collect();
            li_any_of(
                field
                    .columns()
                    .iter()
                    .map(|c| li_nets(&li_field(c), &nets))
                    .collect(),
            )
        }
        Filter::Class { side, class } => {
            let nets = class_nets(*class, ctx);
            li_any_of(
                side_cols(*side)
                    .iter()
                    .map(|c| {
                        let inside = li_nets(&li_field(c), &nets);
                        if *class == AddrClass::Public {
                            format!("(ispresent({}) and not {inside})", li_field(c))
                        } else {
                            inside
                        }
                    })
                    .collect(),
            )
        }
        Filter::Port { field, ranges } => li_any_of(
            field
                .columns()
                .iter()
                .flat_map(|c| {
                    let c = li_field(c);
                    ranges.iter().map(move |(lo, hi)| {
                        if lo == hi {
                            format!("{c} = {lo}")
                        } else {
                            format!("({c} >= {lo} and {c} <= {hi})")
                        }
                    })
                })
                .collect(),
        ),
        Filter::Protocol(ps) => {
            let list: Vec<String> = ps.iter().map(u8::to_string).collect();
            format!("protocol in [{}]", list.join(", "))
        }
        Filter::Num { field, op, value } => {
            let op = match op {
                CmpOp::Eq => "=",
                CmpOp::Ne => "!=",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
            };
            format!("{} {op} {value}", li_field(field))
        }
        Filter::Str { field, values } => {
            let list: Vec<String> = values.iter().map(|v| li_str(v)).collect();
            if let [one] = list.as_slice() {
                format!("{} = {one}", li_field(field))
            } else {
                format!("{} in [{}]", li_field(field), list.join(", "))
            }
        }
        Filter::Regex { field, pattern } => {
            format!("{} like /{}/", li_field(field), pattern.replace('/', "\\/"))
        }
        Filter::Direction(d) => {
            let nets = class_nets(AddrClass::Vpc, ctx);
            let s = li_nets("srcAddr", &nets);
            let t = li_nets("dstAddr", &nets);
            match d {
                Direction::Outbound => format!("({s} and not {t})"),
                Direction::Inbound => format!("(not {s} and {t})"),
                Direction::Internal => format!("({s} and {t})"),
                Direction::External => format!("(not {s} and not {t})"),
            }
        }
    }
}

/// A full Logs Insights query for the same question.
pub fn insights_query(
    f: &Filter,
    by: &[String],
    metric: Metric,
    limit: usize,
    ctx: &QueryContext,
) -> String {
    let mut q = String::from(
        "fields @timestamp, srcAddr, dstAddr, srcPort, dstPort, protocol, packets, bytes, action\n",
    );
    if *f != Filter::All {
        q.push_str(&format!("| filter {}\n", insights_condition(f, ctx)));
    }
    let stats = "count(*) as flows, sum(packets) as packets, sum(bytes) as bytes";
    if by.is_empty() {
        q.push_str(&format!("| stats {stats}"));
    } else {
        let keys: Vec<String> = by.iter().map(|b| li_field(&b.replace('-', "_"))).collect();
        q.push_str(&format!(
            "| stats {stats} by {}\n| sort {} desc\n| limit {limit}",
            keys.join(", "),
            metric.name()
        ));
    }
    q
}

/// Whether a column is numeric (for the CLI's validation of `--by`).
pub fn is_numeric_field(name: &str) -> bool {
    schema::lookup(name).is_some_and(|d| d.kind != Kind::Str && d.kind != Kind::Addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::filter::parse;

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
}
