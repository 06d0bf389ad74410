//! The filter history, queries on a `flowlens-query` thread, and the recent results.
//!
//! A query runs whenever the filter or the view options change; the previous views stay on
//! screen until the new ones arrive. Only the latest request runs next (stale ones are never
//! started), and a result for a filter already left is kept for Back but not shown.

use std::sync::Arc;

use eframe::egui;

use super::FlowApp;
use super::job::Job;
use crate::query::filter::Filter;
use crate::query::{RowIndex, compute_views, select_in};
use crate::state::Shown;

/// Results kept for going back (each holds a selection mask: one byte per record).
const RECENT_RESULTS: usize = 4;

impl FlowApp {
    /// Applies a filter, recording it in the history.
    pub(super) fn set_filter(&mut self, f: Filter) {
        if f != self.state.filter {
            self.history.truncate(self.history_pos + 1);
            self.history.push(f.clone());
            self.history_pos = self.history.len() - 1;
        }
        self.show_filter(f);
    }

    /// Moves to entry `pos` of the filter history and shows it (Back / Forward).
    pub(super) fn show_history(&mut self, pos: usize) {
        self.history_pos = pos;
        let f = self.history.get(pos).cloned().unwrap_or(Filter::All);
        self.show_filter(f);
    }

    /// Makes `f` the applied filter and asks for its views.
    pub(super) fn show_filter(&mut self, f: Filter) {
        self.state.filter_text = f.to_string();
        self.state.filter_error = None;
        self.state.filter_error_at = None;
        self.state.filter = f;
        self.query_wanted = true;
    }

    /// Starts over with an empty history.
    pub(super) fn reset_history(&mut self) {
        self.history = vec![Filter::All];
        self.history_pos = 0;
        self.show_filter(Filter::All);
    }

    /// Drops the recent results and any query in flight: they were computed on data or with a
    /// VPC definition that no longer holds (a running worker's result is discarded).
    pub(super) fn forget_results(&mut self) {
        self.recent.clear();
        self.query_job = None;
        self.warm_job = None;
        self.warmed = false;
        // Rule usage depends on the data and its context as much as on the filter.
        self.state.rules = None;
        self.state.named_talkers = None;
    }

    /// Starts a query for the current filter and options if one is wanted and none runs (or
    /// shows a recent result for them).
    pub(super) fn start_query(&mut self, ctx: &egui::Context) {
        if !self.query_wanted {
            return;
        }
        let options = self.state.wanted_options();
        if let Some(hit) = self
            .recent
            .iter()
            .find(|s| s.filter == self.state.filter && s.options == options)
            .cloned()
        {
            if self.frame_times.is_some() {
                eprintln!("query: result from the recent results: {}", hit.filter);
            }
            self.state.shown = Some(hit);
            self.query_wanted = false;
            return;
        }
        if self.query_job.is_some() {
            return;
        }
        let Some(loaded) = &self.state.loaded else {
            return;
        };
        self.query_wanted = false;
        let (table, cache) = (loaded.table.clone(), loaded.cache.clone());
        let filter = self.state.filter.clone();
        let qctx = self.state.query_context.clone();
        match Job::spawn("flowlens-query", ctx, move || {
            shown_of(&table, &cache, filter, &qctx, options)
        }) {
            Ok(job) => {
                self.query_job = Some(job);
                if let Some(stats) = &mut self.frame_times {
                    stats.query_started_at = stats.frames;
                    stats.query_frame_began = stats.frame_began;
                }
            }
            Err(e) => self.state.notifications.push(e),
        }
    }

