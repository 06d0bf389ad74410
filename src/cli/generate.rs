//! `flowlens gen`: seeded, realistic flow logs for demos and benchmarks.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::sample::{GenOptions, generate};

#[derive(Args, Debug)]
pub(super) struct GenArgs {
    /// Total records.
    #[arg(long, default_value_t = 100_000)]
    pub(super) records: u64,
    /// Number of files.
    #[arg(long, default_value_t = 1)]
    pub(super) files: u32,
    /// Random seed (same seed and options → same bytes).
    #[arg(long, default_value_t = 20_240_301)]
    pub(super) seed: u64,
    /// Seconds covered, starting 2024-03-01T00:00:00Z.
    #[arg(long, default_value_t = 86_400)]
    pub(super) span: u64,
    /// Leave out the S3 header line (Firehose style).
    #[arg(long)]
    pub(super) no_header: bool,
    /// Write plain text instead of gzip.
    #[arg(long)]
    pub(super) plain: bool,
    /// Leave out the matching context files (`context/`: the interfaces, instances, subnets,
    /// VPC, security groups and network ACLs as `aws ec2 describe-*` prints them, a small
    /// ip-ranges.json and a labels CSV).
    #[arg(long)]
    pub(super) no_context: bool,
    /// Output folder.
    #[arg(long, short)]
    pub(super) out: PathBuf,
}

pub(super) fn gen_files(args: GenArgs) -> ExitCode {
    let opts = GenOptions {
        records: args.records,
        files: args.files,
        seed: args.seed,
        span: args.span,
        header: !args.no_header,
        gzip: !args.plain,
        context: !args.no_context,
        ..Default::default()
    };
    match generate(&args.out, &opts) {
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
