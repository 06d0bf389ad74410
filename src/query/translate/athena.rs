//! Athena SQL (Trino dialect).

//!
//! Written for the tables as users have them: the AWS Athena guide's text DDL keeps `-` (NODATA
//! and SKIPDATA records) as the string `'-'` in STRING columns, so an address is read with
//! `try_cast(… AS IPADDRESS)` (a `CAST` of `'-'` fails the whole query with
//! INVALID_CAST_ARGUMENT) and every other string column through `nullif(…, '-')`; Parquet
//! tables have real nulls, on which both are no-ops. Integer columns read `-` as NULL.
//! Time conditions also constrain the table's partition columns ([`Partitions`]), so that
//! Athena reads only the days they touch.

use super::{Dialect, condition};
use crate::fmt::civil_from_days;
use crate::model::Metric;
use crate::model::schema::{self, Kind};
use crate::query::context::QueryContext;
use crate::query::filter::{CmpOp, Filter};

/// Default table name (the AWS Athena guide's).
pub const ATHENA_TABLE: &str = "vpc_flow_logs";

/// How a table is partitioned by delivery day (the S3 folders of the logs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Partitions {
    /// No partitions.
    None,
    /// The AWS Athena guide's text DDL: `date` DATE, one partition per day folder.
    #[default]
    Date,
    /// `flowlens athena ddl` on the AWS layout: `day` STRING `yyyy/MM/dd`, projected.
    Day,
    /// `flowlens athena ddl` on Hive-compatible prefixes: `year`, `month`, `day` STRINGs.
    Hive,
}

/// The table a query runs against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AthenaTable {
    /// Its name (may be `database.table`).
    pub name: String,
    /// Its partition columns.
    pub partitions: Partitions,
}

impl Default for AthenaTable {
    fn default() -> Self {
        AthenaTable {
            name: ATHENA_TABLE.into(),
            partitions: Partitions::Date,
        }
    }
}

struct Athena;

/// Whether a column holds text in the table (where `-` stays `'-'`).
fn is_text(col: &str) -> bool {
    schema::lookup(col).is_some_and(|d| matches!(d.kind, Kind::Str | Kind::Addr))
}

impl Dialect for Athena {
    const TRUE: &'static str = "TRUE";
    const FALSE: &'static str = "FALSE";
    const AND: &'static str = " AND ";
    const OR: &'static str = " OR ";
    const NOT: &'static str = "NOT ";

    fn field(&self, col: &str) -> String {
        // `end` is reserved in Trino.
        if col == "end" {
            return "\"end\"".into();
        }
        match schema::lookup(col).map(|d| d.kind) {
            // Addresses are read by `in_net`/`present` with `try_cast`.
            Some(Kind::Str) => format!("nullif({col}, '-')"),
            _ => col.to_owned(),
        }
    }

    fn leaf(&self, cond: String) -> String {
        format!("coalesce({cond}, false)")
    }

