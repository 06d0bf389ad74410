//! Layer 8: the command line. No subcommand opens the app; each headless subcommand is one file
//! over the same core: [`rows`], [`stats`], [`top`], [`sql`], [`report`], [`explain`] (also
//! `rules`), [`generate`], [`bench`].
//! [`args`] holds what several share (inputs, value enums mapped onto core types) and [`input`]
//! the loading and problem reporting they share.
//!
//! May use: every layer (the app only to open the window).

mod args;
mod athena;
#[cfg(feature = "cloud")]
mod athena_run;
mod bench;
mod cloud;
mod explain;
mod generate;
mod input;
mod report;
mod rows;
mod sql;
mod stats;
mod top;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use args::InputArgs;

/// flowlens: explore AWS VPC Flow Logs on the desktop, offline.
#[derive(Parser, Debug)]
#[command(
    name = "flowlens",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Files or folders to open in the app, or an s3://bucket/prefix (the S3 window opens with
    /// the range and picks below, and lists at once when a range is given).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    cloud: args::CloudArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the parsed records (CSV, JSON lines or Parquet).
    Rows(rows::RowsArgs),
    /// Load and print totals: records, files, skipped lines, time span, packets, bytes, actions.
    Stats(InputArgs),
    /// Group the records by fields and rank by flows, packets or bytes.
    Top(top::TopArgs),
    /// Print the Athena SQL (or Logs Insights query) that asks the same question.
    Sql(sql::SqlArgs),
    /// Write a report folder: charts (PNG, SVG), tables (CSV), index.md and index.html.
    Report(report::ReportArgs),
    /// Explain the REJECT flows (or with --accepted the ACCEPTs) from the security groups and
    /// network ACLs of the context files: one verdict per (srcaddr, dstaddr, dstport, protocol,
    /// interface).
    Explain(explain::ExplainArgs),
    /// Rule usage: flows, bytes and distinct peers per security-group rule and network ACL
    /// entry; unused rules, and rules open to the internet that the internet used.
    Rules(explain::RulesArgs),
    /// Athena: `ddl` prints the CREATE EXTERNAL TABLE for the logs' layout (partition
    /// projection); `run` runs the question's views on Athena.
    Athena(athena::AthenaArgs),
    /// The local cache of S3 objects: its size, or `--clear` to empty it.
    #[cfg(feature = "cloud")]
    Cache(cloud::CacheArgs),
    /// Write seeded, realistic flow logs (v2 format) for demos and benchmarks.
    Gen(generate::GenArgs),
    /// Time the query engine on loaded data: filter changes with every view, and the five
    /// benchmark queries of shared/bench (answers printed in the peers' format).
    Bench(InputArgs),
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        #[cfg(feature = "gui")]
        None => crate::app::run_native(cli.paths, cloud::s3_form(&cli.cloud)),
        #[cfg(not(feature = "gui"))]
        None => {
            let _ = (cli.paths, cli.cloud);
            eprintln!("flowlens: this build has no desktop app (feature `gui`); use a subcommand");
            ExitCode::from(2)
        }
        Some(Command::Rows(args)) => rows::rows(args),
        Some(Command::Stats(args)) => stats::stats(args),
        Some(Command::Top(args)) => top::top(args),
        Some(Command::Sql(args)) => sql::sql(args),
        Some(Command::Report(args)) => report::report(args),
        Some(Command::Explain(args)) => explain::explain(args),
        Some(Command::Rules(args)) => explain::rules(args),
        Some(Command::Athena(args)) => athena::athena(args),
        #[cfg(feature = "cloud")]
        Some(Command::Cache(args)) => cloud::cache(args),
        Some(Command::Gen(args)) => generate::gen_files(args),
        // Context files are told from logs by their content: `--context` joins the paths.
        Some(Command::Bench(args)) => bench::run([args.paths, args.context].concat(), args.threads),
    }
}
