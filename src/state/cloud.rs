//! The cloud windows' state: "Open from S3…" (address, profile, accounts, regions and the date
//! range; what the listing found before anything is downloaded) and "Run on Athena" (where, the
//! views' state, cost and rows). Plain text: the app turns it into cloud calls.

/// The "Open from S3…" window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct S3Form {
    /// The window is open.
    pub open: bool,
    /// `s3://bucket/prefix/`.
    pub url: String,
    /// The AWS profile (empty: the default chain).
    pub profile: String,
    /// An S3-compatible endpoint (empty: AWS).
    pub endpoint: String,
    /// First UTC date or time.
    pub from: String,
    /// Last UTC date or time (a date alone is the whole day).
    pub to: String,
    /// Accounts, comma-separated (empty: all).
    pub accounts: String,
    /// Regions, comma-separated (empty: all).
    pub regions: String,
    /// Profiles found in the AWS config files.
    pub profiles: Vec<String>,
    /// What the last listing found, for the form as it was then.
    pub listed: Option<S3Listed>,
    /// Listing (or fetching context) now.
    pub pending: Option<String>,
    /// Why the last listing failed.
    pub error: Option<String>,
    /// The object cache: (objects, bytes), read when the window opens.
    pub cache: (u64, u64),
}

impl S3Form {
    /// The fields a listing depends on (a listing is for one exact form).
    pub fn key(&self) -> Vec<String> {
        [
            &self.url,
            &self.profile,
            &self.endpoint,
            &self.from,
            &self.to,
            &self.accounts,
            &self.regions,
        ]
        .iter()
        .map(|s| s.trim().to_owned())
        .collect()
    }
}

/// What a listing found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct S3Listed {
    /// The form it was made for ([`S3Form::key`]).
    pub key: Vec<String>,
    /// Objects to read.
    pub objects: usize,
    /// Their total size.
    pub bytes: u64,
    /// Of them, already in the cache.
    pub cached: usize,
    /// List requests made.
    pub requests: usize,
    /// Prefixes that could not be listed, with why.
    pub problems: Vec<String>,
}

/// The "Run on Athena" window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AthenaForm {
    /// The window is open.
    pub open: bool,
    /// The workgroup (empty: `primary`).
    pub workgroup: String,
    /// Where Athena writes results (empty: the workgroup's).
    pub output_location: String,
    /// The database (empty: `default`).
    pub database: String,
    /// The table.
    pub table: String,
    /// Its partitions: `date`, `day`, `hive` or `none`.
    pub partitions: String,
    /// The filter the results are for (its text).
    pub filter: String,
    /// Running now: the view being run.
    pub running: Option<String>,
    /// The views that came back.
    pub views: Vec<AthenaView>,
    /// Why the run failed.
    pub error: Option<String>,
}

/// One view run on Athena.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AthenaView {
    /// `totals`, `ports`, `talkers`, `timeline`.
    pub name: String,
    /// The SQL that ran.
    pub sql: String,
    /// `SUCCEEDED`, `FAILED`, `CANCELLED`.
    pub state: String,
    /// Why it failed.
    pub reason: Option<String>,
    /// Bytes scanned.
    pub scanned: u64,
    /// Engine time.
    pub millis: u64,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
    /// The ports view, drawn with the app's port chart.
    pub ports: Option<crate::query::views::PortHistogram>,
    /// The timeline view, drawn with the app's timeline chart.
    pub timeline: Option<crate::query::views::Timeline>,
}
