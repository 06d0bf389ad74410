//! `flowlens rows`: the parsed records as CSV, JSON lines or Parquet.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::{InputArgs, RowFormatArg};
use super::input::{load_selected, report_problems};
use crate::fmt::TerminalSafe;
use crate::query::filter::Filter;
use crate::report::rows::write_rows;

#[derive(Args, Debug)]
pub(super) struct RowsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RowFormatArg::Csv)]
    pub(super) format: RowFormatArg,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(super) output: Option<PathBuf>,
    #[command(flatten)]
    pub(super) input: InputArgs,
}

pub(super) fn rows(args: RowsArgs) -> ExitCode {
    let (table, filter, sel) = match load_selected(&args.input) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let broken = report_problems(&table);
    let picked = (filter != Filter::All).then(|| sel.rows());
    let result = match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|mut f| write_rows(&table.df, picked.as_deref(), args.format.into(), &mut f)),
        None if std::io::stdout().is_terminal() => {
            if args.format == RowFormatArg::Parquet {
                eprintln!(
                    "flowlens: Parquet is binary: give --output FILE, or redirect the output"
                );
                return ExitCode::from(2);
            }
            // Input text to a terminal: control characters escaped.
            let mut w = TerminalSafe::new(std::io::stdout().lock());
            write_rows(&table.df, picked.as_deref(), args.format.into(), &mut w)
                .and_then(|()| w.flush())
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write_rows(&table.df, picked.as_deref(), args.format.into(), &mut lock)
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
