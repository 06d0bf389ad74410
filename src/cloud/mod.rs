//! Layer 4 (beside `report` and `sample`): the account, over the network, and only on the user's
//! explicit request: `s3://` paths ([`s3`]), `--context aws` ([`ec2`]) and `athena run`
//! ([`athena`]). Everything goes through the official AWS SDK for Rust (`aws-config` and the
//! service crates), so credentials and region come from the same chain as the AWS CLI's:
//! environment, `~/.aws/config` and `credentials` profiles, IAM Identity Center (SSO) sessions,
//! `credential_process`, web identity, container and instance roles; `AWS_ENDPOINT_URL` or
//! `--endpoint-url` for S3-compatible stores.
//!
//! The SDK is async; the rest of flowlens is not. One small tokio runtime (two named
//! `flowlens-cloud` threads) is created the first time a cloud operation runs, never for local
//! files: loading local files opens no socket (a test runs the binary with `socket()` forbidden).
//!
//! May use: [`crate::fmt`], [`crate::model`], [`crate::ingest`], [`crate::query`].

pub mod athena;
pub mod cache;
pub mod ec2;
pub mod range;
pub mod s3;

use std::sync::OnceLock;

use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Where and as whom to call AWS (the command line's `--profile`, `--endpoint-url`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CloudOptions {
    /// A named profile of `~/.aws/config` (else `AWS_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// The region to call (else the profile's or `AWS_REGION`; S3 follows the bucket's region).
    pub region: Option<String>,
    /// An S3-compatible endpoint (else `AWS_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
    /// A role to assume (with the chain's credentials) for the calls, e.g. a read-only role in
    /// another account of the logs.
    pub role_arn: Option<String>,
}

/// A failed cloud operation, with what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CloudError(pub String);

/// The runtime the SDK's futures run on (created on first use).
pub fn runtime() -> Result<&'static tokio::runtime::Runtime, CloudError> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("flowlens-cloud")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the network runtime: {e}"))
    })
    .as_ref()
    .map_err(|e| CloudError(e.clone()))
}

/// Runs a future to completion on the cloud runtime, from a thread that is not one of its own.
pub fn block_on<F: Future>(f: F) -> Result<F::Output, CloudError> {
    Ok(runtime()?.block_on(f))
}

/// The SDK configuration from the standard chain, with the options on top. Throttling and
/// dropped connections are retried by the SDK (standard mode: 3 attempts with exponential
/// backoff, or `AWS_MAX_ATTEMPTS` / the profile's `max_attempts`).
pub async fn sdk_config(opts: &CloudOptions) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(e) = &opts.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    let mut config = loader.load().await;
    if config.region().is_none() {
        // S3 answers every region's buckets with a redirect naming the right one; other services
        // need a region from the chain (the messages say so).
        config = config
            .into_builder()
            .region(Region::from_static("us-east-1"))
            .build();
    }
    if let Some(role) = &opts.role_arn {
        let provider = aws_config::sts::AssumeRoleProvider::builder(role.clone())
            .session_name("flowlens")
            .configure(&config)
            .build()
            .await;
        let shared = aws_sdk_s3::config::SharedCredentialsProvider::new(provider);
        config = config.into_builder().credentials_provider(shared).build();
    }
    config
}

/// An SDK error as one line with its causes, plus what to do for the usual credential problems.
pub fn error_text(err: &(dyn std::error::Error + 'static), opts: &CloudOptions) -> String {
    // The error and its causes, each said once, on one line.
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let line = e
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !line.is_empty() && !parts.iter().any(|p| p.contains(&line)) {
            parts.push(line);
        }
        cur = e.source();
    }
    let mut text = parts.join(": ");
    let lower = text.to_ascii_lowercase();
    let profile = opts
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .unwrap_or_else(|| "default".into());
    if lower.contains("profile") && lower.contains("was not defined") {
        text = format!(
            "the profile `{profile}` is not defined in the AWS config files (~/.aws/config and \
             ~/.aws/credentials, or AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE); {text}"
        );
    } else if lower.contains("sso") && (lower.contains("expired") || lower.contains("token")) {
        text.push_str(&format!(
            " (the SSO session has expired or was never started: run `aws sso login --profile {profile}`)"
        ));
    } else if lower.contains("no credentials") || lower.contains("credentialsnotloaded") {
        text.push_str(
            " (no AWS credentials found: set AWS_PROFILE or --profile, run `aws configure` or \
             `aws sso login`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
        );
    }
    text
}

/// The profiles of the AWS config files (`AWS_CONFIG_FILE` or `~/.aws/config`, and
/// `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`), for the app's profile picker.
pub fn profiles() -> Vec<String> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let file = |var: &str, name: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))
    };
    let mut out: Vec<String> = Vec::new();
    for (path, config) in [
        (file("AWS_CONFIG_FILE", "config"), true),
        (file("AWS_SHARED_CREDENTIALS_FILE", "credentials"), false),
    ] {
        let Some(text) = path.and_then(|p| std::fs::read_to_string(p).ok()) else {
            continue;
        };
        for line in text.lines() {
            let Some(section) = line
                .trim()
                .strip_prefix('[')
                .and_then(|l| l.strip_suffix(']'))
            else {
                continue;
            };
            let section = section.trim();
            // In the config file a profile is `[profile name]` (or `[default]`); `[sso-session …]`
            // and `[services …]` are not profiles.
            let name = if config {
                match section.strip_prefix("profile ") {
                    Some(n) => n.trim(),
                    None if section == "default" => section,
                    None => continue,
                }
            } else {
                section
            };
            if !out.iter().any(|o| o == name) {
                out.push(name.to_owned());
            }
        }
    }
    out
}
