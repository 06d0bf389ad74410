//! What the views ask for. Commands are queued while a frame is drawn and run by the app at the
//! start of the next one; the views never do the work themselves.

use std::path::PathBuf;

use super::TalkersTab;
use crate::model::schema::Column;
use crate::query::ViewOptions;
use crate::query::filter::Filter;
use crate::query::recipes::Recipe;

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

/// What the UI asks for; executed at the start of the next frame.
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
    /// Switch the talkers table's tab (conversations are computed only while their tab shows).
    SetTalkersTab(TalkersTab),
    /// Set the VPC CIDRs (already validated).
    SetVpc(Vec<ipnet::IpNet>),
    /// Load everything again with this layout for lines before any header.
    ReloadWithFormat(Vec<Column>),
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
    /// Explain the REJECT (or with `accepted` the ACCEPT) flows of the filter and `condition`
    /// from the context's security groups and network ACLs ("Why rejected?").
    Explain {
        /// What was clicked (a port, a conversation; `All` for the whole filter).
        condition: Filter,
        /// The ACCEPTs and their rules instead of the REJECTs.
        accepted: bool,
    },
    /// Close the "Why rejected?" window.
    CloseExplain,
    /// The in-app file dialog: show this folder.
    DialogGo(PathBuf),
    /// The in-app file dialog: answer with what is picked.
    DialogAccept,
    /// The in-app file dialog: close it without an answer.
    DialogCancel,
    /// Show the "Open from S3…" window (with this address, from the command line or Recent).
    ShowS3(Option<String>),
    /// List what the S3 form selects (counts and size, nothing downloaded).
    ListS3,
    /// Load the listed objects (with what is loaded).
    LoadS3,
    /// Fetch the context (EC2 describe calls) for the loaded logs' regions, save it and load it.
    FetchContext,
    /// Empty the object cache.
    ClearCache,
    /// Show the "Run on Athena" window.
    ShowAthena,
    /// Run the current question's views on Athena.
    RunAthena,
    /// Stop the running Athena queries (in Athena too).
    CancelAthena,
}

/// The queue the views push commands into.
#[derive(Debug, Default)]
pub struct Commands(Vec<Command>);

impl Commands {
    /// Queues a command.
    pub fn push(&mut self, cmd: Command) {
        self.0.push(cmd);
    }

    /// Takes every queued command, oldest first.
    pub fn take(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.0)
    }
}
