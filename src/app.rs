//! The desktop app: eframe entry point and [`FlowApp`].
//!
//! `logic` polls background jobs (load, summary, file dialogs) and runs queued commands; `ui` lays
//! out the panels from the current state. Nothing here blocks: every load, computation and file
//! dialog runs on a named worker thread and wakes the UI with `request_repaint` when done. The
//! previous result stays on screen while a new one is computed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use eframe::egui;

mod export;
mod job;

use export::ExportJob;
pub use export::ExportTarget;
use job::Job;

use crate::data::filter::{self, Filter};
use crate::data::query::{QueryContext, ViewOptions, Views, compute_views, select};
use crate::data::recipes::{Recipe, TalkersTab};
use crate::data::summary::Summary;
use crate::data::{FlowTable, LoadHandle, LoadOptions};

/// Parses a comma- or space-separated CIDR list; the error names the bad entry and why.
pub fn parse_cidr_list(text: &str) -> Result<Vec<ipnet::IpNet>, String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| filter::parse_net(t, 0).map_err(|e| e.message))
        .collect()
}

/// Key under which settings are persisted.
const SETTINGS_KEY: &str = "flowlens-settings";

/// The bundled sample, relative to the working directory (`cargo run` from the repository).
pub const SAMPLE_DIR: &str = "assets/sample";

/// Where the bundled sample is: the working directory's `assets/sample`, else the one in the
/// source tree this binary was built from.
pub fn sample_path() -> PathBuf {
    let local = PathBuf::from(SAMPLE_DIR);
    if local.exists() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SAMPLE_DIR)
    }
}

/// Persisted settings (no data, no handles).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Light theme instead of dark.
    pub light: bool,
    /// Recently opened paths, newest first.
    pub recent: Vec<PathBuf>,
    /// What counts as inside the VPC (CIDRs as text; empty = RFC 1918).
    pub vpc_cidrs: String,
    /// Exported chart size in points (0 = default 900x480).
    pub chart_size: (u32, u32),
}

/// What the UI asks for; executed at the end of the frame.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Load these paths, adding to what is loaded.
    Open(Vec<PathBuf>),
    /// Show a native file dialog (files or a folder).
    OpenDialog {
        /// Pick a folder instead of files.
        folder: bool,
    },
    /// Cancel the running load.
    CancelLoad,
    /// Forget everything loaded.
    CloseAll,
    /// Replace the filter (recorded in the history).
    SetFilter(Filter),
    /// Parse the filter bar's text and apply it.
    ApplyFilterText,
    /// Add a condition to the filter (`and`).
    AddCondition(Filter),
    /// Add `not condition` to the filter.
    Exclude(Filter),
    /// Remove top-level condition `i`.
    RemoveCondition(usize),
    /// Previous filter in the history.
    Back,
    /// Next filter in the history.
    Forward,
    /// Change what the views show.
    SetViewOptions(ViewOptions),
    /// Set the VPC CIDRs (already validated).
    SetVpc(Vec<ipnet::IpNet>),
    /// Load everything again with this layout for lines before any header.
    ReloadWithFormat(Vec<crate::data::schema::Column>),
    /// Close the log-format prompt.
    DismissFormatPrompt,
    /// Ask where, then export something of the current view.
    Export(ExportTarget),
    /// Write the export again, replacing what is there (after the user agreed).
    Replace(ExportTarget, PathBuf),
    /// Copy the current view's question as Athena SQL (or Logs Insights) to the clipboard.
    CopyQuery {
        /// Logs Insights instead of Athena SQL.
        insights: bool,
    },
    /// Run a recipe: its filter and its view.
    Recipe(&'static Recipe),
}

/// Results kept for going back (each holds a selection mask: one byte per record).
const RECENT_RESULTS: usize = 4;

/// Views of one filter, as shown on screen.
pub struct Shown {
    /// The filter they are for.
    pub filter: Filter,
    /// The options they were computed with.
    pub options: ViewOptions,
    /// The views.
    pub views: Views,
    /// Time the query took.
    pub millis: f64,
    /// The selected rows (for the records table).
    pub selection: crate::data::query::Selection,
    /// Index into `selection`.
    pub rows: crate::data::query::RowIndex,
}

/// A loaded data set with its totals.
pub struct Loaded {
    /// The flows.
    pub table: Arc<FlowTable>,
    /// Whole-table totals.
    pub summary: Summary,
}

