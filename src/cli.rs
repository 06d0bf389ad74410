//! Command line: no subcommand opens the GUI; the headless subcommands share the same core.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::data::filter::{self, Filter};
use crate::data::output::{RowFormat, csv_escape, write_rows};
use crate::data::query::{Metric, QueryContext, Selection, group_by, select};
use crate::data::schema::parse_log_format;
use crate::data::summary::{Summary, format_epoch};
use crate::data::translate::{athena_sql, insights_query, is_numeric_field};
use crate::data::{FlowTable, LoadOptions, load};

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
    /// Files or folders to open in the app.
    paths: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the parsed records (CSV, JSON lines or Parquet).
    Rows(RowsArgs),
    /// Load and print totals: records, files, skipped lines, time span, packets, bytes, actions.
    Stats(InputArgs),
    /// Group the records by fields and rank by flows, packets or bytes.
    Top(TopArgs),
    /// Print the Athena SQL (or Logs Insights query) that asks the same question.
    Sql(SqlArgs),
    /// Write a report folder: charts (PNG, SVG), tables (CSV), index.md and index.html.
    Report(ReportArgs),
    /// Write seeded, realistic flow logs (v2 format) for demos and benchmarks.
    Gen(GenArgs),
    /// Time the query engine on loaded data: filter changes with every view, and the five
    /// benchmark queries of shared/bench (answers printed in the peers' format).
    Bench(InputArgs),
}

