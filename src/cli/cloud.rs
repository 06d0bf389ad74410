//! The command line's side of the cloud: `s3://` paths among the inputs become a listed remote
//! (with the `--from/--to/--account/--region` pick), the cache is trimmed after a load, and the
//! counts go to stderr.

use std::path::PathBuf;
use std::process::ExitCode;
#[cfg(feature = "cloud")]
use std::sync::Arc;

use super::args::{CloudArgs, InputArgs};

/// What the cloud needs to know from the command line.
#[cfg(feature = "cloud")]
pub(super) fn cloud_options(args: &CloudArgs) -> crate::cloud::CloudOptions {
    crate::cloud::CloudOptions {
        profile: args.profile.clone(),
        region: None,
        endpoint_url: args.endpoint_url.clone(),
        role_arn: None,
    }
}

/// The remote objects of the `s3://` paths (listed now), and the local paths.
#[cfg(feature = "cloud")]
pub(super) fn remote_of(
    args: &InputArgs,
) -> Result<(Option<RemoteHandle>, Vec<PathBuf>), ExitCode> {
    use crate::cloud::s3::{Pick, S3Url};
    let fail = |e: String| {
        eprintln!("flowlens: {}", crate::fmt::escape_control(&e));
        ExitCode::from(2)
    };
    let mut urls = Vec::new();
    let mut local = Vec::new();
    for p in &args.paths {
        match p.to_str().and_then(S3Url::parse) {
            Some(Ok(u)) => urls.push(u),
            Some(Err(e)) => return Err(fail(e)),
            None => local.push(p.clone()),
        }
    }
    if urls.is_empty() {
        return Ok((None, local));
    }
    let c = &args.cloud;
    let range =
        crate::cloud::range::TimeRange::parse(c.from.as_deref(), c.to.as_deref()).map_err(&fail)?;
    let pick = Pick {
        accounts: c.accounts.clone(),
        regions: c.regions.clone(),
        range,
    };
    let cache = crate::cloud::cache::Cache::standard();
    let remote =
        crate::cloud::s3::open(&urls, &pick, &cloud_options(c), cache).map_err(|e| fail(e.0))?;
    eprintln!(
        "flowlens: s3: {} objects ({}) listed in {} list requests",
        crate::ingest::remote::Remote::objects(&remote).len(),
        crate::fmt::human_bytes(remote.total_bytes()),
        remote.list_requests
    );
    Ok((Some(RemoteHandle(Arc::new(remote))), local))
}

/// Without the `cloud` feature an `s3://` path is an error.
#[cfg(not(feature = "cloud"))]
pub(super) fn remote_of(
    args: &InputArgs,
) -> Result<(Option<RemoteHandle>, Vec<PathBuf>), ExitCode> {
    if let Some(p) = args
        .paths
        .iter()
        .find(|p| p.to_string_lossy().starts_with("s3://"))
    {
        eprintln!(
            "flowlens: {}: this build has no cloud support (feature `cloud`)",
            p.display()
        );
        return Err(ExitCode::from(2));
    }
    let _: &CloudArgs = &args.cloud;
    Ok((None, args.paths.clone()))
}

/// The listed objects of a load.
#[cfg(feature = "cloud")]
pub(super) struct RemoteHandle(Arc<crate::cloud::s3::S3Remote>);

/// No remote without the `cloud` feature.
#[cfg(not(feature = "cloud"))]
pub(super) enum RemoteHandle {}

impl RemoteHandle {
    /// The remote, as the loader takes it.
    pub(super) fn remote(&self) -> std::sync::Arc<dyn crate::ingest::remote::Remote> {
        #[cfg(feature = "cloud")]
        return self.0.clone();
        #[cfg(not(feature = "cloud"))]
        match *self {}
    }

    /// After a load: the cache's counts on stderr, and the cache trimmed to its limit.
    pub(super) fn after_load(&self) {
        #[cfg(feature = "cloud")]
        {
            if let Ok(c) = self.0.counts.lock() {
                eprintln!(
                    "flowlens: s3: {} objects from the cache, {} downloaded",
                    c.0, c.1
                );
            }
            self.0.cache().trim();
        }
        #[cfg(not(feature = "cloud"))]
        match *self {}
    }
}

