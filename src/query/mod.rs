//! Layer 3: questions about a loaded table.
//!
//! - [`filter`]: the filter language (AST, lexer, parser with positioned errors, canonical printer).
//! - [`compile`] + [`eval`] + [`select`]: a filter → lookup tables → a row [`Selection`], chunk
//!   by chunk on named threads ([`par`]).
//! - [`views`]: the views of a selection (totals, ports, talkers, timeline, breakdowns, pickers),
//!   gathered a [`block`] at a time; [`conversations`] and [`scanners`] are the costlier ones;
//!   [`cache`] keeps the whole-table aggregates that large selections are subtracted from.
//! - [`group`]: the generic group-by of `flowlens top`, by key shape.
//! - [`click`]: the conditions a click on a view adds.
//! - [`summary`]: whole-table totals.
//! - [`translate`]: the same question as Athena SQL or Logs Insights (one walk, two dialects).
//! - [`recipes`]: named investigations.
//!
//! May use: [`crate::fmt`], [`crate::model`]. Never ingest (a table is given), report or the UI.

pub mod block;
pub mod cache;
pub mod click;
pub mod compile;
pub mod context;
pub mod conversations;
pub mod eval;
pub mod filter;
pub mod group;
pub(crate) mod idset;
pub mod labels;
pub(crate) mod pairs;
pub mod par;
pub mod recipes;
pub mod rules;
pub mod scanners;
pub mod select;
pub mod summary;
pub mod translate;
pub mod views;
pub mod zones;

pub use cache::ViewCache;
pub use compile::QueryError;
pub use context::QueryContext;
pub use select::{RowIndex, Selection, select, select_in};
pub use summary::Summary;
pub use views::{
    ConversationMode, PortSide, Ranked, ViewOptions, Views, compute_views, compute_views_direct,
    compute_views_gathered,
};
