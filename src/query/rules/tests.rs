//! The rule semantics against cases written from the AWS documentation (shared/CONTEXT.md and
//! the pages cited in `eval.rs`), each with the verdict it must give.

use std::sync::Arc;

use super::eval::{Flow, RuleIndex, Way};
use super::explain::{Verdict, explain};
use crate::model::inventory::{
    AclEntry, Interface, Inventory, NetworkAcl, Peer, PrefixList, RuleProtocol, SecurityGroup,
    SgRule, Subnet, Vpc,
};

const WEB: &str = "eni-web";
const NAT: &str = "eni-nat";

fn sg(protocol: RuleProtocol, ports: Option<(i32, i32)>, peer: &str) -> SgRule {
    let peer = if peer.starts_with("sg-") {
        Peer::Group(peer.into())
    } else if peer.starts_with("pl-") {
        Peer::PrefixList(peer.into())
    } else {
        Peer::Cidr(peer.parse().unwrap())
    };
    SgRule {
        protocol,
        from: ports.map(|p| p.0),
        to: ports.map(|p| p.1),
        peer,
        description: String::new(),
    }
}

const TCP: RuleProtocol = RuleProtocol::Number(6);
const ICMP: RuleProtocol = RuleProtocol::Number(1);

fn acl(
    number: u32,
    protocol: RuleProtocol,
    allow: bool,
    egress: bool,
    cidr: &str,
    ports: Option<(u16, u16)>,
) -> AclEntry {
    AclEntry {
        number,
        protocol,
        allow,
        egress,
        cidr: cidr.parse().unwrap(),
        ports,
        icmp: None,
    }
}

/// A web server (10.0.1.10, 2600:1f18::10) in subnet-a (10.0.1.0/24) with sg-web; an admin host
/// (10.0.2.20) in subnet-b with sg-admin; a NAT gateway (10.0.1.30) with no groups. The ACL of
/// subnet-a: #90 deny TCP 443 from 198.51.100.0/24, #100 allow TCP 443 from anywhere (v4 and v6),
/// #110 allow TCP 22 from 10.0.0.0/16, #120 allow ICMP, outbound #100 allow TCP 443 only, and
/// the `*` entries.
fn inventory() -> Inventory {
    let mut inv = Inventory::default();
    let eni = |id: &str, ip: &[&str], subnet: &str, groups: &[&str]| Interface {
        id: id.into(),
        kind: if groups.is_empty() {
            "nat_gateway".into()
        } else {
            "interface".into()
        },
        subnet: subnet.into(),
        vpc: "vpc-1".into(),
        addrs: ip.iter().map(|a| a.parse().unwrap()).collect(),
        groups: groups
            .iter()
            .map(|g| ((*g).into(), String::new()))
            .collect(),
        ..Interface::default()
    };
    inv.interfaces = vec![
        eni(
            WEB,
            &["10.0.1.10", "2600:1f18::10"],
            "subnet-a",
            &["sg-web"],
        ),
        eni("eni-admin", &["10.0.2.20"], "subnet-b", &["sg-admin"]),
        eni(NAT, &["10.0.1.30"], "subnet-a", &[]),
    ];
    inv.vpcs = vec![Vpc {
        id: "vpc-1".into(),
        cidrs: vec!["10.0.0.0/16".parse().unwrap()],
        tags: vec![],
    }];
    inv.subnets = vec![
        Subnet {
            id: "subnet-a".into(),
            vpc: "vpc-1".into(),
            cidrs: vec!["10.0.1.0/24".parse().unwrap()],
            tags: vec![],
        },
        Subnet {
            id: "subnet-b".into(),
            vpc: "vpc-1".into(),
            cidrs: vec!["10.0.2.0/24".parse().unwrap()],
            tags: vec![],
        },
    ];
    inv.groups = vec![
        SecurityGroup {
            id: "sg-web".into(),
            name: "web".into(),
            vpc: "vpc-1".into(),
            inbound: vec![
                sg(TCP, Some((443, 443)), "0.0.0.0/0"),
                sg(TCP, Some((22, 22)), "sg-admin"),
                sg(TCP, Some((8443, 8443)), "pl-corp"),
                sg(ICMP, Some((8, -1)), "0.0.0.0/0"),
                sg(RuleProtocol::All, None, "10.0.1.0/24"),
            ],
            outbound: vec![sg(TCP, Some((443, 443)), "0.0.0.0/0")],
        },
        SecurityGroup {
            id: "sg-admin".into(),
            name: "admin".into(),
            vpc: "vpc-1".into(),
            inbound: vec![],
            outbound: vec![sg(RuleProtocol::All, None, "0.0.0.0/0")],
        },
    ];
    inv.prefix_lists = vec![PrefixList {
        id: "pl-corp".into(),
        name: "corp".into(),
        cidrs: vec!["203.0.113.0/24".parse().unwrap()],
    }];
    inv.acls = vec![NetworkAcl {
        id: "acl-a".into(),
        vpc: "vpc-1".into(),
        is_default: false,
        subnets: vec!["subnet-a".into()],
        entries: {
            let mut e = vec![
                acl(100, TCP, true, false, "0.0.0.0/0", Some((443, 443))),
                acl(90, TCP, false, false, "198.51.100.0/24", Some((443, 443))),
                acl(101, TCP, true, false, "::/0", Some((443, 443))),
                acl(110, TCP, true, false, "10.0.0.0/16", Some((22, 22))),
                acl(115, TCP, true, false, "203.0.113.0/24", Some((8443, 8443))),
                acl(120, ICMP, true, false, "0.0.0.0/0", None),
                acl(100, TCP, true, true, "0.0.0.0/0", Some((443, 443))),
                acl(101, TCP, true, true, "::/0", Some((1024, 65535))),
                acl(32767, RuleProtocol::All, false, false, "0.0.0.0/0", None),
                acl(32768, RuleProtocol::All, false, false, "::/0", None),
                acl(32767, RuleProtocol::All, false, true, "0.0.0.0/0", None),
                acl(32768, RuleProtocol::All, false, true, "::/0", None),
            ];
            e.sort_by_key(|x| (x.egress, x.number));
            e
        },
    }];
    inv
}

