//! Arguments several subcommands share, and the value enums of the command line, mapped onto
//! the core's types (the core knows nothing of clap).

use std::path::PathBuf;

use clap::Args;

use crate::model::Metric;
use crate::report::rows::RowFormat;

#[derive(Args, Debug)]
pub(super) struct InputArgs {
    /// Layout of lines before any header: an AWS format string (`${version} ${srcaddr} …`) or
    /// field names. Default: the 14 fields of the v2 default format.
    #[arg(long, value_name = "FORMAT")]
    pub(super) log_format: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub(super) threads: usize,
    /// Only records matching this filter, e.g. `srcaddr in 10.0.0.0/16 and dstport == 443`.
    #[arg(long, default_value = "")]
    pub(super) filter: String,
    /// A context file (repeatable): `aws ec2 describe-*` JSON output, AWS ip-ranges.json or a
    /// `cidr,label` CSV. Context files among the PATHS are recognised by their content too.
    #[arg(long = "context", value_name = "FILE")]
    pub(super) context: Vec<PathBuf>,
    /// Flow-log files or folders (searched recursively). Content decides the format: text, gzip,
    /// Parquet, CloudWatch Logs JSON.
    #[arg(required = true)]
    pub(super) paths: Vec<PathBuf>,
}

/// `900x480` → (900, 480), each between 200 and 8000.
pub(super) fn parse_size(text: &str) -> Result<(u32, u32), String> {
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

/// What to rank by (`--metric`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum MetricArg {
    /// Number of flow records.
    Flows,
    /// Sum of `packets`.
    Packets,
    /// Sum of `bytes`.
    Bytes,
}

impl From<MetricArg> for Metric {
    fn from(m: MetricArg) -> Metric {
        match m {
            MetricArg::Flows => Metric::Flows,
            MetricArg::Packets => Metric::Packets,
            MetricArg::Bytes => Metric::Bytes,
        }
    }
}

/// Output format of records (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum RowFormatArg {
    /// Comma-separated values with a header line; null is an empty field.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet.
    Parquet,
}

impl From<RowFormatArg> for RowFormat {
    fn from(f: RowFormatArg) -> RowFormat {
        match f {
            RowFormatArg::Csv => RowFormat::Csv,
            RowFormatArg::Jsonl => RowFormat::Jsonl,
            RowFormatArg::Parquet => RowFormat::Parquet,
        }
    }
}

/// Output format of a table (`top`, `explain`, `rules`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum TableFormat {
    /// Aligned columns for reading.
    Table,
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
}
