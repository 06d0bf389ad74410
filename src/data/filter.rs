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

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use super::schema::{self, Kind};

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
    const ALL: [AddrClass; 5] = [
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

/// IANA protocol names understood by the language.
pub const PROTOCOLS: &[(&str, u8)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("ipip", 4),
    ("tcp", 6),
    ("udp", 17),
    ("ipv6", 41),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("icmpv6", 58),
    ("ospf", 89),
    ("pim", 103),
    ("vrrp", 112),
    ("l2tp", 115),
    ("sctp", 132),
];

/// The name of a protocol number, if it has one.
pub fn protocol_name(p: u8) -> Option<&'static str> {
    PROTOCOLS.iter().find(|(_, n)| *n == p).map(|(s, _)| *s)
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

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Op(&'static str),
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    Tilde,
    Range,
    End,
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = match c {
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b'{' => Tok::LBrace,
            b'}' => Tok::RBrace,
            b',' => Tok::Comma,
            b'~' => Tok::Tilde,
            b'=' | b'!' | b'<' | b'>' => {
                let (op, len) = match (c, b.get(i + 1).copied()) {
                    (b'=', Some(b'=')) => ("==", 2),
                    (b'=', _) => ("==", 1),
                    (b'!', Some(b'=')) => ("!=", 2),
                    (b'<', Some(b'=')) => ("<=", 2),
                    (b'<', _) => ("<", 1),
                    (b'>', Some(b'=')) => (">=", 2),
                    (b'>', _) => (">", 1),
                    _ => {
                        return Err(FilterError {
                            pos: i,
                            message: "expected `!=` (use `not` to negate)".into(),
                        });
                    }
                };
                i += len;
                out.push((start, Tok::Op(op)));
                continue;
            }
            b'"' | b'\'' => {
                let quote = c;
                let mut s = String::new();
                i += 1;
                loop {
                    match b.get(i) {
                        None => {
                            return Err(FilterError {
                                pos: start,
                                message: "unterminated string".into(),
                            });
                        }
                        Some(&q) if q == quote => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') if b.get(i + 1).is_some_and(|n| *n == quote || *n == b'\\') => {
                            s.push(char::from(b[i + 1]));
                            i += 2;
                        }
                        Some(_) => {
                            let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
                            s.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                out.push((start, Tok::Str(s)));
                continue;
            }
            b'.' if b.get(i + 1) == Some(&b'.') => {
                i += 2;
                out.push((start, Tok::Range));
                continue;
            }
            _ => {
                // A word: field names, values, addresses, CIDRs, times, numbers with units.
                while i < b.len() {
                    let c = b[i];
                    if c.is_ascii_whitespace()
                        || matches!(
                            c,
                            b'(' | b')'
                                | b'{'
                                | b'}'
                                | b','
                                | b'~'
                                | b'='
                                | b'!'
                                | b'<'
                                | b'>'
                                | b'"'
                                | b'\''
                        )
                        || (c == b'.' && b.get(i + 1) == Some(&b'.'))
                    {
                        break;
                    }
                    i += 1;
                }
                if i == start {
                    return Err(FilterError {
                        pos: start,
                        message: format!("unexpected character `{}`", char::from(c)),
                    });
                }
                out.push((start, Tok::Word(text[start..i].to_owned())));
                continue;
            }
        };
        i += 1;
        out.push((start, tok));
    }
    out.push((text.len(), Tok::End));
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Parser

/// Parses filter text. Empty text is [`Filter::All`].
pub fn parse(text: &str) -> Result<Filter, FilterError> {
    let toks = lex(text)?;
    let mut p = Parser { toks, at: 0 };
    if matches!(p.peek(), Tok::End) {
        return Ok(Filter::All);
    }
    let f = p.or()?;
    match p.peek() {
        Tok::End => Ok(f),
        _ => Err(p.error("expected `and`, `or` or the end of the filter")),
    }
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.at).map_or(&Tok::End, |t| &t.1)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(0, |t| t.0)
    }

    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        self.at += 1;
        t
    }

    fn error(&self, message: impl Into<String>) -> FilterError {
        FilterError {
            pos: self.pos(),
            message: message.into(),
        }
    }

    fn keyword(&mut self, kw: &str) -> bool {
        if matches!(self.peek(), Tok::Word(w) if w.eq_ignore_ascii_case(kw)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        self.chain("or", Self::and, Filter::Or)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        self.chain("and", Self::unary, Filter::And)
    }

    /// `operand (word operand)*`, joined by `join` when there is more than one operand.
    fn chain(
        &mut self,
        word: &str,
        operand: fn(&mut Self) -> Result<Filter, FilterError>,
        join: fn(Vec<Filter>) -> Filter,
    ) -> Result<Filter, FilterError> {
        let mut parts = vec![operand(self)?];
        while self.keyword(word) {
            parts.push(operand(self)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            join(parts)
        })
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        if self.keyword("not") {
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if matches!(self.peek(), Tok::LParen) {
            self.at += 1;
            let f = self.or()?;
            if !matches!(self.next(), Tok::RParen) {
                self.at -= 1;
                return Err(self.error("expected `)`"));
            }
            return Ok(f);
        }
        self.condition()
    }

    fn word(&mut self, what: &str) -> Result<(usize, String), FilterError> {
        let pos = self.pos();
        match self.next() {
            Tok::Word(w) => Ok((pos, w)),
            Tok::Str(s) => Ok((pos, s)),
            _ => {
                self.at -= 1;
                Err(self.error(format!("expected {what}")))
            }
        }
    }

    fn condition(&mut self) -> Result<Filter, FilterError> {
        let (pos, name) = self.word("a field name (srcaddr, dstport, protocol, action, …)")?;
        let lname = name.to_ascii_lowercase().replace('-', "_");
        // Address classes: `src is private`.
        if matches!(lname.as_str(), "src" | "dst" | "addr") && self.keyword("is") {
            let side = match lname.as_str() {
                "src" => Side::Src,
                "dst" => Side::Dst,
                _ => Side::Either,
            };
            let (cpos, class) = self.word("an address class")?;
            let Some(class) = AddrClass::ALL
                .into_iter()
                .find(|c| c.name().eq_ignore_ascii_case(&class))
            else {
                return Err(FilterError {
                    pos: cpos,
                    message: "expected an address class: private, cgnat, linklocal, public or vpc"
                        .into(),
                });
            };
            return Ok(Filter::Class { side, class });
        }
        if lname == "direction" {
            let op = self.eq_op()?;
            let (dpos, d) = self.word("a direction")?;
            let Some(dir) = Direction::ALL
                .into_iter()
                .find(|x| x.name().eq_ignore_ascii_case(&d))
            else {
                return Err(FilterError {
                    pos: dpos,
                    message: "expected a direction: outbound, inbound, internal or external".into(),
                });
            };
            return Ok(negate_if(op == CmpOp::Ne, Filter::Direction(dir)));
        }
        let addr_field = match lname.as_str() {
            "srcaddr" | "src" => Some(AddrField::Src),
            "dstaddr" | "dst" => Some(AddrField::Dst),
            "addr" => Some(AddrField::Either),
            "pkt_srcaddr" => Some(AddrField::PktSrc),
            "pkt_dstaddr" => Some(AddrField::PktDst),
            _ => None,
        };
        if let Some(field) = addr_field {
            let (negate, items) = self.set_or_value()?;
            let nets = items
                .into_iter()
                .map(|(p, w)| parse_net(&w, p))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(negate_if(negate, Filter::Addr { field, nets }));
        }
        let port_field = match lname.as_str() {
            "srcport" => Some(PortField::Src),
            "dstport" => Some(PortField::Dst),
            "port" => Some(PortField::Either),
            _ => None,
        };
        if let Some(field) = port_field {
            return self.port_condition(field);
        }
        if lname == "protocol" || lname == "proto" {
            let (negate, items) = self.set_or_value()?;
            let protos = items
                .into_iter()
                .map(|(p, w)| parse_protocol(&w, p))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(negate_if(negate, Filter::Protocol(protos)));
        }
        let Some(def) = schema::lookup(&lname) else {
            return Err(FilterError {
                pos,
                message: format!("unknown field `{name}`"),
            });
        };
        let field = def.column.to_owned();
        match def.kind {
            Kind::Str => {
                if matches!(self.peek(), Tok::Tilde) {
                    self.at += 1;
                    let (ppos, pattern) = self.word("a regular expression in quotes")?;
                    if let Err(e) = regex::Regex::new(&pattern) {
                        return Err(FilterError {
                            pos: ppos,
                            message: format!("invalid regular expression: {e}"),
                        });
                    }
                    return Ok(Filter::Regex { field, pattern });
                }
                let (negate, items) = self.set_or_value()?;
                let values = items.into_iter().map(|(_, w)| w).collect();
                Ok(negate_if(negate, Filter::Str { field, values }))
            }
            Kind::Addr => unreachable_addr(pos),
            kind => {
                let op = self.cmp_op()?;
                let (vpos, w) = self.word("a number")?;
                let value = parse_number(&w, kind, vpos)?;
                Ok(Filter::Num { field, op, value })
            }
        }
    }

    fn port_condition(&mut self, field: PortField) -> Result<Filter, FilterError> {
        let pos = self.pos();
        let op = match self.peek() {
            Tok::Op(_) => self.cmp_op()?,
            Tok::Word(w) if w.eq_ignore_ascii_case("in") => {
                self.at += 1;
                let ranges = self.port_set()?;
                return Ok(Filter::Port { field, ranges });
            }
            _ => return Err(self.error("expected `in`, `==`, `!=`, `<`, `<=`, `>` or `>=`")),
        };
        let (vpos, w) = self.word("a port number")?;
        let v = parse_port(&w, vpos)?;
        let range = match op {
            CmpOp::Eq | CmpOp::Ne => (v, v),
            CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
                let (lo, hi) = match op {
                    CmpOp::Lt => (0, v.checked_sub(1)),
                    CmpOp::Le => (0, Some(v)),
                    CmpOp::Gt => (v.saturating_add(1), (v < u16::MAX).then_some(u16::MAX)),
                    _ => (v, Some(u16::MAX)),
                };
                let Some(hi) = hi else {
                    return Err(FilterError {
                        pos,
                        message: "this port comparison can never match".into(),
                    });
                };
                (lo, hi)
            }
        };
        Ok(negate_if(
            op == CmpOp::Ne,
            Filter::Port {
                field,
                ranges: vec![range],
            },
        ))
    }

    fn port_set(&mut self) -> Result<Vec<(u16, u16)>, FilterError> {
        let braced = matches!(self.peek(), Tok::LBrace);
        if braced {
            self.at += 1;
        }
        let mut ranges = Vec::new();
        loop {
            let (p, w) = self.word("a port or a range like 1024..65535")?;
            let lo = parse_port(&w, p)?;
            let hi = if matches!(self.peek(), Tok::Range) {
                self.at += 1;
                let (p2, w2) = self.word("the end of the port range")?;
                let hi = parse_port(&w2, p2)?;
                if hi < lo {
                    return Err(FilterError {
                        pos: p2,
                        message: format!("empty range {lo}..{hi}"),
                    });
                }
                hi
            } else {
                lo
            };
            ranges.push((lo, hi));
            if !braced {
                break;
            }
            match self.next() {
                Tok::Comma => continue,
                Tok::RBrace => break,
                _ => {
                    self.at -= 1;
                    return Err(self.error("expected `,` or `}`"));
                }
            }
        }
        Ok(ranges)
    }

    fn eq_op(&mut self) -> Result<CmpOp, FilterError> {
        match self.next() {
            Tok::Op("==") => Ok(CmpOp::Eq),
            Tok::Op("!=") => Ok(CmpOp::Ne),
            _ => {
                self.at -= 1;
                Err(self.error("expected `==` or `!=`"))
            }
        }
    }

    fn cmp_op(&mut self) -> Result<CmpOp, FilterError> {
        let op = match self.next() {
            Tok::Op("==") => CmpOp::Eq,
            Tok::Op("!=") => CmpOp::Ne,
            Tok::Op("<") => CmpOp::Lt,
            Tok::Op("<=") => CmpOp::Le,
            Tok::Op(">") => CmpOp::Gt,
            Tok::Op(">=") => CmpOp::Ge,
            _ => {
                self.at -= 1;
                return Err(self.error("expected a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)"));
            }
        };
        Ok(op)
    }

    /// `== v`, `!= v`, `in v` or `in {a, b}`: (negated, items with positions).
    fn set_or_value(&mut self) -> Result<(bool, Vec<(usize, String)>), FilterError> {
        let negate = match self.next() {
            Tok::Op("==") => false,
            Tok::Op("!=") => true,
            Tok::Word(w) if w.eq_ignore_ascii_case("in") => {
                if matches!(self.peek(), Tok::LBrace) {
                    self.at += 1;
                    let mut items = Vec::new();
                    loop {
                        items.push(self.word("a value")?);
                        match self.next() {
                            Tok::Comma => continue,
                            Tok::RBrace => break,
                            _ => {
                                self.at -= 1;
                                return Err(self.error("expected `,` or `}`"));
                            }
                        }
                    }
                    return Ok((false, items));
                }
                false
            }
            _ => {
                self.at -= 1;
                return Err(self.error("expected `==`, `!=` or `in`"));
            }
        };
        Ok((negate, vec![self.word("a value")?]))
    }
}

fn unreachable_addr(pos: usize) -> Result<Filter, FilterError> {
    Err(FilterError {
        pos,
        message: "internal error: address field not handled".into(),
    })
}

fn negate_if(negate: bool, f: Filter) -> Filter {
    if negate { Filter::Not(Box::new(f)) } else { f }
}

/// An address or CIDR; a CIDR with host bits set is an error that suggests the network.
pub fn parse_net(w: &str, pos: usize) -> Result<IpNet, FilterError> {
    if let Ok(ip) = w.parse::<IpAddr>() {
        return Ok(IpNet::from(ip));
    }
    match w.parse::<IpNet>() {
        Ok(net) if net.trunc() != net => Err(FilterError {
            pos,
            message: format!("`{w}` has host bits set: did you mean `{}`?", net.trunc()),
        }),
        Ok(net) => Ok(net),
        Err(_) => Err(FilterError {
            pos,
            message: format!(
                "`{w}` is not an IP address or CIDR (like 10.0.0.0/16 or 2001:db8::/32)"
            ),
        }),
    }
}

fn parse_port(w: &str, pos: usize) -> Result<u16, FilterError> {
    w.parse::<u16>().map_err(|_| FilterError {
        pos,
        message: format!("`{w}` is not a port (0 to 65535)"),
    })
}

fn parse_protocol(w: &str, pos: usize) -> Result<u8, FilterError> {
    if let Ok(n) = w.parse::<u8>() {
        return Ok(n);
    }
    PROTOCOLS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(w))
        .map(|(_, p)| *p)
        .ok_or_else(|| FilterError {
            pos,
            message: format!("unknown protocol `{w}` (use a number or tcp, udp, icmp, icmpv6, …)"),
        })
}

