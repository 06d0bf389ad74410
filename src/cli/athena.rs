//! `flowlens athena ddl`: the `CREATE EXTERNAL TABLE` for the data's layout (partition
//! projection); `flowlens athena run`: the same question's views run on Athena.

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use super::args::InputArgs;
use super::input::load_input;
use crate::query::translate::{Partitions, TableSpec, athena_ddl};

#[derive(Args, Debug)]
pub(super) struct AthenaArgs {
    #[command(subcommand)]
    command: AthenaCommand,
}

#[derive(Subcommand, Debug)]
enum AthenaCommand {
    /// Print the CREATE EXTERNAL TABLE for the layout of the given logs (text with their
    /// header's fields, or Parquet; AWS or Hive-compatible prefixes), with partition projection.
    Ddl(DdlArgs),
    /// Run the question's views (totals, ports, talkers, timeline; or `--by`) on Athena.
    #[cfg(feature = "cloud")]
    Run(super::athena_run::RunArgs),
}

#[derive(Args, Debug)]
struct DdlArgs {
    /// The table's name.
    #[arg(long, default_value = crate::query::translate::ATHENA_TABLE)]
    table: String,
    /// The S3 folder that holds `AWSLogs/` (default: taken from an s3:// path).
    #[arg(long, value_name = "S3_URL")]
    location: Option<String>,
    #[command(flatten)]
    input: InputArgs,
}

/// The partition columns of the table (`athena run`, `sql`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum PartitionsArg {
    /// `date` DATE, as in the AWS Athena guide's text DDL.
    Date,
    /// `day` `yyyy/MM/dd` (`flowlens athena ddl` on the AWS layout).
    Day,
    /// `year`, `month`, `day` (`flowlens athena ddl` on Hive-compatible prefixes).
    Hive,
    /// No partitions.
    None,
}

impl From<PartitionsArg> for Partitions {
    fn from(p: PartitionsArg) -> Partitions {
        match p {
            PartitionsArg::Date => Partitions::Date,
            PartitionsArg::Day => Partitions::Day,
            PartitionsArg::Hive => Partitions::Hive,
            PartitionsArg::None => Partitions::None,
        }
    }
}

pub(super) fn athena(args: AthenaArgs) -> ExitCode {
    match args.command {
        AthenaCommand::Ddl(a) => ddl(a),
        #[cfg(feature = "cloud")]
        AthenaCommand::Run(a) => super::athena_run::run(a),
    }
}

fn ddl(args: DdlArgs) -> ExitCode {
    let table = match load_input(&args.input) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let logs: Vec<&crate::model::FileReport> = table
        .files
        .iter()
        .filter(|f| !f.context && f.error.is_none() && f.records > 0)
        .collect();
    let Some(first) = logs.first() else {
        eprintln!(
            "flowlens: athena ddl: no flow-log records in these paths to take the layout from"
        );
        return ExitCode::from(2);
    };
    let parquet = first.format.contains("parquet");
    let mut spec = TableSpec {
        name: args.table,
        parquet,
        ..TableSpec::default()
    };
    spec.columns = if parquet {
        table
            .df
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect()
    } else {
        first.fields.iter().map(|c| c.replace('-', "_")).collect()
    };
    let paths: Vec<String> = logs
        .iter()
        .map(|f| f.path.to_string_lossy().into_owned())
        .collect();
    let layout = layout_of(&paths);
    spec.hive = layout.hive;
    spec.hourly = layout.hourly;
    if !layout.accounts.is_empty() {
        spec.accounts = layout.accounts;
    }
    if !layout.regions.is_empty() {
        spec.regions = layout.regions;
    }
    if let Some(d) = layout.first_day {
        spec.first_day = d;
    }
    let location = args.location.or(layout.location);
    match location {
        Some(l) => spec.location = l,
        None => eprintln!(
            "flowlens: note: no S3 location in these paths; give --location s3://bucket/prefix/ \
             (the folder that holds AWSLogs/)"
        ),
    }
    let flag = if spec.hive { "hive" } else { "day" };
    println!("{}", athena_ddl(&spec));
    println!(
        "-- flowlens's queries for this table: flowlens athena run --table {} --partitions {flag} …\n\
         --                                  flowlens sql --partitions {flag} …",
        spec.name
    );
    ExitCode::SUCCESS
}

/// What the logs' keys say of their S3 layout.
#[derive(Debug, Default)]
struct Layout {
    hive: bool,
    hourly: bool,
    accounts: Vec<String>,
    regions: Vec<String>,
    first_day: Option<String>,
    location: Option<String>,
}

/// Reads `…/AWSLogs/{account}/vpcflowlogs/{region}/YYYY/MM/DD/[HH/]file` or the Hive form from
/// each path (s3:// keys, or a local copy made by `aws s3 sync`).
fn layout_of(paths: &[String]) -> Layout {
    let mut out = Layout::default();
    let mut days: Vec<String> = Vec::new();
    let push = |list: &mut Vec<String>, v: String| {
        if !v.is_empty() && !list.contains(&v) {
            list.push(v);
        }
    };
    for p in paths {
        // The AWS file name: `{account}_vpcflowlogs_{region}_{flow log}_{YYYYMMDDTHHmmZ}_{hash}`.
        let name = p.rsplit('/').next().unwrap_or_default();
        let f: Vec<&str> = name.split('_').collect();
        if f.get(1) == Some(&"vpcflowlogs") {
            push(
                &mut out.accounts,
                f.first().map(|s| (*s).to_owned()).unwrap_or_default(),
            );
            push(
                &mut out.regions,
                f.get(2).map(|s| (*s).to_owned()).unwrap_or_default(),
            );
            if let Some(t) = f.get(4).filter(|t| t.len() >= 8 && t.is_char_boundary(8)) {
                days.push(format!("{}/{}/{}", &t[..4], &t[4..6], &t[6..8]));
            }
        }
        let Some(at) = p.find("AWSLogs/") else {
            continue;
        };
        if out.location.is_none() && p.starts_with("s3://") {
            out.location = Some(p[..at].to_owned());
        }
        let parts: Vec<&str> = p[at + 8..].split('/').collect();
        let value = |s: &str| s.split_once('=').map_or(s, |(_, v)| v).to_owned();
        let hive = parts
            .first()
            .is_some_and(|s| s.starts_with("aws-account-id="));
        out.hive |= hive;
        // Both layouts: account, service, region, year, month, day, [hour,] file.
        let (acct, region, date) = (parts.first(), parts.get(2), parts.get(3..6));
        push(
            &mut out.accounts,
            acct.map(|s| value(s)).unwrap_or_default(),
        );
        push(
            &mut out.regions,
            region.map(|s| value(s)).unwrap_or_default(),
        );
        if let Some([y, m, d]) = date {
            days.push(format!("{}/{}/{}", value(y), value(m), value(d)));
        }
        // A folder between the day and the file name: hourly partitions.
        out.hourly |= parts.len() > 7;
    }
    out.first_day = days.into_iter().min();
    out
}
