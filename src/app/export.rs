//! Exports started from the app, written on a `flowlens-export` thread with the same report
//! writers as the CLI.

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;

use super::FlowApp;
use super::job::Job;
use crate::model::FlowTable;
use crate::query::{QueryContext, ViewCache, compute_views};
use crate::report::rows::{RowFormat, write_rows};
use crate::report::{self, ReportError, ReportInput};
use crate::state::{ExportTarget, Shown};

/// A running export: the job, what it writes and where.
pub(super) type ExportJob = (Job<Result<String, ReportError>>, ExportTarget, PathBuf);

/// What an export is made of.
struct Export {
    shown: Arc<Shown>,
    table: Arc<FlowTable>,
    cache: Arc<ViewCache>,
    context: QueryContext,
    chart_size: (u32, u32),
    path: PathBuf,
    force: bool,
    /// What Athena answered for the same filter ("Run on Athena…"): the report has it in
    /// `athena/`.
    athena: Vec<crate::state::AthenaView>,
}

impl FlowApp {
    /// Writes an export on a named thread. An existing file (or report) is not replaced unless
    /// `force`: the app asks first and calls again with `force` if the user agrees.
    pub fn start_export(
        &mut self,
        ctx: &egui::Context,
        target: ExportTarget,
        path: PathBuf,
        force: bool,
    ) {
        let (Some(shown), Some(loaded)) = (self.state.shown.clone(), self.state.loaded.as_ref())
        else {
            self.state
                .notifications
                .push("Nothing to export yet".into());
            return;
        };
        let export = Export {
            shown,
            table: loaded.table.clone(),
            cache: loaded.cache.clone(),
            context: self.state.query_context.clone(),
            chart_size: self.state.settings.chart_size(),
            path: path.clone(),
            force,
            athena: if self.state.athena.filter == self.state.filter.to_string() {
                self.state.athena.views.clone()
            } else {
                Vec::new()
            },
        };
        let job_target = target.clone();
        match Job::spawn("flowlens-export", ctx, move || export.write(&target)) {
            Ok(job) => self.export_job = Some((job, job_target, path)),
            Err(e) => self.state.notifications.push(e),
        }
    }
}

impl Export {
    /// Writes the target; the message says what was written.
    fn write(&self, target: &ExportTarget) -> Result<String, ReportError> {
        let path = &self.path;
        match target {
            ExportTarget::Report => {
                let mut files = self.report()?;
                let athena = if self.athena.is_empty() {
                    ""
                } else {
                    files.extend(self.athena_results()?);
                    " (Athena's answers in athena/)"
                };
                Ok(format!(
                    "Report written: {} files in {}{athena}",
                    files.len(),
                    path.display()
                ))
            }
            ExportTarget::Chart(name) => {
                self.chart(name)?;
                Ok(format!("Chart written to {}", path.display()))
            }
            ExportTarget::Table(name) => {
                let labels = self.context.labels.as_ref().map(|l| l.0.as_ref());
                let text = report::tables(&self.shown.views, &self.table, labels)
                    .into_iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, t)| t)
                    .unwrap_or_default();
                report::write_atomic(path, text.as_bytes(), self.force)?;
                Ok(format!("Table written to {}", path.display()))
            }
            ExportTarget::Records => {
                let n = self.records()?;
                Ok(format!("{n} records written to {}", path.display()))
            }
        }
    }

    /// The report folder, with every view the CLI's report has: conversations are computed
    /// here when their tab was not open (the screen's views leave them out).
    fn report(&self) -> Result<Vec<PathBuf>, ReportError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let shown = &self.shown;
        let mut options = shown.options.clone();
        let computed;
        let views = if options.with_conversations {
            &shown.views
        } else {
            options.with_conversations = true;
            computed = compute_views(&self.table, &self.cache, &shown.selection, &options);
            &computed
        };
        let input = ReportInput {
            table: &self.table,
            filter: &shown.filter,
            views,
            options: &options,
            context: &self.context,
            now_secs: now,
            chart_size: self.chart_size,
            png_scale: 2,
        };
        report::write_report(&self.path, &input, self.force)
    }

    /// Athena's answers, in the report's `athena/` folder (what `athena run --out` writes).
    fn athena_results(&self) -> Result<Vec<PathBuf>, ReportError> {
        use crate::report::athena::{AthenaAnswer, AthenaFolder, write_athena_results};
        let answers: Vec<AthenaAnswer<'_>> = self
            .athena
            .iter()
            .map(|v| AthenaAnswer {
                name: &v.name,
                sql: &v.sql,
                state: &v.state,
                reason: v.reason.as_deref(),
                scanned: v.scanned,
                millis: v.millis,
                columns: &v.columns,
                rows: &v.rows,
            })
            .collect();
        let filter = if self.shown.filter == crate::query::filter::Filter::All {
            String::new()
        } else {
            self.shown.filter.to_string()
        };
        let folder = AthenaFolder {
            filter: &filter,
            now_secs: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            options: &self.shown.options,
            chart_size: self.chart_size,
            png_scale: 2,
        };
        write_athena_results(&self.path.join("athena"), &answers, &folder, self.force)
    }

    /// One chart, as SVG or PNG by the file's extension.
    fn chart(&self, name: &str) -> Result<(), ReportError> {
        let shown = &self.shown;
        let cap = report::caption(&shown.filter, &shown.views, self.table.len());
        let chart = report::charts(&shown.views, &shown.options, &self.table, &cap)
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| ReportError::Draw(name.to_owned(), "no such chart".into()))?;
        let svg = self
            .path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        let bytes = if svg {
            report::render_svg(&chart, self.chart_size)?.into_bytes()
        } else {
            report::render_png(&chart, self.chart_size, 2)?
        };
        report::write_atomic(&self.path, &bytes, self.force)
    }

    /// The selected records, in the format of the file's extension; returns how many.
    fn records(&self) -> Result<usize, ReportError> {
        let format = match self.path.extension().and_then(|e| e.to_str()) {
            Some("jsonl" | "json") => RowFormat::Jsonl,
            Some("parquet") => RowFormat::Parquet,
            _ => RowFormat::Csv,
        };
        let rows = self.shown.selection.rows();
        // With context, the records carry their names, as `flowlens rows --context` writes them.
        let labelled = match &self.context.labels {
            Some(l) => Some(
                report::labels::with_label_columns(&self.table, &l.0).map_err(|e| {
                    ReportError::Io {
                        path: self.path.clone(),
                        source: std::io::Error::other(format!("labelling the records: {e}")),
                    }
                })?,
            ),
            None => None,
        };
        let df = labelled.as_ref().unwrap_or(&self.table.df);
        report::write_atomic_with(&self.path, self.force, |f| {
            write_rows(df, Some(&rows), format, f)
        })?;
        Ok(rows.len())
    }
}
