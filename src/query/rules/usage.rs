//! Rule usage: for every security-group rule and network ACL entry, the flows, bytes and distinct
//! peers it admitted over the loaded period; rules that admitted nothing are candidates for
//! removal, and rules open to the internet show whether the internet used them.
//!
//! Credit: an ACCEPTed flow credits the ACL entry that let it through in its own direction
//! (replies included: ACLs are stateless, so the ephemeral-port entries are really used), and
//! the most specific security-group rule that allows it. A reply that only the group's state
//! admits credits no group rule: its request already did. When the other end of an ACCEPTed
//! flow is an interface of the inventory that did not log the same flow itself (flow logs on
//! some interfaces only), its rules are credited from this side's record; a flow both ends
//! logged is credited from each end's own record, so no flow counts twice.

use std::net::IpAddr;

use rustc_hash::{FxHashMap, FxHashSet};

use super::eval::{RuleId, RuleIndex, acl_entry_text, sg_rule_text};
use super::{FlowGroup, PAR_SLICE, flow_group_parts};
use crate::model::FlowTable;
use crate::model::inventory::Peer;
use crate::query::filter::AddrClass;
use crate::query::par::par_fold;
use crate::query::select::Selection;

/// One rule's use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleUsage {
    /// `acl-…#100` or `sg-…#in0`.
    pub id: String,
    /// `security group` or `network ACL`.
    pub kind: &'static str,
    /// The group or ACL id.
    pub owner: String,
    /// The group's name (empty for ACLs).
    pub owner_name: String,
    /// `inbound` or `outbound`.
    pub direction: &'static str,
    /// The rule in AWS terms.
    pub rule: String,
    /// `allow` or `deny` (groups only allow).
    pub action: &'static str,
    /// Flows it admitted (for a deny entry: flows it denied that were logged as REJECT).
    pub flows: u64,
    /// Bytes of those flows.
    pub bytes: u64,
    /// Distinct peer addresses.
    pub peers: u64,
    /// An inbound allow rule whose peer is all of IPv4 or IPv6 (`0.0.0.0/0`, `::/0`).
    pub open_to_internet: bool,
    /// Some admitted peer was a public address.
    pub used_from_internet: bool,
    /// Some interface the rule applies to has flows in the logs (else "unused" cannot be said).
    pub covered: bool,
}

impl RuleUsage {
    /// Admitted nothing, though interfaces it applies to have records: a candidate for removal.
    pub fn is_unused(&self) -> bool {
        self.flows == 0 && self.covered
    }

    /// Open to all of the internet and used from it.
    pub fn is_internet_used(&self) -> bool {
        self.open_to_internet && self.used_from_internet
    }
}

#[derive(Default)]
struct Tally {
    flows: u64,
    bytes: u64,
    peers: FxHashSet<IpAddr>,
}

/// The tallies by rule.
type Tallies<'a> = FxHashMap<RuleId<'a>, Tally>;

/// Credits the rules that decided one group's flows, as seen on `interface`.
fn credit_flow<'a>(index: &'a RuleIndex, tally: &mut Tallies<'a>, g: &FlowGroup, interface: &str) {
    let flow = &g.flow;
    let Ok(ev) = index.evaluate_on(flow, interface) else {
        return;
    };
    let mut credit = |id: RuleId<'a>| {
        let t = tally.entry(id).or_default();
        t.flows += g.flows;
        t.bytes += g.bytes;
        t.peers.insert(ev.peer);
    };
    let acl_entry = ev.acl.and_then(|a| a.entry.map(|e| (a, e)));
    match &*g.action {
        "ACCEPT" => {
            if let Some((a, e)) = acl_entry
                && e.allow
            {
                credit(RuleId::Acl(a.acl, e.number, e.egress));
            }
            // A reply passes by the group's state, whatever its rules say: no rule credit.
            if let Some(sg) = ev.sg.as_ref().filter(|s| !s.is_reply(flow))
                && let Some((id, _)) = sg.allowed_by
            {
                credit(id);
            }
        }
        "REJECT" => {
            if let Some((a, e)) = acl_entry
                && !e.allow
            {
                credit(RuleId::Acl(a.acl, e.number, e.egress));
            }
        }
        _ => {}
    }
}

/// Interfaces, addresses, port and protocol of the flows logged between two inventory interfaces.
type LoggedKeys<'a> = FxHashSet<(&'a str, std::net::IpAddr, std::net::IpAddr, u16, u8)>;

