//! The integration tests: one binary (each test binary is a separate link).
//!
//! - `util`: fixtures written at test time and helpers.
//! - `ingest`: every input format and wrapper the loader takes, and its failure paths.
//! - `query`: filters and views on a hand-checked fixture.
//! - `export`: charts (SVG, PNG), CSV tables, the report folder.
//! - `cli`: the headless subcommands end to end.
//! - `ui`: the desktop app driven headless through AccessKit (egui_kittest).

// The whole crate is test code (helpers included): panicking on a failed fixture is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod export;
mod ingest;
mod query;
#[cfg(feature = "gui")]
mod ui;
mod util;
