//! How security groups and network ACLs decide one logged flow (shared/CONTEXT.md).
//!
//! - A record is logged on one interface. If `dstaddr` is one of its addresses the flow is
//!   inbound there (inbound NACL entries, inbound SG rules, the peer is `srcaddr`); if `srcaddr`
//!   is, outbound (outbound entries, egress rules, the peer is `dstaddr`).
//!   <https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html>
//! - Network ACLs are stateless: the entries of the flow's own direction, lowest `RuleNumber`
//!   first, the first match decides; the `*` entries (32767, 32768) deny the rest; `PortRange`
//!   is the destination port; `CidrBlock` only matches IPv4, `Ipv6CidrBlock` only IPv6. Traffic
//!   within one subnet does not pass its ACL.
//!   <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>
//! - Security groups are stateful and allow-only: the rules of all the interface's groups form
//!   one set; a reply to an allowed request is allowed whatever the other direction's rules say.
//!   `-1` is every protocol and port; for ICMP `FromPort`/`ToPort` are type and code (`-1` all);
//!   an IPv4 CIDR never matches an IPv6 peer; a group reference matches the private addresses of
//!   the interfaces carrying that group; a prefix list matches its entries.
//!   <https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>
//! - A NAT gateway has no security groups, only its subnet's ACL.
//!   <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html>
//! - v2 records carry no ICMP type or code, so a type-specific ICMP rule can only "possibly" match.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use rustc_hash::FxHashMap;

pub use super::text::{acl_entry_text, proto_name, sg_rule_text};
use crate::model::inventory::{AclEntry, Inventory, Peer, RuleProtocol, SgRule};

/// A logged flow, as the rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    /// `srcaddr`.
    pub src: IpAddr,
    /// `dstaddr`.
    pub dst: IpAddr,
    /// `srcport` (0 when unknown).
    pub srcport: u16,
    /// `dstport`.
    pub dstport: u16,
    /// `protocol`.
    pub protocol: u8,
    /// `interface-id` (shared: one allocation per interface, not per group of flows).
    pub interface: Arc<str>,
}

/// Which way a flow crossed its interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Way {
    /// Into the interface (inbound rules).
    Inbound,
    /// Out of the interface (outbound rules).
    Outbound,
}

impl Way {
    /// `inbound` / `outbound`.
    pub fn name(self) -> &'static str {
        match self {
            Way::Inbound => "inbound",
            Way::Outbound => "outbound",
        }
    }
}

/// Identifies one rule: an ACL entry, or the `index`-th rule of a group in one direction. It
/// borrows the ids from the inventory, so naming a rule allocates nothing (rule usage names one
/// or two per group of flows, millions of times).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleId<'a> {
    /// `acl-…`, rule number, egress.
    Acl(&'a str, u32, bool),
    /// `sg-…`, egress, index in that direction.
    Sg(&'a str, bool, usize),
}

impl RuleId<'_> {
    /// `acl-…#100` or `sg-…#in3` / `sg-…#out0`.
    pub fn text(&self) -> String {
        match self {
            RuleId::Acl(id, n, _) => format!("{id}#{n}"),
            RuleId::Sg(id, egress, i) => format!("{id}#{}{i}", if *egress { "out" } else { "in" }),
        }
    }
}

/// What the interface's subnet ACL decided.
#[derive(Clone, Copy, Debug)]
pub struct AclDecision<'a> {
    /// `acl-…`.
    pub acl: &'a str,
    /// The deciding entry (`None`: no entry matched, the implicit deny).
    pub entry: Option<&'a AclEntry>,
    /// Allowed?
    pub allow: bool,
}

/// A rule of a group and the rule itself.
pub type SgRuleRef<'a> = (RuleId<'a>, &'a SgRule);

