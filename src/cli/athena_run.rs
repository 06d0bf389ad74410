//! `flowlens athena run`: the question's views (totals, ports, talkers, timeline; or `--by`)
//! run on Athena, their state and cost on stderr, their rows printed like `top`'s.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::{CloudArgs, MetricArg, TableFormat};
use super::athena::PartitionsArg;
use super::input::{context_of, parse_filter};
use crate::query::translate::AthenaTable;

#[derive(Args, Debug)]
pub(super) struct RunArgs {
    /// The filter (flowlens filter language).
    #[arg(long, default_value = "")]
    filter: String,
    /// Fields to group by (comma-separated); without it: totals, ports, talkers and timeline.
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// What to rank by.
    #[arg(long, value_enum, default_value_t = MetricArg::Flows)]
    metric: MetricArg,
    /// Rows per view.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// The table (`database.table` or a name in `--database`).
    #[arg(long, default_value = crate::query::translate::ATHENA_TABLE)]
    table: String,
    /// The table's partition columns; time conditions (and --from/--to) constrain them.
    #[arg(long, value_enum, default_value_t = PartitionsArg::Date)]
    partitions: PartitionsArg,
    /// The Athena workgroup.
    #[arg(long)]
    workgroup: Option<String>,
    /// Where Athena writes the results (s3://…).
    #[arg(long, value_name = "S3_URL")]
    output_location: Option<String>,
    /// The database.
    #[arg(long)]
    database: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    format: TableFormat,
    /// Print each view's SQL before its rows.
    #[arg(long)]
    show_sql: bool,
    /// Also write the results to this folder: a CSV per view, the ports and timeline charts,
    /// the SQL that ran (`queries.sql`) and `index.md`.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace the files of an earlier `--out` folder.
    #[arg(long)]
    force: bool,
    /// Context files, for label conditions (written as the addresses they stand for).
    #[arg(long = "context", value_name = "FILE")]
    context: Vec<PathBuf>,
    #[command(flatten)]
    cloud: CloudArgs,
}

/// The filter of `athena run`, with `--from`/`--to` as conditions on `start`.
fn run_filter(args: &RunArgs) -> Result<crate::query::filter::Filter, ExitCode> {
    let mut text = args.filter.clone();
    for (bound, op) in [(&args.cloud.from, ">="), (&args.cloud.to, "<=")] {
        let Some(b) = bound else { continue };
        let (lo, hi) = crate::cloud::range::parse_time(b).map_err(|e| {
            eprintln!("flowlens: {e}");
            ExitCode::from(2)
        })?;
        let v = if op == ">=" { lo } else { hi };
        text = if text.trim().is_empty() {
            format!("start {op} {v}")
        } else {
            format!("({text}) and start {op} {v}")
        };
    }
    parse_filter(&text)
}