/// The application state.
pub struct FlowApp {
    /// Persisted settings.
    pub settings: Settings,
    paths: Vec<PathBuf>,
    load: Option<LoadHandle>,
    summary_job: Option<Job<Loaded>>,
    dialog: Option<Job<Option<Vec<PathBuf>>>>,
    /// What is loaded (kept on screen while a reload runs).
    pub loaded: Option<Loaded>,
    /// Notifications not yet dismissed (shown once each).
    pub notifications: Vec<String>,
    commands: Vec<Command>,
    show_skipped: bool,
    /// The applied filter.
    pub filter: Filter,
    /// The filter bar's text (may differ from `filter` while being edited).
    pub filter_text: String,
    /// Why the filter bar's text does not parse.
    pub filter_error: Option<String>,
    history: Vec<Filter>,
    history_pos: usize,
    /// What the views show.
    pub view_options: ViewOptions,
    /// The talkers table's tab.
    pub talkers_tab: TalkersTab,
    /// Top talkers listed by address instead of by the metric.
    pub talkers_by_address: bool,
    /// Show the records table instead of the top talkers.
    pub show_records: bool,
    /// What counts as inside the VPC.
    pub query_context: QueryContext,
    /// The views on screen (kept while a newer query runs).
    pub shown: Option<Arc<Shown>>,
    query_job: Option<Job<Result<Shown, String>>>,
    query_wanted: bool,
    /// The last few results (most recent last): going back to one of them is instant. Cleared
    /// when the data or the VPC definition changes.
    recent: Vec<Arc<Shown>>,
    /// Edit buffers of the quick-filter panel.
    pub panel: PanelEdits,
    save_job: Option<(Job<Option<PathBuf>>, ExportTarget)>,
    export_job: Option<ExportJob>,
    /// An export whose file (or report folder) already exists: ask before replacing it.
    pub confirm_replace: Option<(ExportTarget, PathBuf)>,
    /// A headerless file whose lines do not fit the layout: ask for the log format.
    pub format_prompt: Option<FormatPrompt>,
    log_format: Option<Vec<crate::data::schema::Column>>,
    /// Frame CPU times (seconds) since the last report, when `FLOWLENS_FRAME_STATS` is set.
    frame_times: Option<(Vec<f32>, std::time::Instant)>,
}

/// The log-format question for headerless files in another layout.
#[derive(Clone, Debug)]
pub struct FormatPrompt {
    /// The file.
    pub path: PathBuf,
    /// Its first lines (as skipped).
    pub preview: Vec<String>,
    /// The format being typed (prefilled with a guess from the field count).
    pub text: String,
}

impl FormatPrompt {
    /// A prompt for the first file whose skipped lines are mostly field-count mismatches.
    pub fn for_table(table: &FlowTable) -> Option<FormatPrompt> {
        use crate::data::parse::SkipReason;
        let f = table.files.iter().find(|f| {
            f.skipped.count > f.records
                && f.skipped
                    .examples
                    .iter()
                    .all(|e| matches!(e.reason, SkipReason::FieldCount { .. }))
        })?;
        let found = f.skipped.examples.iter().find_map(|e| match e.reason {
            SkipReason::FieldCount { found, .. } => Some(found),
            _ => None,
        })?;
        Some(FormatPrompt {
            path: f.path.clone(),
            preview: f
                .skipped
                .examples
                .iter()
                .take(3)
                .map(|e| e.text.clone())
                .collect(),
            text: crate::data::schema::guess_format(found).unwrap_or_default(),
        })
    }
}

/// What the quick-filter panel is editing.
#[derive(Clone, Debug)]
pub struct PanelEdits {
    /// VPC CIDRs being typed.
    pub vpc_text: String,
    /// CIDRs for an include/exclude condition.
    pub cidr_text: String,
    /// Which address the CIDRs apply to.
    pub cidr_field: filter::AddrField,
    /// Port range being typed.
    pub port_from: u16,
    /// End of the port range.
    pub port_to: u16,
    /// Which port the range applies to.
    pub port_field: filter::PortField,
    /// Search text of each picker (interface, account, VPC, subnet).
    pub picker_search: [String; 4],
}

