//! Native file dialogs (rfd), each on a `flowlens-dialog` thread: the answer arrives as a job
//! result in the logic phase.

use std::path::PathBuf;

use eframe::egui;

use super::job::Job;
use super::{ExportTarget, FlowApp};

impl FlowApp {
    /// Asks for files (or a folder) to open.
    pub(super) fn open_dialog(&mut self, ctx: &egui::Context, folder: bool) {
        if self.dialog.is_some() {
            return;
        }
        match Job::spawn("flowlens-dialog", ctx, move || {
            let d = rfd::FileDialog::new();
            if folder {
                d.pick_folder().map(|p| vec![p])
            } else {
                d.pick_files()
            }
        }) {
            Ok(job) => self.dialog = Some(job),
            Err(e) => self.state.notifications.push(e),
        }
    }

    /// Asks where to write an export.
    pub(super) fn save_dialog(&mut self, ctx: &egui::Context, target: ExportTarget) {
        if self.save_job.is_some() || self.export_job.is_some() {
            self.state
                .notifications
                .push("An export is already running".into());
            return;
        }
        let t = target.clone();
        match Job::spawn("flowlens-dialog", ctx, move || save_path(&t)) {
            Ok(job) => self.save_job = Some((job, target)),
            Err(e) => self.state.notifications.push(e),
        }
    }
}

/// The native save dialog for an export target (blocks its thread until answered).
fn save_path(target: &ExportTarget) -> Option<PathBuf> {
    let d = rfd::FileDialog::new();
    match target {
        ExportTarget::Report => d.set_title("Folder for the report").pick_folder(),
        ExportTarget::Chart(name) => d
            .set_file_name(format!("{name}.png"))
            .add_filter("PNG image", &["png"])
            .add_filter("SVG image", &["svg"])
            .save_file(),
        ExportTarget::Table(name) => d
            .set_file_name(name.as_str())
            .add_filter("CSV", &["csv"])
            .save_file(),
        ExportTarget::Records => d
            .set_file_name("flows.csv")
            .add_filter("CSV", &["csv"])
            .add_filter("JSON lines", &["jsonl"])
            .add_filter("Parquet", &["parquet"])
            .save_file(),
    }
}
