//! What Athena answered, written as files: one CSV per view (its columns and rows as Athena
//! returned them), the ports and timeline charts drawn by the same code as a local report's,
//! `queries.sql` (the SQL that ran, with each query's state and cost) and `index.md`, which
//! says the results come from Athena. The CLI writes it with `athena run --out`, the app in its
//! report's `athena/` folder.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::atomic::write_atomic;
use super::charts::{ports_chart, timeline_chart};
use super::draw::{render_png, render_svg};
use super::folder::prepare_folder;
use super::tables::csv_row;
use super::{Chart, ReportError};
use crate::fmt::{format_epoch, human_bytes, human_count};
use crate::query::ViewOptions;
use crate::query::translate::{ports_of, timeline_of};

/// One view Athena answered.
#[derive(Clone, Copy, Debug)]
pub struct AthenaAnswer<'a> {
    /// `totals`, `ports`, `talkers`, `timeline`, or the `--by` fields.
    pub name: &'a str,
    /// The SQL that ran.
    pub sql: &'a str,
    /// `SUCCEEDED`, `FAILED`, `CANCELLED`.
    pub state: &'a str,
    /// Why it failed.
    pub reason: Option<&'a str>,
    /// Bytes Athena scanned.
    pub scanned: u64,
    /// Athena's engine time.
    pub millis: u64,
    /// Column names.
    pub columns: &'a [String],
    /// Rows (a null is an empty cell).
    pub rows: &'a [Vec<String>],
}

/// What the folder says about the question.
#[derive(Clone, Debug)]
pub struct AthenaFolder<'a> {
    /// The filter, as flowlens writes it.
    pub filter: &'a str,
    /// Seconds since the epoch, for "made at".
    pub now_secs: u64,
    /// The metric and port side of the ports chart.
    pub options: &'a ViewOptions,
    /// Chart size in points.
    pub chart_size: (u32, u32),
    /// PNG pixels per point.
    pub png_scale: u32,
}

/// A view name as a file stem (`dstport,srcaddr` → `dstport_srcaddr`).
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() { "view".into() } else { stem }
}

/// Rows as CSV, the columns as the header line.
pub fn rows_csv(columns: &[String], rows: &[Vec<String>]) -> String {
    let mut out = csv_row(columns);
    for row in rows {
        out.push_str(&csv_row(row));
    }
    out
}

/// The charts of the answers that have one (ports, timeline), captioned as from Athena.
fn charts(answers: &[AthenaAnswer<'_>], folder: &AthenaFolder<'_>) -> Vec<Chart> {
    let caption = format!(
        "Filter: {}  |  from Amazon Athena",
        if folder.filter.is_empty() {
            "all flows"
        } else {
            folder.filter
        }
    );
    let ok = |name: &str| {
        answers
            .iter()
            .find(|a| a.name == name && a.state == "SUCCEEDED")
    };
    let mut out = Vec::new();
    if let Some(a) = ok("ports") {
        let ports = ports_of(a.columns, a.rows, "dstport");
        out.push(ports_chart(&ports, folder.options, &caption));
    }
    if let Some(a) = ok("timeline") {
        let tl = timeline_of(a.columns, a.rows, 3600);
        out.push(timeline_chart(&tl, &caption));
    }
    out
}

/// The index: where the numbers come from, each query's state and cost, the files.
fn index(answers: &[AthenaAnswer<'_>], folder: &AthenaFolder<'_>, charts: &[Chart]) -> String {
    let mut md = String::new();
    let filter = if folder.filter.is_empty() {
        "all flows"
    } else {
        folder.filter
    };
    let _ = writeln!(md, "# flowlens: results from Amazon Athena\n");
    let _ = writeln!(
        md,
        "These numbers were computed by Athena over the table the SQL names, not from local \
         files. Filter: `{filter}`. Made {}. The SQL that ran is in `queries.sql`.\n",
        format_epoch(folder.now_secs)
    );
    let _ = writeln!(
        md,
        "| view | state | rows | data scanned | engine time | file |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---|");
    for a in answers {
        let state = match a.reason {
            Some(r) => format!("{} ({})", a.state, r.replace('|', "/")),
            None => a.state.to_owned(),
        };
        let _ = writeln!(
            md,
            "| {} | {state} | {} | {} | {} ms | `{}.csv` |",
            a.name,
            human_count(a.rows.len() as u64),
            human_bytes(a.scanned),
            human_count(a.millis),
            file_stem(a.name)
        );
    }
    for c in charts {
        let _ = writeln!(md, "\n## {}\n\n![{}]({}.png)", c.title, c.title, c.name);
    }
    md
}

/// Writes the answers into `dir` (created if needed); an existing `index.md` there is not
/// replaced unless `force`. Returns the files written.
pub fn write_athena_results(
    dir: &Path,
    answers: &[AthenaAnswer<'_>],
    folder: &AthenaFolder<'_>,
    force: bool,
) -> Result<Vec<PathBuf>, ReportError> {
    prepare_folder(dir, "index.md", force)?;
    let mut written = Vec::new();
    let mut put = |name: String, bytes: &[u8]| -> Result<(), ReportError> {
        let p = dir.join(name);
        write_atomic(&p, bytes, force)?;
        written.push(p);
        Ok(())
    };
    let mut sql = String::new();
    for a in answers {
        put(
            format!("{}.csv", file_stem(a.name)),
            rows_csv(a.columns, a.rows).as_bytes(),
        )?;
        let _ = writeln!(
            sql,
            "-- {}: {}, {} scanned, {} ms\n{};\n",
            a.name,
            a.state,
            human_bytes(a.scanned),
            a.millis,
            a.sql.trim_end().trim_end_matches(';')
        );
    }
    put("queries.sql".into(), sql.as_bytes())?;
    let charts = charts(answers, folder);
    for c in &charts {
        put(
            format!("{}.svg", c.name),
            render_svg(c, folder.chart_size)?.as_bytes(),
        )?;
        put(
            format!("{}.png", c.name),
            &render_png(c, folder.chart_size, folder.png_scale)?,
        )?;
    }
    put(
        "index.md".into(),
        index(answers, folder, &charts).as_bytes(),
    )?;
    Ok(written)
}
