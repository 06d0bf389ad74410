//! flowlens: a native desktop explorer for AWS VPC Flow Logs.
//!
//! The crate is a stack of layers; each imports only from the layers below it (a test,
//! `tests/layering.rs`, reads every `use` and fails on one that points up):
//!
//! | layer | job |
//! |---|---|
//! | [`fmt`] | text formatting of sizes, counts and times |
//! | [`model`] | the schema, address keys, metrics, the loaded table and views of its columns |
//! | [`ingest`] | paths → a table: discovery, detection, decompression, parsing, assembly |
//! | [`query`] | filters, selections, views, caches, group-by, translation, recipes |
//! | [`report`], [`sample`], `cloud` | rows, tables, charts and the report folder; the seeded generator; S3, live context and Athena through the AWS SDK (feature `cloud`) |
//! | [`state`] | what the UI reads and the commands it sends |
//! | `ui` | egui views: read the state, push commands (feature `gui`) |
//! | `app` | the eframe app: logic phase, command handling, jobs, dialogs (feature `gui`) |
//! | [`cli`] | the command line: one file per subcommand; no subcommand opens the app |
//!
//! Data flow: paths → [`ingest::load`] (named worker threads: detect, decompress, parse, one
//! Polars frame) → [`query::select`] and [`query::compute_views`] on worker threads → views →
//! the app's panels or the CLI's output and [`report`]. See ARCHITECTURE.md for the threading
//! model, the frame schema and the failure handling.

#[cfg(feature = "gui")]
pub mod app;
pub mod cli;
#[cfg(feature = "cloud")]
pub mod cloud;
pub mod fmt;
pub mod ingest;
pub mod model;
pub mod query;
pub mod report;
pub mod sample;
pub mod state;
#[cfg(feature = "gui")]
pub mod ui;
