//! The cloud from the app: "Open from S3…" (listing on a `flowlens-s3-list` job, then a load
//! with the listed objects), "Fetch context from AWS" (a `flowlens-context-fetch` job whose
//! snapshot folder joins the paths) and "Run on Athena" (a `flowlens-athena` job; Cancel stops
//! the queries in Athena). Without the `cloud` feature each says so once.

use std::sync::Arc;
#[cfg(feature = "cloud")]
use std::sync::atomic::{AtomicBool, Ordering};

use eframe::egui;

use super::FlowApp;
#[cfg(feature = "cloud")]
use super::job::Job;
use crate::ingest::remote::Remote;
#[cfg(feature = "cloud")]
use crate::state::{AthenaView, S3Listed};

/// A listing: the objects, and what the window shows of them.
#[cfg(feature = "cloud")]
type Listing = Result<(Arc<crate::cloud::s3::S3Remote>, S3Listed), String>;

/// An Athena run and its cancel flag.
#[cfg(feature = "cloud")]
type AthenaRun = (Job<Result<Vec<AthenaView>, String>>, Arc<AtomicBool>);

/// The cloud jobs and the listed objects.
#[derive(Default)]
pub(super) struct CloudJobs {
    #[cfg(feature = "cloud")]
    list: Option<Job<Listing>>,
    #[cfg(feature = "cloud")]
    fetch: Option<Job<Result<std::path::PathBuf, String>>>,
    #[cfg(feature = "cloud")]
    athena: Option<AthenaRun>,
    /// The listing shown in the S3 window (loaded on "Open").
    #[cfg(feature = "cloud")]
    listed: Option<Arc<crate::cloud::s3::S3Remote>>,
    /// The objects every load reads beside the local paths.
    #[cfg(feature = "cloud")]
    loaded: Option<Arc<crate::cloud::s3::S3Remote>>,
}

impl CloudJobs {
    /// The remote objects a load reads.
    pub(super) fn remote(&self) -> Option<Arc<dyn Remote>> {
        #[cfg(feature = "cloud")]
        return self.loaded.clone().map(|r| r as Arc<dyn Remote>);
        #[cfg(not(feature = "cloud"))]
        None
    }

    /// Forgets the loaded objects (Close all).
    pub(super) fn forget(&mut self) {
        #[cfg(feature = "cloud")]
        {
            self.loaded = None;
        }
    }
}

#[cfg(feature = "cloud")]
fn cloud_options(form: &crate::state::S3Form) -> crate::cloud::CloudOptions {
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    crate::cloud::CloudOptions {
        profile: opt(&form.profile),
        region: None,
        endpoint_url: opt(&form.endpoint),
        role_arn: None,
    }
}

#[cfg(feature = "cloud")]
fn list_of(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(feature = "cloud")]
impl FlowApp {
    /// Opens the S3 window (with an address from the command line or Recent).
    pub(super) fn show_s3(&mut self, url: Option<String>) {
        let form = &mut self.state.s3;
        form.open = true;
        if let Some(u) = url {
            form.url = u;
        }
        form.profiles = crate::cloud::profiles();
        form.cache = crate::cloud::cache::Cache::standard().usage();
    }

    /// Lists what the form selects on a job.
    pub(super) fn list_s3(&mut self, ctx: &egui::Context) {
        use crate::cloud::s3::{Pick, S3Url};
        let form = self.state.s3.clone();
        let url = match S3Url::parse(form.url.trim()) {
            Some(Ok(u)) => u,
            Some(Err(e)) => return self.state.s3.error = Some(e),
            None => {
                self.state.s3.error = Some("the address must start with s3://".into());
                return;
            }
        };
        let range = crate::cloud::range::TimeRange::parse(
            Some(form.from.trim()).filter(|s| !s.is_empty()),
            Some(form.to.trim()).filter(|s| !s.is_empty()),
        );
        let range = match range {
            Ok(r) => r,
            Err(e) => return self.state.s3.error = Some(e),
        };
        let pick = Pick {
            accounts: list_of(&form.accounts),
            regions: list_of(&form.regions),
            range,
        };
        let opts = cloud_options(&form);
        let key = form.key();
        let job = Job::spawn("flowlens-s3-list", ctx, move || {
            let cache = crate::cloud::cache::Cache::standard();
            let remote = crate::cloud::s3::open(&[url], &pick, &opts, cache).map_err(|e| e.0)?;
            let listed = S3Listed {
                key,
                objects: remote.objects().len(),
                bytes: remote.total_bytes(),
                cached: remote.cached(),
                requests: remote.list_requests,
                problems: remote.problem_lines(),
            };
            Ok((Arc::new(remote), listed))
        });
        match job {
            Ok(j) => {
                self.cloud.list = Some(j);
                self.state.s3.pending = Some("Listing…".into());
                self.state.s3.error = None;
            }
            Err(e) => self.state.s3.error = Some(e),
        }
    }

