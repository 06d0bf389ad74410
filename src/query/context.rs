//! Settings that change what a condition means.

use ipnet::IpNet;

/// Settings that change what conditions mean.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QueryContext {
    /// What counts as inside (the `vpc` class and `direction`); default RFC 1918.
    pub vpc: Vec<IpNet>,
}

impl Default for QueryContext {
    fn default() -> Self {
        QueryContext {
            vpc: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
                .iter()
                .filter_map(|s| s.parse().ok())
                .collect(),
        }
    }
}
