//! The same question for the archive in the cloud: a filter plus a grouping as Athena SQL (Trino
//! dialect, against the `vpc_flow_logs` table the AWS Athena guide defines, `bytes` BIGINT) and
//! as a CloudWatch Logs Insights query.
//!
//! One walk over the filter ([`condition`]) serves both; a [`Dialect`] says how each leaf is
//! written. flowlens treats a condition on a null value as false and `not` of it as true; SQL's
//! three-valued logic differs, so the SQL dialect wraps every leaf in `coalesce(…, false)` to ask
//! exactly the same.

mod athena;
mod ddl;
mod insights;
mod results;
#[cfg(test)]
mod tests;

use ipnet::IpNet;

pub use athena::{
    ATHENA_TABLE, AthenaTable, Partitions, athena_query, athena_sql, athena_timeline, athena_views,
    partition_condition, sql_condition,
};
pub use ddl::{TableSpec, athena_ddl, athena_type};
pub use insights::{insights_condition, insights_query};
pub use results::{ports_of, timeline_of};

use super::context::QueryContext;
use super::filter::{AddrClass, CmpOp, Direction, Filter, Side};
use super::labels::LabelField;
use crate::model::schema::{self, Kind};

/// How one query language writes the leaves of a condition.
trait Dialect {
    /// The condition that is always true.
    const TRUE: &'static str;
    /// The condition that is always false.
    const FALSE: &'static str;
    /// The conjunction, with its spaces.
    const AND: &'static str;
    /// The disjunction, with its spaces.
    const OR: &'static str;
    /// Negation, with its space.
    const NOT: &'static str;

    /// The name of a frame column in this language.
    fn field(&self, col: &str) -> String;
    /// A leaf condition as it is combined (SQL: false where a value is null).
    fn leaf(&self, cond: String) -> String;
    /// A string literal.
    fn string(&self, s: &str) -> String;
    /// `field` is in the network `net` (CIDR text).
    fn in_net(&self, field: &str, net: &str) -> String;
    /// `field` has a value.
    fn present(&self, field: &str) -> String;
    /// `field` between `lo` and `hi` (inclusive, `lo < hi`).
    fn range(&self, field: &str, lo: u16, hi: u16) -> String;
    /// `field` is one of `items` (literals, more than one).
    fn in_list(&self, field: &str, items: &[String]) -> String;
    /// `field` matches the regular expression.
    fn regex(&self, field: &str, pattern: &str) -> String;
    /// A comparison operator.
    fn op(&self, op: CmpOp) -> &'static str;

    /// `field` is in one of `nets` (CIDR text).
    fn in_nets(&self, field: &str, nets: &[String]) -> String {
        let parts = nets.iter().map(|n| self.in_net(field, n)).collect();
        join_any(parts, Self::OR)
    }
}