#[derive(Args, Debug)]
struct TopArgs {
    /// Fields to group by (comma-separated), e.g. `srcport` or `srcaddr,dstaddr`.
    #[arg(long, default_value = "srcaddr", value_delimiter = ',')]
    by: Vec<String>,
    /// What to rank by.
    #[arg(long, value_enum, default_value_t = Metric::Flows)]
    metric: Metric,
    /// Rows to print.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TopFormat::Table)]
    format: TopFormat,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum TopFormat {
    Table,
    Csv,
    Jsonl,
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// A named investigation (its filter and view): vpc-source-ports, top-talkers,
    /// top-conversations, rejected-inbound, ssh-rdp-from-internet, port-scanners, udp-users,
    /// busiest-https, nodata-skipdata.
    #[arg(long)]
    recipe: Option<String>,
    /// Rank by this metric (default: the recipe's, else flows).
    #[arg(long, value_enum)]
    metric: Option<Metric>,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// Replace files that already exist.
    #[arg(long)]
    force: bool,
    /// Chart size in points, WIDTHxHEIGHT.
    #[arg(long, default_value = "900x480", value_parser = parse_size)]
    size: (u32, u32),
    /// PNG pixels per point (2 = crisp on high-density screens and in print).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=8))]
    scale: u32,
    #[command(flatten)]
    input: InputArgs,
}

/// `900x480` → (900, 480), each between 200 and 8000.
fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{text}` is not WIDTHxHEIGHT (like 900x480)"))?;
    let dim = |v: &str| -> Result<u32, String> {
        match v.trim().parse::<u32>() {
            Ok(n) if (200..=8000).contains(&n) => Ok(n),
            _ => Err(format!("`{v}` must be a number from 200 to 8000")),
        }
    };
    Ok((dim(w)?, dim(h)?))
}

#[derive(Args, Debug)]
struct SqlArgs {
    /// The filter (flowlens filter language).
    #[arg(long, default_value = "")]
    filter: String,
    /// Fields to group by (comma-separated); none gives the totals.
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// What to rank by.
    #[arg(long, value_enum, default_value_t = Metric::Flows)]
    metric: Metric,
    /// Rows.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Print a CloudWatch Logs Insights query instead of Athena SQL.
    #[arg(long)]
    insights: bool,
}

#[derive(Args, Debug)]
struct InputArgs {
    /// Layout of lines before any header: an AWS format string (`${version} ${srcaddr} …`) or
    /// field names. Default: the 14 fields of the v2 default format.
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Only records matching this filter, e.g. `srcaddr in 10.0.0.0/16 and dstport == 443`.
    #[arg(long, default_value = "")]
    filter: String,
    /// Flow-log files or folders (searched recursively). Content decides the format: text, gzip,
    /// Parquet, CloudWatch Logs JSON.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

#[derive(Args, Debug)]
struct RowsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RowFormat::Csv)]
    format: RowFormat,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Args, Debug)]
struct GenArgs {
    /// Total records.
    #[arg(long, default_value_t = 100_000)]
    records: u64,
    /// Number of files.
    #[arg(long, default_value_t = 1)]
    files: u32,
    /// Random seed (same seed and options → same bytes).
    #[arg(long, default_value_t = 20_240_301)]
    seed: u64,
    /// Seconds covered, starting 2024-03-01T00:00:00Z.
    #[arg(long, default_value_t = 86_400)]
    span: u64,
    /// Leave out the S3 header line (Firehose style).
    #[arg(long)]
    no_header: bool,
    /// Write plain text instead of gzip.
    #[arg(long)]
    plain: bool,
    /// Output folder.
    #[arg(long, short)]
    out: PathBuf,
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        #[cfg(feature = "gui")]
        None => crate::app::run_native(cli.paths),
        #[cfg(not(feature = "gui"))]
        None => {
            let _ = cli.paths;
            eprintln!("flowlens: this build has no desktop app (feature `gui`); use a subcommand");
            ExitCode::from(2)
        }
        Some(Command::Rows(args)) => rows(args),
        Some(Command::Stats(args)) => stats(args),
        Some(Command::Top(args)) => top(args),
        Some(Command::Sql(args)) => sql(args),
        Some(Command::Report(args)) => report(args),
        Some(Command::Gen(args)) => gen_files(args),
        Some(Command::Bench(args)) => crate::bench::run(args.paths, args.threads),
    }
}

/// Parses `--filter`, printing the error with a caret under its position.
fn parse_filter(text: &str) -> Result<Filter, ExitCode> {
    filter::parse(text).map_err(|e| {
        eprintln!("flowlens: --filter: {}", e.pointer(text));
        ExitCode::from(2)
    })
}

/// Loads the input and selects the filtered rows.
fn load_selected(args: &InputArgs) -> Result<(FlowTable, Filter, Selection), ExitCode> {
    let filter = parse_filter(&args.filter)?;
    let table = load_input(args)?;
    let sel = select(&table, &filter, &QueryContext::default()).map_err(|e| {
        eprintln!("flowlens: --filter: {e}");
        ExitCode::from(2)
    })?;
    Ok((table, filter, sel))
}

fn top(args: TopArgs) -> ExitCode {
    let (table, _, sel) = match load_selected(&args.input) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let broken = report_problems(&table);
    let groups = match group_by(&table, &sel, &args.by, args.metric, args.limit) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("flowlens: --by: {e}");
            return ExitCode::from(2);
        }
    };
    let mut header: Vec<String> = args.by.iter().map(|b| b.replace('-', "_")).collect();
    header.extend(["flows", "packets", "bytes"].map(String::from));
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            let mut r = g.key.clone();
            r.extend(g.counts.iter().map(u64::to_string));
            r
        })
        .collect();
    let mut out = String::new();
    match args.format {
        TopFormat::Csv => {
            out.push_str(&header.join(","));
            out.push('\n');
            for r in &rows {
                let cells: Vec<String> = r.iter().map(|c| csv_escape(c)).collect();
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
        TopFormat::Jsonl => {
            for g in &groups {
                let mut obj = serde_json::Map::new();
                for (k, v) in args.by.iter().zip(&g.key) {
                    let key = k.replace('-', "_");
                    let val = if v == "-" {
                        serde_json::Value::Null
                    } else if is_numeric_field(&key) {
                        v.parse::<u64>().map_or(serde_json::Value::Null, Into::into)
                    } else {
                        v.clone().into()
                    };
                    obj.insert(key, val);
                }
                for (k, v) in ["flows", "packets", "bytes"].iter().zip(g.counts) {
                    obj.insert((*k).to_owned(), v.into());
                }
                out.push_str(&serde_json::Value::Object(obj).to_string());
                out.push('\n');
            }
        }
        TopFormat::Table => {
            let mut widths: Vec<usize> = header.iter().map(String::len).collect();
            for r in &rows {
                for (w, c) in widths.iter_mut().zip(r) {
                    *w = (*w).max(c.len());
                }
            }
            let line = |cells: &[String]| -> String {
                let n = args.by.len();
                cells
                    .iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(i, (c, w))| {
                        if i < n {
                            format!("{c:<w$}")
                        } else {
                            format!("{c:>w$}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("  ")
            };
            out.push_str(&line(&header));
            out.push('\n');
            for r in &rows {
                out.push_str(line(r).trim_end());
                out.push('\n');
            }
        }
    }
    print!("{out}");
    if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn report(mut args: ReportArgs) -> ExitCode {
    use crate::data::query::{ViewOptions, compute_views};
    let mut opts = ViewOptions {
        with_conversations: true,
        ..ViewOptions::default()
    };
    if let Some(name) = &args.recipe {
        let Some(r) = crate::data::recipes::recipe(name) else {
            let names: Vec<&str> = crate::data::recipes::RECIPES
                .iter()
                .map(|r| r.name)
                .collect();
            eprintln!(
                "flowlens: --recipe: no recipe `{name}` (recipes: {})",
                names.join(", ")
            );
            return ExitCode::from(2);
        };
        if !args.input.filter.is_empty() {
            eprintln!("flowlens: give --recipe or --filter, not both");
            return ExitCode::from(2);
        }
        args.input.filter = r.filter.to_owned();
        opts.metric = r.metric;
        opts.port_side = r.port_side;
        opts.conversations = r.conversations;
    }
    if let Some(m) = args.metric {
        opts.metric = m;
    }
    let (table, filter, sel) = match load_selected(&args.input) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let broken = report_problems(&table);
    let views = compute_views(&table, &sel, &opts);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let input = crate::data::export::ReportInput {
        table: &table,
        filter: &filter,
        views: &views,
        options: &opts,
        context: &QueryContext::default(),
        now_secs: now,
        chart_size: args.size,
        png_scale: args.scale,
    };
    match crate::data::export::write_report(&args.out, &input, args.force) {
        Ok(files) => {
            println!("{}", args.out.join("index.html").display());
            eprintln!(
                "flowlens: wrote {} files to {}",
                files.len(),
                args.out.display()
            );
            if broken {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("flowlens: {e}");
            ExitCode::FAILURE
        }
    }
}

fn sql(args: SqlArgs) -> ExitCode {
    let filter = match parse_filter(&args.filter) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let ctx = QueryContext::default();
    let text = if args.insights {
        insights_query(&filter, &args.by, args.metric, args.limit, &ctx)
    } else {
        athena_sql(&filter, &args.by, args.metric, args.limit, &ctx)
    };
    println!("{text}");
    ExitCode::SUCCESS
}

fn load_input(args: &InputArgs) -> Result<FlowTable, ExitCode> {
    let log_format = match args.log_format.as_deref().map(parse_log_format) {
        None => None,
        Some(Ok(cols)) => Some(cols),
        Some(Err(e)) => {
            eprintln!("flowlens: --log-format: {e}");
            return Err(ExitCode::from(2));
        }
    };
    let options = LoadOptions {
        log_format,
        threads: args.threads,
        ..LoadOptions::default()
    };
    load(&args.paths, &options).map_err(|e| {
        eprintln!("flowlens: {e}");
        ExitCode::FAILURE
    })
}

/// Prints skipped lines and broken files on stderr; returns whether any file had an error.
fn report_problems(table: &FlowTable) -> bool {
    let skipped = table.skipped();
    if skipped > 0 {
        let files = table.files.iter().filter(|f| f.skipped.count > 0).count();
        eprintln!("flowlens: skipped {skipped} line(s) in {files} file(s):");
        let mut shown = 0;
        for f in &table.files {
            for ex in &f.skipped.examples {
                if shown == 10 {
                    break;
                }
                eprintln!(
                    "  {}:{}: {}: {}",
                    f.path.display(),
                    ex.line,
                    ex.reason,
                    ex.text
                );
                shown += 1;
            }
        }
        if skipped > shown {
            eprintln!("  … and {} more", skipped - shown);
        }
    }
    let mut broken = false;
    for f in table.broken_files() {
        broken = true;
        eprintln!(
            "flowlens: {}: {} ({} records kept)",
            f.path.display(),
            f.error.as_deref().unwrap_or("error"),
            f.records
        );
    }
    broken
}

fn rows(args: RowsArgs) -> ExitCode {
    let (table, filter, sel) = match load_selected(&args.input) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let broken = report_problems(&table);
    let picked = (filter != Filter::All).then(|| sel.rows());
    let result = match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|mut f| write_rows(&table.df, picked.as_deref(), args.format, &mut f)),
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write_rows(&table.df, picked.as_deref(), args.format, &mut lock)
                .and_then(|()| lock.flush())
        }
    };
    if let Err(e) = result
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        {
            let target = args
                .output
                .as_ref()
                .map_or("standard output".to_owned(), |p| p.display().to_string());
            eprintln!("flowlens: writing {target}: {e}");
            return ExitCode::FAILURE;
        }
    }
    if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn stats(args: InputArgs) -> ExitCode {
    let (table, filter, sel) = match load_selected(&args) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let broken = report_problems(&table);
    if filter != Filter::All {
        let opts = crate::data::query::ViewOptions {
            with_conversations: false,
            ..Default::default()
        };
        let v = crate::data::query::compute_views(&table, &sel, &opts).totals;
        let span = match (v.first_start, v.last_end) {
            (Some(a), Some(b)) => format!("{} .. {}", format_epoch(a), format_epoch(b)),
            _ => "-".to_owned(),
        };
        println!("filter       {filter}");
        println!("records      {} of {}", sel.count, table.len());
        println!("time span    {span}");
        println!("packets      {}", v.counts[1]);
        println!("bytes        {}", v.counts[2]);
        println!("ACCEPT       {}", v.accept);
        println!("REJECT       {}", v.reject);
        println!("sources      {}", v.distinct_src);
        println!("destinations {}", v.distinct_dst);
        return if broken {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        };
    }
    let s = Summary::of(&table);
    let span = match (s.first_start, s.last_end) {
        (Some(a), Some(b)) => format!("{} .. {}", format_epoch(a), format_epoch(b)),
        _ => "-".to_owned(),
    };
    let per_record = if s.records > 0 {
        format!(
            " ({:.1} bytes/record)",
            s.frame_bytes as f64 / s.records as f64
        )
    } else {
        String::new()
    };
    let input_bytes: u64 = table.files.iter().map(|f| f.bytes).sum();
    println!("records      {}", s.records);
    println!(
        "files        {} ({} bytes; {} with errors)",
        s.files, input_bytes, s.broken_files
    );
    println!("skipped      {}", s.skipped);
    println!("time span    {span}");
    println!("packets      {}", s.packets);
    println!("bytes        {}", s.bytes);
    println!("ACCEPT       {}", s.accept);
    println!("REJECT       {}", s.reject);
    println!("NODATA       {}", s.nodata);
    println!("SKIPDATA     {}", s.skipdata);
    println!("frame        {} bytes{per_record}", s.frame_bytes);
    println!("load time    {:.3} s", table.load_secs);
    // The process ends now: the OS takes the whole table back at once, faster than freeing it
    // column by column.
    std::mem::forget(table);
    if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn gen_files(args: GenArgs) -> ExitCode {
    let opts = crate::data::generate::GenOptions {
        records: args.records,
        files: args.files,
        seed: args.seed,
        span: args.span,
        header: !args.no_header,
        gzip: !args.plain,
        ..Default::default()
    };
    match crate::data::generate::generate(&args.out, &opts) {
        Ok(paths) => {
            for p in paths {
                println!("{}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("flowlens: writing {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
