//! Tests of the filter language.

use super::parse::MAX_DEPTH;
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

#[test]
fn deep_nesting_is_an_error_at_its_position_not_a_crash() {
    for (text, pos) in [
        (
            "(".repeat(15_000) + "action == ACCEPT" + &")".repeat(15_000),
            MAX_DEPTH,
        ),
        ("not ".repeat(20_000) + "action == ACCEPT", MAX_DEPTH * 4),
    ] {
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("nested too deeply"), "{e}");
        assert_eq!(e.pos, pos, "{e}");
    }
    // Up to the limit parses.
    let ok = "(".repeat(MAX_DEPTH) + "action == ACCEPT" + &")".repeat(MAX_DEPTH);
    assert!(parse(&ok).is_ok());
}

#[test]
fn impossible_literals_are_errors() {
    for (text, needle) in [
        ("bytes > 17179869184GiB", "too large"),
        ("bytes > 99999999999999999999", "too large"),
        ("version > 300", "out of range"),
        ("dstport > 70000", "not a port"),
        ("start >= 2024-02-30T00:00Z", "month 2 of 2024 has 29 days"),
        ("start >= 2023-02-29", "month 2 of 2023 has 28 days"),
        ("start >= 2024-13-01", "no month 13"),
        ("start >= 2200-01-01", "outside the times flow logs hold"),
        ("start >= 1709251200000", "out of range"),
    ] {
        let e = parse(text).unwrap_err();
        assert!(e.message.contains(needle), "{text}: {e}");
        assert_eq!(e.pos, text.rfind(' ').unwrap() + 1, "{text}: {e}");
    }
    // What is valid stays valid.
    for text in [
        "start >= 2024-02-29",
        "bytes > 16777215TiB",
        "start < 2106-02-07",
    ] {
        assert!(parse(text).is_ok(), "{text}");
    }
}
