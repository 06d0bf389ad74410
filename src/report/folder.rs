//! The report folder: charts, tables, `index.md` and `index.html` (filter, Athena SQL, inputs
//! with SHA-256, counts).

use std::fmt::Write as _;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

use sha2::Digest as _;

use super::charts::{Chart, caption, charts};
use super::draw::{render_png, render_svg};
use super::rules::context_tables;
use super::tables::tables;
use super::{ReportError, write_atomic};
use crate::fmt::format_epoch;
use crate::model::FlowTable;
use crate::query::filter::Filter;
use crate::query::views::Totals;
use crate::query::{QueryContext, ViewOptions, Views};

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// What a report is about.
pub struct ReportInput<'a> {
    /// The loaded flows.
    pub table: &'a FlowTable,
    /// The filter.
    pub filter: &'a Filter,
    /// The views of the filter.
    pub views: &'a Views,
    /// How they were computed.
    pub options: &'a ViewOptions,
    /// VPC CIDRs (for the SQL).
    pub context: &'a QueryContext,
    /// When it was made (epoch seconds).
    pub now_secs: u64,
    /// Chart size in points (PNGs are `size × scale` pixels).
    pub chart_size: (u32, u32),
    /// PNG scale factor (2 = crisp on high-density screens and in print).
    pub png_scale: u32,
}

/// Makes `dir` (a folder, created if needed) ready for a report whose index is `index`: an
/// existing index is not replaced unless `force`. Returns the index's path.
pub(super) fn prepare_folder(dir: &Path, index: &str, force: bool) -> Result<PathBuf, ReportError> {
    if dir.exists() && !dir.is_dir() {
        return Err(ReportError::NotAFolder(dir.to_path_buf()));
    }
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let index = dir.join(index);
    if !force && index.exists() {
        return Err(ReportError::Exists(index));
    }
    Ok(index)
}

/// Writes the report folder: every chart as PNG and SVG, the tables as CSV, `index.md` and
/// `index.html`. Returns the files written.
pub fn write_report(
    dir: &Path,
    input: &ReportInput<'_>,
    force: bool,
) -> Result<Vec<PathBuf>, ReportError> {
    let index = prepare_folder(dir, "index.html", force)?;
    let cap = caption(input.filter, input.views, input.table.len());
    let charts = charts(input.views, input.options, input.table, &cap);
    let mut written = Vec::new();
    for c in &charts {
        let p = dir.join(format!("{}.svg", c.name));
        write_atomic(&p, render_svg(c, input.chart_size)?.as_bytes(), force)?;
        written.push(p);
        let p = dir.join(format!("{}.png", c.name));
        write_atomic(
            &p,
            &render_png(c, input.chart_size, input.png_scale)?,
            force,
        )?;
        written.push(p);
    }
    let labels = input.context.labels.as_ref().map(|l| l.0.as_ref());
    let mut tables = tables(input.views, input.table, labels);
    let (more, rules) = context_tables(input.table, input.filter, input.context);
    tables.extend(more);
    for (name, text) in &tables {
        let p = dir.join(name);
        write_atomic(&p, text.as_bytes(), force)?;
        written.push(p);
    }
    let mut ix = Index::new(input, cap, &charts, &tables);
    ix.rules = rules;
    let p = dir.join("index.md");
    write_atomic(&p, ix.markdown().as_bytes(), force)?;
    written.push(p);
    write_atomic(&index, ix.html().as_bytes(), force)?;
    written.push(index);
    Ok(written)
}

/// What the index pages say.
struct Index<'a> {
    made: String,
    filter_text: String,
    sql: String,
    cap: String,
    totals: &'a Totals,
    /// (name, title) of each chart.
    charts: Vec<(String, String)>,
    /// Table file names.
    tables: Vec<String>,
    /// (path, bytes, SHA-256, records, skipped lines) of each input.
    inputs: Vec<(String, u64, String, u64, u64)>,
    records: usize,
    skipped: u64,
    /// What the context's rules say about the flows (empty without rules).
    rules: Vec<String>,
}