/// The `--context` paths, with `aws` replaced by a snapshot fetched now (EC2 describe calls for
/// the `--region`s, else the regions in the logs' file names, else the profile's region).
pub(super) fn live_context(
    args: &InputArgs,
    table: &crate::model::FlowTable,
) -> Result<Vec<PathBuf>, ExitCode> {
    let mut out = Vec::new();
    for p in &args.context {
        if p.as_os_str() != "aws" {
            out.push(p.clone());
            continue;
        }
        #[cfg(feature = "cloud")]
        {
            let regions = if args.cloud.regions.is_empty() {
                crate::cloud::ec2::regions_of(table)
            } else {
                args.cloud.regions.clone()
            };
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let dir = crate::cloud::ec2::snapshot_dir(now);
            let files = fetch_live(args, table, &regions, &dir, now)?;
            eprintln!(
                "flowlens: context fetched from AWS ({} files) into {}; `--context {}` reads this snapshot again offline",
                files.len(),
                dir.display(),
                dir.display()
            );
            out.push(dir);
        }
        #[cfg(not(feature = "cloud"))]
        {
            let _ = table;
            eprintln!("flowlens: --context aws: this build has no cloud support (feature `cloud`)");
            return Err(ExitCode::from(2));
        }
    }
    Ok(out)
}

#[cfg(feature = "cloud")]
#[derive(clap::Args, Debug)]
pub(super) struct CacheArgs {
    /// Remove every cached object.
    #[arg(long)]
    clear: bool,
}

/// `flowlens cache [--clear]`.
#[cfg(feature = "cloud")]
pub(super) fn cache(args: CacheArgs) -> ExitCode {
    let cache = crate::cloud::cache::Cache::standard();
    if args.clear {
        return match cache.clear() {
            Ok((n, bytes)) => {
                println!(
                    "removed {n} cached objects ({})",
                    crate::fmt::human_bytes(bytes)
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("flowlens: cannot clear {}: {e}", cache.dir.display());
                ExitCode::FAILURE
            }
        };
    }
    let (n, bytes) = cache.usage();
    println!(
        "{}: {n} objects, {} (limit {}; FLOWLENS_CACHE_LIMIT changes it)",
        cache.dir.display(),
        crate::fmt::human_bytes(bytes),
        crate::fmt::human_bytes(cache.limit)
    );
    ExitCode::SUCCESS
}

/// Fetches the context: with the chain's credentials, or with `--assume-role` once per account
/// of the logs (a sub-folder each).
#[cfg(feature = "cloud")]
fn fetch_live(
    args: &InputArgs,
    table: &crate::model::FlowTable,
    regions: &[String],
    dir: &std::path::Path,
    now: u64,
) -> Result<Vec<PathBuf>, ExitCode> {
    let fail = |e: crate::cloud::CloudError| {
        eprintln!(
            "flowlens: --context aws: {}",
            crate::fmt::escape_control(&e.0)
        );
        ExitCode::from(2)
    };
    let base = cloud_options(&args.cloud);
    let Some(template) = &args.cloud.assume_role else {
        return crate::cloud::ec2::fetch_context(regions, &base, dir, now).map_err(fail);
    };
    let accounts = if args.cloud.accounts.is_empty() {
        crate::cloud::ec2::accounts_of(table)
    } else {
        args.cloud.accounts.clone()
    };
    if accounts.is_empty() {
        eprintln!("flowlens: --assume-role: no account in the logs' file names; give --account");
        return Err(ExitCode::from(2));
    }
    let mut files = Vec::new();
    for account in accounts {
        let opts = crate::cloud::CloudOptions {
            role_arn: Some(template.replace("{account}", &account)),
            ..base.clone()
        };
        let more = crate::cloud::ec2::fetch_context(regions, &opts, &dir.join(&account), now);
        files.extend(more.map_err(fail)?);
    }
    Ok(files)
}

/// The S3 window's fields from the command line (the app opens with them).
#[cfg(feature = "gui")]
pub(super) fn s3_form(args: &CloudArgs) -> crate::state::S3Form {
    crate::state::S3Form {
        from: args.from.clone().unwrap_or_default(),
        to: args.to.clone().unwrap_or_default(),
        accounts: args.accounts.join(","),
        regions: args.regions.join(","),
        profile: args.profile.clone().unwrap_or_default(),
        endpoint: args.endpoint_url.clone().unwrap_or_default(),
        ..crate::state::S3Form::default()
    }
}
