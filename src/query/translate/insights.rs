//! CloudWatch Logs Insights, with the field names it discovers in VPC flow logs (camelCase).

use super::{Dialect, condition};
use crate::model::Metric;
use crate::query::context::QueryContext;
use crate::query::filter::{CmpOp, Filter};

struct Insights;

impl Dialect for Insights {
    const TRUE: &'static str = "1=1";
    const FALSE: &'static str = "1=0";
    const AND: &'static str = " and ";
    const OR: &'static str = " or ";
    const NOT: &'static str = "not ";

    fn field(&self, col: &str) -> String {
        li_field(col)
    }

    fn leaf(&self, cond: String) -> String {
        cond
    }

    fn string(&self, s: &str) -> String {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }

    fn in_net(&self, field: &str, net: &str) -> String {
        format!("isIpInSubnet({field}, {})", self.string(net))
    }

    fn present(&self, field: &str) -> String {
        format!("ispresent({field})")
    }

    fn range(&self, field: &str, lo: u16, hi: u16) -> String {
        format!("({field} >= {lo} and {field} <= {hi})")
    }

    fn in_list(&self, field: &str, list: &[String]) -> String {
        format!("{field} in [{}]", list.join(", "))
    }

    fn regex(&self, field: &str, pattern: &str) -> String {
        format!("{field} like /{}/", pattern.replace('/', "\\/"))
    }

    fn op(&self, op: CmpOp) -> &'static str {
        match op {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
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
        // The discovered VPC flow log fields are `startTime` and `endTime`.
        "start" => "startTime".into(),
        "end" => "endTime".into(),
        _ => out,
    }
}

/// The filter as a Logs Insights boolean expression (`1=1` for the empty filter).
pub fn insights_condition(f: &Filter, ctx: &QueryContext) -> String {
    condition(&Insights, f, ctx)
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