/// Size units (decimal and binary).
const UNITS: &[(&str, u64)] = &[
    ("TiB", 1 << 40),
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
    ("TB", 1_000_000_000_000),
    ("GB", 1_000_000_000),
    ("MB", 1_000_000),
    ("kB", 1_000),
    ("KB", 1_000),
    ("T", 1_000_000_000_000),
    ("G", 1_000_000_000),
    ("M", 1_000_000),
    ("k", 1_000),
    ("K", 1_000),
];

fn parse_number(w: &str, kind: Kind, pos: usize) -> Result<u64, FilterError> {
    if kind == Kind::Time
        && let Some(t) = parse_time(w)
    {
        return Ok(t);
    }
    if let Ok(v) = w.parse::<u64>() {
        return Ok(v);
    }
    for (suffix, mult) in UNITS {
        if let Some(num) = w.strip_suffix(suffix)
            && let Ok(v) = num.parse::<f64>()
            && v >= 0.0
        {
            return Ok((v * *mult as f64).round() as u64);
        }
    }
    Err(FilterError {
        pos,
        message: if kind == Kind::Time {
            format!("`{w}` is not a time (epoch seconds or 2024-05-17T10:00Z)")
        } else {
            format!("`{w}` is not a number (units: k, M, G, KiB, MiB, GiB)")
        },
    })
}

