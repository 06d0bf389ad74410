//! Athena SQL (Trino dialect).

use super::{Dialect, condition};
use crate::model::Metric;
use crate::query::context::QueryContext;
use crate::query::filter::{CmpOp, Filter};

/// Default table name (the AWS Athena guide's).
pub const ATHENA_TABLE: &str = "vpc_flow_logs";

struct Athena;

impl Dialect for Athena {
    const TRUE: &'static str = "TRUE";
    const FALSE: &'static str = "FALSE";
    const AND: &'static str = " AND ";
    const OR: &'static str = " OR ";
    const NOT: &'static str = "NOT ";

    fn field(&self, col: &str) -> String {
        // `end` is reserved in Trino.
        if col == "end" {
            "\"end\"".into()
        } else {
            col.to_owned()
        }
    }

    fn leaf(&self, cond: String) -> String {
        format!("coalesce({cond}, false)")
    }

    fn string(&self, s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    fn in_net(&self, field: &str, net: &str) -> String {
        format!("contains({}, CAST({field} AS IPADDRESS))", self.string(net))
    }

    fn present(&self, field: &str) -> String {
        format!("{field} IS NOT NULL")
    }

    fn range(&self, field: &str, lo: u16, hi: u16) -> String {
        format!("{field} BETWEEN {lo} AND {hi}")
    }

    fn in_list(&self, field: &str, list: &[String]) -> String {
        format!("{field} IN ({})", list.join(", "))
    }

    fn regex(&self, field: &str, pattern: &str) -> String {
        format!("regexp_like({field}, {})", self.string(pattern))
    }

    fn op(&self, op: CmpOp) -> &'static str {
        match op {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// The WHERE condition of a filter (`TRUE` for the empty filter).
pub fn sql_condition(f: &Filter, ctx: &QueryContext) -> String {
    condition(&Athena, f, ctx)
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
    let cols: Vec<String> = by
        .iter()
        .map(|c| Athena.field(&c.replace('-', "_")))
        .collect();
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