    /// After the first views of a data set: the time columns' zone maps, then the unfiltered
    /// views with the conversations, on a `flowlens-warm` thread, kept among the recent results
    /// (and the whole-table conversations in the cache), so opening the Conversations tab and
    /// the first time range are instant.
    fn warm_conversations(&mut self, ctx: &egui::Context) {
        if self.warmed || self.warm_job.is_some() {
            return;
        }
        let Some(loaded) = &self.state.loaded else {
            return;
        };
        self.warmed = true;
        let (table, cache) = (loaded.table.clone(), loaded.cache.clone());
        let qctx = self.state.query_context.clone();
        let plain = self.state.wanted_options();
        let mut options = plain.clone();
        options.with_conversations = true;
        // The busiest port: a click's typical selection, computed once and dropped, so the
        // first real click does not pay for the first large allocations (measured: 90–126 ms
        // for the first 1.8M-record click after a load, 50–60 ms for the next ones).
        let busiest = self
            .state
            .shown
            .as_ref()
            .and_then(|s| s.views.ports.ports.first().map(|p| p.key));
        match Job::spawn("flowlens-warm", ctx, move || {
            cache.index_time(&table);
            if let Some(port) = busiest {
                let click = Filter::Port {
                    field: crate::query::filter::PortField::Dst,
                    ranges: vec![(port, port)],
                };
                let _ = shown_of(&table, &cache, click, &qctx, plain);
            }
            shown_of(&table, &cache, Filter::All, &qctx, options)
        }) {
            Ok(job) => self.warm_job = Some(job),
            Err(e) => self.state.notifications.push(e),
        }
    }

    /// A finished warm-up joins the recent results.
    pub(super) fn poll_warm(&mut self) {
        let Some(result) = self.warm_job.as_mut().and_then(Job::poll) else {
            return;
        };
        self.warm_job = None;
        if let Ok(Ok(shown)) = result {
            self.remember(Arc::new(shown));
        }
    }

    /// Keeps a result among the recent ones (replacing one for the same filter and options).
    fn remember(&mut self, shown: Arc<Shown>) {
        self.recent
            .retain(|s| !(s.filter == shown.filter && s.options == shown.options));
        if self.recent.len() >= RECENT_RESULTS {
            self.recent.remove(0);
        }
        self.recent.push(shown);
    }

    /// A finished query: kept among the recent results, and shown if it is still wanted.
    pub(super) fn poll_query(&mut self, ctx: &egui::Context) {
        let Some(job) = &mut self.query_job else {
            return;
        };
        let Some(result) = job.poll() else { return };
        let age = job.age();
        self.query_job = None;
        match result {
            Ok(Ok(shown)) => {
                if let Some(stats) = &self.frame_times {
                    eprintln!(
                        "query: result {:.0} ms after the change ({:.0} ms computing, {} frames \
                         meanwhile), {} flows: {}",
                        age.as_secs_f64() * 1000.0,
                        shown.millis,
                        stats.frames - stats.query_started_at,
                        shown.views.totals.counts.flows(),
                        shown.filter
                    );
                }
                let shown = Arc::new(shown);
                self.remember(shown.clone());
                // A result for a filter the user has already left is kept for Back, not
                // shown (the current one is queued or already on screen).
                if shown.filter == self.state.filter && shown.options == self.state.wanted_options()
                {
                    self.state.shown = Some(shown);
                    if let Some(stats) = &mut self.frame_times {
                        stats.result_shown = true;
                    }
                } else {
                    self.query_wanted = true;
                }
                self.warm_conversations(ctx);
            }
            Ok(Err(e)) | Err(e) => self.state.notifications.push(format!("Query failed: {e}")),
        }
    }
}

/// The views of `filter` (a query's whole work, on a worker thread).
fn shown_of(
    table: &crate::model::FlowTable,
    cache: &crate::query::ViewCache,
    filter: Filter,
    qctx: &crate::query::QueryContext,
    options: crate::query::ViewOptions,
) -> Result<Shown, String> {
    let t = std::time::Instant::now();
    let sel = select_in(table, cache, &filter, qctx).map_err(|e| e.to_string())?;
    let t_sel = t.elapsed().as_secs_f64() * 1000.0;
    let views = compute_views(table, cache, &sel, &options);
    let t_views = t.elapsed().as_secs_f64() * 1000.0;
    let rows = RowIndex::new(&sel);
    if std::env::var_os("FLOWLENS_QUERY_SPLIT").is_some() {
        eprintln!(
            "split: select {t_sel:.1} ms, views {:.1} ms, index {:.1} ms",
            t_views - t_sel,
            t.elapsed().as_secs_f64() * 1000.0 - t_views
        );
    }
    Ok(Shown {
        filter,
        options,
        views,
        millis: t.elapsed().as_secs_f64() * 1000.0,
        selection: sel,
        rows,
    })
}