fn flow(src: &str, sport: u16, dst: &str, dport: u16, protocol: u8, eni: &str) -> Flow {
    Flow {
        src: src.parse().unwrap(),
        dst: dst.parse().unwrap(),
        srcport: sport,
        dstport: dport,
        protocol,
        interface: eni.into(),
    }
}

fn verdict(f: &Flow, rejected: bool) -> (Verdict, String) {
    let index = RuleIndex::new(Arc::new(inventory()));
    let e = explain(
        &index,
        f,
        rejected,
        Some(1_709_251_200),
        Some(1_709_600_000),
    );
    (e.verdict, e.rule)
}

#[test]
fn acl_entries_are_read_lowest_number_first_and_the_first_match_decides() {
    // #90 deny from 198.51.100.0/24 comes before #100 allow from anywhere.
    let f = flow("198.51.100.7", 40000, "10.0.1.10", 443, 6, WEB);
    assert_eq!(verdict(&f, true), (Verdict::NaclDeny, "acl-a#90".into()));
    let f = flow("192.0.2.7", 40000, "10.0.1.10", 443, 6, WEB);
    assert_eq!(verdict(&f, false), (Verdict::Allowed, "sg-web#in0".into()));
    // Nothing numbered matches: the `*` entry denies.
    let f = flow("192.0.2.7", 40000, "10.0.1.10", 3389, 6, WEB);
    assert_eq!(verdict(&f, true), (Verdict::NaclDeny, "acl-a#32767".into()));
}

#[test]
fn acls_are_stateless_so_a_reply_needs_its_own_outbound_entry() {
    // The reply to an allowed inbound request goes out to the client's ephemeral port; the
    // outbound IPv4 entries only allow 443, so the `*` entry denies the reply (the AWS ping
    // example: request ACCEPT, response REJECT). Over IPv6 the ephemeral range is allowed.
    let reply = flow("10.0.1.10", 443, "192.0.2.7", 40000, 6, WEB);
    assert_eq!(
        verdict(&reply, true),
        (Verdict::NaclDeny, "acl-a#32767".into())
    );
    let reply6 = flow("2600:1f18::10", 443, "2001:db8::7", 40000, 6, WEB);
    let index = RuleIndex::new(Arc::new(inventory()));
    let acl = index.evaluate(&reply6).unwrap().acl.unwrap();
    assert!(acl.allow, "ephemeral ports allowed outbound over IPv6");
    assert_eq!(acl.entry.unwrap().number, 101);
}