/// `2024-05-17`, `2024-05-17T10:00Z`, `2024-05-17T10:00:30Z` (UTC) → epoch seconds.
pub fn parse_time(w: &str) -> Option<u64> {
    let w = w.strip_suffix('Z').unwrap_or(w);
    let (date, time) = w.split_once('T').unwrap_or((w, "00:00"));
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut t = time.split(':');
    let hh: u64 = t.next()?.parse().ok()?;
    let mm: u64 = t.next().unwrap_or("0").parse().ok()?;
    let ss: u64 = t.next().unwrap_or("0").parse().ok()?;
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let days = days_from_civil(y, m, day);
    u64::try_from(days * 86_400)
        .ok()
        .map(|d| d + hh * 3600 + mm * 60 + ss)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// ---------------------------------------------------------------------------------------------
// Printer

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_filter(self, f, 0)
    }
}

fn quote(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '/' | '@'))
        && !["and", "or", "not", "in", "is"].contains(&s.to_ascii_lowercase().as_str());
    if bare {
        s.to_owned()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn write_set<T>(
    f: &mut fmt::Formatter<'_>,
    items: &[T],
    show: impl Fn(&T) -> String,
) -> fmt::Result {
    if let [one] = items {
        write!(f, "{}", show(one))
    } else {
        let parts: Vec<String> = items.iter().map(show).collect();
        write!(f, "{{{}}}", parts.join(", "))
    }
}

/// Precedence: 0 = top, 1 = inside `or`, 2 = inside `and`, 3 = inside `not`.
fn write_filter(filter: &Filter, f: &mut fmt::Formatter<'_>, prec: u8) -> fmt::Result {
    match filter {
        Filter::All => Ok(()),
        Filter::Or(parts) => write_joined(f, parts, " or ", 1, prec),
        Filter::And(parts) => write_joined(f, parts, " and ", 2, prec),
        Filter::Not(inner) => {
            f.write_str("not ")?;
            write_filter(inner, f, 3)
        }
        Filter::Addr { field, nets } => {
            write!(f, "{} ", field.name())?;
            if nets.len() == 1
                && nets
                    .first()
                    .is_some_and(|n| n.prefix_len() == n.max_prefix_len())
            {
                write!(
                    f,
                    "== {}",
                    nets.first()
                        .map(|n| n.addr().to_string())
                        .unwrap_or_default()
                )
            } else {
                f.write_str("in ")?;
                write_set(f, nets, |n| n.to_string())
            }
        }
        Filter::Port { field, ranges } => {
            write!(f, "{} ", field.name())?;
            if let [(lo, hi)] = ranges.as_slice()
                && lo == hi
            {
                return write!(f, "== {lo}");
            }
            f.write_str("in ")?;
            write_set(f, ranges, |(lo, hi)| {
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo}..{hi}")
                }
            })
        }
        Filter::Protocol(ps) => {
            let show = |p: &u8| protocol_name(*p).map_or_else(|| p.to_string(), str::to_owned);
            if let [p] = ps.as_slice() {
                write!(f, "protocol == {}", show(p))
            } else {
                f.write_str("protocol in ")?;
                write_set(f, ps, show)
            }
        }
        Filter::Num { field, op, value } => {
            let kind = schema::lookup(field).map_or(Kind::U64, |d| d.kind);
            let v = if kind == Kind::Time {
                super::summary::format_epoch(*value)
            } else if field == "bytes" {
                format_size(*value)
            } else {
                value.to_string()
            };
            write!(f, "{field} {} {v}", op.symbol())
        }
        Filter::Str { field, values } => {
            if let [v] = values.as_slice() {
                write!(f, "{field} == {}", quote(v))
            } else {
                write!(f, "{field} in ")?;
                write_set(f, values, |v| quote(v))
            }
        }
        Filter::Regex { field, pattern } => {
            write!(
                f,
                "{field} ~ \"{}\"",
                pattern.replace('\\', "\\\\").replace('"', "\\\"")
            )
        }
        Filter::Class { side, class } => write!(f, "{} is {}", side.name(), class.name()),
        Filter::Direction(d) => write!(f, "direction == {}", d.name()),
    }
}

