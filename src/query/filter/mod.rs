//! The filter language: one value ([`Filter`]) that the GUI panels edit, the filter bar shows as
//! text and `--filter` takes. `parse(print(f)) == f` for every filter.
//!
//! ```text
//! srcaddr in 10.0.0.0/16 and dstport in {22, 3389}
//! addr in {10.0.1.0/24, 2001:db8::/32} and not action == REJECT
//! protocol == tcp and bytes > 10MB and start >= 2024-05-17T10:00Z
//! src is private and direction == outbound or interface_id ~ "^eni-0a"
//! ```
//!
//! A condition on a null (`-`) value is false; `not` of it is true.

mod lex;
mod parse;
mod print;
#[cfg(test)]
mod tests;
mod value;

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

pub use parse::parse;
pub use value::{parse_cidr_list, parse_net, parse_time};

/// A parsed filter. `Filter::All` matches every record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Filter {
    /// Matches everything (the empty filter).
    All,
    /// Every part matches.
    And(Vec<Filter>),
    /// Any part matches.
    Or(Vec<Filter>),
    /// The part does not match.
    Not(Box<Filter>),
    /// An address field is in one of the networks (single addresses are /32 or /128).
    Addr {
        /// Which address.
        field: AddrField,
        /// The networks.
        nets: Vec<IpNet>,
    },
    /// A port field is in one of the inclusive ranges.
    Port {
        /// Which port.
        field: PortField,
        /// Inclusive ranges.
        ranges: Vec<(u16, u16)>,
    },
    /// `protocol` is one of these numbers.
    Protocol(Vec<u8>),
    /// A numeric column compared with a value.
    Num {
        /// Column name (underscore form).
        field: String,
        /// Comparison.
        op: CmpOp,
        /// Value (seconds for times, bytes for sizes).
        value: u64,
    },
    /// A string column equals one of the values.
    Str {
        /// Column name.
        field: String,
        /// Accepted values.
        values: Vec<String>,
    },
    /// A string column matches a regular expression.
    Regex {
        /// Column name.
        field: String,
        /// The pattern (Rust `regex` syntax).
        pattern: String,
    },
    /// An address side is of a class.
    Class {
        /// Which side.
        side: Side,
        /// The class.
        class: AddrClass,
    },
    /// The derived direction of the flow (relative to the VPC CIDRs).
    Direction(Direction),
}

/// Address fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddrField {
    /// `srcaddr`.
    Src,
    /// `dstaddr`.
    Dst,
    /// `addr`: either `srcaddr` or `dstaddr`.
    Either,
    /// `pkt_srcaddr`.
    PktSrc,
    /// `pkt_dstaddr`.
    PktDst,
}

impl AddrField {
    /// The filter-language name.
    pub fn name(self) -> &'static str {
        match self {
            AddrField::Src => "srcaddr",
            AddrField::Dst => "dstaddr",
            AddrField::Either => "addr",
            AddrField::PktSrc => "pkt_srcaddr",
            AddrField::PktDst => "pkt_dstaddr",
        }
    }

    /// The frame columns it reads.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            AddrField::Src => &["srcaddr"],
            AddrField::Dst => &["dstaddr"],
            AddrField::Either => &["srcaddr", "dstaddr"],
            AddrField::PktSrc => &["pkt_srcaddr"],
            AddrField::PktDst => &["pkt_dstaddr"],
        }
    }
}

/// Port fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortField {
    /// `srcport`.
    Src,
    /// `dstport`.
    Dst,
    /// `port`: either.
    Either,
}

impl PortField {
    /// The filter-language name.
    pub fn name(self) -> &'static str {
        match self {
            PortField::Src => "srcport",
            PortField::Dst => "dstport",
            PortField::Either => "port",
        }
    }

    /// The frame columns it reads.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            PortField::Src => &["srcport"],
            PortField::Dst => &["dstport"],
            PortField::Either => &["srcport", "dstport"],
        }
    }
}

/// Which address of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// `src`.
    Src,
    /// `dst`.
    Dst,
    /// `addr`: either.
    Either,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Src => "src",
            Side::Dst => "dst",
            Side::Either => "addr",
        }
    }
}

/// Address classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddrClass {
    /// RFC 1918 (and IPv6 unique local fc00::/7).
    Private,
    /// Carrier-grade NAT 100.64.0.0/10.
    Cgnat,
    /// 169.254.0.0/16 and fe80::/10.
    LinkLocal,
    /// Everything that is not private, CGNAT, link-local, loopback, multicast or unspecified.
    Public,
    /// The user's VPC CIDRs (default: RFC 1918).
    Vpc,
}

impl AddrClass {
    pub(crate) const ALL: [AddrClass; 5] = [
        AddrClass::Private,
        AddrClass::Cgnat,
        AddrClass::LinkLocal,
        AddrClass::Public,
        AddrClass::Vpc,
    ];

