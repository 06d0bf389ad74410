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
    /// A context file or folder (repeatable): `aws ec2 describe-*` JSON output, AWS
    /// ip-ranges.json or a `cidr,label` CSV; or `aws` to fetch it now with the EC2 describe calls
    /// (for the `--region`s, else the logs' regions), saved as a snapshot folder to reuse offline.
    /// Context files among the PATHS are recognised by their content too.
    #[arg(long = "context", value_name = "FILE")]
    pub(super) context: Vec<PathBuf>,
    /// Flow-log files or folders (searched recursively), or `s3://bucket/prefix` addresses.
    /// Content decides the format: text, gzip, Parquet, CloudWatch Logs JSON.
    #[arg(required = true)]
    pub(super) paths: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) cloud: CloudArgs,
}

/// Where `s3://` paths and the other cloud operations read from, and as whom.
#[derive(Args, Debug, Default, Clone)]
pub(super) struct CloudArgs {
    /// s3:// paths: the first UTC date or time to read (`2024-03-01`, `2024-03-01T14:00`).
    /// Only the day (and hour) folders of the range are listed.
    #[arg(long, value_name = "WHEN", help_heading = "Cloud")]
    pub(super) from: Option<String>,
    /// s3:// paths: the last UTC date or time to read (a date alone is that whole day).
    #[arg(long, value_name = "WHEN", help_heading = "Cloud")]
    pub(super) to: Option<String>,
    /// s3:// paths: an account folder to read (repeatable; default: all).
    #[arg(long = "account", value_name = "ID", help_heading = "Cloud")]
    pub(super) accounts: Vec<String>,
    /// s3:// paths: a region folder to read (repeatable; default: all); `--context aws`: the
    /// regions to fetch.
    #[arg(long = "region", value_name = "REGION", help_heading = "Cloud")]
    pub(super) regions: Vec<String>,
    /// The AWS profile (default: AWS_PROFILE, else `default`); credentials come from the same
    /// chain as the AWS CLI's (environment, profiles, SSO, credential_process, roles).
    #[arg(long, value_name = "NAME", help_heading = "Cloud")]
    pub(super) profile: Option<String>,
    /// `--context aws`: a role to assume in each account of the logs (`{account}` is replaced
    /// by the account id, e.g. `arn:aws:iam::{account}:role/FlowlensReadOnly`); the accounts are
    /// the `--account`s, else those in the logs' file names and `account_id`s.
    #[arg(long, value_name = "ROLE_ARN", help_heading = "Cloud")]
    pub(super) assume_role: Option<String>,
    /// An S3-compatible endpoint (default: AWS_ENDPOINT_URL, else AWS).
    #[arg(long, value_name = "URL", help_heading = "Cloud")]
    pub(super) endpoint_url: Option<String>,
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
