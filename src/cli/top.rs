//! `flowlens top`: group the records by fields and rank by flows, packets or bytes.

use std::process::ExitCode;

use clap::Args;

use super::args::{InputArgs, MetricArg, TableFormat};
use super::input::{load_selected, print_safe, report_problems};
use crate::fmt::escape_control;
use crate::query::group::group_by_labels;
use crate::query::translate::is_numeric_field;
use crate::report::rows::csv_escape;

#[derive(Args, Debug)]
pub(super) struct TopArgs {
    /// Fields to group by (comma-separated), e.g. `srcport` or `srcaddr,dstaddr`.
    #[arg(long, default_value = "srcaddr", value_delimiter = ',')]
    pub(super) by: Vec<String>,
    /// What to rank by.
    #[arg(long, value_enum, default_value_t = MetricArg::Flows)]
    pub(super) metric: MetricArg,
    /// Rows to print.
    #[arg(long, default_value_t = 10)]
    pub(super) limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub(super) format: TableFormat,
    #[command(flatten)]
    pub(super) input: InputArgs,
}

pub(super) fn top(args: TopArgs) -> ExitCode {
    let selected = match load_selected(&args.input) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let broken = report_problems(&selected.table);
    let grouped = group_by_labels(
        &selected.table,
        &selected.sel,
        &args.by,
        args.metric.into(),
        args.limit,
        selected.labels().map(|l| l.as_ref()),
    );
    let (keys, groups) = match grouped {
        Ok(g) => g,
        Err(e) => {
            eprintln!("flowlens: --by: {e}");
            return ExitCode::from(2);
        }
    };
    let mut header: Vec<String> = keys.clone();
    header.extend(["flows", "packets", "bytes"].map(String::from));
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            // Keys come from the input: a table shows their control characters escaped.
            let mut r: Vec<String> = if args.format == TableFormat::Table {
                g.key
                    .iter()
                    .map(|k| escape_control(k).into_owned())
                    .collect()
            } else {
                g.key.clone()
            };
            r.extend(g.counts.iter().map(|(_, v)| v.to_string()));
            r
        })
        .collect();
    let mut out = String::new();
    match args.format {
        TableFormat::Csv => {
            out.push_str(&header.join(","));
            out.push('\n');
            for r in &rows {
                let cells: Vec<String> = r.iter().map(|c| csv_escape(c)).collect();
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
        TableFormat::Jsonl => {
            for g in &groups {
                let mut obj = serde_json::Map::new();
                for (k, v) in keys.iter().zip(&g.key) {
                    let key = k.clone();
                    let val = if v == "-" {
                        serde_json::Value::Null
                    } else if is_numeric_field(&key) {
                        v.parse::<u64>().map_or(serde_json::Value::Null, Into::into)
                    } else {
                        v.clone().into()
                    };
                    obj.insert(key, val);
                }
                for (m, v) in g.counts.iter() {
                    obj.insert(m.name().to_owned(), v.into());
                }
                out.push_str(&serde_json::Value::Object(obj).to_string());
                out.push('\n');
            }
        }
        TableFormat::Table => {
            let mut widths: Vec<usize> = header.iter().map(String::len).collect();
            for r in &rows {
                for (w, c) in widths.iter_mut().zip(r) {
                    *w = (*w).max(c.len());
                }
            }
            let line = |cells: &[String]| -> String {
                let n = keys.len();
                cells
                    .iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(i, (c, w))| {
                        if i < n {
                            format!("{c:<w$}")
                        } else {
                            format!("{c:>w$}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("  ")
            };
            out.push_str(&line(&header));
            out.push('\n');
            for r in &rows {
                out.push_str(line(r).trim_end());
                out.push('\n');
            }
        }
    }
    print_safe(&out);
    if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