impl FlowApp {
    /// A new app; `paths` start loading at once.
    pub fn new(settings: Settings, paths: Vec<PathBuf>) -> FlowApp {
        let query_context = match parse_cidr_list(&settings.vpc_cidrs) {
            Ok(nets) if !nets.is_empty() => QueryContext { vpc: nets },
            _ => QueryContext::default(),
        };
        let vpc_text = settings.vpc_cidrs.clone();
        let mut app = FlowApp {
            settings,
            paths: Vec::new(),
            load: None,
            summary_job: None,
            dialog: None,
            loaded: None,
            notifications: Vec::new(),
            commands: Vec::new(),
            show_skipped: false,
            filter: Filter::All,
            filter_text: String::new(),
            filter_error: None,
            history: vec![Filter::All],
            history_pos: 0,
            view_options: ViewOptions {
                with_conversations: false,
                ..ViewOptions::default()
            },
            talkers_tab: TalkersTab::Sources,
            talkers_by_address: false,
            show_records: false,
            panel: PanelEdits {
                vpc_text,
                cidr_text: String::new(),
                cidr_field: filter::AddrField::Either,
                port_from: 22,
                port_to: 22,
                port_field: filter::PortField::Dst,
                picker_search: Default::default(),
            },
            format_prompt: None,
            log_format: None,
            save_job: None,
            export_job: None,
            confirm_replace: None,
            frame_times: std::env::var_os("FLOWLENS_FRAME_STATS")
                .map(|_| (Vec::new(), std::time::Instant::now())),
            query_context,
            shown: None,
            query_job: None,
            recent: Vec::new(),
            query_wanted: false,
        };
        if !paths.is_empty() {
            app.commands.push(Command::Open(paths));
        }
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

    /// Whether there is an earlier / a later filter in the history.
    pub fn can_go(&self) -> (bool, bool) {
        (
            self.history_pos > 0,
            self.history_pos + 1 < self.history.len(),
        )
    }

    fn set_filter(&mut self, f: Filter) {
        if f != self.filter {
            self.history.truncate(self.history_pos + 1);
            self.history.push(f.clone());
            self.history_pos = self.history.len() - 1;
        }
        self.show_filter(f);
    }

    /// Moves to entry `pos` of the filter history and shows it (Back / Forward).
    fn show_history(&mut self, pos: usize) {
        self.history_pos = pos;
        let f = self.history.get(pos).cloned().unwrap_or(Filter::All);
        self.show_filter(f);
    }

    fn show_filter(&mut self, f: Filter) {
        self.filter_text = f.to_string();
        self.filter_error = None;
        self.filter = f;
        self.query_wanted = true;
    }

    /// Drops the recent results and any query in flight: they were computed on data or with a
    /// VPC definition that no longer holds (a running worker's result is discarded).
    fn forget_results(&mut self) {
        self.recent.clear();
        self.query_job = None;
    }

    /// The view options the current screen asks for.
    fn wanted_options(&self) -> ViewOptions {
        let mut options = self.view_options.clone();
        options.with_conversations = self.talkers_tab == TalkersTab::Conversations;
        options
    }

    /// Starts a query for the current filter and options if one is wanted and none runs (or
    /// shows a recent result for them).
    fn start_query(&mut self, ctx: &egui::Context) {
        if !self.query_wanted {
            return;
        }
        let options = self.wanted_options();
        if let Some(hit) = self
            .recent
            .iter()
            .find(|s| s.filter == self.filter && s.options == options)
            .cloned()
        {
            if self.frame_times.is_some() {
                eprintln!("query: result from the recent results: {}", hit.filter);
            }
            self.shown = Some(hit);
            self.query_wanted = false;
            return;
        }
        if self.query_job.is_some() {
            return;
        }
        let Some(loaded) = &self.loaded else { return };
        self.query_wanted = false;
        let table = loaded.table.clone();
        let filter = self.filter.clone();
        let qctx = self.query_context.clone();
        match Job::spawn("flowlens-query", ctx, move || {
            let t = std::time::Instant::now();
            let sel = select(&table, &filter, &qctx).map_err(|e| e.to_string())?;
            let views = compute_views(&table, &sel, &options);
            let rows = crate::data::query::RowIndex::new(&sel);
            Ok(Shown {
                filter,
                options,
                views,
                millis: t.elapsed().as_secs_f64() * 1000.0,
                selection: sel,
                rows,
            })
        }) {
            Ok(job) => self.query_job = Some(job),
            Err(e) => self.notifications.push(e),
        }
    }

    /// Queues a command.
    pub fn command(&mut self, cmd: Command) {
        self.commands.push(cmd);
    }

    /// Polls jobs and runs queued commands (no drawing).
    pub fn logic(&mut self, ctx: &egui::Context) {
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
        self.poll_jobs(ctx);
        for cmd in std::mem::take(&mut self.commands) {
            self.run(cmd, ctx);
        }
        self.start_query(ctx);
        if self.load.is_some() {
            ctx.request_repaint_after(Duration::from_millis(50));
        }
    }

    fn poll_jobs(&mut self, ctx: &egui::Context) {
        if let Some(load) = &self.load
            && let Some(result) = load.try_result()
        {
            self.load = None;
            match result {
                Ok(table) => {
                    let table = Arc::new(table);
                    match Job::spawn("flowlens-summary", ctx, move || Loaded {
                        summary: Summary::of(&table),
                        table,
                    }) {
                        Ok(job) => self.summary_job = Some(job),
                        Err(e) => self.notifications.push(e),
                    }
                }
                Err(crate::data::LoadError::Cancelled) => {
                    self.notifications.push("Loading cancelled".into());
                }
                Err(e) => self.notifications.push(format!("Loading failed: {e}")),
            }
        }
        if let Some(job) = &mut self.summary_job
            && let Some(result) = job.poll()
        {
            self.summary_job = None;
            match result {
                Ok(loaded) => {
                    for f in loaded.table.broken_files() {
                        self.notifications.push(format!(
                            "{}\nFile path: {}",
                            f.error.as_deref().unwrap_or("error"),
                            f.path.display()
                        ));
                    }
                    if self.log_format.is_none() {
                        self.format_prompt = FormatPrompt::for_table(&loaded.table);
                    }
                    self.loaded = Some(loaded);
                    self.forget_results();
                    self.query_wanted = true;
                }
                Err(e) => self.notifications.push(e),
            }
        }
        if let Some(job) = &mut self.query_job
            && let Some(result) = job.poll()
        {
            let age = job.age();
            self.query_job = None;
            match result {
                Ok(Ok(shown)) => {
                    if self.frame_times.is_some() {
                        eprintln!(
                            "query: result {:.0} ms after the change ({:.0} ms computing), {} flows: {}",
                            age.as_secs_f64() * 1000.0,
                            shown.millis,
                            shown.views.totals.counts[0],
                            shown.filter
                        );
                    }
                    let shown = Arc::new(shown);
                    self.recent
                        .retain(|s| !(s.filter == shown.filter && s.options == shown.options));
                    if self.recent.len() >= RECENT_RESULTS {
                        self.recent.remove(0);
                    }
                    self.recent.push(shown.clone());
                    // A result for a filter the user has already left is kept for Back, not
                    // shown (the current one is queued or already on screen).
                    if shown.filter == self.filter && shown.options == self.wanted_options() {
                        self.shown = Some(shown);
                    } else {
                        self.query_wanted = true;
                    }
                }
                Ok(Err(e)) | Err(e) => self.notifications.push(format!("Query failed: {e}")),
            }
        }
        if let Some((job, _)) = &mut self.save_job
            && let Some(result) = job.poll()
        {
            let target = self.save_job.take().map(|(_, t)| t);
            match (result, target) {
                (Ok(Some(path)), Some(target)) => self.start_export(ctx, target, path, false),
                (Ok(_), _) => {}
                (Err(e), _) => self.notifications.push(e),
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
                Ok(Ok(msg)) => self.notifications.push(msg),
                Ok(Err(crate::data::export::ExportError::Exists(_))) => {
                    self.confirm_replace = Some((target, path));
                }
                Ok(Err(e)) => self.notifications.push(format!("Export failed: {e}")),
                Err(e) => self.notifications.push(e),
            }
        }
        if let Some(job) = &mut self.dialog
            && let Some(result) = job.poll()
        {
            self.dialog = None;
            match result {
                Ok(Some(paths)) if !paths.is_empty() => self.commands.push(Command::Open(paths)),
                Ok(_) => {}
                Err(e) => self.notifications.push(e),
            }
        }
    }

    fn run(&mut self, cmd: Command, ctx: &egui::Context) {
        match cmd {
            Command::Open(paths) => {
                for p in &paths {
                    self.settings.recent.retain(|r| r != p);
                    self.settings.recent.insert(0, p.clone());
                }
                self.settings.recent.truncate(10);
                for p in paths {
                    if !self.paths.contains(&p) {
                        self.paths.push(p);
                    }
                }
                if let Some(old) = self.load.take() {
                    old.cancel();
                }
                let ctx2 = ctx.clone();
                match crate::data::start(
                    self.paths.clone(),
                    LoadOptions {
                        log_format: self.log_format.clone(),
                        ..LoadOptions::default()
                    },
                    Some(Box::new(move || ctx2.request_repaint())),
                ) {
                    Ok(handle) => self.load = Some(handle),
                    Err(e) => self.notifications.push(format!("Loading failed: {e}")),
                }
            }
            Command::OpenDialog { folder } => {
                if self.dialog.is_none() {
                    match Job::spawn("flowlens-dialog", ctx, move || {
                        let d = rfd::FileDialog::new();
                        if folder {
                            d.pick_folder().map(|p| vec![p])
                        } else {
                            d.pick_files()
                        }
                    }) {
                        Ok(job) => self.dialog = Some(job),
                        Err(e) => self.notifications.push(e),
                    }
                }
            }
            Command::CancelLoad => {
                if let Some(load) = &self.load {
                    load.cancel();
                }
                // Paths of a cancelled load are not kept.
                self.paths = self
                    .loaded
                    .as_ref()
                    .map(|l| l.table.files.iter().map(|f| f.path.clone()).collect())
                    .unwrap_or_default();
            }
            Command::CloseAll => {
                if let Some(load) = self.load.take() {
                    load.cancel();
                }
                self.summary_job = None;
                self.loaded = None;
                self.shown = None;
                self.forget_results();
                self.paths.clear();
                self.history = vec![Filter::All];
                self.history_pos = 0;
                self.show_filter(Filter::All);
            }
            Command::SetFilter(f) => self.set_filter(f),
            Command::ApplyFilterText => match filter::parse(&self.filter_text) {
                Ok(f) => self.set_filter(f),
                Err(e) => self.filter_error = Some(e.to_string()),
            },
            Command::AddCondition(c) => {
                let f = self.filter.clone().and(c);
                self.set_filter(f);
            }
            Command::Exclude(c) => {
                let f = self.filter.clone().and(Filter::Not(Box::new(c)));
                self.set_filter(f);
            }
            Command::RemoveCondition(i) => {
                let f = self.filter.without(i);
                self.set_filter(f);
            }
            Command::Back => {
                if self.history_pos > 0 {
                    self.show_history(self.history_pos - 1);
                }
            }
            Command::Forward => {
                if self.history_pos + 1 < self.history.len() {
                    self.show_history(self.history_pos + 1);
                }
            }
            Command::ReloadWithFormat(cols) => {
                self.log_format = Some(cols);
                self.format_prompt = None;
                self.commands.push(Command::Open(Vec::new()));
            }
            Command::DismissFormatPrompt => self.format_prompt = None,
            Command::Export(target) => {
                if self.save_job.is_some() || self.export_job.is_some() {
                    self.notifications
                        .push("An export is already running".into());
                } else {
                    let t = target.clone();
                    match Job::spawn("flowlens-dialog", ctx, move || {
                        let d = rfd::FileDialog::new();
                        match &t {
                            ExportTarget::Report => {
                                d.set_title("Folder for the report").pick_folder()
                            }
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
                    }) {
                        Ok(job) => self.save_job = Some((job, target)),
                        Err(e) => self.notifications.push(e),
                    }
                }
            }
            Command::Replace(target, path) => {
                self.confirm_replace = None;
                self.start_export(ctx, target, path, true);
            }
            Command::CopyQuery { insights } => {
                let by = vec![match self.view_options.port_side {
                    crate::data::query::PortSide::Src => "srcport".to_owned(),
                    _ => "dstport".to_owned(),
                }];
                let text = if insights {
                    crate::data::translate::insights_query(
                        &self.filter,
                        &by,
                        self.view_options.metric,
                        self.view_options.top_n,
                        &self.query_context,
                    )
                } else {
                    crate::data::translate::athena_sql(
                        &self.filter,
                        &by,
                        self.view_options.metric,
                        self.view_options.top_n,
                        &self.query_context,
                    )
                };
                ctx.copy_text(text);
                self.notifications.push(if insights {
                    "Copied the Logs Insights query".into()
                } else {
                    "Copied the Athena SQL".into()
                });
            }
            Command::SetVpc(nets) => {
                self.settings.vpc_cidrs = nets
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                self.query_context = if nets.is_empty() {
                    QueryContext::default()
                } else {
                    QueryContext { vpc: nets }
                };
                self.forget_results();
                self.query_wanted = true;
            }
            Command::SetViewOptions(o) => {
                if o != self.view_options {
                    self.view_options = o;
                    self.query_wanted = true;
                }
            }
            Command::Recipe(r) => {
                self.view_options.port_side = r.port_side;
                self.view_options.metric = r.metric;
                self.view_options.conversations = r.conversations;
                self.talkers_tab = r.tab;
                match filter::parse(r.filter) {
                    Ok(f) => self.set_filter(f),
                    Err(e) => self.notifications.push(format!("Recipe {}: {e}", r.name)),
                }
                self.query_wanted = true;
            }
        }
    }

    /// Draws the whole window.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        crate::ui::window_ui(self, ui);
    }

    /// Load progress: (fraction, label), if loading.
    pub fn progress(&self) -> Option<(f32, String)> {
        if self.summary_job.is_some() && self.load.is_none() {
            return Some((1.0, "Computing totals…".into()));
        }
        let load = self.load.as_ref()?;
        let p = load.progress();
        use std::sync::atomic::Ordering::Relaxed;
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
        let label = format!(
            "{} of {} · {} records · {:.0} MB/s · {} left · file {} of {}",
            crate::ui::human_bytes(done),
            crate::ui::human_bytes(total),
            crate::ui::human_count(records),
            done as f64 / secs / 1e6,
            if left.is_finite() {
                format!("{left:.0} s")
            } else {
                "…".into()
            },
            p.files_done.load(Relaxed),
            p.files_total.load(Relaxed),
        );
        Some((frac as f32, label))
    }

    pub(crate) fn show_skipped_mut(&mut self) -> &mut bool {
        &mut self.show_skipped
    }

    /// Exported chart size in points.
    pub fn chart_size(&self) -> (u32, u32) {
        match self.settings.chart_size {
            (w, h) if w >= 200 && h >= 200 => (w, h),
            _ => (900, 480),
        }
    }

    /// Switches the talkers tab (conversations are computed only while their tab is shown).
    pub fn set_talkers_tab(&mut self, tab: TalkersTab) {
        if tab != self.talkers_tab {
            self.talkers_tab = tab;
            if tab == TalkersTab::Conversations {
                self.query_wanted = true;
            }
        }
    }
}

impl eframe::App for FlowApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        FlowApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.show(ui);
        if let Some((times, since)) = &mut self.frame_times {
            if let Some(cpu) = frame.info().cpu_usage {
                times.push(cpu);
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
                times.clear();
                *since = std::time::Instant::now();
            }
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}

/// The saved settings; corrupt ones fall back to the defaults with a warning to show.
pub fn load_settings(storage: Option<&dyn eframe::Storage>) -> (Settings, Option<String>) {
    match storage {
        Some(storage) if storage.get_string(SETTINGS_KEY).is_some() => {
            match eframe::get_value(storage, SETTINGS_KEY) {
                Some(s) => (s, None),
                None => (
                    Settings::default(),
                    Some("The saved settings could not be read; the defaults are used".into()),
                ),
            }
        }
        _ => (Settings::default(), None),
    }
}

/// Opens the window; `paths` start loading at once.
pub fn run_native(paths: Vec<PathBuf>) -> ExitCode {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("flowlens")
            .with_inner_size([1280.0, 800.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    let result = eframe::run_native(
        "flowlens",
        options,
        Box::new(move |cc| {
            let (settings, warning) = load_settings(cc.storage);
            cc.egui_ctx.set_theme(if settings.light {
                egui::Theme::Light
            } else {
                egui::Theme::Dark
            });
            let mut app = FlowApp::new(settings, paths);
            if let Some(w) = warning {
                eprintln!("flowlens: {w}");
                app.notifications.push(w);
            }
            Ok(Box::new(app))
        }),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flowlens: cannot open the window: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_job_is_reported_not_fatal() {
        let ctx = egui::Context::default();
        let mut job: Job<u32> = Job::spawn("flowlens-test-panic", &ctx, || {
            panic!("boom");
        })
        .unwrap();
        let start = std::time::Instant::now();
        let result = loop {
            if let Some(r) = job.poll() {
                break r;
            }
            assert!(start.elapsed() < Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(5));
        };
        assert!(result.unwrap_err().contains("panicked"));
        let mut ok: Job<u32> = Job::spawn("flowlens-test-ok", &ctx, || 7).unwrap();
        let v = loop {
            if let Some(r) = ok.poll() {
                break r;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        assert_eq!(v.unwrap(), 7);
    }
}