/// The filter as a condition of dialect `d`.
fn condition<D: Dialect>(d: &D, f: &Filter, ctx: &QueryContext) -> String {
    let any = |parts: Vec<String>| join_any(parts, D::OR);
    let joined = |parts: &[Filter], op: &str| {
        let parts: Vec<String> = parts.iter().map(|p| condition(d, p, ctx)).collect();
        format!("({})", parts.join(op))
    };
    match f {
        Filter::All => D::TRUE.into(),
        Filter::And(parts) => joined(parts, D::AND),
        Filter::Or(parts) => joined(parts, D::OR),
        Filter::Not(inner) => format!("{}{}", D::NOT, condition(d, inner, ctx)),
        Filter::Addr { field, nets } => {
            let nets: Vec<String> = nets.iter().map(IpNet::to_string).collect();
            let parts = field.columns().iter();
            d.leaf(any(parts.map(|c| d.in_nets(&d.field(c), &nets)).collect()))
        }
        Filter::Class { side, class } => {
            let nets = class_nets(*class, ctx);
            let parts = side_cols(*side).iter().map(|c| {
                let f = d.field(c);
                let inside = d.in_nets(&f, &nets);
                if *class == AddrClass::Public {
                    format!("({}{}{}{inside})", d.present(&f), D::AND, D::NOT)
                } else {
                    inside
                }
            });
            d.leaf(any(parts.collect()))
        }
        Filter::Port { field, ranges } => {
            let parts = field.columns().iter().flat_map(|c| {
                let f = d.field(c);
                ranges.iter().map(move |(lo, hi)| {
                    if lo == hi {
                        format!("{f} = {lo}")
                    } else {
                        d.range(&f, *lo, *hi)
                    }
                })
            });
            d.leaf(any(parts.collect()))
        }
        Filter::Protocol(ps) => {
            let list: Vec<String> = ps.iter().map(u8::to_string).collect();
            d.leaf(d.in_list("protocol", &list))
        }
        Filter::Num { field, op, value } => {
            d.leaf(format!("{} {} {value}", d.field(field), d.op(*op)))
        }
        Filter::Str { field, values } if LabelField::parse(field).is_some() => {
            label_condition(d, f, ctx, &|v: &str| {
                values.iter().any(|x| x.eq_ignore_ascii_case(v))
            })
        }
        Filter::Regex { field, pattern } if LabelField::parse(field).is_some() => {
            match regex::Regex::new(pattern) {
                Ok(re) => label_condition(d, f, ctx, &|v: &str| re.is_match(v)),
                Err(_) => D::FALSE.into(),
            }
        }
        Filter::Str { field, values } => {
            let list: Vec<String> = values.iter().map(|v| d.string(v)).collect();
            let f = d.field(field);
            d.leaf(match list.as_slice() {
                [one] => format!("{f} = {one}"),
                _ => d.in_list(&f, &list),
            })
        }
        Filter::Regex { field, pattern } => d.leaf(d.regex(&d.field(field), pattern)),
        Filter::Direction(dir) => {
            let nets = class_nets(AddrClass::Vpc, ctx);
            let s = d.in_nets(&d.field("srcaddr"), &nets);
            let t = d.in_nets(&d.field("dstaddr"), &nets);
            let (and, not) = (D::AND, D::NOT);
            d.leaf(match dir {
                Direction::Outbound => format!("({s}{and}{not}{t})"),
                Direction::Inbound => format!("({not}{s}{and}{t})"),
                Direction::Internal => format!("({s}{and}{t})"),
                Direction::External => format!("({not}{s}{and}{not}{t})"),
            })
        }
    }
}

/// A label condition written as the addresses or interface ids it stands for (the labels are
/// flowlens's, not columns of the table); false when no context is loaded (the callers say so
/// first, see [`label_fields`]).
fn label_condition<D: Dialect>(
    d: &D,
    f: &Filter,
    ctx: &QueryContext,
    pred: &dyn Fn(&str) -> bool,
) -> String {
    let (Filter::Str { field, .. } | Filter::Regex { field, .. }) = f else {
        return D::FALSE.into();
    };
    match (LabelField::parse(field), &ctx.labels) {
        (Some(lf), Some(labels)) => match labels.0.expand(lf, pred) {
            Filter::Addr { nets, .. } if nets.is_empty() => D::FALSE.into(),
            Filter::Str { values, .. } if values.is_empty() => D::FALSE.into(),
            expanded => condition(d, &expanded, ctx),
        },
        _ => D::FALSE.into(),
    }
}

/// The label fields a filter uses (they are written as address lists, see [`label_condition`]).
pub fn label_fields(f: &Filter) -> Vec<String> {
    let mut out = Vec::new();
    let mut walk = vec![f];
    while let Some(f) = walk.pop() {
        match f {
            Filter::And(p) | Filter::Or(p) => walk.extend(p.iter()),
            Filter::Not(i) => walk.push(i),
            Filter::Str { field, .. } | Filter::Regex { field, .. }
                if LabelField::parse(field).is_some() && !out.contains(field) =>
            {
                out.push(field.clone());
            }
            _ => {}
        }
    }
    out
}

/// The networks of an address class.
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

fn side_cols(side: Side) -> &'static [&'static str] {
    match side {
        Side::Src => &["srcaddr"],
        Side::Dst => &["dstaddr"],
        Side::Either => &["srcaddr", "dstaddr"],
    }
}

/// `(a op b …)`, or `a` alone.
fn join_any(parts: Vec<String>, op: &str) -> String {
    if parts.len() == 1 {
        parts.concat()
    } else {
        format!("({})", parts.join(op))
    }
}

/// Whether a column is numeric (for the CLI's validation of `--by`).
pub fn is_numeric_field(name: &str) -> bool {
    schema::lookup(name).is_some_and(|d| d.kind != Kind::Str && d.kind != Kind::Addr)
}
