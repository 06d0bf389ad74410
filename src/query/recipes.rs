//! Named, one-click investigations: a filter plus the view that answers the question.

use super::views::{ConversationMode, PortSide};
use crate::model::Metric;

/// Which ranked view a recipe's question is about (the app opens that table).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ranking {
    /// Top sources.
    #[default]
    Sources,
    /// Top destinations.
    Destinations,
    /// Top conversations.
    Conversations,
}

/// A named investigation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipe {
    /// Short name (also `--recipe`).
    pub name: &'static str,
    /// The question it answers.
    pub title: &'static str,
    /// Filter text.
    pub filter: &'static str,
    /// Histogram side.
    pub port_side: PortSide,
    /// Ranking metric.
    pub metric: Metric,
    /// The ranked view that answers it.
    pub ranking: Ranking,
    /// Group-by fields for the headless `top`.
    pub by: &'static [&'static str],
    /// Conversation keying.
    pub conversations: ConversationMode,
}

const fn r(
    name: &'static str,
    title: &'static str,
    filter: &'static str,
    port_side: PortSide,
    metric: Metric,
    ranking: Ranking,
    by: &'static [&'static str],
) -> Recipe {
    Recipe {
        name,
        title,
        filter,
        port_side,
        metric,
        ranking,
        by,
        conversations: ConversationMode::Directed,
    }
}

/// Every recipe.
pub const RECIPES: &[Recipe] = &[
    r(
        "vpc-source-ports",
        "Which ports do VPC hosts use as sources? (the classic Athena question)",
        "src is vpc",
        PortSide::Src,
        Metric::Flows,
        Ranking::Sources,
        &["srcport"],
    ),
    r(
        "top-talkers",
        "Who sends the most bytes?",
        "",
        PortSide::Dst,
        Metric::Bytes,
        Ranking::Sources,
        &["srcaddr"],
    ),
    r(
        "top-conversations",
        "Which pairs exchange the most bytes?",
        "",
        PortSide::Dst,
        Metric::Bytes,
        Ranking::Conversations,
        &["srcaddr", "dstaddr"],
    ),
    r(
        "rejected-inbound",
        "What does the internet try to reach and get rejected?",
        "action == REJECT and src is public and dst is vpc",
        PortSide::Dst,
        Metric::Flows,
        Ranking::Sources,
        &["dstport"],
    ),
    r(
        "ssh-rdp-from-internet",
        "Is SSH or RDP reachable from the internet?",
        "action == ACCEPT and src is public and dst is vpc and dstport in {22, 3389}",
        PortSide::Dst,
        Metric::Flows,
        Ranking::Destinations,
        &["dstaddr", "dstport"],
    ),
    r(
        "port-scanners",
        "Who is probing many ports?",
        "action == REJECT and src is public",
        PortSide::Dst,
        Metric::Flows,
        Ranking::Sources,
        &["srcaddr"],
    ),
    r(
        "udp-users",
        "Who uses UDP, and where to?",
        "protocol == udp",
        PortSide::Dst,
        Metric::Flows,
        Ranking::Sources,
        &["srcaddr", "dstport"],
    ),
    r(
        "busiest-https",
        "Which HTTPS servers are busiest?",
        "dstport == 443 and action == ACCEPT",
        PortSide::Dst,
        Metric::Bytes,
        Ranking::Destinations,
        &["dstaddr"],
    ),
    r(
        "nodata-skipdata",
        "When did interfaces log NODATA or SKIPDATA?",
        "log_status in {NODATA, SKIPDATA}",
        PortSide::Dst,
        Metric::Flows,
        Ranking::Sources,
        &["interface_id", "log_status"],
    ),
    // With context files (the labels below need them; without, the filter says so).
    r(
        "rejected-resources",
        "Which of our resources get rejected traffic, and from where? (needs context)",
        "action == REJECT",
        PortSide::Dst,
        Metric::Flows,
        Ranking::Destinations,
        &["dst_resource", "dstport"],
    ),
    r(
        "nat-counted-once",
        "Top talkers with NAT gateway traffic counted once (needs context)",
        NAT_ONCE,
        PortSide::Dst,
        Metric::Bytes,
        Ranking::Sources,
        &["src_resource"],
    ),
];

/// Leaves out the records a NAT gateway's interface logs for the private leg of a connection:
/// the instance's own interface logs the same source and destination (AWS: "traffic through a
/// NAT gateway", flow-logs-records-examples), so they would count twice. The NAT's own records
/// to and from the internet (the translated leg) stay.
pub const NAT_ONCE: &str = "not (interface_type == nat_gateway and ((src is vpc and not \
    src_resource ~ \"^NAT gateway\") or (dst is vpc and not dst_resource ~ \"^NAT gateway\")))";

/// The recipe of a name.
pub fn recipe(name: &str) -> Option<&'static Recipe> {
    RECIPES.iter().find(|r| r.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recipe_parses_and_names_are_unique() {
        let mut names: Vec<&str> = RECIPES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RECIPES.len());
        for r in RECIPES {
            crate::query::filter::parse(r.filter).unwrap_or_else(|e| panic!("{}: {e}", r.name));
        }
    }
}