pub(super) fn run(args: RunArgs) -> ExitCode {
    use crate::cloud::athena::{AthenaTarget, run_query};
    use crate::query::translate::{athena_views, label_fields};

    let filter = match run_filter(&args) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let ctx = match context_of(&args.context) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if !label_fields(&filter).is_empty() && ctx.labels.is_none() {
        eprintln!("flowlens: athena run: label fields need --context FILE");
        return ExitCode::from(2);
    }
    let table = AthenaTable {
        name: args.table.clone(),
        partitions: args.partitions.into(),
    };
    let views = athena_views(
        &filter,
        &args.by,
        args.metric.into(),
        args.limit,
        &ctx,
        &table,
    );
    let target = AthenaTarget {
        workgroup: args.workgroup.clone(),
        output_location: args.output_location.clone(),
        database: args.database.clone(),
    };
    let mut opts = super::cloud::cloud_options(&args.cloud);
    opts.region = args.cloud.regions.first().cloned();
    let cancel = interrupt_flag();
    let mut failed = false;
    let mut answered = Vec::new();
    for (name, sql) in views {
        if args.show_sql {
            println!("-- {name}\n{sql}");
        }
        let on_state = |s: &str| eprintln!("flowlens: athena: {name}: {s}");
        match run_query(&sql, &target, &opts, cancel, &on_state) {
            Ok(r) if r.state == "SUCCEEDED" => {
                print_result(&name, &r, args.format);
                answered.push((name, sql, r));
            }
            Ok(r) => {
                let why = r.reason.as_deref().unwrap_or("no reason given");
                eprintln!("flowlens: athena: {name}: {}: {why}", r.state);
                failed = true;
                let cancelled = r.state == "CANCELLED";
                answered.push((name, sql, r));
                if cancelled {
                    break;
                }
            }
            Err(e) => {
                eprintln!("flowlens: {}", crate::fmt::escape_control(&e.0));
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(dir) = &args.out
        && let Err(e) = write_out(dir, &answered, &filter, args.metric.into(), args.force)
    {
        eprintln!("flowlens: {}", crate::fmt::escape_control(&e.to_string()));
        return ExitCode::FAILURE;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `--out`: the answers as files (the same writer as the app's "Save results…").
fn write_out(
    dir: &std::path::Path,
    answered: &[(String, String, crate::cloud::athena::AthenaResult)],
    filter: &crate::query::filter::Filter,
    metric: crate::model::Metric,
    force: bool,
) -> Result<(), crate::report::ReportError> {
    use crate::report::athena::{AthenaAnswer, AthenaFolder, write_athena_results};
    let rows: Vec<Vec<Vec<String>>> = answered
        .iter()
        .map(|(_, _, r)| {
            r.rows
                .iter()
                .map(|row| row.iter().map(|c| c.clone().unwrap_or_default()).collect())
                .collect()
        })
        .collect();
    let answers: Vec<AthenaAnswer<'_>> = answered
        .iter()
        .zip(&rows)
        .map(|((name, sql, r), rows)| AthenaAnswer {
            name,
            sql,
            state: &r.state,
            reason: r.reason.as_deref(),
            scanned: r.scanned_bytes,
            millis: r.engine_ms,
            columns: &r.columns,
            rows,
        })
        .collect();
    let options = crate::query::ViewOptions {
        metric,
        ..crate::query::ViewOptions::default()
    };
    let filter_text = if *filter == crate::query::filter::Filter::All {
        String::new()
    } else {
        filter.to_string()
    };
    let folder = AthenaFolder {
        filter: &filter_text,
        now_secs: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        options: &options,
        chart_size: (900, 480),
        png_scale: 2,
    };
    let files = write_athena_results(dir, &answers, &folder, force)?;
    eprintln!(
        "flowlens: athena: {} files written to {}",
        files.len(),
        dir.display()
    );
    Ok(())
}

/// One view's rows, with what Athena says it cost on stderr.
fn print_result(name: &str, result: &crate::cloud::athena::AthenaResult, format: TableFormat) {
    eprintln!(
        "flowlens: athena: {name}: {} ({} scanned, {} ms, query {})",
        result.state,
        crate::fmt::human_bytes(result.scanned_bytes),
        result.engine_ms,
        result.query_id
    );
    let numeric = result
        .columns
        .iter()
        .map(|c| matches!(c.as_str(), "flows" | "packets" | "bytes" | "bucket"))
        .collect();
    let t = crate::report::rules::TextTable {
        header: result.columns.clone(),
        rows: result
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.clone().unwrap_or_default()).collect())
            .collect(),
        numeric,
    };
    if format == TableFormat::Table {
        println!("# {name}");
    }
    super::input::print_safe(&super::explain::render(&t, format));
}

/// A flag Ctrl+C sets (so that a running query is stopped in Athena, not left running).
fn interrupt_flag() -> &'static std::sync::atomic::AtomicBool {
    use std::sync::atomic::{AtomicBool, Ordering};
    static INTERRUPTED: AtomicBool = AtomicBool::new(false);
    #[cfg(unix)]
    {
        extern "C" fn on_sigint(_: libc::c_int) {
            INTERRUPTED.store(true, Ordering::Relaxed);
        }
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
        }
    }
    let _ = Ordering::Relaxed;
    &INTERRUPTED
}
