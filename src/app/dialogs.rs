//! File dialogs: the native one (rfd) on a `flowlens-dialog` thread, its answer arriving as a job
//! result in the logic phase; flowlens's own ([`FileDialog`], drawn by `ui::file_dialog`) where no
//! native one can answer: no file-chooser portal (no D-Bus session) and no zenity, or a native
//! dialog that "answered" nothing faster than anyone can click.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::job::Job;
use super::{Command, ExportTarget, FlowApp};
use crate::state::{DialogEntry, DialogPurpose, FileDialog};

/// Why the in-app dialog shows.
pub(super) const NO_NATIVE: &str =
    "This desktop offers no file dialog (no file-chooser portal, no zenity): flowlens's own.";

/// A native dialog that returns nothing sooner than this did not show (nobody cancels a dialog
/// this fast).
pub(super) const NO_NATIVE_ANSWER: std::time::Duration = std::time::Duration::from_millis(300);

/// Whether a native file dialog can be shown: always on Windows and macOS; on Linux and the
/// BSDs, rfd asks the XDG file-chooser portal over the D-Bus session bus, then zenity.
pub fn native_dialogs_available(env: &dyn Fn(&str) -> Option<String>) -> bool {
    if !cfg!(unix) || cfg!(target_os = "macos") {
        return true;
    }
    if let Some(choice) = env("FLOWLENS_FILE_DIALOG") {
        return choice != "builtin";
    }
    let bus = env("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
    let zenity = env("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join("zenity").is_file()));
    bus || zenity
}

/// The entries of a folder: folders first, then files, by name; hidden entries left out.
fn list_dir(dir: &Path) -> Result<Vec<DialogEntry>, String> {
    let read = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut entries: Vec<DialogEntry> = read
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                return None;
            }
            let meta = std::fs::metadata(e.path()).ok()?;
            Some(DialogEntry {
                name,
                is_dir: meta.is_dir(),
                bytes: meta.len(),
            })
        })
        .collect();
    entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.name.cmp(&b.name)));
    Ok(entries)
}

impl FlowApp {
    /// Whether native file dialogs are used (set at start from the platform; tests and
    /// `FLOWLENS_FILE_DIALOG=builtin` turn them off).
    pub fn set_native_dialogs(&mut self, on: bool) {
        self.native_dialogs = on;
    }

    /// Opens flowlens's own dialog for `purpose`, in the folder of the last one (else the
    /// working folder).
    pub(super) fn builtin_dialog(&mut self, purpose: DialogPurpose, note: &str) {
        let dir = self
            .last_dialog_dir
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"));
        let file_name = match &purpose {
            DialogPurpose::Save(ExportTarget::Chart(name)) => format!("{name}.png"),
            DialogPurpose::Save(ExportTarget::Table(name)) => name.clone(),
            DialogPurpose::Save(ExportTarget::Records) => "flows.csv".into(),
            _ => String::new(),
        };
        self.state.file_dialog = Some(FileDialog {
            purpose,
            dir: dir.clone(),
            entries: Vec::new(),
            selected: Vec::new(),
            file_name,
            path_text: String::new(),
            error: None,
            note: note.to_owned(),
        });
        self.dialog_go(dir);
    }

    /// Closes the in-app dialog without an answer.
    pub(super) fn dialog_cancel(&mut self) {
        self.last_dialog_dir = self.state.file_dialog.take().map(|d| d.dir);
    }

    /// Shows folder `dir` in the in-app dialog.
    pub(super) fn dialog_go(&mut self, dir: PathBuf) {
        let Some(d) = &mut self.state.file_dialog else {
            return;
        };
        match list_dir(&dir) {
            Ok(entries) => {
                d.path_text = dir.display().to_string();
                d.dir = dir;
                d.entries = entries;
                d.selected.clear();
                d.error = None;
            }
            Err(e) => d.error = Some(e),
        }
    }

    /// Answers the in-app dialog with what is picked.
    pub(super) fn dialog_accept(&mut self, ctx: &egui::Context) {
        let Some(d) = &self.state.file_dialog else {
            return;
        };
        let Some(paths) = d.answer() else {
            if let Some(d) = &mut self.state.file_dialog {
                d.error = Some("Pick a file first (or type a file name).".into());
            }
            return;
        };
        let purpose = d.purpose.clone();
        self.last_dialog_dir = self.state.file_dialog.take().map(|d| d.dir);
        match purpose {
            DialogPurpose::Open { .. } => self.commands.push(Command::Open(paths)),
            DialogPurpose::Save(target) => {
                if let Some(path) = paths.into_iter().next() {
                    self.start_export(ctx, target, path, false);
                }
            }
        }
    }

    /// Asks for files (or a folder) to open.
    pub(super) fn open_dialog(&mut self, ctx: &egui::Context, folder: bool) {
        if self.dialog.is_some() || self.state.file_dialog.is_some() {
            return;
        }
        if !self.native_dialogs {
            self.builtin_dialog(DialogPurpose::Open { folder }, NO_NATIVE);
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
            Ok(job) => {
                self.dialog = Some((job, folder));
            }
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
        if !self.native_dialogs {
            self.builtin_dialog(DialogPurpose::Save(target), NO_NATIVE);
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
