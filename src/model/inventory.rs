//! The account's own inventory, as read from `aws ec2 describe-*` output, `ip-ranges.json` and
//! the user's `cidr,label` CSV: plain data, merged from any number of files. What it means (the
//! labels of addresses, the verdicts of the rules) is the query layer's (`crate::query::labels`,
//! `crate::query::rules`); how it is read is the ingest layer's (`crate::ingest::context`).

use std::net::IpAddr;

use ipnet::IpNet;

/// Everything the context files said, merged.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// `describe-network-interfaces` (and the interfaces inside `describe-instances`).
    pub interfaces: Vec<Interface>,
    /// `describe-instances`: instance id → Name tag.
    pub instances: Vec<Instance>,
    /// `describe-subnets`.
    pub subnets: Vec<Subnet>,
    /// `describe-vpcs`.
    pub vpcs: Vec<Vpc>,
    /// `describe-security-groups`.
    pub groups: Vec<SecurityGroup>,
    /// `describe-network-acls`.
    pub acls: Vec<NetworkAcl>,
    /// Managed prefix lists (`describe-managed-prefix-lists` names, entries files).
    pub prefix_lists: Vec<PrefixList>,
    /// `ip-ranges.json`.
    pub service_ranges: Vec<ServiceRange>,
    /// The user's own `cidr,label` ranges.
    pub user_ranges: Vec<(IpNet, String)>,
    /// Where each part came from, with its snapshot time.
    pub sources: Vec<ContextSource>,
}

impl Inventory {
    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        self.interfaces.is_empty()
            && self.instances.is_empty()
            && self.subnets.is_empty()
            && self.vpcs.is_empty()
            && self.groups.is_empty()
            && self.acls.is_empty()
            && self.prefix_lists.is_empty()
            && self.service_ranges.is_empty()
            && self.user_ranges.is_empty()
    }

    /// Adds everything of `other` (later files add to earlier ones; a resource listed twice,
    /// as in overlapping pages, is kept once).
    pub fn merge(&mut self, other: Inventory) {
        fn extend<T>(into: &mut Vec<T>, from: Vec<T>, id: impl Fn(&T) -> &str) {
            for item in from {
                let key = id(&item).to_owned();
                if key.is_empty() || !into.iter().any(|x| id(x) == key) {
                    into.push(item);
                }
            }
        }
        extend(&mut self.interfaces, other.interfaces, |x| &x.id);
        extend(&mut self.instances, other.instances, |x| &x.id);
        extend(&mut self.subnets, other.subnets, |x| &x.id);
        extend(&mut self.vpcs, other.vpcs, |x| &x.id);
        extend(&mut self.groups, other.groups, |x| &x.id);
        extend(&mut self.acls, other.acls, |x| &x.id);
        for pl in other.prefix_lists {
            match self.prefix_lists.iter_mut().find(|p| p.id == pl.id) {
                Some(p) => {
                    if p.name.is_empty() {
                        p.name = pl.name;
                    }
                    p.cidrs.extend(pl.cidrs);
                }
                None => self.prefix_lists.push(pl),
            }
        }
        self.service_ranges.extend(other.service_ranges);
        self.user_ranges.extend(other.user_ranges);
        self.sources.extend(other.sources);
    }

    /// Gives the one prefix-list entries file without a list id (`pl-?`, its name had none) the
    /// id of the one prefix list that security groups reference and no file defines. Returns
    /// what was done, to tell the user.
    pub fn link_prefix_lists(&mut self) -> Option<String> {
        let unnamed: Vec<usize> = (0..self.prefix_lists.len())
            .filter(|&i| self.prefix_lists[i].id == "pl-?")
            .collect();
        let [only] = unnamed.as_slice() else {
            return None;
        };
        let mut referenced: Vec<&str> = self
            .groups
            .iter()
            .flat_map(|g| g.inbound.iter().chain(&g.outbound))
            .filter_map(|r| match &r.peer {
                Peer::PrefixList(id) if !self.prefix_lists.iter().any(|p| &p.id == id) => {
                    Some(id.as_str())
                }
                _ => None,
            })
            .collect();
        referenced.sort_unstable();
        referenced.dedup();
        let [id] = referenced.as_slice() else {
            return None;
        };
        let id = (*id).to_owned();
        let note = format!(
            "the prefix-list entries without a list id were taken as {id}, the only prefix list \
             the security groups name that no file defines (put `{id}` in the file's name to say \
             so)"
        );
        self.prefix_lists[*only].id = id;
        Some(note)
    }

    /// When the rules were read: the oldest snapshot time of the files holding security groups
    /// or network ACLs (seconds since the epoch), else of any file.
    pub fn snapshot_time(&self) -> Option<u64> {
        let rules = self
            .sources
            .iter()
            .filter(|s| s.holds_rules)
            .filter_map(|s| s.time)
            .min();
        rules.or_else(|| self.sources.iter().filter_map(|s| s.time).min())
    }

    /// One line per kind that is present: "12 interfaces, 4 security groups, …".
    pub fn describe(&self) -> String {
        let parts = [
            (self.interfaces.len(), "interface"),
            (self.instances.len(), "instance"),
            (self.subnets.len(), "subnet"),
            (self.vpcs.len(), "VPC"),
            (self.groups.len(), "security group"),
            (self.acls.len(), "network ACL"),
            (self.prefix_lists.len(), "prefix list"),
            (self.service_ranges.len(), "AWS range"),
            (self.user_ranges.len(), "labelled range"),
        ];
        let text: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}{}", if *n == 1 { "" } else { "s" }))
            .collect();
        if text.is_empty() {
            "nothing".into()
        } else {
            text.join(", ")
        }
    }
}