    /// Loads the listed objects with what is loaded.
    pub(super) fn load_s3(&mut self, ctx: &egui::Context) {
        let Some(remote) = self.cloud.listed.clone() else {
            return;
        };
        let url = self.state.s3.url.trim().to_owned();
        let recent = &mut self.state.settings.recent;
        recent.retain(|r| r.to_str() != Some(url.as_str()));
        recent.insert(0, url.into());
        recent.truncate(10);
        self.cloud.loaded = Some(remote);
        self.state.s3.open = false;
        self.open(Vec::new(), ctx);
    }

    /// Fetches the context of the loaded logs' regions on a job; its folder joins the paths.
    pub(super) fn fetch_context(&mut self, ctx: &egui::Context) {
        let regions = self
            .state
            .loaded
            .as_ref()
            .map(|l| crate::cloud::ec2::regions_of(&l.table))
            .unwrap_or_default();
        let mut regions = if regions.is_empty() {
            list_of(&self.state.s3.regions)
        } else {
            regions
        };
        regions.dedup();
        let opts = cloud_options(&self.state.s3);
        let job = Job::spawn("flowlens-context-fetch", ctx, move || {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let dir = crate::cloud::ec2::snapshot_dir(now);
            crate::cloud::ec2::fetch_context(&regions, &opts, &dir, now).map_err(|e| e.0)?;
            Ok(dir)
        });
        match job {
            Ok(j) => {
                self.cloud.fetch = Some(j);
                self.state.s3.pending = Some("Fetching context from AWS…".into());
            }
            Err(e) => self.state.notifications.push(e),
        }
    }

    /// Empties the object cache.
    pub(super) fn clear_cache(&mut self) {
        let cache = crate::cloud::cache::Cache::standard();
        match cache.clear() {
            Ok((n, bytes)) => self.state.notifications.push(format!(
                "Removed {n} cached objects ({})",
                crate::fmt::human_bytes(bytes)
            )),
            Err(e) => self
                .state
                .notifications
                .push(format!("Cannot clear the cache: {e}")),
        }
        self.state.s3.cache = cache.usage();
    }

