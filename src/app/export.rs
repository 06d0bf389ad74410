//! Exports started from the app: what to write, and the job that writes it.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::FlowApp;
use super::job::Job;

/// What to export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportTarget {
    /// The whole report folder.
    Report,
    /// One chart (`ports`, `timeline`, `protocols`, `actions`, `sources`) as PNG or SVG.
    Chart(String),
    /// One table (`sources.csv`, …) as CSV.
    Table(String),
    /// The filtered records (CSV, JSONL or Parquet by extension).
    Records,
}

/// A running export: the job, what it writes and where.
pub(crate) type ExportJob = (
    Job<Result<String, crate::data::export::ExportError>>,
    ExportTarget,
    PathBuf,
);

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
        use crate::data::export::{self, ExportError, ReportInput};
        let (Some(shown), Some(loaded)) = (self.shown.clone(), self.loaded.as_ref()) else {
            self.notifications.push("Nothing to export yet".into());
            return;
        };
        let table = loaded.table.clone();
        let qctx = self.query_context.clone();
        let size = self.chart_size();
        let (job_target, job_path) = (target.clone(), path.clone());
        let job = Job::spawn(
            "flowlens-export",
            ctx,
            move || -> Result<String, ExportError> {
                let cap = export::caption(&shown.filter, &shown.views, table.len());
                match target {
                    ExportTarget::Report => {
                        let now = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0, |d| d.as_secs());
                        let input = ReportInput {
                            table: &table,
                            filter: &shown.filter,
                            views: &shown.views,
                            options: &shown.options,
                            context: &qctx,
                            now_secs: now,
                            chart_size: size,
                            png_scale: 2,
                        };
                        let files = export::write_report(&path, &input, force)?;
                        Ok(format!(
                            "Report written: {} files in {}",
                            files.len(),
                            path.display()
                        ))
                    }
                    ExportTarget::Chart(name) => {
                        let chart = export::charts(&shown.views, &shown.options, &table, &cap)
                            .into_iter()
                            .find(|c| c.name == name)
                            .ok_or_else(|| {
                                ExportError::Draw(name.clone(), "no such chart".into())
                            })?;
                        let svg = path
                            .extension()
                            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
                        let bytes = if svg {
                            export::render_svg(&chart, size)?.into_bytes()
                        } else {
                            export::render_png(&chart, size, 2)?
                        };
                        export::write_atomic(&path, &bytes, force)?;
                        Ok(format!("Chart written to {}", path.display()))
                    }
                    ExportTarget::Table(name) => {
                        let text = export::tables(&shown.views, &table)
                            .into_iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, t)| t)
                            .unwrap_or_default();
                        export::write_atomic(&path, text.as_bytes(), force)?;
                        Ok(format!("Table written to {}", path.display()))
                    }
                    ExportTarget::Records => {
                        use crate::data::output::{RowFormat, write_rows};
                        let format = match path.extension().and_then(|e| e.to_str()) {
                            Some("jsonl" | "json") => RowFormat::Jsonl,
                            Some("parquet") => RowFormat::Parquet,
                            _ => RowFormat::Csv,
                        };
                        if !force && path.exists() {
                            return Err(ExportError::Exists(path));
                        }
                        let rows = shown.selection.rows();
                        let io_err = |source| ExportError::Io {
                            path: path.clone(),
                            source,
                        };
                        let dir = path
                            .parent()
                            .filter(|d| !d.as_os_str().is_empty())
                            .unwrap_or(Path::new("."));
                        let tmp = dir.join(format!(".flowlens-export.tmp-{}", std::process::id()));
                        let result = std::fs::File::create(&tmp)
                            .and_then(|mut f| write_rows(&table.df, Some(&rows), format, &mut f))
                            .and_then(|()| std::fs::rename(&tmp, &path));
                        if result.is_err() {
                            std::fs::remove_file(&tmp).ok();
                        }
                        result.map_err(io_err)?;
                        Ok(format!(
                            "{} records written to {}",
                            rows.len(),
                            path.display()
                        ))
                    }
                }
            },
        );
        match job {
            Ok(job) => self.export_job = Some((job, job_target, job_path)),
            Err(e) => self.notifications.push(e),
        }
    }
}