/// What the interface's security groups decided.
#[derive(Clone, Debug)]
pub struct SgDecision<'a> {
    /// The groups considered (id, name).
    pub groups: &'a [(String, String)],
    /// The most specific rule that allows the flow in its own direction (of equally specific
    /// ones, the first in the groups' order).
    pub allowed_by: Option<SgRuleRef<'a>>,
    /// A rule of the other direction that would have allowed the request this flow replies to,
    /// if it is a reply (security groups are stateful).
    pub reply_to: Option<SgRuleRef<'a>>,
    /// When nothing allows it: the rule closest to allowing it.
    pub closest: Option<SgRuleRef<'a>>,
    /// A type-specific ICMP rule was counted as matching (the logs carry no ICMP type).
    pub icmp_guess: bool,
}

/// Why a flow has no ACL decision (written out only for a sentence someone reads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclNote<'a> {
    /// The peer is a link-local service that nothing filters.
    Unfiltered(IpAddr, &'static str),
    /// The peer is in the interface's own subnet.
    SameSubnet(IpAddr, &'a str),
    /// The subnet's ACL is not in the context.
    NoAcl(&'a str),
}

impl std::fmt::Display for AclNote<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AclNote::Unfiltered(peer, service) => write!(
                f,
                "{peer} is {service}, which neither security groups nor network ACLs filter"
            ),
            AclNote::SameSubnet(peer, subnet) => {
                write!(f, "{peer} is in the same subnet ({subnet}): no ACL applies")
            }
            AclNote::NoAcl(subnet) => write!(f, "no network ACL of {subnet} in the context files"),
        }
    }
}

/// Why a flow cannot be evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotEvaluated<'a> {
    /// The interface is not in the context.
    UnknownInterface(&'a str),
    /// Neither address is the interface's.
    NotItsAddresses(IpAddr, IpAddr, &'a str),
}

impl std::fmt::Display for NotEvaluated<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotEvaluated::UnknownInterface(eni) => {
                write!(f, "interface {eni} is not in the context files")
            }
            NotEvaluated::NotItsAddresses(src, dst, eni) => write!(
                f,
                "neither {src} nor {dst} is an address of {eni} in the context files"
            ),
        }
    }
}

/// The whole evaluation of one flow (borrowing from the inventory: nothing is copied).
#[derive(Clone, Debug)]
pub struct Evaluation<'a> {
    /// Direction on the interface.
    pub way: Way,
    /// The other end.
    pub peer: IpAddr,
    /// The interface's subnet.
    pub subnet: &'a str,
    /// The ACL's decision (`None`: within the subnet, or no ACL known for it).
    pub acl: Option<AclDecision<'a>>,
    /// Why there is no ACL decision.
    pub acl_note: Option<AclNote<'a>>,
    /// The groups' decision (`None`: the interface has none, e.g. a NAT gateway).
    pub sg: Option<SgDecision<'a>>,
}

/// The inventory, indexed for evaluating many flows.
#[derive(Debug, Default)]
pub struct RuleIndex {
    /// The inventory.
    pub inventory: Arc<Inventory>,
    eni: FxHashMap<String, usize>,
    group: FxHashMap<String, usize>,
    acl_of_subnet: FxHashMap<String, usize>,
    default_acl: FxHashMap<String, usize>,
    subnet_cidrs: FxHashMap<String, Vec<IpNet>>,
    members: FxHashMap<String, Vec<IpAddr>>,
    prefix: FxHashMap<String, usize>,
    by_addr: FxHashMap<IpAddr, usize>,
}

impl SgDecision<'_> {
    /// The ids of the groups considered, comma-separated.
    pub fn group_ids(&self) -> String {
        let ids: Vec<&str> = self.groups.iter().map(|(g, _)| g.as_str()).collect();
        ids.join(",")
    }

    /// Whether the flow looks like the reply to a request these groups allowed: the other
    /// direction's rules admit the reverse flow, and its source port is the lower (the service's).
    pub fn is_reply(&self, flow: &Flow) -> bool {
        self.reply_to.is_some() && flow.srcport < flow.dstport
    }
}