    /// Runs the current question's views on Athena on a job.
    pub(super) fn run_athena(&mut self, ctx: &egui::Context) {
        use crate::cloud::athena::{AthenaTarget, run_query};
        use crate::query::translate::{
            AthenaTable, Partitions, athena_views, ports_of, timeline_of,
        };
        let form = self.state.athena.clone();
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let table = AthenaTable {
            name: opt(&form.table).unwrap_or_else(|| crate::query::translate::ATHENA_TABLE.into()),
            partitions: match form.partitions.as_str() {
                "day" => Partitions::Day,
                "hive" => Partitions::Hive,
                "none" => Partitions::None,
                _ => Partitions::Date,
            },
        };
        let metric = self.state.view_options.metric;
        let views = athena_views(
            &self.state.filter,
            &[],
            metric,
            20,
            &self.state.query_context,
            &table,
        );
        let target = AthenaTarget {
            workgroup: opt(&form.workgroup),
            output_location: opt(&form.output_location),
            database: opt(&form.database),
        };
        let opts = cloud_options(&self.state.s3);
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let job = Job::spawn("flowlens-athena", ctx, move || {
            let mut out = Vec::new();
            for (name, sql) in views {
                let r = run_query(&sql, &target, &opts, &stop, &|_| {}).map_err(|e| e.0)?;
                let cancelled = r.state == "CANCELLED";
                let rows: Vec<Vec<String>> = r
                    .rows
                    .into_iter()
                    .map(|row| row.into_iter().map(Option::unwrap_or_default).collect())
                    .collect();
                let ports = (name == "ports").then(|| ports_of(&r.columns, &rows, "dstport"));
                let timeline = (name == "timeline").then(|| timeline_of(&r.columns, &rows, 3600));
                out.push(AthenaView {
                    name,
                    sql,
                    state: r.state,
                    reason: r.reason,
                    scanned: r.scanned_bytes,
                    millis: r.engine_ms,
                    columns: r.columns,
                    rows,
                    ports,
                    timeline,
                });
                if cancelled || stop.load(Ordering::Relaxed) {
                    break;
                }
            }
            Ok(out)
        });
        match job {
            Ok(j) => {
                self.cloud.athena = Some((j, cancel));
                self.state.athena.running =
                    Some("Running totals, ports, talkers and timeline…".into());
                self.state.athena.error = None;
                self.state.athena.filter = self.state.filter.to_string();
            }
            Err(e) => self.state.athena.error = Some(e),
        }
    }

    /// Stops the Athena queries (the job asks Athena to stop the running one).
    pub(super) fn cancel_athena(&mut self) {
        if let Some((_, cancel)) = &self.cloud.athena {
            cancel.store(true, Ordering::Relaxed);
            self.state.athena.running = Some("Stopping the query in Athena…".into());
        }
    }

    /// Polls the cloud jobs.
    pub(super) fn poll_cloud(&mut self, ctx: &egui::Context) {
        if let Some(done) = self.cloud.list.as_mut().and_then(Job::poll) {
            self.cloud.list = None;
            self.state.s3.pending = None;
            match done.and_then(|r| r) {
                Ok((remote, listed)) => {
                    self.cloud.listed = Some(remote);
                    self.state.s3.listed = Some(listed);
                }
                Err(e) => self.state.s3.error = Some(e),
            }
        }
        if let Some(done) = self.cloud.fetch.as_mut().and_then(Job::poll) {
            self.cloud.fetch = None;
            self.state.s3.pending = None;
            match done.and_then(|r| r) {
                Ok(dir) => {
                    self.state.notifications.push(format!(
                        "Context fetched from AWS and saved in {} (open that folder to use it offline)",
                        dir.display()
                    ));
                    self.open(vec![dir], ctx);
                }
                Err(e) => self
                    .state
                    .notifications
                    .push(format!("Fetching context failed: {e}")),
            }
        }
        if let Some(done) = self.cloud.athena.as_mut().and_then(|(j, _)| j.poll()) {
            self.cloud.athena = None;
            self.state.athena.running = None;
            match done.and_then(|r| r) {
                Ok(views) => self.state.athena.views = views,
                Err(e) => self.state.athena.error = Some(e),
            }
        }
    }
}

#[cfg(not(feature = "cloud"))]
impl FlowApp {
    fn no_cloud(&mut self) {
        self.state
            .notifications
            .push("This build has no cloud support (feature `cloud`)".into());
    }
    pub(super) fn show_s3(&mut self, _: Option<String>) {
        self.no_cloud();
    }
    pub(super) fn list_s3(&mut self, _: &egui::Context) {
        self.no_cloud();
    }
    pub(super) fn load_s3(&mut self, _: &egui::Context) {
        self.no_cloud();
    }
    pub(super) fn fetch_context(&mut self, _: &egui::Context) {
        self.no_cloud();
    }
    pub(super) fn clear_cache(&mut self) {
        self.no_cloud();
    }
    pub(super) fn run_athena(&mut self, _: &egui::Context) {
        self.no_cloud();
    }
    pub(super) fn cancel_athena(&mut self) {}
    pub(super) fn poll_cloud(&mut self, _: &egui::Context) {}
}