#[test]
fn security_groups_are_stateful_and_allow_only() {
    let index = RuleIndex::new(Arc::new(inventory()));
    // The web server's request out to 443 is allowed by the egress rule; its reply comes back
    // to an ephemeral port no inbound rule names, and is allowed as the reply.
    let reply = flow("192.0.2.7", 443, "10.0.1.10", 40000, 6, WEB);
    let ev = index.evaluate(&reply).unwrap();
    assert_eq!(ev.way, Way::Inbound);
    let sg = ev.sg.unwrap();
    assert!(sg.allowed_by.is_none());
    assert!(sg.is_reply(&reply));
    // An unsolicited packet to the same port is not a reply that was asked for: REJECTed, no
    // rule allows it.
    let probe = flow("192.0.2.7", 50000, "10.0.1.10", 3306, 6, WEB);
    let acl_ok = flow("10.0.2.99", 50000, "10.0.1.10", 3306, 6, WEB);
    assert_eq!(verdict(&probe, true).0, Verdict::NaclDeny);
    assert_eq!(
        verdict(&acl_ok, true),
        (Verdict::NaclDeny, "acl-a#32767".into())
    );
}

#[test]
fn protocol_minus_one_icmp_ipv6_prefix_lists_and_group_references() {
    // -1 from the own subnet: every protocol and port; traffic within a subnet skips its ACL.
    let f = flow("10.0.1.99", 5353, "10.0.1.10", 5353, 17, WEB);
    assert_eq!(verdict(&f, false), (Verdict::Allowed, "sg-web#in4".into()));
    // ICMP type 8 rule: flow logs carry no type, so it can only possibly match.
    let index = RuleIndex::new(Arc::new(inventory()));
    let ping = flow("192.0.2.7", 0, "10.0.1.10", 0, 1, WEB);
    let ev = index.evaluate(&ping).unwrap();
    assert!(ev.sg.as_ref().unwrap().icmp_guess);
    assert_eq!(verdict(&ping, true).0, Verdict::AllowedNow);
    // An IPv4 0.0.0.0/0 rule never matches an IPv6 peer.
    let v6 = flow("2001:db8::7", 40000, "2600:1f18::10", 443, 6, WEB);
    assert_eq!(verdict(&v6, true), (Verdict::NoSgAllow, "sg-web".into()));
    // A prefix list's entries.
    let corp = flow("203.0.113.5", 40000, "10.0.1.10", 8443, 6, WEB);
    assert_eq!(
        verdict(&corp, false),
        (Verdict::Allowed, "sg-web#in2".into())
    );
    // A group reference: the admin host carries sg-admin; another VPC address does not.
    let admin = flow("10.0.2.20", 40000, "10.0.1.10", 22, 6, WEB);
    assert_eq!(
        verdict(&admin, false),
        (Verdict::Allowed, "sg-web#in1".into())
    );
    let other = flow("10.0.2.21", 40000, "10.0.1.10", 22, 6, WEB);
    assert_eq!(verdict(&other, true), (Verdict::NoSgAllow, "sg-web".into()));
}

#[test]
fn outbound_meets_the_groups_before_the_acl_and_nat_gateways_have_no_groups() {
    // Outbound TCP 80: no egress rule allows it and the ACL would deny it too; the groups come
    // first on the way out.
    let f = flow("10.0.1.10", 40000, "192.0.2.7", 80, 6, WEB);
    assert_eq!(verdict(&f, true), (Verdict::NoSgAllow, "sg-web".into()));
    // A NAT gateway: only its subnet's ACL.
    let nat = flow("10.0.1.30", 40000, "192.0.2.7", 443, 6, NAT);
    let (v, rule) = verdict(&nat, false);
    assert_eq!((v, rule.as_str()), (Verdict::Allowed, "acl-a#100"));
    let nat_denied = flow("10.0.1.30", 40000, "192.0.2.7", 80, 6, NAT);
    assert_eq!(
        verdict(&nat_denied, true),
        (Verdict::NaclDeny, "acl-a#32767".into())
    );
}

