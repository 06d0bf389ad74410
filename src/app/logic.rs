//! The logic phase of a frame: shortcuts and dropped files, the jobs polled, the queued commands
//! run, a query started if one is wanted, and the status the views read.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use eframe::egui;

use super::dialogs::NO_NATIVE_ANSWER;
use super::job::Job;
use super::{Command, ExportTarget, FlowApp};
use crate::fmt::{human_bytes, human_count};
use crate::ingest::LoadError;
use crate::query::QueryContext;
use crate::query::filter::parse_cidr_list;
use crate::report::ReportError;
use crate::state::{DialogPurpose, FormatPrompt, Loaded};

/// Why the in-app dialog shows after a native one answered nothing.
const NO_ANSWER: &str =
    "No system file dialog appeared (no file-chooser portal or zenity answered): flowlens's own.";

impl FlowApp {
    /// Polls jobs and runs queued commands (no drawing).
    pub fn logic(&mut self, ctx: &egui::Context) {
        self.input(ctx);
        self.poll_load(ctx);
        self.poll_summary();
        self.poll_query(ctx);
        self.poll_warm();
        self.poll_dialogs(ctx);
        self.poll_context();
        self.poll_cloud(ctx);
        for cmd in self.commands.take() {
            self.run(cmd, ctx);
        }
        self.start_query(ctx);
        self.want_rules(ctx);
        self.want_named_talkers(ctx);
        if self.load.is_some() {
            // The progress line at 3 frames a second: with software rendering each frame takes
            // CPU from the parse workers (20 a second made the load ~1.5x slower than headless,
            // 4 a second 1.07-1.13x).
            ctx.request_repaint_after(Duration::from_millis(333));
        }
        self.refresh_status();
    }

    /// Dropped files and the window-wide shortcuts.
    fn input(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if !dropped.is_empty() {
            self.commands.push(Command::Open(dropped));
        }
        if ctx.input(|i| i.key_pressed(egui::Key::Escape)) && self.load.is_some() {
            self.commands.push(Command::CancelLoad);
        }
        if ctx.input(|i| i.modifiers.command && i.key_pressed(egui::Key::O)) {
            self.commands.push(Command::OpenDialog { folder: false });
        }
        if ctx.input(|i| i.modifiers.alt && i.key_pressed(egui::Key::ArrowLeft)) {
            self.commands.push(Command::Back);
        }
        if ctx.input(|i| i.modifiers.alt && i.key_pressed(egui::Key::ArrowRight)) {
            self.commands.push(Command::Forward);
        }
    }

    /// What the views read of the jobs.
    pub(super) fn refresh_status(&mut self) {
        let (progress, loading, querying) =
            (self.progress(), self.is_loading(), self.is_querying());
        let status = &mut self.state.status;
        status.loading = loading;
        status.querying = querying;
        status.can_back = self.history_pos > 0;
        status.can_forward = self.history_pos + 1 < self.history.len();
        status.progress = progress;
    }

    /// Load progress: (fraction, label), if loading.
    fn progress(&self) -> Option<(f32, String)> {
        if self.summary_job.is_some() && self.load.is_none() {
            return Some((1.0, "Computing totals…".into()));
        }
        let load = self.load.as_ref()?;
        let p = load.progress();
        let done = p.bytes_done.load(Relaxed);
        let total = p.bytes_total.load(Relaxed).max(1);
        let records = p.records.load(Relaxed);
        let secs = load.started().elapsed().as_secs_f64().max(0.001);
        let frac = (done as f64 / total as f64).min(1.0);
        let left = if frac > 0.02 {
            secs / frac - secs
        } else {
            f64::NAN
        };
        let mut label = format!(
            "{} of {} · {} records · {:.0} MB/s · {} left · file {} of {}",
            human_bytes(done),
            human_bytes(total),
            human_count(records),
            done as f64 / secs / 1e6,
            if left.is_finite() {
                format!("{left:.0} s")
            } else {
                "…".into()
            },
            p.files_done.load(Relaxed),
            p.files_total.load(Relaxed),
        );
        let objects = p.objects_total.load(Relaxed);
        if objects > 0 {
            let fetched = p.bytes_fetched.load(Relaxed);
            label.push_str(&format!(
                " · S3: {} of {} downloaded or cached ({} objects)",
                human_bytes(fetched),
                human_bytes(total),
                human_count(objects)
            ));
        }
        Some((frac as f32, label))
    }

