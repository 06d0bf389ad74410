//! Rules in AWS's words, as the console and the CLI write them: "TCP 443 from 0.0.0.0/0",
//! "#100 allow inbound TCP 443 from 0.0.0.0/0".

use crate::model::inventory::{AclEntry, Peer, RuleProtocol, SgRule};

fn acl_number(n: u32) -> String {
    if n >= 32767 {
        "*".into()
    } else {
        n.to_string()
    }
}

/// A protocol number in AWS's words.
pub fn proto_name(p: u8) -> String {
    match p {
        6 => "TCP".into(),
        17 => "UDP".into(),
        1 => "ICMP".into(),
        58 => "ICMPv6".into(),
        n => format!("protocol {n}"),
    }
}

/// A security-group rule in AWS terms: "TCP 443 from 0.0.0.0/0", "all traffic to sg-1".
pub fn sg_rule_text(rule: &SgRule, egress: bool) -> String {
    let what = match rule.protocol {
        RuleProtocol::All => "all traffic".to_owned(),
        RuleProtocol::Number(p @ (1 | 58)) => match (rule.from, rule.to) {
            (Some(t), Some(c)) if t >= 0 && c >= 0 => {
                format!("{} type {t} code {c}", proto_name(p))
            }
            (Some(t), _) if t >= 0 => format!("{} type {t}", proto_name(p)),
            _ => format!("all {}", proto_name(p)),
        },
        RuleProtocol::Number(p) => match (rule.from, rule.to) {
            (Some(f), Some(t)) if f == t && f >= 0 => format!("{} {f}", proto_name(p)),
            (Some(f), Some(t)) if f >= 0 => format!("{} {f}-{t}", proto_name(p)),
            _ => format!("all {}", proto_name(p)),
        },
    };
    let peer = match &rule.peer {
        Peer::Cidr(n) => n.to_string(),
        Peer::PrefixList(p) => format!("prefix list {p}"),
        Peer::Group(g) => format!("group {g}"),
    };
    format!("{what} {} {peer}", if egress { "to" } else { "from" })
}

/// An ACL entry in AWS terms: "#100 allow inbound TCP 443 from 0.0.0.0/0".
pub fn acl_entry_text(e: &AclEntry) -> String {
    let what = match e.protocol {
        RuleProtocol::All => "all traffic".to_owned(),
        RuleProtocol::Number(p @ (6 | 17)) => match e.ports {
            Some((lo, hi)) if lo == hi => format!("{} {lo}", proto_name(p)),
            Some((lo, hi)) => format!("{} {lo}-{hi}", proto_name(p)),
            None => format!("all {}", proto_name(p)),
        },
        RuleProtocol::Number(p) => proto_name(p),
    };
    format!(
        "#{} {} {} {what} {} {}",
        acl_number(e.number),
        if e.allow { "allow" } else { "deny" },
        if e.egress { "outbound" } else { "inbound" },
        if e.egress { "to" } else { "from" },
        e.cidr
    )
}