    /// The filter-language name.
    pub fn name(self) -> &'static str {
        match self {
            AddrClass::Private => "private",
            AddrClass::Cgnat => "cgnat",
            AddrClass::LinkLocal => "linklocal",
            AddrClass::Public => "public",
            AddrClass::Vpc => "vpc",
        }
    }

    /// The blocks this class is made of, and whether it is everything *but* them (`public`):
    /// the addresses [`AddrClass::contains`] takes, as networks, so that over the sorted address
    /// dictionary the class is a few id ranges found by binary search (a test compares the two).
    pub fn blocks(self, vpc: &[IpNet]) -> (Vec<IpNet>, bool) {
        let nets =
            |list: &[&str]| -> Vec<IpNet> { list.iter().filter_map(|n| n.parse().ok()).collect() };
        const PRIVATE: [&str; 4] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];
        const CGNAT: [&str; 1] = ["100.64.0.0/10"];
        const LINK_LOCAL: [&str; 2] = ["169.254.0.0/16", "fe80::/10"];
        // Loopback, multicast, unspecified, broadcast and "this network" (0.0.0.0/8).
        const OTHER: [&str; 7] = [
            "127.0.0.0/8",
            "::1/128",
            "224.0.0.0/4",
            "ff00::/8",
            "::/128",
            "255.255.255.255/32",
            "0.0.0.0/8",
        ];
        match self {
            AddrClass::Vpc => (vpc.to_vec(), false),
            AddrClass::Private => (nets(&PRIVATE), false),
            AddrClass::Cgnat => (nets(&CGNAT), false),
            AddrClass::LinkLocal => (nets(&LINK_LOCAL), false),
            AddrClass::Public => {
                let not: Vec<&str> = [&PRIVATE[..], &CGNAT, &LINK_LOCAL, &OTHER].concat();
                (nets(&not), true)
            }
        }
    }

    /// Whether `ip` is of this class (`vpc` uses the given CIDRs).
    pub fn contains(self, ip: IpAddr, vpc: &[IpNet]) -> bool {
        match self {
            AddrClass::Vpc => vpc.iter().any(|n| n.contains(&ip)),
            AddrClass::Private => match ip {
                IpAddr::V4(v4) => v4.is_private(),
                IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
            },
            AddrClass::Cgnat => match ip {
                IpAddr::V4(v4) => {
                    let o = v4.octets();
                    o[0] == 100 && (64..128).contains(&o[1])
                }
                IpAddr::V6(_) => false,
            },
            AddrClass::LinkLocal => match ip {
                IpAddr::V4(v4) => v4.is_link_local(),
                IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
            },
            AddrClass::Public => {
                !(AddrClass::Private.contains(ip, vpc)
                    || AddrClass::Cgnat.contains(ip, vpc)
                    || AddrClass::LinkLocal.contains(ip, vpc)
                    || ip.is_loopback()
                    || ip.is_multicast()
                    || ip.is_unspecified()
                    || matches!(ip, IpAddr::V4(v4) if v4.is_broadcast() || v4.octets()[0] == 0))
            }
        }
    }
}

/// Derived flow direction relative to the VPC CIDRs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Inside → outside.
    Outbound,
    /// Outside → inside.
    Inbound,
    /// Inside → inside.
    Internal,
    /// Outside → outside.
    External,
}

impl Direction {
    const ALL: [Direction; 4] = [
        Direction::Outbound,
        Direction::Inbound,
        Direction::Internal,
        Direction::External,
    ];

    /// The filter-language name.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Outbound => "outbound",
            Direction::Inbound => "inbound",
            Direction::Internal => "internal",
            Direction::External => "external",
        }
    }

    /// Whether a flow from a source (inside or not) to a destination has this direction.
    pub fn matches(self, src_inside: bool, dst_inside: bool) -> bool {
        match self {
            Direction::Outbound => src_inside && !dst_inside,
            Direction::Inbound => !src_inside && dst_inside,
            Direction::Internal => src_inside && dst_inside,
            Direction::External => !src_inside && !dst_inside,
        }
    }
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl CmpOp {
    /// The operator text.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Applies the comparison.
    #[inline]
    pub fn test(self, a: u64, b: u64) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }
}

/// A parse error: where, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    /// Byte offset in the text.
    pub pos: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at position {}: {}", self.pos + 1, self.message)
    }
}

impl std::error::Error for FilterError {}

impl FilterError {
    /// The text with a caret under the error position (for terminals).
    pub fn pointer(&self, text: &str) -> String {
        let col = text[..self.pos.min(text.len())].chars().count();
        format!("{text}\n{}^ {}", " ".repeat(col), self.message)
    }
}

impl Filter {
    /// `self and other`, flattened; `All` is the identity, and a condition already present is
    /// not added twice (clicking the same bar again changes nothing).
    pub fn and(self, other: Filter) -> Filter {
        let mut parts = self.conditions();
        for c in other.conditions() {
            if !parts.contains(&c) {
                parts.push(c);
            }
        }
        match parts.len() {
            0 => Filter::All,
            1 => parts.pop().unwrap_or(Filter::All),
            _ => Filter::And(parts),
        }
    }

    /// The top-level conditions (the chips of the filter bar).
    pub fn conditions(&self) -> Vec<Filter> {
        self.condition_list().to_vec()
    }

    /// [`Filter::conditions`], borrowed (what the views read every frame: no copy).
    pub fn condition_list(&self) -> &[Filter] {
        match self {
            Filter::All => &[],
            Filter::And(parts) => parts,
            f => std::slice::from_ref(f),
        }
    }

    /// The filter without top-level condition `i`.
    pub fn without(&self, i: usize) -> Filter {
        let mut parts = self.conditions();
        if i < parts.len() {
            parts.remove(i);
        }
        parts.into_iter().fold(Filter::All, Filter::and)
    }
}
