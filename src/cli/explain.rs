//! `flowlens explain` and `flowlens rules`: REJECTs (or ACCEPTs) explained from the context's
//! security groups and network ACLs, and the use of every rule.

use std::process::ExitCode;

use clap::Args;

use super::args::{InputArgs, TableFormat};
use super::input::{Selected, load_selected, print_safe, report_problems};
use crate::query::labels::ip_key;
use crate::query::rules::{RuleIndex, explain_groups_with, rule_usage};
use crate::report::rows::{csv_escape, json_string};
use crate::report::rules::{TextTable, explain_table, rules_table};

#[derive(Args, Debug)]
pub(super) struct ExplainArgs {
    /// Explain the ACCEPT flows (which rules admitted them) instead of the REJECTs.
    #[arg(long)]
    pub(super) accepted: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub(super) format: TableFormat,
    /// At most this many groups (0: all).
    #[arg(long, default_value_t = 0)]
    pub(super) limit: usize,
    #[command(flatten)]
    pub(super) input: InputArgs,
}

#[derive(Args, Debug)]
pub(super) struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub(super) format: TableFormat,
    #[command(flatten)]
    pub(super) input: InputArgs,
}

/// Loads the input and the rule index; `Err` with a message when there is no context.
fn load(input: &InputArgs, what: &str) -> Result<(Selected, RuleIndex, bool), ExitCode> {
    let selected = load_selected(input)?;
    let broken = report_problems(&selected.table);
    let inv = &selected.table.context;
    if inv.groups.is_empty() && inv.acls.is_empty() {
        eprintln!(
            "flowlens {what}: no security groups or network ACLs loaded: give the output of \
             `aws ec2 describe-network-interfaces`, `describe-security-groups`, \
             `describe-network-acls` (and `describe-subnets`) with --context FILE or among the \
             paths"
        );
        return Err(ExitCode::from(2));
    }
    let index = RuleIndex::new(inv.clone());
    Ok((selected, index, broken))
}

pub(super) fn explain(args: ExplainArgs) -> ExitCode {
    let (selected, index, broken) = match load(&args.input, "explain") {
        Ok(x) => x,
        Err(code) => return code,
    };
    let sentences = if args.limit > 0 {
        args.limit
    } else {
        usize::MAX
    };
    let mut rows = explain_groups_with(
        &selected.table,
        &selected.sel,
        &index,
        args.accepted,
        sentences,
    );
    if args.limit > 0 {
        rows.truncate(args.limit);
    }
    let labels = selected.labels();
    let label = |ip: std::net::IpAddr| {
        labels
            .and_then(|l| l.addr_label(ip_key(ip)).map(|c| c.into_owned()))
            .unwrap_or_default()
    };
    let table = explain_table(&rows, &label);
    let out = render(&table, args.format);
    print_safe(&out);
    if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

pub(super) fn rules(args: RulesArgs) -> ExitCode {
    let (selected, index, broken) = match load(&args.input, "rules") {
        Ok(x) => x,
        Err(code) => return code,
    };
    let usage = rule_usage(&selected.table, &selected.sel, &index);
    let out = render(&rules_table(&usage), args.format);
    print_safe(&out);
    if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A table (header, rows; `numeric[i]` when column `i` is a number) in the chosen format; in
/// a table the last column is left unpadded (it holds sentences).
pub(super) fn render(t: &TextTable, format: TableFormat) -> String {
    let mut out = String::new();
    match format {
        TableFormat::Csv => {
            out.push_str(&t.header.join(","));
            out.push('\n');
            for r in &t.rows {
                let cells: Vec<String> = r.iter().map(|c| csv_escape(c)).collect();
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
        TableFormat::Jsonl => {
            for r in &t.rows {
                let fields: Vec<String> = t
                    .header
                    .iter()
                    .zip(r)
                    .zip(&t.numeric)
                    .map(|((h, v), num)| {
                        let v = if *num && !v.is_empty() {
                            v.clone()
                        } else {
                            json_string(v)
                        };
                        format!("{}:{v}", json_string(h))
                    })
                    .collect();
                out.push('{');
                out.push_str(&fields.join(","));
                out.push_str("}\n");
            }
        }
        TableFormat::Table => {
            let n = t.header.len();
            let mut widths: Vec<usize> = t.header.iter().map(|h| h.chars().count()).collect();
            for r in &t.rows {
                for (w, c) in widths.iter_mut().zip(r) {
                    *w = (*w).max(c.chars().count());
                }
            }
            let line = |cells: &[String]| -> String {
                let parts: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .zip(&t.numeric)
                    .enumerate()
                    .map(|(i, ((c, w), num))| {
                        if i + 1 == n {
                            c.clone()
                        } else if *num {
                            format!("{c:>w$}")
                        } else {
                            format!("{c:<w$}")
                        }
                    })
                    .collect();
                parts.join("  ").trim_end().to_owned()
            };
            out.push_str(&line(&t.header));
            out.push('\n');
            for r in &t.rows {
                out.push_str(&line(r));
                out.push('\n');
            }
        }
    }
    out
}