#[test]
fn allowed_now_unfiltered_services_and_missing_context() {
    let index = RuleIndex::new(Arc::new(inventory()));
    let f = flow("192.0.2.7", 40000, "10.0.1.10", 443, 6, WEB);
    let e = explain(&index, &f, true, Some(1_709_251_200), Some(1_709_600_000));
    assert_eq!(e.verdict, Verdict::AllowedNow);
    assert!(e.reason.contains("2024-03-01"), "{}", e.reason);
    assert!(e.reason.contains("2024-03-05"), "{}", e.reason);
    // The Amazon DNS resolver is filtered by neither.
    let dns = flow("10.0.1.10", 40000, "169.254.169.253", 53, 17, WEB);
    assert_eq!(
        explain(&index, &dns, false, None, None).verdict,
        Verdict::Allowed
    );
    let dns2 = flow("10.0.1.10", 40000, "10.0.0.2", 53, 17, WEB);
    assert_eq!(
        explain(&index, &dns2, true, None, None).verdict,
        Verdict::AllowedNow
    );
    // An interface or addresses the context does not know.
    let unknown = flow("192.0.2.7", 40000, "10.0.1.10", 443, 6, "eni-other");
    assert_eq!(
        explain(&index, &unknown, true, None, None).verdict,
        Verdict::NoContext
    );
    let foreign = flow("192.0.2.7", 40000, "10.0.9.9", 443, 6, WEB);
    assert_eq!(
        explain(&index, &foreign, true, None, None).verdict,
        Verdict::NoContext
    );
}

#[test]
fn link_local_services_are_named_by_address() {
    use super::eval::AclNote;
    let index = RuleIndex::new(Arc::new(inventory()));
    // The services' addresses as AWS writes them, and neighbours that are no service.
    let cases = [
        ("169.254.169.253", Some("the Amazon DNS resolver")),
        ("fd00:ec2::253", Some("the Amazon DNS resolver")),
        ("169.254.169.254", Some("the instance metadata service")),
        ("fd00:ec2::254", Some("the instance metadata service")),
        ("169.254.169.123", Some("Amazon Time Sync")),
        ("fd00:ec2::123", Some("Amazon Time Sync")),
        ("169.254.170.2", Some("the ECS task metadata endpoint")),
        ("169.254.170.23", Some("the ECS task metadata endpoint")),
        ("169.254.169.250", Some("Windows license activation")),
        ("169.254.169.251", Some("Windows license activation")),
        ("169.254.169.252", None),
        ("169.254.170.3", None),
        ("fd00:ec2::252", None),
        ("fd00:ec2::1:253", None),
        ("::ffff:169.254.169.254", None),
    ];
    for (peer, want) in cases {
        let src = if peer.contains(':') {
            "2600:1f18::10"
        } else {
            "10.0.1.10"
        };
        let f = flow(src, 40000, peer, 53, 17, WEB);
        let ev = index.evaluate(&f).unwrap();
        let got = match ev.acl_note {
            Some(AclNote::Unfiltered(_, service)) => Some(service),
            _ => None,
        };
        assert_eq!(got, want, "{peer}");
        if let Some(service) = want {
            let note = ev.acl_note.unwrap().to_string();
            assert_eq!(
                note,
                format!(
                    "{peer} is {service}, which neither security groups nor network ACLs filter"
                )
            );
        }
    }
}