/// The rules' tallies over all groups, and the interfaces whose rules were credited from the
/// other end's records.
fn tally_groups<'a>(
    groups: &[&[FlowGroup]],
    index: &'a RuleIndex,
    logged_keys: &LoggedKeys<'_>,
) -> (Tallies<'a>, FxHashSet<&'a str>) {
    // Slices of groups on the worker threads, each with its own tally, merged after.
    let slices: Vec<&[FlowGroup]> = groups.iter().flat_map(|s| s.chunks(PAR_SLICE)).collect();
    par_fold(
        slices.len(),
        "flowlens-rules",
        || (Tallies::default(), FxHashSet::<&str>::default()),
        |(tally, inferred), k| {
            for g in slices.get(k).copied().unwrap_or_default() {
                credit_flow(index, tally, g, &g.flow.interface);
                // The other end is one of ours and did not log this flow itself (flow logs on
                // some interfaces only): its rules admitted this flow too.
                if &*g.action != "ACCEPT" {
                    continue;
                }
                let f = &g.flow;
                for addr in [f.src, f.dst] {
                    if let Some(eni) = index.interface_of(addr)
                        && eni != &*f.interface
                        && !logged_keys.contains(&(eni, f.src, f.dst, f.dstport, f.protocol))
                    {
                        inferred.insert(eni);
                        credit_flow(index, tally, g, eni);
                    }
                }
            }
        },
        |(into, seen), (from, more)| {
            for (id, t) in from {
                let x = into.entry(id).or_default();
                x.flows += t.flows;
                x.bytes += t.bytes;
                x.peers.extend(t.peers);
            }
            seen.extend(more);
        },
    )
}

/// Every rule of the inventory with its use by the selected flows, in the inventory's order
/// (groups, inbound then outbound; ACLs by direction and rule number).
pub fn rule_usage(table: &FlowTable, sel: &Selection, index: &RuleIndex) -> Vec<RuleUsage> {
    let parts = flow_group_parts(table, sel);
    let slices: Vec<&[FlowGroup]> = parts.iter().map(Vec::as_slice).collect();
    usage_of_slices(&slices, index)
}

/// [`rule_usage`] for groups already made (in any order).
pub fn usage_of_groups(groups: &[FlowGroup], index: &RuleIndex) -> Vec<RuleUsage> {
    usage_of_slices(&[groups], index)
}

/// [`usage_of_groups`] of the groups in several slices.
fn usage_of_slices(groups: &[&[FlowGroup]], index: &RuleIndex) -> Vec<RuleUsage> {
    let all = || groups.iter().flat_map(|s| s.iter());
    // Flows between two interfaces of the inventory, by the interface that logged them (only
    // these can have been logged at both ends).
    let logged_keys: LoggedKeys<'_> = all()
        .filter(|g| {
            index.interface_of(g.flow.src).is_some() && index.interface_of(g.flow.dst).is_some()
        })
        .map(|g| {
            let f = &g.flow;
            (&*f.interface, f.src, f.dst, f.dstport, f.protocol)
        })
        .collect();
    let (tally, inferred) = tally_groups(groups, index, &logged_keys);
    let mut tally = tally;
    let mut seen: FxHashSet<&str> = all().map(|g| &*g.flow.interface).collect();
    seen.extend(inferred.iter().copied());
    let vpc = index
        .inventory
        .vpcs
        .iter()
        .flat_map(|v| v.cidrs.iter().copied())
        .collect::<Vec<_>>();
    let public = |t: &Tally| t.peers.iter().any(|p| AddrClass::Public.contains(*p, &vpc));
    let mut out = Vec::new();
    let inv = &index.inventory;
    // Which groups and ACLs apply to an interface that has flows.
    let mut covered_groups: FxHashSet<&str> = FxHashSet::default();
    let mut covered_subnets: FxHashSet<&str> = FxHashSet::default();
    for eni in inv
        .interfaces
        .iter()
        .filter(|e| seen.contains(e.id.as_str()))
    {
        covered_groups.extend(eni.groups.iter().map(|(g, _)| g.as_str()));
        covered_subnets.insert(eni.subnet.as_str());
    }
    for g in &inv.groups {
        for (egress, list) in [(false, &g.inbound), (true, &g.outbound)] {
            for (i, r) in list.iter().enumerate() {
                let id = RuleId::Sg(&g.id, egress, i);
                let t = tally.remove(&id).unwrap_or_default();
                out.push(RuleUsage {
                    id: id.text(),
                    kind: "security group",
                    owner: g.id.clone(),
                    owner_name: g.name.clone(),
                    direction: if egress { "outbound" } else { "inbound" },
                    rule: sg_rule_text(r, egress),
                    action: "allow",
                    flows: t.flows,
                    bytes: t.bytes,
                    peers: t.peers.len() as u64,
                    open_to_internet: !egress
                        && matches!(&r.peer, Peer::Cidr(n) if n.prefix_len() == 0),
                    used_from_internet: public(&t),
                    covered: covered_groups.contains(g.id.as_str()),
                });
            }
        }
    }
    for a in &inv.acls {
        let covered = a
            .subnets
            .iter()
            .any(|s| covered_subnets.contains(s.as_str()));
        for e in &a.entries {
            let id = RuleId::Acl(&a.id, e.number, e.egress);
            let t = tally.remove(&id).unwrap_or_default();
            out.push(RuleUsage {
                id: id.text(),
                kind: "network ACL",
                owner: a.id.clone(),
                owner_name: String::new(),
                direction: if e.egress { "outbound" } else { "inbound" },
                rule: acl_entry_text(e),
                action: if e.allow { "allow" } else { "deny" },
                flows: t.flows,
                bytes: t.bytes,
                peers: t.peers.len() as u64,
                open_to_internet: !e.egress && e.allow && e.cidr.prefix_len() == 0,
                used_from_internet: public(&t),
                covered,
            });
        }
    }
    out
}
