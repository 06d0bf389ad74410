//! `s3://bucket/prefix` inputs: [`open`] lists what the prefixes hold for a [`Pick`] (accounts,
//! regions, a time range; see [`list`]) and returns an [`S3Remote`], which the loader reads like
//! local files: objects download in parallel (at most [`PARALLEL`] at once) into the
//! [`Cache`](crate::cloud::cache::Cache), each read by a parse worker as soon as it is complete.

pub mod fetch;
pub mod list;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata as _;

pub use list::{Listed, Pick};

use super::cache::Cache;
use super::{CloudError, CloudOptions, block_on, sdk_config};
use crate::ingest::Progress;
use crate::ingest::remote::{Arrivals, Remote, RemoteObject};
use crate::model::FileReport;

/// Downloads at once.
pub const PARALLEL: usize = 8;

/// A parsed `s3://` address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Url {
    /// The bucket.
    pub bucket: String,
    /// The key prefix (may be empty, or one object's key).
    pub prefix: String,
}

impl S3Url {
    /// `s3://bucket/prefix` → the address; `None` when `text` is not an `s3://` address.
    pub fn parse(text: &str) -> Option<Result<S3Url, String>> {
        let rest = text
            .strip_prefix("s3://")
            .or_else(|| text.strip_prefix("S3://"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Some(Err(format!(
                "`{text}` names no bucket (s3://bucket/prefix)"
            )));
        }
        Some(Ok(S3Url {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        }))
    }
}

/// Whether a path is an `s3://` address.
pub fn is_s3(path: &std::path::Path) -> bool {
    path.to_str().is_some_and(|p| S3Url::parse(p).is_some())
}

/// Listed objects of one or more prefixes, ready to load.
pub struct S3Remote {
    client: Client,
    /// (bucket, listed object) of each object, in [`Remote::objects`]'s order.
    items: Vec<(String, Listed)>,
    objects: Vec<RemoteObject>,
    problems: Vec<FileReport>,
    cache: Cache,
    /// List requests the listing made.
    pub list_requests: usize,
    /// Objects found in the cache by the last fetch, and objects downloaded.
    pub counts: Arc<Mutex<(u64, u64)>>,
}

impl S3Remote {
    /// Total size of the listed objects.
    pub fn total_bytes(&self) -> u64 {
        self.objects.iter().map(|o| o.size).sum()
    }

    /// The cache the objects go through.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Listed objects already in the cache.
    pub fn cached(&self) -> usize {
        self.items
            .iter()
            .filter(|(b, o)| self.cache.entry(b, &o.key, &o.etag).exists())
            .count()
    }

    /// What could not be listed, as lines.
    pub fn problem_lines(&self) -> Vec<String> {
        self.problems
            .iter()
            .map(|p| format!("{}: {}", p.path.display(), p.error.as_deref().unwrap_or("")))
            .collect()
    }
}

/// Lists every address for `pick` with the credential chain and `opts`.
pub fn open(
    urls: &[S3Url],
    pick: &Pick,
    opts: &CloudOptions,
    cache: Cache,
) -> Result<S3Remote, CloudError> {
    block_on(open_async(urls, pick, opts, cache))?
}

async fn open_async(
    urls: &[S3Url],
    pick: &Pick,
    opts: &CloudOptions,
    cache: Cache,
) -> Result<S3Remote, CloudError> {
    let config = sdk_config(opts).await;
    let mut builder = aws_sdk_s3::config::Builder::from(&config);
    // S3-compatible stores (and an endpoint given as an address) want path-style requests.
    if opts.endpoint_url.is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some() {
        builder = builder.force_path_style(true);
    }
    let mut client = Client::from_conf(builder.clone().build());
    let mut remote = S3Remote {
        client: client.clone(),
        items: Vec::new(),
        objects: Vec::new(),
        problems: Vec::new(),
        cache,
        list_requests: 0,
        counts: Arc::default(),
    };
    for url in urls {
        if let Some(region) = bucket_region(&client, &url.bucket, opts).await?
            && Some(region.as_str()) != config.region().map(|r| r.as_ref())
        {
            let conf = builder
                .clone()
                .region(aws_config::Region::new(region))
                .build();
            client = Client::from_conf(conf);
            remote.client = client.clone();
        }
        let found = list::list(&client, &url.bucket, &url.prefix, pick)
            .await
            .map_err(|e| CloudError(format!("s3://{}/{}: {e}", url.bucket, url.prefix)))?;
        remote.list_requests += found.requests;
        for (prefix, why) in found.denied {
            remote.problems.push(FileReport {
                path: prefix.into(),
                error: Some(format!("not listed: {why}")),
                ..FileReport::default()
            });
        }
        for o in found.objects {
            remote.objects.push(RemoteObject {
                url: format!("s3://{}/{}", url.bucket, o.key),
                size: o.size,
            });
            remote.items.push((url.bucket.clone(), o));
        }
    }
    Ok(remote)
}

/// The bucket's region when S3 says it is not the client's (a redirect names it); a bucket
/// that does not exist is an error; anything else is left to the listing to report.
async fn bucket_region(
    client: &Client,
    bucket: &str,
    opts: &CloudOptions,
) -> Result<Option<String>, CloudError> {
    match client.head_bucket().bucket(bucket).send().await {
        Ok(out) => Ok(out.bucket_region().map(str::to_owned)),
        // No answer at all: credentials that cannot be loaded, an endpoint that cannot be
        // reached. Said once, here, with its cause (later calls only repeat "already taken").
        Err(e) if e.raw_response().is_none() => Err(CloudError(format!(
            "s3://{bucket}: {}",
            super::error_text(&e, opts)
        ))),
        Err(e) => {
            let header = e
                .raw_response()
                .and_then(|r| r.headers().get("x-amz-bucket-region"))
                .map(str::to_owned);
            let status = e.raw_response().map(|r| r.status().as_u16());
            if header.is_none() && (status == Some(404) || e.code() == Some("NoSuchBucket")) {
                return Err(CloudError(format!("s3://{bucket}: no such bucket")));
            }
            Ok(header)
        }
    }
}

impl Remote for S3Remote {
    fn objects(&self) -> &[RemoteObject] {
        &self.objects
    }

    fn problems(&self) -> Vec<FileReport> {
        self.problems.clone()
    }

    fn fetch(
        &self,
        order: Vec<usize>,
        board: Arc<Arrivals>,
        progress: Arc<Progress>,
        cancel: Arc<AtomicBool>,
    ) {
        fetch::fetch_all(self, order, board, progress, cancel);
    }
}