#[test]
fn group_keys_keep_every_field_and_tell_null_from_zero() {
    use super::{GROUP_PARTS, Key};
    use crate::query::block::NULL;
    let mut seen = std::collections::HashSet::new();
    let mut next = crate::model::xorshift(0x2545_f491_4f6c_dd1d);
    for i in 0..20_000u64 {
        let pick = |r: u64, max: u64| if r.is_multiple_of(5) { NULL } else { r % max };
        let (eni, src, dst) = (pick(next(), 300), next() % 100_000, next() % 100_000);
        let (port, proto, action) = (pick(next(), 65_536), pick(next(), 256), pick(next(), 3));
        let (eni, port, proto) = match i {
            0 => (u64::from(u32::MAX) - 1, 65_535, 255),
            1 => (0, 0, 0),
            _ => (eni, port, proto),
        };
        let key = Key::pack(eni, src, dst, port, proto, action);
        let id = |v: u64| if v == NULL { u32::MAX } else { v as u32 };
        assert_eq!(key.ids(), [id(eni), src as u32, dst as u32, id(action)]);
        let zero = |v: u64| if v == NULL { 0 } else { v };
        assert_eq!(key.port_protocol(), (zero(port) as u16, zero(proto) as u8));
        assert!(key.part() < GROUP_PARTS);
        seen.insert((eni, src, dst, port, proto, action, key));
    }
    // A null port or protocol is its own group, apart from 0.
    let base = Key::pack(1, 2, 3, 0, 0, 1);
    assert_ne!(base, Key::pack(1, 2, 3, NULL, 0, 1));
    assert_ne!(base, Key::pack(1, 2, 3, 0, NULL, 1));
    assert_ne!(base, Key::pack(NULL, 2, 3, 0, 0, 1));
    assert_ne!(base, Key::pack(1, 2, 3, 0, 0, NULL));
    // Different fields, different keys.
    let fields: std::collections::HashSet<_> = seen
        .iter()
        .map(|s| (s.0, s.1, s.2, s.3, s.4, s.5))
        .collect();
    let keys: std::collections::HashSet<_> = seen.iter().map(|s| s.6).collect();
    assert_eq!(fields.len(), keys.len());
}

#[test]
fn the_first_groups_are_ordered_as_a_full_sort_orders_them() {
    use super::{FlowGroup, ordered_groups};
    let mut next = crate::model::xorshift(0x51_7cc1_b727_220a);
    let accept: Arc<str> = Arc::from("ACCEPT");
    let reject: Arc<str> = Arc::from("REJECT");
    let groups: Vec<FlowGroup> = (0..3000)
        .map(|_| {
            let r = next();
            FlowGroup {
                flow: flow(
                    &format!("10.0.{}.{}", r % 3, (r >> 8) % 7),
                    40000,
                    &format!("10.1.0.{}", (r >> 16) % 5),
                    [22, 443, 0][((r >> 24) % 3) as usize],
                    6,
                    ["eni-a", "eni-b"][((r >> 32) % 2) as usize],
                ),
                action: if (r >> 40).is_multiple_of(3) {
                    reject.clone()
                } else {
                    accept.clone()
                },
                flows: (r >> 44) % 40,
                packets: 1,
                bytes: 1,
                first: 0,
            }
        })
        .collect();
    let parts =
        |n: usize| -> Vec<Vec<FlowGroup>> { groups.chunks(n).map(<[FlowGroup]>::to_vec).collect() };
    let accepted = |g: &FlowGroup| &*g.action == "ACCEPT";
    let full = ordered_groups(parts(700), accepted, usize::MAX);
    assert_eq!(full.len(), groups.iter().filter(|g| accepted(g)).count());
    assert!(full.windows(2).all(|w| w[0].flows >= w[1].flows));
    let key = |g: &FlowGroup| {
        (
            g.flows,
            g.flow.src,
            g.flow.dst,
            g.flow.dstport,
            g.flow.interface.clone(),
        )
    };
    for top in [0, 1, 50, 1000, full.len() - 1, full.len(), full.len() + 5] {
        let some = ordered_groups(parts(333), accepted, top);
        let n = top.min(full.len());
        // The first `top`: the full sort's first (equal keys in either order).
        let head: Vec<_> = some[..n].iter().map(key).collect();
        let want: Vec<_> = full[..n].iter().map(key).collect();
        assert_eq!(head, want, "top {top}");
        // All of them, once each.
        let mut all: Vec<_> = some.iter().map(key).collect();
        let mut want_all: Vec<_> = full.iter().map(key).collect();
        all.sort();
        want_all.sort();
        assert_eq!(all, want_all, "top {top}");
    }
}