    /// A finished load starts the totals (a new data set with its own query caches).
    fn poll_load(&mut self, ctx: &egui::Context) {
        let Some(result) = self.load.as_ref().and_then(|l| l.try_result()) else {
            return;
        };
        self.load = None;
        match result {
            Ok(table) => {
                let table = Arc::new(table);
                match Job::spawn("flowlens-summary", ctx, move || Loaded::new(table)) {
                    Ok(job) => self.summary_job = Some(job),
                    Err(e) => self.state.notifications.push(e),
                }
            }
            Err(LoadError::Cancelled) => {
                self.state.notifications.push("Loading cancelled".into());
            }
            Err(e) => self
                .state
                .notifications
                .push(format!("Loading failed: {e}")),
        }
    }

    /// Finished totals replace what is on screen.
    fn poll_summary(&mut self) {
        let Some(result) = self.summary_job.as_mut().and_then(Job::poll) else {
            return;
        };
        self.summary_job = None;
        match result {
            Ok(loaded) => {
                if self.frame_times.is_some() {
                    eprintln!(
                        "load: {} records in {:.3} s (read {:.3} s, then totals)",
                        loaded.table.len(),
                        self.load_started.map_or(0.0, |t| t.elapsed().as_secs_f64()),
                        loaded.table.load_secs
                    );
                }
                for f in loaded.table.broken_files() {
                    self.state.notifications.push(format!(
                        "{}\nFile path: {}",
                        f.error.as_deref().unwrap_or("error"),
                        f.path.display()
                    ));
                }
                if self.log_format.is_none() {
                    self.state.format_prompt = FormatPrompt::for_table(&loaded.table);
                }
                self.state.query_context = query_context(&self.state.settings, &loaded);
                self.state.loaded = Some(loaded);
                self.forget_results();
                self.query_wanted = true;
            }
            Err(e) => self.state.notifications.push(e),
        }
    }

    /// File dialogs that were answered, and exports that finished.
    fn poll_dialogs(&mut self, ctx: &egui::Context) {
        if let Some((job, _)) = &mut self.save_job
            && let Some(result) = job.poll()
        {
            let quick = job.age() < NO_NATIVE_ANSWER;
            let target = self.save_job.take().map(|(_, t)| t);
            match (result, target) {
                (Ok(Some(path)), Some(target)) => self.start_export(ctx, target, path, false),
                // Nothing, faster than anyone can cancel: no dialog showed. Ours instead.
                (Ok(None), Some(target)) if quick => {
                    self.native_dialogs = false;
                    self.builtin_dialog(DialogPurpose::Save(target), NO_ANSWER);
                }
                (Ok(_), _) => {}
                (Err(e), _) => self.state.notifications.push(e),
            }
        }
        if let Some((job, _, _)) = &mut self.export_job
            && let Some(result) = job.poll()
        {
            let (target, path) = match self.export_job.take() {
                Some((_, t, p)) => (t, p),
                None => (ExportTarget::Report, PathBuf::new()),
            };
            match result {
                Ok(Ok(msg)) => self.state.notifications.push(msg),
                Ok(Err(ReportError::Exists(_))) => {
                    self.state.confirm_replace = Some((target, path));
                }
                Ok(Err(e)) => self.state.notifications.push(format!("Export failed: {e}")),
                Err(e) => self.state.notifications.push(e),
            }
        }
        if let Some((job, folder)) = &mut self.dialog
            && let Some(result) = job.poll()
        {
            let quick = job.age() < NO_NATIVE_ANSWER;
            let folder = *folder;
            self.dialog = None;
            match result {
                Ok(Some(paths)) if !paths.is_empty() => self.commands.push(Command::Open(paths)),
                Ok(None) if quick => {
                    self.native_dialogs = false;
                    self.builtin_dialog(DialogPurpose::Open { folder }, NO_ANSWER);
                }
                Ok(_) => {}
                Err(e) => self.state.notifications.push(e),
            }
        }
    }
}

/// The query context of a data set: its labels, and what is inside the VPC (the user's setting,
/// else the context's VPC CIDRs, else RFC 1918).
fn query_context(settings: &crate::state::Settings, loaded: &Loaded) -> QueryContext {
    let mut ctx = QueryContext::with_labels(loaded.labels.clone());
    if let Ok(nets) = parse_cidr_list(&settings.vpc_cidrs)
        && !nets.is_empty()
    {
        ctx.vpc = nets;
    }
    ctx
}