impl<'a> Index<'a> {
    fn new(
        input: &ReportInput<'a>,
        cap: String,
        charts: &[Chart],
        tables: &[(String, String)],
    ) -> Index<'a> {
        let inputs = input
            .table
            .files
            .iter()
            .map(|f| {
                let hash = sha256_file(&f.path).unwrap_or_else(|e| format!("unreadable: {e}"));
                let path = f.path.display().to_string();
                (path, f.bytes, hash, f.records, f.skipped.count)
            })
            .collect();
        let sql = crate::query::translate::athena_sql(
            input.filter,
            &["dstport".to_owned()],
            input.options.metric,
            input.options.top_n,
            input.context,
        );
        let filter_text = if *input.filter == Filter::All {
            "(none: all flows)".to_owned()
        } else {
            input.filter.to_string()
        };
        Index {
            made: format_epoch(input.now_secs),
            filter_text,
            sql,
            cap,
            totals: &input.views.totals,
            charts: charts
                .iter()
                .map(|c| (c.name.clone(), c.title.clone()))
                .collect(),
            tables: tables.iter().map(|(n, _)| n.clone()).collect(),
            inputs,
            records: input.table.len(),
            skipped: input.table.skipped(),
            rules: Vec::new(),
        }
    }

    /// `index.md`.
    fn markdown(&self) -> String {
        let ix = self;
        let t = ix.totals;
        let (made, filter_text, sql, cap) = (&ix.made, &ix.filter_text, &ix.sql, &ix.cap);
        let skipped = ix.skipped;
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# flowlens report\n\nMade {made}.\n\n## Filter\n\n```\n{filter_text}\n```\n"
        );
        let _ = writeln!(
            md,
            "Athena SQL (the same question, by destination port):\n\n```sql\n{sql}\n```\n"
        );
        let _ = writeln!(
            md,
            "## Totals\n\n| flows | packets | bytes | accepted | rejected | sources | destinations |\n|---|---|---|---|---|---|---|\n| {} | {} | {} | {} | {} | {} | {} |\n",
            t.counts.flows(),
            t.counts.packets(),
            t.counts.bytes(),
            t.accept,
            t.reject,
            t.distinct_src,
            t.distinct_dst
        );
        let _ = writeln!(md, "{cap}\n\n## Charts\n");
        for (name, title) in &ix.charts {
            let _ = writeln!(md, "![{title}]({name}.png)\n");
        }
        if !ix.rules.is_empty() {
            let _ = writeln!(md, "## Security groups and network ACLs\n");
            for line in &ix.rules {
                let _ = writeln!(md, "{line}\n");
            }
        }
        let _ = writeln!(md, "## Tables\n");
        for name in &ix.tables {
            let _ = writeln!(md, "- [{name}]({name})");
        }
        let _ = writeln!(
            md,
            "\n## Inputs\n\n{} records loaded, {skipped} lines skipped.\n\n| file | bytes | SHA-256 | records | skipped |\n|---|---|---|---|---|",
            ix.records
        );
        for (p, b, h, r, s) in &ix.inputs {
            let _ = writeln!(md, "| {p} | {b} | `{h}` | {r} | {s} |");
        }
        md
    }

    /// `index.html`.
    fn html(&self) -> String {
        let ix = self;
        let t = ix.totals;
        let (made, filter_text, sql, cap) = (&ix.made, &ix.filter_text, &ix.sql, &ix.cap);
        let skipped = ix.skipped;
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        let mut html = String::from(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>flowlens report</title><style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}pre{background:#f4f4f4;padding:.8em;overflow-x:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}img{max-width:100%}</style></head><body>",
        );
        let _ = write!(
            html,
            "<h1>flowlens report</h1><p>Made {made}.</p><h2>Filter</h2><pre>{}</pre>",
            esc(filter_text)
        );
        let _ = write!(
            html,
            "<p>Athena SQL (the same question, by destination port):</p><pre>{}</pre>",
            esc(sql)
        );
        let _ = write!(
            html,
            "<h2>Totals</h2><table><tr><th>flows</th><th>packets</th><th>bytes</th><th>accepted</th><th>rejected</th><th>sources</th><th>destinations</th></tr><tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table><p>{}</p><h2>Charts</h2>",
            t.counts.flows(),
            t.counts.packets(),
            t.counts.bytes(),
            t.accept,
            t.reject,
            t.distinct_src,
            t.distinct_dst,
            esc(cap)
        );
        for (name, title) in &ix.charts {
            let _ = write!(
                html,
                "<figure><img src=\"{name}.svg\" alt=\"{}\"></figure>",
                esc(title)
            );
        }
        if !ix.rules.is_empty() {
            html.push_str("<h2>Security groups and network ACLs</h2>");
            for line in &ix.rules {
                let _ = write!(html, "<p>{}</p>", esc(line));
            }
        }
        html.push_str("<h2>Tables</h2><ul>");
        for name in &ix.tables {
            let _ = write!(html, "<li><a href=\"{name}\">{name}</a></li>");
        }
        let _ = write!(
            html,
            "</ul><h2>Inputs</h2><p>{} records loaded, {skipped} lines skipped.</p><table><tr><th>file</th><th>bytes</th><th>SHA-256</th><th>records</th><th>skipped</th></tr>",
            ix.records
        );
        for (p, b, h, r, s) in &ix.inputs {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{b}</td><td><code>{h}</code></td><td>{r}</td><td>{s}</td></tr>",
                esc(p)
            );
        }
        html.push_str("</table></body></html>\n");
        html
    }
}
