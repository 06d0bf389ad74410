//! Layer 7: the desktop app, [`FlowApp`] (an `eframe::App`).
//!
//! Each frame has two phases, as eframe 0.37 splits them: [`FlowApp::logic`] polls the
//! background jobs (load, totals, queries, dialogs, exports), runs the [`Command`]s the views
//! queued during the previous frame and refreshes [`State::status`]; [`FlowApp::show`] lays the
//! views out from the [`State`] (`crate::ui`). Nothing here blocks: every load, computation and
//! file dialog runs on a named worker thread ([`job::Job`]) and wakes the UI with
//! `request_repaint` when done. The previous result stays on screen while a new one is computed.
//!
//! - [`logic`]: the logic phase and the polling of jobs.
//! - [`commands`]: what each command does.
//! - [`query`]: the filter history, queries on a worker thread and the recent results.
//! - [`dialogs`]: native file dialogs on worker threads.
//! - [`export`]: exports written on a worker thread.
//! - [`context`]: "Why rejected?" and the Rules tab, on worker threads.
//! - [`cloud`]: "Open from S3…", "Fetch context from AWS", "Run on Athena", on worker threads.
//! - [`native`]: the window, and persisted settings.
//!
//! May use: every layer below ([`crate::state`], `crate::ui` and everything under them).

mod cloud;
mod commands;
mod context;
mod dialogs;
mod export;
mod job;
mod logic;
mod native;
mod query;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use eframe::egui;

pub use crate::state::{Command, ExportTarget, Settings, State};
pub use dialogs::native_dialogs_available;
pub use native::{load_settings, run_native};

use crate::ingest::LoadHandle;
use crate::query::filter::Filter;
use crate::state::{Commands, Loaded, Shown};
use export::ExportJob;
use job::Job;

/// The application: the state the views see, and the machinery they do not.
pub struct FlowApp {
    /// What the views read and edit.
    pub state: State,
    commands: Commands,
    /// Everything asked to be loaded (a new Open adds to it).
    paths: Vec<PathBuf>,
    load: Option<LoadHandle>,
    /// When the current load started (for `FLOWLENS_FRAME_STATS`).
    load_started: Option<std::time::Instant>,
    summary_job: Option<Job<Loaded>>,
    /// The native open dialog running, and whether it picks a folder.
    dialog: Option<(Job<Option<Vec<PathBuf>>>, bool)>,
    /// Native file dialogs can be shown here (else flowlens's own).
    native_dialogs: bool,
    /// Where the in-app file dialog was last.
    last_dialog_dir: Option<PathBuf>,
    history: Vec<Filter>,
    history_pos: usize,
    query_job: Option<Job<Result<Shown, String>>>,
    query_wanted: bool,
    /// The unfiltered views with conversations, computed once per data set after its first views.
    warm_job: Option<Job<Result<Shown, String>>>,
    /// The warm-up ran (or runs) for this data set.
    warmed: bool,
    /// The last few results (most recent last): going back to one of them is instant. Cleared
    /// when the data or the VPC definition changes.
    recent: Vec<Arc<Shown>>,
    save_job: Option<(Job<Option<PathBuf>>, ExportTarget)>,
    export_job: Option<ExportJob>,
    /// "Why rejected?" or the Rules tab being computed.
    context_job: Option<Job<Result<context::ContextResult, String>>>,
    log_format: Option<Vec<crate::model::schema::Column>>,
    /// S3 listings and loads, context fetches and Athena runs.
    cloud: cloud::CloudJobs,
    /// Frame CPU times (seconds) since the last report, when `FLOWLENS_FRAME_STATS` is set.
    frame_times: Option<FrameStats>,
}

