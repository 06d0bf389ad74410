//! The integration tests: one binary (each test binary is a separate link).
//!
//! - `util`: fixtures written at test time and helpers.
//! - `ingest`: every input format and wrapper the loader takes, and its failure paths.
//! - `cli`: the headless subcommands end to end.
//! - `ui`: the desktop app driven headless through AccessKit (egui_kittest).

mod cli;
mod ingest;
mod ui;
mod util;