impl RuleIndex {
    /// Indexes an inventory.
    pub fn new(inventory: Arc<Inventory>) -> RuleIndex {
        let inv = &inventory;
        let mut x = RuleIndex::default();
        for (i, e) in inv.interfaces.iter().enumerate() {
            x.eni.entry(e.id.clone()).or_insert(i);
            for a in &e.addrs {
                x.by_addr.entry(*a).or_insert(i);
            }
            for (g, _) in &e.groups {
                x.members
                    .entry(g.clone())
                    .or_default()
                    .extend(e.addrs.iter().copied());
            }
        }
        for (i, g) in inv.groups.iter().enumerate() {
            x.group.entry(g.id.clone()).or_insert(i);
        }
        for (i, a) in inv.acls.iter().enumerate() {
            for s in &a.subnets {
                x.acl_of_subnet.insert(s.clone(), i);
            }
            if a.is_default {
                x.default_acl.insert(a.vpc.clone(), i);
            }
        }
        for s in &inv.subnets {
            x.subnet_cidrs.insert(s.id.clone(), s.cidrs.clone());
        }
        for (i, p) in inv.prefix_lists.iter().enumerate() {
            x.prefix.insert(p.id.clone(), i);
        }
        x.inventory = inventory;
        x
    }

    /// The interface that has this private address, if any.
    pub fn interface_of(&self, addr: IpAddr) -> Option<&str> {
        self.by_addr
            .get(&addr)
            .and_then(|&i| self.inventory.interfaces.get(i))
            .map(|e| e.id.as_str())
    }

    /// Whether the interface is in the inventory.
    pub fn knows(&self, eni: &str) -> bool {
        self.eni.contains_key(eni)
    }