/// `a or b …` at precedence `level`, parenthesised when the context binds tighter.
fn write_joined(
    f: &mut fmt::Formatter<'_>,
    parts: &[Filter],
    sep: &str,
    level: u8,
    prec: u8,
) -> fmt::Result {
    if prec > level {
        f.write_str("(")?;
    }
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write_filter(p, f, level)?;
    }
    if prec > level {
        f.write_str(")")?;
    }
    Ok(())
}

/// A byte count with the largest exact decimal unit (`10MB`, `1500`).
pub fn format_size(v: u64) -> String {
    for (suffix, mult) in [
        ("TB", 1_000_000_000_000u64),
        ("GB", 1_000_000_000),
        ("MB", 1_000_000),
        ("kB", 1_000),
    ] {
        if v >= mult && v.is_multiple_of(mult) {
            return format!("{}{suffix}", v / mult);
        }
    }
    v.to_string()
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
        match self {
            Filter::All => Vec::new(),
            Filter::And(parts) => parts.clone(),
            f => vec![f.clone()],
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rt(text: &str) -> Filter {
        let f = parse(text).unwrap_or_else(|e| panic!("{}", e.pointer(text)));
        let printed = f.to_string();
        let again = parse(&printed).unwrap_or_else(|e| panic!("{}", e.pointer(&printed)));
        assert_eq!(f, again, "{text} → {printed}");
        f
    }

    #[test]
    fn round_trips() {
        for text in [
            "",
            "srcaddr in 10.0.0.0/16",
            "addr in {10.0.1.0/24, 2001:db8::/32}",
            "dstport in {22, 3389}",
            "port in 1024..65535",
            "protocol == tcp and action == ACCEPT",
            "protocol in {tcp, udp, 99}",
            "interface_id ~ \"^eni-0a\"",
            "bytes > 10MB",
            "start >= 2024-05-17T10:00Z",
            "src is private and dst is public",
            "direction == outbound",
            "not (action == REJECT or log_status == NODATA)",
            "(srcport == 22 or dstport == 22) and not srcaddr == 10.0.0.5",
            "account_id in {123456789012, \"0001\"}",
            "log_status != OK",
            "packets <= 3",
        ] {
            rt(text);
        }
    }

    #[test]
    fn and_flattens_and_skips_repeated_conditions() {
        let p = |t: &str| parse(t).unwrap_or_else(|e| panic!("{e}"));
        let f = p("dstport == 8080").and(p("srcaddr == 10.0.4.131"));
        assert_eq!(f.to_string(), "dstport == 8080 and srcaddr == 10.0.4.131");
        // The same bar clicked again: unchanged.
        assert_eq!(f.clone().and(p("dstport == 8080")), f);
        assert_eq!(
            f.clone()
                .and(p("srcaddr == 10.0.4.131 and protocol == tcp"))
                .to_string(),
            "dstport == 8080 and srcaddr == 10.0.4.131 and protocol == tcp"
        );
        assert_eq!(Filter::All.and(p("protocol == udp")), p("protocol == udp"));
        assert_eq!(p("protocol == udp").and(Filter::All), p("protocol == udp"));
    }

    #[test]
    fn canonical_text() {
        assert_eq!(rt("srcaddr = 10.0.0.1").to_string(), "srcaddr == 10.0.0.1");
        assert_eq!(rt("dstport > 1023").to_string(), "dstport in 1024..65535");
        assert_eq!(rt("bytes > 10000000").to_string(), "bytes > 10MB");
        assert_eq!(rt("bytes > 1MiB").to_string(), "bytes > 1048576");
        assert_eq!(
            rt("start >= 2024-05-17T10:00Z").to_string(),
            "start >= 2024-05-17T10:00:00Z"
        );
    }

    #[test]
    fn precedence_and_not() {
        let f = parse("srcport == 1 or dstport == 2 and protocol == 6").unwrap();
        assert!(matches!(&f, Filter::Or(parts) if matches!(parts[1], Filter::And(_))));
        let g = parse("not srcport == 1 and dstport == 2").unwrap();
        assert!(matches!(&g, Filter::And(parts) if matches!(parts[0], Filter::Not(_))));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("srcaddr in 10.0.0.1/16").unwrap_err();
        assert_eq!(e.pos, 11);
        assert!(
            e.message.contains("did you mean `10.0.0.0/16`"),
            "{}",
            e.message
        );
        let e = parse("dstport == 70000").unwrap_err();
        assert_eq!(e.pos, 11);
        let e = parse("srcport == 22 and").unwrap_err();
        assert_eq!(e.pos, 17);
        assert!(e.message.starts_with("expected a field name"));
        let e = parse("bogus == 1").unwrap_err();
        assert_eq!(e.message, "unknown field `bogus`");
        let e = parse("(srcport == 1").unwrap_err();
        assert_eq!(e.message, "expected `)`");
        let e = parse("protocol == tcpp").unwrap_err();
        assert!(e.message.starts_with("unknown protocol"));
        let e = parse("interface_id ~ \"(\"").unwrap_err();
        assert!(e.message.starts_with("invalid regular expression"));
        let e = parse("src is inside").unwrap_err();
        assert!(e.message.contains("private, cgnat"));
        let e = parse("srcport == 1 dstport == 2").unwrap_err();
        assert_eq!(e.message, "expected `and`, `or` or the end of the filter");
        assert_eq!(
            e.pointer("srcport == 1 dstport == 2"),
            "srcport == 1 dstport == 2\n             ^ expected `and`, `or` or the end of the filter"
        );
    }

    #[test]
    fn classes() {
        let vpc: Vec<IpNet> = vec!["10.0.0.0/16".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(AddrClass::Private.contains(ip("172.16.5.4"), &vpc));
        assert!(AddrClass::Cgnat.contains(ip("100.64.1.1"), &vpc));
        assert!(!AddrClass::Public.contains(ip("100.64.1.1"), &vpc));
        assert!(AddrClass::Public.contains(ip("8.8.8.8"), &vpc));
        assert!(AddrClass::Public.contains(ip("2600:1f18::1"), &vpc));
        assert!(AddrClass::LinkLocal.contains(ip("fe80::1"), &vpc));
        assert!(AddrClass::Vpc.contains(ip("10.0.3.3"), &vpc));
        assert!(!AddrClass::Vpc.contains(ip("10.1.3.3"), &vpc));
        assert!(Direction::Outbound.matches(true, false));
    }
}
