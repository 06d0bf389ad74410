//! Layer 5: what the UI reads and edits ([`State`]), and the commands it sends ([`Command`]).
//!
//! Plain data: no egui, no threads, no files. The app (`crate::app`) owns a [`State`], runs the
//! [`Commands`] the views pushed, and refreshes [`Status`] from its jobs before every frame; the
//! views (`crate::ui`) take `&mut State` and `&mut Commands` and never the app itself.
//!
//! May use: every layer below ([`crate::fmt`] … [`crate::report`]).

pub mod cloud;
pub mod command;
pub mod dialog;
pub mod edits;
pub mod settings;

use std::sync::Arc;

pub use cloud::{AthenaForm, AthenaView, S3Form, S3Listed};
pub use command::{Command, Commands, ExportTarget};
pub use dialog::{DialogEntry, DialogPurpose, FileDialog};
pub use edits::{FormatPrompt, PanelEdits};
pub use settings::Settings;

use crate::model::FlowTable;
use crate::query::filter::{AddrField, Filter, PortField, parse_cidr_list};
use crate::query::labels::Labels;
use crate::query::recipes::Ranking;
use crate::query::rules::RuleIndex;
use crate::query::{QueryContext, RowIndex, Selection, Summary, ViewCache, ViewOptions, Views};

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
    pub selection: Selection,
    /// Index into `selection`.
    pub rows: RowIndex,
}

/// A loaded data set: the flows, the query caches that belong to them, and their totals.
pub struct Loaded {
    /// The flows.
    pub table: Arc<FlowTable>,
    /// Whole-table aggregates kept between queries of this table.
    pub cache: Arc<ViewCache>,
    /// Whole-table totals.
    pub summary: Summary,
    /// The labels of the context files among the inputs, if there were any.
    pub labels: Option<Arc<Labels>>,
    /// The context's security groups and network ACLs, indexed, if it has any.
    pub rules: Option<Arc<RuleIndex>>,
}

impl Loaded {
    /// A loaded data set: its totals, fresh caches, and its context's labels and rule index
    /// (built here, on the summary job, not on the UI thread).
    pub fn new(table: Arc<FlowTable>) -> Loaded {
        let inv = &table.context;
        let labels = (!inv.is_empty()).then(|| Arc::new(Labels::new(inv.clone())));
        let rules = (!inv.groups.is_empty() || !inv.acls.is_empty())
            .then(|| Arc::new(RuleIndex::new(inv.clone())));
        Loaded {
            summary: Summary::of(&table),
            cache: Arc::new(ViewCache::default()),
            labels,
            rules,
            table,
        }
    }
}

/// The bottom table's tab.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TalkersTab {
    /// Top sources.
    #[default]
    Sources,
    /// Top destinations.
    Destinations,
    /// Top conversations.
    Conversations,
    /// Security-group and network ACL rules with their use (with context).
    Rules,
}

impl From<Ranking> for TalkersTab {
    fn from(r: Ranking) -> TalkersTab {
        match r {
            Ranking::Sources => TalkersTab::Sources,
            Ranking::Destinations => TalkersTab::Destinations,
            Ranking::Conversations => TalkersTab::Conversations,
        }
    }
}

/// What the Sources and Destinations tabs group by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TalkersGroup {
    /// Each address.
    #[default]
    Address,
    /// The name from the context (resource or your own label): `src_resource`/`dst_resource`.
    Name,
    /// The AWS service of ip-ranges.json: `src_service`/`dst_service`.
    Service,
}

/// Talkers grouped by a label: what they are for, and the groups.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedTalkers {
    /// The filter, tab, grouping and metric they were computed for.
    pub key: (Filter, TalkersTab, TalkersGroup, crate::model::Metric),
    /// The label field (`src_resource`, …) and the groups, ranked.
    pub field: String,
    /// Ranked groups (`-` is the addresses without a label).
    pub groups: Vec<crate::query::group::Group>,
}

/// The "Why rejected?" window: verdicts of the flows asked about, most flows first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Why {
    /// What was asked ("REJECT flows with dstport == 22").
    pub title: String,
    /// One line per verdict: "nacl_deny: 120 flows in 14 groups".
    pub summary: Vec<String>,
    /// The groups (at most [`Why::MAX_ROWS`]).
    pub rows: Vec<WhyRow>,
    /// Groups in all.
    pub groups: usize,
    /// Still computing.
    pub pending: bool,
}

impl Why {
    /// Groups listed in the window.
    pub const MAX_ROWS: usize = 200;
}

/// One explained group of flows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WhyRow {
    /// `nacl_deny`, `no_sg_allow`, `allowed_now`, `no_context`, `allowed`, `denied_now`.
    pub verdict: String,
    /// Records.
    pub flows: u64,
    /// "203.0.113.9 → 10.0.4.7 (web-1) TCP 22 on eni-…".
    pub flow: String,
    /// The deciding rule.
    pub rule: String,
    /// The sentence.
    pub reason: String,
}

