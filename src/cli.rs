//! Command line: no subcommand opens the GUI; the headless subcommands share the same core.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::data::output::{RowFormat, write_rows};
use crate::data::schema::parse_log_format;
use crate::data::summary::{Summary, format_epoch};
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
    /// Write seeded, realistic flow logs (v2 format) for demos and benchmarks.
    Gen(GenArgs),
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
        None => crate::app::run_native(cli.paths),
        Some(Command::Rows(args)) => rows(args),
        Some(Command::Stats(args)) => stats(args),
        Some(Command::Gen(args)) => gen_files(args),
    }
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
    let table = match load_input(&args.input) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let broken = report_problems(&table);
    let result = match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|mut f| write_rows(&table.df, None, args.format, &mut f)),
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write_rows(&table.df, None, args.format, &mut lock).and_then(|()| lock.flush())
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
    let table = match load_input(&args) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let broken = report_problems(&table);
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
