//! Settings that change what a condition means.

use std::sync::Arc;

use ipnet::IpNet;

use super::labels::Labels;

/// Settings that change what conditions mean.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QueryContext {
    /// What counts as inside (the `vpc` class and `direction`); default RFC 1918, or the VPCs'
    /// CIDRs when the context files name them.
    pub vpc: Vec<IpNet>,
    /// The labels of the loaded context, for the label fields (`dst_service == S3`).
    pub labels: Option<LabelsRef>,
}

impl Default for QueryContext {
    fn default() -> Self {
        QueryContext {
            vpc: default_vpc(),
            labels: None,
        }
    }
}

/// RFC 1918.
pub fn default_vpc() -> Vec<IpNet> {
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect()
}

impl QueryContext {
    /// The context of a table's inventory: its labels, and its VPCs' CIDRs as "inside" when it
    /// names any (RFC 1918 otherwise).
    pub fn with_labels(labels: Option<Arc<Labels>>) -> QueryContext {
        let vpc = labels
            .as_ref()
            .map(|l| l.vpc_cidrs())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(default_vpc);
        QueryContext {
            vpc,
            labels: labels.map(LabelsRef),
        }
    }
}

/// Shared labels, compared by identity (a query's cache key includes its context).
#[derive(Clone, Debug)]
pub struct LabelsRef(pub Arc<Labels>);

impl PartialEq for LabelsRef {
    fn eq(&self, other: &Self) -> bool {
        self.0.generation() == other.0.generation()
    }
}

impl Eq for LabelsRef {}

impl std::hash::Hash for LabelsRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.generation().hash(state);
    }
}
