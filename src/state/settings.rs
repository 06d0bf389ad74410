//! Persisted settings (no data, no handles).

use std::path::PathBuf;

/// Persisted settings.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Light theme instead of dark.
    pub light: bool,
    /// Recently opened paths, newest first.
    pub recent: Vec<PathBuf>,
    /// What counts as inside the VPC (CIDRs as text; empty = RFC 1918).
    pub vpc_cidrs: String,
    /// Exported chart size in points (0 = default 900x480).
    pub chart_size: (u32, u32),
    /// Context files opened with a data set, by each of its log paths: opening that path again
    /// brings them back.
    pub context_for: std::collections::BTreeMap<PathBuf, Vec<PathBuf>>,
    /// Show times in the local time zone instead of UTC.
    pub local_time: bool,
}

impl Settings {
    /// The offset east of UTC to show times in around epoch second `secs`: 0 for UTC.
    pub fn time_offset(&self, secs: u64) -> i64 {
        if self.local_time {
            crate::fmt::local_offset(secs)
        } else {
            0
        }
    }
}

impl Settings {
    /// Exported chart size in points.
    pub fn chart_size(&self) -> (u32, u32) {
        match self.chart_size {
            (w, h) if w >= 200 && h >= 200 => (w, h),
            _ => (900, 480),
        }
    }
}