/// What the app's jobs are doing, refreshed by the app before every frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// Load progress: (fraction, label), while loading.
    pub progress: Option<(f32, String)>,
    /// A load (or its totals) is running.
    pub loading: bool,
    /// Views are being computed (the previous ones stay on screen meanwhile).
    pub querying: bool,
    /// There is an earlier filter in the history.
    pub can_back: bool,
    /// There is a later filter in the history.
    pub can_forward: bool,
}

/// Everything the views read and edit.
pub struct State {
    /// Persisted settings.
    pub settings: Settings,
    /// What is loaded (kept on screen while a reload runs).
    pub loaded: Option<Loaded>,
    /// The views on screen (kept while a newer query runs).
    pub shown: Option<Arc<Shown>>,
    /// Notifications not yet dismissed (shown once each).
    pub notifications: Vec<String>,
    /// The applied filter.
    pub filter: Filter,
    /// The filter bar's text (may differ from `filter` while being edited).
    pub filter_text: String,
    /// Why the filter bar's text does not parse.
    pub filter_error: Option<String>,
    /// The text that failed to parse and the byte range the error points at (underlined in the
    /// bar while the text is unchanged).
    pub filter_error_at: Option<(String, std::ops::Range<usize>)>,
    /// What the views show.
    pub view_options: ViewOptions,
    /// The talkers table's tab.
    pub talkers_tab: TalkersTab,
    /// Top talkers listed by address instead of by the metric.
    pub talkers_by_address: bool,
    /// Show the records table instead of the top talkers.
    pub show_records: bool,
    /// The skipped-lines window is open.
    pub show_skipped: bool,
    /// The keyboard-shortcuts window is open.
    pub show_help: bool,
    /// What counts as inside the VPC, and the labels of the loaded context.
    pub query_context: QueryContext,
    /// The "Why rejected?" window, when open.
    pub why: Option<Why>,
    /// flowlens's own file dialog, when open (no native one answered).
    pub file_dialog: Option<FileDialog>,
    /// What the Sources and Destinations tabs group by.
    pub talkers_group: TalkersGroup,
    /// Talkers grouped by a label, when `talkers_group` is not `Address`.
    pub named_talkers: Option<NamedTalkers>,
    /// Rule usage for the Rules tab: the filter it is for, and the rules.
    pub rules: Option<(Filter, Arc<Vec<crate::query::rules::RuleUsage>>)>,
    /// Edit buffers of the quick-filter panel.
    pub panel: PanelEdits,
    /// An export whose file (or report folder) already exists: ask before replacing it.
    pub confirm_replace: Option<(ExportTarget, std::path::PathBuf)>,
    /// A headerless file whose lines do not fit the layout: ask for the log format.
    pub format_prompt: Option<FormatPrompt>,
    /// What the jobs are doing.
    pub status: Status,
    /// The "Open from S3…" window.
    pub s3: S3Form,
    /// The "Run on Athena" window.
    pub athena: AthenaForm,
}

impl State {
    /// The state of a new window.
    pub fn new(settings: Settings) -> State {
        let query_context = match parse_cidr_list(&settings.vpc_cidrs) {
            Ok(nets) if !nets.is_empty() => QueryContext {
                vpc: nets,
                labels: None,
            },
            _ => QueryContext::default(),
        };
        let vpc_text = settings.vpc_cidrs.clone();
        State {
            settings,
            loaded: None,
            shown: None,
            notifications: Vec::new(),
            filter: Filter::All,
            filter_text: String::new(),
            filter_error: None,
            filter_error_at: None,
            view_options: ViewOptions {
                with_conversations: false,
                ..ViewOptions::default()
            },
            talkers_tab: TalkersTab::Sources,
            talkers_by_address: false,
            show_records: false,
            show_skipped: false,
            show_help: false,
            query_context,
            why: None,
            file_dialog: None,
            talkers_group: TalkersGroup::Address,
            named_talkers: None,
            rules: None,
            panel: PanelEdits {
                vpc_text,
                cidr_text: String::new(),
                cidr_field: AddrField::Either,
                port_from: 22,
                port_to: 22,
                port_field: PortField::Dst,
                picker_search: Default::default(),
            },
            confirm_replace: None,
            format_prompt: None,
            status: Status::default(),
            s3: S3Form::default(),
            athena: AthenaForm {
                table: crate::query::translate::ATHENA_TABLE.into(),
                partitions: "date".into(),
                ..AthenaForm::default()
            },
        }
    }

    /// The view options the current screen asks for (conversations only while their tab shows).
    pub fn wanted_options(&self) -> ViewOptions {
        let mut options = self.view_options.clone();
        options.with_conversations = self.talkers_tab == TalkersTab::Conversations;
        options
    }
}
