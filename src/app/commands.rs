//! What each [`Command`] does.

use eframe::egui;

use super::FlowApp;
use crate::ingest::LoadOptions;
use crate::ingest::context::file_is_context;
use crate::query::filter::{self, Filter};
use crate::query::recipes::Recipe;
use crate::query::translate::{athena_sql, insights_query, label_fields};
use crate::query::{PortSide, QueryContext};
use crate::state::{Command, TalkersTab};

impl FlowApp {
    /// Runs one command.
    pub(super) fn run(&mut self, cmd: Command, ctx: &egui::Context) {
        match cmd {
            Command::Open(paths) => self.open(paths, ctx),
            Command::OpenDialog { folder } => self.open_dialog(ctx, folder),
            Command::CancelLoad => self.cancel_load(),
            Command::CloseAll => self.close_all(),
            Command::SetFilter(f) => self.set_filter(f),
            Command::ApplyFilterText => match filter::parse(&self.state.filter_text) {
                Ok(f) => self.set_filter(f),
                Err(e) => {
                    let text = self.state.filter_text.clone();
                    let span = error_span(&text, e.pos);
                    self.state.filter_error = Some(e.to_string());
                    self.state.filter_error_at = Some((text, span));
                }
            },
            Command::AddCondition(c) => self.set_filter(self.state.filter.clone().and(c)),
            Command::Exclude(c) => {
                let f = self.state.filter.clone().and(Filter::Not(Box::new(c)));
                self.set_filter(f);
            }
            Command::RemoveCondition(i) => self.set_filter(self.state.filter.without(i)),
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
                self.state.format_prompt = None;
                self.commands.push(Command::Open(Vec::new()));
            }
            Command::DismissFormatPrompt => self.state.format_prompt = None,
            Command::Export(target) => self.save_dialog(ctx, target),
            Command::Replace(target, path) => {
                self.state.confirm_replace = None;
                self.start_export(ctx, target, path, true);
            }
            Command::CopyQuery { insights } => self.copy_query(ctx, insights),
            Command::Explain {
                condition,
                accepted,
            } => self.explain(ctx, condition, accepted),
            Command::CloseExplain => self.state.why = None,
            Command::DialogGo(dir) => self.dialog_go(dir),
            Command::DialogAccept => self.dialog_accept(ctx),
            Command::DialogCancel => self.dialog_cancel(),
            Command::SetVpc(nets) => self.set_vpc(nets),
            Command::SetViewOptions(o) => {
                if o != self.state.view_options {
                    self.state.view_options = o;
                    self.query_wanted = true;
                }
            }
            Command::SetTalkersTab(tab) => {
                if tab != self.state.talkers_tab {
                    self.state.talkers_tab = tab;
                    if tab == TalkersTab::Conversations {
                        self.query_wanted = true;
                    }
                }
            }
            Command::Recipe(r) => self.recipe(r),
            Command::ShowS3(url) => self.show_s3(url),
            Command::ListS3 => self.list_s3(ctx),
            Command::LoadS3 => self.load_s3(ctx),
            Command::FetchContext => self.fetch_context(ctx),
            Command::ClearCache => self.clear_cache(),
            Command::ShowAthena => self.state.athena.open = true,
            Command::RunAthena => self.run_athena(ctx),
            Command::CancelAthena => self.cancel_athena(),
        }
    }

    /// Loads `paths` with everything loaded before (a new load replaces a running one). Context
    /// files are remembered with the data set's log paths; opening one of those paths again
    /// brings its context back.
    pub(super) fn open(&mut self, mut paths: Vec<std::path::PathBuf>, ctx: &egui::Context) {
        // An s3:// address (from the command line or Recent) opens the S3 window: the range is
        // picked there, and what it lists joins the load.
        if let Some(url) = paths
            .iter()
            .find(|p| p.to_string_lossy().starts_with("s3://"))
        {
            self.show_s3(Some(url.to_string_lossy().into_owned()));
        }
        paths.retain(|p| !p.to_string_lossy().starts_with("s3://"));
        self.paths
            .retain(|p| !p.to_string_lossy().starts_with("s3://"));
        if paths.is_empty() && self.paths.is_empty() && self.cloud.remote().is_none() {
            return;
        }
        self.remember_context(&mut paths);
        let recent = &mut self.state.settings.recent;
        // Context files come back with their data set: Recent lists the data.
        for p in paths
            .iter()
            .filter(|p| !(p.is_file() && file_is_context(p)))
        {
            recent.retain(|r| r != p);
            recent.insert(0, p.clone());
        }
        recent.truncate(10);
        for p in paths {
            if !self.paths.contains(&p) {
                self.paths.push(p);
            }
        }
        if let Some(old) = self.load.take() {
            old.cancel();
        }
        let ctx2 = ctx.clone();
        match crate::ingest::start(
            self.paths.clone(),
            LoadOptions {
                log_format: self.log_format.clone(),
                remote: self.cloud.remote(),
                ..LoadOptions::default()
            },
            Some(Box::new(move || ctx2.request_repaint())),
        ) {
            Ok(handle) => {
                self.load_started = Some(std::time::Instant::now());
                self.load = Some(handle);
            }
            Err(e) => self
                .state
                .notifications
                .push(format!("Loading failed: {e}")),
        }
    }

    fn cancel_load(&mut self) {
        if let Some(load) = &self.load {
            load.cancel();
        }
        // Paths of a cancelled load are not kept.
        self.paths = self
            .state
            .loaded
            .as_ref()
            .map(|l| l.table.files.iter().map(|f| f.path.clone()).collect())
            .unwrap_or_default();
    }

    fn close_all(&mut self) {
        if let Some(load) = self.load.take() {
            load.cancel();
        }
        self.summary_job = None;
        self.state.loaded = None;
        self.state.shown = None;
        self.forget_results();
        self.paths.clear();
        self.cloud.forget();
        self.reset_history();
    }

    /// Copies the current view's question (Athena SQL or Logs Insights) to the clipboard.
    fn copy_query(&mut self, ctx: &egui::Context, insights: bool) {
        let o = &self.state.view_options;
        let by = vec![match o.port_side {
            PortSide::Src => "srcport".to_owned(),
            _ => "dstport".to_owned(),
        }];
        let (f, qctx) = (&self.state.filter, &self.state.query_context);
        let text = if insights {
            insights_query(f, &by, o.metric, o.top_n, qctx)
        } else {
            athena_sql(f, &by, o.metric, o.top_n, qctx)
        };
        ctx.copy_text(text);
        let what = if insights {
            "Copied the Logs Insights query"
        } else {
            "Copied the Athena SQL"
        };
        // Labels are flowlens's, not columns of the table: say how they were written.
        let labels = label_fields(f);
        self.state
            .notifications
            .push(match (labels.is_empty(), qctx.labels.is_some()) {
                (true, _) => what.to_owned(),
                (false, true) => format!(
                    "{what}: {} written as the addresses or interfaces they stand for",
                    labels.join(", ")
                ),
                (false, false) => format!(
                    "{what}: {} cannot be translated without the context files (written as false)",
                    labels.join(", ")
                ),
            });
    }

    /// Adds the context remembered for the log paths among `paths`, and remembers the context
    /// files among them for every log path of the data set.
    fn remember_context(&mut self, paths: &mut Vec<std::path::PathBuf>) {
        let is_context = |p: &std::path::Path| p.is_file() && file_is_context(p);
        let (context, logs): (Vec<_>, Vec<_>) = paths.iter().cloned().partition(|p| is_context(p));
        let remembered = &mut self.state.settings.context_for;
        for log in &logs {
            for c in remembered.get(log).cloned().unwrap_or_default() {
                if c.is_file() && !paths.contains(&c) && !self.paths.contains(&c) {
                    paths.push(c);
                }
            }
        }
        if context.is_empty() {
            return;
        }
        let data_set: Vec<std::path::PathBuf> = self
            .paths
            .iter()
            .chain(&logs)
            .filter(|p| !is_context(p))
            .cloned()
            .collect();
        for log in data_set {
            let list = remembered.entry(log).or_default();
            for c in &context {
                if !list.contains(c) {
                    list.push(c.clone());
                }
            }
        }
    }

    fn set_vpc(&mut self, nets: Vec<ipnet::IpNet>) {
        self.state.settings.vpc_cidrs = nets
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let labels = self.state.query_context.labels.take();
        self.state.query_context = if nets.is_empty() {
            QueryContext::with_labels(labels.map(|l| l.0))
        } else {
            QueryContext { vpc: nets, labels }
        };
        self.forget_results();
        self.query_wanted = true;
    }

    fn recipe(&mut self, r: &'static Recipe) {
        let o = &mut self.state.view_options;
        o.port_side = r.port_side;
        o.metric = r.metric;
        o.conversations = r.conversations;
        self.state.talkers_tab = r.ranking.into();
        match filter::parse(r.filter) {
            Ok(f) => self.set_filter(f),
            Err(e) => self
                .state
                .notifications
                .push(format!("Recipe {}: {e}", r.name)),
        }
        self.query_wanted = true;
    }
}

/// The word of `text` an error at byte `pos` points at: up to the next space or bracket (at
/// least one character; the last one when the error is at the end).
fn error_span(text: &str, pos: usize) -> std::ops::Range<usize> {
    let mut start = pos.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    if start == text.len() {
        start = text.char_indices().last().map_or(0, |(i, _)| i);
    }
    let rest = &text[start..];
    let word = rest
        .char_indices()
        .find(|(i, c)| *i > 0 && (c.is_whitespace() || "(){},".contains(*c)))
        .map_or(rest.len(), |(i, _)| i);
    start..start + word.max(rest.chars().next().map_or(0, char::len_utf8))
}
