//! The explanations and the rule usage as tables: one shape for `flowlens explain`/`rules`
//! (table, CSV, JSON lines) and the report's `explain.csv`/`rules.csv`.

use std::net::IpAddr;

use super::rows::csv_escape;
use crate::model::FlowTable;
use crate::query::filter::Filter;
use crate::query::labels::ip_key;
use crate::query::rules::{
    ExplainRow, RuleIndex, RuleUsage, Verdict, explain_rows, flow_groups, usage_of_groups,
    verdict_counts,
};
use crate::query::{QueryContext, select};

/// A table of text cells; `numeric[i]` says column `i` holds numbers (JSON numbers, right
/// aligned).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextTable {
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
    /// Per column: numbers?
    pub numeric: Vec<bool>,
}

impl TextTable {
    fn new(cols: &[(&str, bool)]) -> TextTable {
        TextTable {
            header: cols.iter().map(|(h, _)| (*h).to_owned()).collect(),
            rows: Vec::new(),
            numeric: cols.iter().map(|(_, n)| *n).collect(),
        }
    }

    /// As CSV with a header line.
    pub fn to_csv(&self) -> String {
        let mut out = self.header.join(",");
        out.push('\n');
        for r in &self.rows {
            let cells: Vec<String> = r.iter().map(|c| csv_escape(c)).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }
}

/// One row per explained group: addresses (with labels), port, protocol, interface, counts,
/// verdict, rule, reason.
pub fn explain_table(rows: &[ExplainRow], label: &dyn Fn(IpAddr) -> String) -> TextTable {
    let mut t = TextTable::new(&[
        ("srcaddr", false),
        ("src_label", false),
        ("dstaddr", false),
        ("dst_label", false),
        ("dstport", true),
        ("protocol", true),
        ("interface_id", false),
        ("flows", true),
        ("bytes", true),
        ("verdict", false),
        ("rule", false),
        ("reason", false),
    ]);
    for r in rows {
        let f = &r.group.flow;
        t.rows.push(vec![
            f.src.to_string(),
            label(f.src),
            f.dst.to_string(),
            label(f.dst),
            f.dstport.to_string(),
            f.protocol.to_string(),
            f.interface.to_string(),
            r.group.flows.to_string(),
            r.group.bytes.to_string(),
            r.explanation.verdict.name().to_owned(),
            r.explanation.rule.clone(),
            r.explanation.reason.clone(),
        ]);
    }
    t
}

/// One row per rule: id, owner, direction, the rule in AWS terms, flows, bytes, distinct
/// peers, and the flags: `unused` (no flow, though interfaces it applies to are in the logs),
/// `no_logs` (no interface it applies to is in the logs, so nothing can be said), `internet`
/// (open to 0.0.0.0/0 or ::/0 and used from a public address).
pub fn rules_table(usage: &[RuleUsage]) -> TextTable {
    let mut t = TextTable::new(&[
        ("id", false),
        ("kind", false),
        ("owner", false),
        ("name", false),
        ("direction", false),
        ("action", false),
        ("flows", true),
        ("bytes", true),
        ("peers", true),
        ("flags", false),
        ("rule", false),
    ]);
    for u in usage {
        let mut flags = Vec::new();
        if u.is_unused() {
            flags.push("unused");
        }
        if !u.covered {
            flags.push("no_logs");
        }
        if u.is_internet_used() {
            flags.push("internet");
        }
        t.rows.push(vec![
            u.id.clone(),
            u.kind.to_owned(),
            u.owner.clone(),
            u.owner_name.clone(),
            u.direction.to_owned(),
            u.action.to_owned(),
            u.flows.to_string(),
            u.bytes.to_string(),
            u.peers.to_string(),
            flags.join(" "),
            u.rule.clone(),
        ]);
    }
    t
}

/// The report's part about the rules, when the context holds security groups or network ACLs:
/// `explain.csv` (the REJECTs of the filter explained), `rules.csv` (rule usage) and the lines
/// the index pages show about them. Empty without such context.
pub fn context_tables(
    table: &FlowTable,
    filter: &Filter,
    ctx: &QueryContext,
) -> (Vec<(String, String)>, Vec<String>) {
    let inv = &table.context;
    if inv.groups.is_empty() && inv.acls.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let Ok(sel) = select(table, filter, ctx) else {
        return (Vec::new(), Vec::new());
    };
    let index = RuleIndex::new(inv.clone());
    // One grouping of the records for both the explanations and the usage.
    let groups = flow_groups(table, &sel);
    let usage = usage_of_groups(&groups, &index);
    let rows = explain_rows(groups, &index, false, usize::MAX);
    let labels = ctx.labels.as_ref().map(|l| &l.0);
    let label = |ip: IpAddr| {
        labels
            .and_then(|l| l.addr_label(ip_key(ip)).map(|c| c.into_owned()))
            .unwrap_or_default()
    };
    let mut lines = Vec::new();
    let rejects = &Verdict::ALL[..4];
    let parts: Vec<String> = verdict_counts(&rows, rejects)
        .into_iter()
        .map(|(v, flows, groups)| format!("{} {flows} flows ({groups} groups)", v.name()))
        .collect();
    lines.push(format!("REJECT flows by verdict: {}.", parts.join(", ")));
    let unused = usage.iter().filter(|u| u.is_unused()).count();
    let internet = usage.iter().filter(|u| u.is_internet_used()).count();
    lines.push(format!(
        "{} rules: {unused} admitted nothing (candidates for removal); {internet} open to the \
         internet and used from it.",
        usage.len()
    ));
    if let Some(top) = rows.first() {
        lines.push(format!("Most frequent REJECT: {}", top.explanation.reason));
    }
    let tables = vec![
        (
            "explain.csv".to_owned(),
            explain_table(&rows, &label).to_csv(),
        ),
        ("rules.csv".to_owned(), rules_table(&usage).to_csv()),
    ];
    (tables, lines)
}