    /// Evaluates a flow; `Err` says why it cannot be (unknown interface, addresses not its own).
    pub fn evaluate<'f>(&self, flow: &'f Flow) -> Result<Evaluation<'_>, NotEvaluated<'f>> {
        self.evaluate_on(flow, &flow.interface)
    }

    /// [`RuleIndex::evaluate`] of the flow as logged on `interface` (rule usage credits the other
    /// end's interface from this end's record).
    pub fn evaluate_on<'f>(
        &self,
        flow: &Flow,
        interface: &'f str,
    ) -> Result<Evaluation<'_>, NotEvaluated<'f>> {
        let inv = &self.inventory;
        let eni = self
            .eni
            .get(interface)
            .and_then(|&i| inv.interfaces.get(i))
            .ok_or(NotEvaluated::UnknownInterface(interface))?;
        let (way, peer) = if eni.addrs.contains(&flow.dst) {
            (Way::Inbound, flow.src)
        } else if eni.addrs.contains(&flow.src) {
            (Way::Outbound, flow.dst)
        } else {
            return Err(NotEvaluated::NotItsAddresses(flow.src, flow.dst, interface));
        };
        if let Some(service) = self.unfiltered(peer) {
            return Ok(Evaluation {
                way,
                peer,
                subnet: &eni.subnet,
                acl: None,
                acl_note: Some(AclNote::Unfiltered(peer, service)),
                sg: None,
            });
        }
        let egress = way == Way::Outbound;
        let (acl, acl_note) = self.acl_decision(&eni.subnet, &eni.vpc, peer, flow, egress);
        let sg = (!eni.groups.is_empty()).then(|| self.sg_decision(&eni.groups, way, peer, flow));
        Ok(Evaluation {
            way,
            peer,
            subnet: &eni.subnet,
            acl,
            acl_note,
            sg,
        })
    }

    /// The services that neither security groups nor network ACLs filter: the Amazon DNS
    /// resolver (169.254.169.253 and the VPC base + 2), instance metadata, ECS task metadata,
    /// Windows license activation and Amazon Time Sync.
    /// <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>,
    /// <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>
    fn unfiltered(&self, peer: IpAddr) -> Option<&'static str> {
        const DNS: &str = "the Amazon DNS resolver";
        const IMDS: &str = "the instance metadata service";
        const TIME: &str = "Amazon Time Sync";
        let named = match peer {
            IpAddr::V4(a) => match a.octets() {
                [169, 254, 169, 253] => Some(DNS),
                [169, 254, 169, 254] => Some(IMDS),
                [169, 254, 169, 123] => Some(TIME),
                [169, 254, 170, 2 | 23] => Some("the ECS task metadata endpoint"),
                [169, 254, 169, 250 | 251] => Some("Windows license activation"),
                _ => None,
            },
            // fd00:ec2::253, ::254 and ::123 (the last group is hexadecimal, as written).
            IpAddr::V6(a) => match a.segments() {
                [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x253] => Some(DNS),
                [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254] => Some(IMDS),
                [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x123] => Some(TIME),
                _ => None,
            },
        };
        named.or_else(|| {
            let IpAddr::V4(v4) = peer else { return None };
            let resolver = self
                .inventory
                .vpcs
                .iter()
                .flat_map(|v| &v.cidrs)
                .any(|n| match n {
                    IpNet::V4(n) => u32::from(n.network()).wrapping_add(2) == u32::from(v4),
                    IpNet::V6(_) => false,
                });
            resolver.then_some("the Amazon DNS resolver (the VPC's base address + 2)")
        })
    }

    fn acl_decision<'a>(
        &'a self,
        subnet: &'a str,
        vpc: &str,
        peer: IpAddr,
        flow: &Flow,
        egress: bool,
    ) -> (Option<AclDecision<'a>>, Option<AclNote<'a>>) {
        if self
            .subnet_cidrs
            .get(subnet)
            .is_some_and(|c| c.iter().any(|n| n.contains(&peer)))
        {
            return (None, Some(AclNote::SameSubnet(peer, subnet)));
        }
        let Some(acl) = self
            .acl_of_subnet
            .get(subnet)
            .or_else(|| self.default_acl.get(vpc))
            .and_then(|&i| self.inventory.acls.get(i))
        else {
            return (None, Some(AclNote::NoAcl(subnet)));
        };
        let entry = acl
            .entries
            .iter()
            .filter(|e| e.egress == egress)
            .find(|e| acl_matches(e, peer, flow));
        let allow = entry.is_some_and(|e| e.allow);
        (
            Some(AclDecision {
                acl: &acl.id,
                entry,
                allow,
            }),
            None,
        )
    }

    fn sg_decision<'a>(
        &'a self,
        groups: &'a [(String, String)],
        way: Way,
        peer: IpAddr,
        flow: &Flow,
    ) -> SgDecision<'a> {
        let egress = way == Way::Outbound;
        let mut allowed_by: Option<SgRuleRef<'a>> = None;
        let mut icmp_guess = false;
        let mut closest: Option<(u8, SgRuleRef<'a>)> = None;
        for (gid, i, rule) in self.rules(groups, egress) {
            let m = self.sg_match(rule, peer, flow.protocol, flow.dstport);
            if let Match::No(score) = m {
                if closest.is_none_or(|c| score > c.0) {
                    closest = Some((score, (RuleId::Sg(gid, egress, i), rule)));
                }
                continue;
            }
            icmp_guess |= matches!(m, Match::Maybe);
            // The most specific; of equal ones the first (what a stable sort would put first).
            if allowed_by.is_none_or(|(_, best)| specificity(rule) < specificity(best)) {
                allowed_by = Some((RuleId::Sg(gid, egress, i), rule));
            }
        }
        // The request this flow would answer (the other direction, to this flow's srcport):
        // needed when no rule allows the flow, or when it may be a reply (its source port lower).
        let reply_to = if allowed_by.is_none() || flow.srcport < flow.dstport {
            self.rules(groups, !egress)
                .find(|(_, _, r)| {
                    matches!(
                        self.sg_match(r, peer, flow.protocol, flow.srcport),
                        Match::Yes
                    )
                })
                .map(|(g, i, r)| (RuleId::Sg(g, !egress, i), r))
        } else {
            None
        };
        SgDecision {
            groups,
            closest: closest.filter(|_| allowed_by.is_none()).map(|(_, c)| c),
            allowed_by,
            reply_to,
            icmp_guess,
        }
    }

    /// The rules of `groups` in one direction: (group id, index in that direction, rule).
    fn rules<'a>(
        &'a self,
        groups: &'a [(String, String)],
        egress: bool,
    ) -> impl Iterator<Item = (&'a str, usize, &'a SgRule)> + 'a {
        groups
            .iter()
            .map(|(g, _)| g)
            .filter_map(move |g| {
                let sg = self
                    .group
                    .get(g)
                    .and_then(|&i| self.inventory.groups.get(i))?;
                let list = if egress { &sg.outbound } else { &sg.inbound };
                Some(
                    list.iter()
                        .enumerate()
                        .map(move |(i, r)| (g.as_str(), i, r)),
                )
            })
            .flatten()
    }

    fn sg_match(&self, rule: &SgRule, peer: IpAddr, protocol: u8, port: u16) -> Match {
        let proto = match rule.protocol {
            RuleProtocol::All => true,
            RuleProtocol::Number(n) => n == protocol,
        };
        let (ports, guess) = sg_ports(rule, protocol, port);
        let peer_ok = self.peer_matches(&rule.peer, peer);
        match (proto && ports, peer_ok) {
            (true, true) if guess => Match::Maybe,
            (true, true) => Match::Yes,
            _ => Match::No(u8::from(proto) * 2 + u8::from(proto && ports) * 2 + u8::from(peer_ok)),
        }
    }

    fn peer_matches(&self, peer: &Peer, addr: IpAddr) -> bool {
        match peer {
            Peer::Cidr(n) => n.contains(&addr),
            Peer::PrefixList(id) => self
                .prefix
                .get(id)
                .and_then(|&i| self.inventory.prefix_lists.get(i))
                .is_some_and(|p| p.cidrs.iter().any(|n| n.contains(&addr))),
            Peer::Group(g) => self.members.get(g).is_some_and(|m| m.contains(&addr)),
        }
    }

    /// Whether a prefix list named by a rule is known.
    pub fn knows_prefix_list(&self, id: &str) -> bool {
        self.prefix.contains_key(id)
    }

    /// A group's name.
    pub fn group_name(&self, id: &str) -> Option<&str> {
        self.group
            .get(id)
            .and_then(|&i| self.inventory.groups.get(i))
            .map(|g| g.name.as_str())
            .filter(|n| !n.is_empty())
    }
}

