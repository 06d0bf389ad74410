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