impl FlowApp {
    /// A new app; `paths` start loading at once.
    pub fn new(settings: Settings, paths: Vec<PathBuf>) -> FlowApp {
        let mut app = FlowApp {
            state: State::new(settings),
            commands: Commands::default(),
            paths: Vec::new(),
            load: None,
            load_started: None,
            summary_job: None,
            dialog: None,
            native_dialogs: dialogs::native_dialogs_available(&|k| std::env::var(k).ok()),
            last_dialog_dir: None,
            history: vec![Filter::All],
            history_pos: 0,
            query_job: None,
            query_wanted: false,
            warm_job: None,
            warmed: false,
            recent: Vec::new(),
            save_job: None,
            export_job: None,
            context_job: None,
            log_format: None,
            cloud: cloud::CloudJobs::default(),
            frame_times: std::env::var_os("FLOWLENS_FRAME_STATS").map(|_| FrameStats {
                frames: 0,
                query_started_at: 0,
                frame_began: std::time::Instant::now(),
                query_frame_began: std::time::Instant::now(),
                result_shown: false,
                cpu: Vec::new(),
                causes: std::collections::BTreeMap::new(),
                since: std::time::Instant::now(),
            }),
        };
        if !paths.is_empty() {
            app.commands.push(Command::Open(paths));
        }
        app.refresh_status();
        app
    }

    /// Whether a load (or its summary) is running.
    pub fn is_loading(&self) -> bool {
        self.load.is_some() || self.summary_job.is_some()
    }

    /// Whether views are being computed (the previous ones stay on screen meanwhile).
    pub fn is_querying(&self) -> bool {
        self.query_job.is_some() || self.query_wanted
    }

    /// Queues a command (as a view would).
    pub fn command(&mut self, cmd: Command) {
        self.commands.push(cmd);
    }

    /// Draws the whole window.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        crate::ui::window_ui(&mut self.state, &mut self.commands, ui);
    }

    /// Prints frame statistics every 5 s when `FLOWLENS_FRAME_STATS` is set: frames, their
    /// CPU time, and what asked for them (egui's repaint causes: with software rendering every
    /// frame costs the rasterizer's threads far more CPU than the frame itself).
    fn frame_stats(&mut self, ctx: &egui::Context, frame: &eframe::Frame) {
        let Some(FrameStats {
            frames,
            cpu,
            causes,
            since,
            query_frame_began,
            result_shown,
            ..
        }) = &mut self.frame_times
        else {
            return;
        };
        *frames += 1;
        if std::mem::take(result_shown) {
            eprintln!(
                "query: views laid out {:.0} ms after the frame that started the query began \
                 (painting follows)",
                query_frame_began.elapsed().as_secs_f64() * 1000.0
            );
        }
        let times = cpu;
        if let Some(cpu) = frame.info().cpu_usage {
            times.push(cpu);
        }
        for cause in ctx.repaint_causes() {
            *causes.entry(cause.to_string()).or_default() += 1;
        }
        if since.elapsed() >= Duration::from_secs(5) && !times.is_empty() {
            times.sort_by(f32::total_cmp);
            let at = |q: f64| {
                times
                    .get(((times.len() - 1) as f64 * q) as usize)
                    .copied()
                    .unwrap_or(0.0)
                    * 1000.0
            };
            eprintln!(
                "frames: {} in 5 s, cpu per frame median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                times.len(),
                at(0.5),
                at(0.99),
                at(1.0)
            );
            let mut top: Vec<(&String, &usize)> = causes.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1));
            for (cause, n) in top.into_iter().take(4) {
                eprintln!("frames: {n} asked for by {cause}");
            }
            times.clear();
            causes.clear();
            *since = std::time::Instant::now();
        }
    }
}

/// Frame statistics (`FLOWLENS_FRAME_STATS`): CPU seconds per frame and repaint causes since
/// the last report.
struct FrameStats {
    /// Frames drawn since the start, and that count when the running query started.
    frames: u64,
    query_started_at: u64,
    /// When this frame began, when the frame that started the running query began, and
    /// whether its result was put on screen this frame.
    frame_began: std::time::Instant,
    query_frame_began: std::time::Instant,
    result_shown: bool,
    cpu: Vec<f32>,
    causes: std::collections::BTreeMap<String, usize>,
    since: std::time::Instant,
}

impl eframe::App for FlowApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if let Some(stats) = &mut self.frame_times {
            stats.frame_began = std::time::Instant::now();
        }
        FlowApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.show(ui);
        let ctx = ui.ctx().clone();
        self.frame_stats(&ctx, frame);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        native::save_settings(storage, &self.state.settings);
    }
}