enum Match {
    Yes,
    /// Matches if the ICMP type and code were right (the logs do not say).
    Maybe,
    /// No; the score says how close (protocol, ports, peer).
    No(u8),
}

/// Whether the rule's ports admit `port` (tcp/udp), and whether the answer is a guess (ICMP).
fn sg_ports(rule: &SgRule, protocol: u8, port: u16) -> (bool, bool) {
    if rule.protocol == RuleProtocol::All {
        return (true, false);
    }
    match protocol {
        6 | 17 | 132 => {
            let from = rule.from.unwrap_or(-1);
            let to = rule.to.unwrap_or(-1);
            if from == -1 {
                return (true, false);
            }
            ((from..=to).contains(&i32::from(port)), false)
        }
        1 | 58 => {
            let all = rule.from.is_none_or(|t| t == -1);
            (true, !all)
        }
        _ => (true, false),
    }
}

/// How narrow a rule is (for crediting the most specific of several that allow a flow).
fn specificity(rule: &SgRule) -> (std::cmp::Reverse<u8>, u32) {
    let prefix = match &rule.peer {
        Peer::Cidr(n) => n.prefix_len(),
        Peer::Group(_) | Peer::PrefixList(_) => 200,
    };
    let width = match (rule.protocol, rule.from, rule.to) {
        (RuleProtocol::All, _, _) => 1 << 20,
        (_, Some(f), Some(t)) if f >= 0 && t >= f => (t - f) as u32,
        _ => 1 << 17,
    };
    (std::cmp::Reverse(prefix), width)
}

fn acl_matches(e: &AclEntry, peer: IpAddr, flow: &Flow) -> bool {
    let proto = match e.protocol {
        RuleProtocol::All => return e.cidr.contains(&peer),
        RuleProtocol::Number(n) => n == flow.protocol,
    };
    let ports = match flow.protocol {
        6 | 17 => e
            .ports
            .is_none_or(|(lo, hi)| (lo..=hi).contains(&flow.dstport)),
        // Type-specific ICMP entries: the logs carry no type (counted as a match).
        _ => true,
    };
    proto && ports && e.cidr.contains(&peer)
}