    fn string(&self, s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    fn in_net(&self, field: &str, net: &str) -> String {
        format!(
            "contains({}, try_cast({field} AS IPADDRESS))",
            self.string(net)
        )
    }

    fn present(&self, field: &str) -> String {
        format!("try_cast({field} AS IPADDRESS) IS NOT NULL")
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

/// A full Athena query against the guide's table: `by` fields grouped and ranked by `metric`,
/// or the totals when `by` is empty.
pub fn athena_sql(
    f: &Filter,
    by: &[String],
    metric: Metric,
    limit: usize,
    ctx: &QueryContext,
) -> String {
    athena_query(f, by, metric, limit, ctx, &AthenaTable::default())
}

/// A full Athena query against `table`.
pub fn athena_query(
    f: &Filter,
    by: &[String],
    metric: Metric,
    limit: usize,
    ctx: &QueryContext,
    table: &AthenaTable,
) -> String {
    let names: Vec<String> = by.iter().map(|c| c.replace('-', "_")).collect();
    let select: Vec<String> = names
        .iter()
        .map(|c| {
            let f = Athena.field(c);
            if is_text(c) {
                format!("nullif({c}, '-') AS {c}")
            } else {
                f
            }
        })
        .collect();
    let where_ = where_clause(f, ctx, table);
    let from = &table.name;
    let aggs = "count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes";
    if select.is_empty() {
        return format!("SELECT {aggs}\nFROM {from}\nWHERE {where_};");
    }
    let keys: Vec<String> = (1..=select.len()).map(|i| i.to_string()).collect();
    // The output columns by their names (`end` quoted).
    let order: Vec<String> = names
        .iter()
        .map(|c| {
            if c == "end" {
                "\"end\"".to_owned()
            } else {
                c.clone()
            }
        })
        .collect();
    format!(
        "SELECT {}, {aggs}\nFROM {from}\nWHERE {where_}\nGROUP BY {}\nORDER BY {} DESC NULLS LAST, {}\nLIMIT {limit};",
        select.join(", "),
        keys.join(", "),
        metric.name(),
        order.join(", ")
    )
}

/// The WHERE condition: the partitions the time conditions touch, then the filter.
fn where_clause(f: &Filter, ctx: &QueryContext, table: &AthenaTable) -> String {
    let cond = sql_condition(f, ctx);
    match partition_condition(f, table.partitions) {
        Some(p) if cond == Athena::TRUE => p,
        Some(p) => format!("{p}\n  AND {cond}"),
        None => cond,
    }
}

/// Records arrive in their day folder after they end: up to the aggregation interval (10 min)
/// plus the delivery delay; a time condition keeps the folders of this much after it.
const DELIVERY_SLACK: u64 = 1800;

/// The time bounds of a filter's top-level conjunction (`start`/`end` compared with numbers),
/// as the delivery days they touch, written on the table's partition columns.
pub fn partition_condition(f: &Filter, partitions: Partitions) -> Option<String> {
    let (mut lo, mut hi): (Option<u64>, Option<u64>) = (None, None);
    // The conjuncts, nested `and`s flattened.
    let mut parts = Vec::new();
    let mut walk = vec![f];
    while let Some(g) = walk.pop() {
        match g {
            Filter::And(p) => walk.extend(p.iter()),
            other => parts.push(other),
        }
    }
    for p in parts {
        let Filter::Num { field, op, value } = p else {
            continue;
        };
        if field != "start" && field != "end" {
            continue;
        }
        let v = *value;
        match op {
            CmpOp::Ge | CmpOp::Gt => lo = Some(lo.map_or(v, |l| l.max(v))),
            CmpOp::Le | CmpOp::Lt => hi = Some(hi.map_or(v, |h| h.min(v))),
            CmpOp::Eq => {
                lo = Some(lo.map_or(v, |l| l.max(v)));
                hi = Some(hi.map_or(v, |h| h.min(v)));
            }
            CmpOp::Ne => {}
        }
    }
    if lo.is_none() && hi.is_none() {
        return None;
    }
    let day = |secs: u64| civil_from_days((secs / 86_400) as i64);
    let lo = lo.map(day);
    let hi = hi.map(|h| day(h.saturating_add(DELIVERY_SLACK)));
    let between = |col: &str, fmt: &dyn Fn((i64, u32, u32)) -> String| match (lo, hi) {
        (Some(a), Some(b)) => format!("{col} BETWEEN {} AND {}", fmt(a), fmt(b)),
        (Some(a), None) => format!("{col} >= {}", fmt(a)),
        (None, Some(b)) => format!("{col} <= {}", fmt(b)),
        (None, None) => String::new(),
    };
    Some(match partitions {
        Partitions::None => return None,
        Partitions::Date => between("\"date\"", &|(y, m, d)| {
            format!("DATE '{y:04}-{m:02}-{d:02}'")
        }),
        Partitions::Day => between("day", &|(y, m, d)| format!("'{y:04}/{m:02}/{d:02}'")),
        Partitions::Hive => {
            // The year alone prunes as a plain comparison; the joined date is exact.
            let years = between("year", &|(y, _, _)| format!("'{y:04}'"));
            let days = between("concat(year, month, day)", &|(y, m, d)| {
                format!("'{y:04}{m:02}{d:02}'")
            });
            format!("{years} AND {days}")
        }
    })
}

/// The timeline view: flows, packets and bytes per `bucket` seconds of `start` and per lane
/// (`ACCEPT`, `REJECT`, `other`), as the app's timeline splits them.
pub fn athena_timeline(f: &Filter, ctx: &QueryContext, table: &AthenaTable, bucket: u64) -> String {
    let where_ = where_clause(f, ctx, table);
    let b = bucket.max(1);
    format!(
        "SELECT (start / {b}) * {b} AS bucket, CASE nullif(action, '-') WHEN 'ACCEPT' THEN 'ACCEPT' \
         WHEN 'REJECT' THEN 'REJECT' ELSE 'other' END AS lane, count(*) AS flows, \
         sum(packets) AS packets, sum(bytes) AS bytes\nFROM {}\nWHERE start IS NOT NULL AND {where_}\n\
         GROUP BY 1, 2\nORDER BY 1, 2;",
        table.name
    )
}

/// The views of a question as Athena queries: totals, ports (`dstport`), talkers (`srcaddr`) and
/// the hourly timeline; or the one grouping `by`.
pub fn athena_views(
    f: &Filter,
    by: &[String],
    metric: Metric,
    limit: usize,
    ctx: &QueryContext,
    table: &AthenaTable,
) -> Vec<(String, String)> {
    let view = |by: &[&str]| {
        let by: Vec<String> = by.iter().map(|b| (*b).to_owned()).collect();
        athena_query(f, &by, metric, limit, ctx, table)
    };
    if !by.is_empty() {
        return vec![(by.join(","), athena_query(f, by, metric, limit, ctx, table))];
    }
    vec![
        ("totals".into(), view(&[])),
        ("ports".into(), view(&["dstport"])),
        ("talkers".into(), view(&["srcaddr"])),
        ("timeline".into(), athena_timeline(f, ctx, table, 3600)),
    ]
}
