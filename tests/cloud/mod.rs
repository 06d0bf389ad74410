//! The cloud paths against a real S3-compatible server on 127.0.0.1: moto's server
//! (`moto[server]` from PyPI), which `.ci/run` installs and starts and names in
//! `FLOWLENS_TEST_MOTO` (`http://127.0.0.1:PORT`). Without it every test here returns at once
//! with a message; with `FLOWLENS_CLOUD_TESTS=required` (set by `.ci/run`) that is a failure.
//!
//! Between flowlens and moto sits [`proxy::Proxy`], a small HTTP forwarder of the test's own: it
//! counts the requests (date pruning is proven by the list requests), answers 403 for a prefix
//! (access denied) and can stop mid-download (the server going away).

mod athena;
mod ec2;
pub mod proxy;
mod s3;

use std::path::Path;
use std::process::{Command, Output};

/// The moto endpoint, or `None` after saying why the test is skipped.
pub fn moto() -> Option<String> {
    match std::env::var("FLOWLENS_TEST_MOTO") {
        Ok(url) if url.starts_with("http://127.0.0.1:") => Some(url),
        Ok(url) => panic!("FLOWLENS_TEST_MOTO must be http://127.0.0.1:PORT, not {url}"),
        Err(_) => {
            assert!(
                std::env::var("FLOWLENS_CLOUD_TESTS").as_deref() != Ok("required"),
                "FLOWLENS_CLOUD_TESTS=required but FLOWLENS_TEST_MOTO is not set: start \
                 `moto_server -H 127.0.0.1 -p PORT` and set FLOWLENS_TEST_MOTO=http://127.0.0.1:PORT"
            );
            // Straight to the process's stderr (the test harness captures `eprintln!`), once.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "note: the cloud tests are skipped: no local S3-compatible server (start \
                     `moto_server -H 127.0.0.1 -p PORT` from `pip install 'moto[server]'` and set \
                     FLOWLENS_TEST_MOTO=http://127.0.0.1:PORT; .ci/run does)"
                );
            });
            None
        }
    }
}

/// The environment every cloud call of a test runs with: test credentials, no instance
/// metadata lookups (no address but 127.0.0.1 is ever contacted), no profile files of the
/// machine, the cache in `cache`.
pub fn isolated(cmd: &mut Command, endpoint: &str, cache: &Path) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", cache.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", cache.join("no-credentials"))
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("FLOWLENS_CACHE_DIR", cache.join("cache"));
}

/// Runs flowlens with `args` in the isolated environment.
pub fn flowlens(args: &[&str], endpoint: &str, home: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowlens"));
    isolated(&mut cmd, endpoint, home);
    cmd.args(args).output().unwrap()
}

/// An S3 client straight to moto (for setting up buckets; not through the proxy).
pub fn s3_client(endpoint: &str) -> aws_sdk_s3::Client {
    let creds = aws_sdk_s3::config::Credentials::new("testing", "testing", None, None, "test");
    let conf = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .endpoint_url(endpoint)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// Creates `bucket` and puts the objects.
pub fn put_objects(endpoint: &str, bucket: &str, objects: &[(String, Vec<u8>)]) {
    let client = s3_client(endpoint);
    flowlens::cloud::block_on(async {
        // Already there when the same server ran these tests before.
        client.create_bucket().bucket(bucket).send().await.ok();
        for (key, body) in objects {
            client
                .put_object()
                .bucket(bucket)
                .key(key)
                .body(body.clone().into())
                .send()
                .await
                .unwrap();
        }
    })
    .unwrap();
}