/// One context file as read.
#[derive(Clone, Debug, Default)]
pub struct ContextSource {
    /// The file.
    pub path: std::path::PathBuf,
    /// What it held ("security groups (4)", …).
    pub kind: String,
    /// When the snapshot was taken (`createDate` of ip-ranges.json, else the file's mtime).
    pub time: Option<u64>,
    /// Entries that could not be read (the rest of the file is kept).
    pub problems: Vec<String>,
    /// It held security groups or network ACLs (its time is the rules' snapshot time).
    pub holds_rules: bool,
}

/// A network interface (ENI).
#[derive(Clone, Debug, Default)]
pub struct Interface {
    /// `eni-…`.
    pub id: String,
    /// `InterfaceType`: `interface`, `nat_gateway`, `vpc_endpoint`, `lambda`, ….
    pub kind: String,
    /// `Description`.
    pub description: String,
    /// `RequesterId` (`amazon-elb`, an account, …).
    pub requester: String,
    /// `Attachment.InstanceId`.
    pub instance: Option<String>,
    /// `Groups[].GroupId` with their names.
    pub groups: Vec<(String, String)>,
    /// `SubnetId`.
    pub subnet: String,
    /// `VpcId`.
    pub vpc: String,
    /// Private IPv4 addresses and IPv6 addresses: the ones flow logs show on this interface.
    pub addrs: Vec<IpAddr>,
    /// Public IPv4 addresses associated with the private ones.
    pub public: Vec<IpAddr>,
    /// `TagSet` (key, value).
    pub tags: Vec<(String, String)>,
}

impl Interface {
    /// The `Name` tag, if any.
    pub fn name(&self) -> Option<&str> {
        tag(&self.tags, "Name")
    }
}

/// The value of tag `key`.
pub fn tag<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// An EC2 instance.
#[derive(Clone, Debug, Default)]
pub struct Instance {
    /// `i-…`.
    pub id: String,
    /// Tags.
    pub tags: Vec<(String, String)>,
}

/// A subnet.
#[derive(Clone, Debug, Default)]
pub struct Subnet {
    /// `subnet-…`.
    pub id: String,
    /// `VpcId`.
    pub vpc: String,
    /// IPv4 and IPv6 CIDRs.
    pub cidrs: Vec<IpNet>,
    /// Tags.
    pub tags: Vec<(String, String)>,
}

/// A VPC.
#[derive(Clone, Debug, Default)]
pub struct Vpc {
    /// `vpc-…`.
    pub id: String,
    /// Every associated IPv4 and IPv6 CIDR.
    pub cidrs: Vec<IpNet>,
    /// Tags.
    pub tags: Vec<(String, String)>,
}

/// A protocol as rules name it: all, or one IP protocol number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleProtocol {
    /// `-1`: every protocol, every port.
    All,
    /// One protocol number (`tcp` = 6, `udp` = 17, `icmp` = 1, `icmpv6` = 58).
    Number(u8),
}

/// What a security-group rule admits traffic from (inbound) or to (outbound).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Peer {
    /// An IPv4 or IPv6 CIDR.
    Cidr(IpNet),
    /// A managed prefix list (`pl-…`).
    PrefixList(String),
    /// The interfaces that carry a security group (`sg-…`).
    Group(String),
}

/// One rule of a security group: one permission and one peer (as the console lists them).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SgRule {
    /// Protocol.
    pub protocol: RuleProtocol,
    /// `FromPort` (ICMP: the type; `-1` all), absent for protocol `-1`.
    pub from: Option<i32>,
    /// `ToPort` (ICMP: the code; `-1` all).
    pub to: Option<i32>,
    /// The peer.
    pub peer: Peer,
    /// The rule's description, if any.
    pub description: String,
}

/// A security group.
#[derive(Clone, Debug, Default)]
pub struct SecurityGroup {
    /// `sg-…`.
    pub id: String,
    /// `GroupName`.
    pub name: String,
    /// `VpcId`.
    pub vpc: String,
    /// `IpPermissions`, one rule per peer.
    pub inbound: Vec<SgRule>,
    /// `IpPermissionsEgress`, one rule per peer.
    pub outbound: Vec<SgRule>,
}

/// One entry of a network ACL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AclEntry {
    /// `RuleNumber` (32767 and 32768 are the `*` entries).
    pub number: u32,
    /// Protocol.
    pub protocol: RuleProtocol,
    /// `RuleAction == allow`.
    pub allow: bool,
    /// `Egress`.
    pub egress: bool,
    /// `CidrBlock` or `Ipv6CidrBlock`.
    pub cidr: IpNet,
    /// `PortRange` (TCP/UDP), inclusive.
    pub ports: Option<(u16, u16)>,
    /// `IcmpTypeCode` (type, code; -1 = all).
    pub icmp: Option<(i32, i32)>,
}

/// A network ACL.
#[derive(Clone, Debug, Default)]
pub struct NetworkAcl {
    /// `acl-…`.
    pub id: String,
    /// `VpcId`.
    pub vpc: String,
    /// `IsDefault`.
    pub is_default: bool,
    /// `Associations[].SubnetId`.
    pub subnets: Vec<String>,
    /// `Entries`, both directions.
    pub entries: Vec<AclEntry>,
}

/// A managed prefix list.
#[derive(Clone, Debug, Default)]
pub struct PrefixList {
    /// `pl-…`.
    pub id: String,
    /// `PrefixListName`, if known.
    pub name: String,
    /// Its entries.
    pub cidrs: Vec<IpNet>,
}

/// One prefix of AWS's `ip-ranges.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRange {
    /// `ip_prefix` / `ipv6_prefix`.
    pub net: IpNet,
    /// `service` (`AMAZON`, `S3`, `EC2`, …).
    pub service: String,
    /// `region`.
    pub region: String,
}
