//! Tests of the record parser.

use std::net::Ipv6Addr;

use super::addr::parse_ipv6_hex;
use super::*;
use crate::model::addr::addr_to_string;
use crate::model::schema::default_layout;

fn parser() -> RecordParser {
    RecordParser::new(default_layout().into())
}

#[test]
fn fast_ipv6_agrees_with_the_standard_parser() {
    let std_parse = |t: &str| t.parse::<Ipv6Addr>().ok().map(u128::from);
    let fixed = [
        "::",
        "::1",
        "1::",
        "1::2",
        "2600:1f18:4a3b:e800:bb31:f63e:c530:66b6",
        "2a01:e08:cd1c:fa0d:e0c5::",
        "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::8",
        "1:2:3:4:5:6:7:8:9",
        "1::2::3",
        ":1",
        "1:",
        "1:::2",
        "12345::",
        "ABCD:ef01::",
        "::ffff:10.0.0.1",
        "1:2:3:4:5:6:7",
        ":::",
        "0::0",
    ];
    for t in fixed {
        if let Some(v) = parse_ipv6_hex(t.as_bytes()) {
            assert_eq!(Some(v), std_parse(t), "{t}");
        }
        assert_eq!(parse_addr(t.as_bytes()), std_parse(t), "{t}");
    }
    assert!(parse_ipv6_hex(b"2600:1f18:4a3b:e800:bb31:f63e:c530:66b6").is_some());
    assert!(parse_ipv6_hex(b"1::").is_some());
    // Random near-addresses: 1–9 groups of 0–5 hex digits, joined by `:` or `::`, with
    // stray colons at the ends now and then.
    let mut rng = crate::model::xorshift(99);
    let mut next = move |m: u64| {
        let x = rng();
        x % m
    };
    let (mut accepted, mut valid) = (0, 0);
    for _ in 0..200_000 {
        let mut text = String::new();
        if next(8) == 0 {
            text.push(':');
        }
        for g in 0..1 + next(9) {
            if g > 0 {
                text.push_str(if next(7) == 0 { "::" } else { ":" });
            }
            for _ in 0..next(6) {
                text.push(b"0123456789abcdefABCDEF"[next(22) as usize] as char);
            }
        }
        if next(8) == 0 {
            text.push(':');
        }
        let fast = parse_ipv6_hex(text.as_bytes());
        let reference = std_parse(&text);
        if let Some(v) = fast {
            assert_eq!(Some(v), reference, "{text}");
            accepted += 1;
        }
        valid += usize::from(reference.is_some());
        assert_eq!(parse_addr(text.as_bytes()), reference, "{text}");
    }
    // The generator reaches valid forms, and the fast path takes nearly all of them.
    assert!(valid > 5_000, "{valid}");
    assert!(accepted * 100 >= valid * 95, "{accepted} of {valid}");
}

#[test]
fn string_dictionary_tells_apart_every_length_and_position() {
    // Strings that agree on their first and last 16 bytes, or differ only in length, or
    // sit at the end of the text (where 16 bytes cannot be read after their start).
    let words: Vec<Vec<u8>> = [
        "OK",
        "OKX",
        "ACCEPT",
        "a",
        "abcdefghijklmnop",
        "abcdefghijklmnopq",
        "abcdefghijklmnopqr",
        "abcdefghijklmnopXr",
        "eni-0123456789abcdef0",
        "eni-0123456789abcdef1",
        "tgw-attach-0123456789abcdef0",
        "x".repeat(32).as_str(),
        "x".repeat(33).as_str(),
        "x".repeat(34).as_str(),
        "y".repeat(40).as_str(),
    ]
    .iter()
    .map(|w| w.as_bytes().to_vec())
    .collect();
    let mut d = StrDict::default();
    let mut ids = Vec::new();
    for (i, w) in words.iter().enumerate() {
        // Alone (at the end of the text), and inside a longer line.
        let alone = d.id(w, 0, w.len());
        let line = [b"pad ".as_slice(), w, b" after the word, long enough"].concat();
        let inside = d.id(&line, 4, 4 + w.len());
        assert_eq!(alone, inside, "word {i}");
        let tail = [b"0123456789abcdefghij ".as_slice(), w].concat();
        assert_eq!(d.id(&tail, 21, tail.len()), alone, "word {i} at the end");
        ids.push(alone);
    }
    let mut distinct = ids.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), words.len(), "{ids:?}");
    for (w, id) in words.iter().zip(&ids) {
        assert_eq!(&*d.values[*id as usize], &w[..]);
    }
}

#[test]
fn numbers_and_addresses() {
    assert_eq!(parse_uint(b"0"), Some(0));
    assert_eq!(parse_uint(b"18446744073709551615"), Some(u64::MAX));
    assert_eq!(parse_uint(b"18446744073709551616"), None);
    assert_eq!(parse_uint(b"12a"), None);
    assert_eq!(parse_uint(b""), None);
    // The 8-digit fast path against the obvious definition.
    for v in [
        0u64,
        7,
        12_345_678,
        99_999_999,
        100_000_000,
        1_418_530_010,
        1_512_564_058_000,
        9_999_999_999_999_999_999,
    ] {
        assert_eq!(parse_uint(v.to_string().as_bytes()), Some(v), "{v}");
        assert_eq!(parse_uint(format!("{v:08}").as_bytes()), Some(v), "{v:08}");
    }
    assert_eq!(parse_uint(b"14185300a0"), None);
    assert_eq!(parse_uint(b"1418530:10"), None);
    assert_eq!(parse_uint(b"1418530/10"), None);
    assert_eq!(parse_uint(b"12345678 "), None);
    // The fused scanner agrees with parse_uint for every length and boundary.
    for v in [
        0u64,
        5,
        42,
        443,
        65535,
        1_234_567,
        12_345_678,
        123_456_789,
        1_418_530_010,
    ] {
        for tail in ["", " x", "\tx"] {
            let line = format!("{v}{tail}");
            let (end, got) = scan_value(Kind::U64, line.as_bytes(), 0);
            assert_eq!(got, Some(u128::from(v)), "{line:?}");
            assert_eq!(end, v.to_string().len(), "{line:?}");
            let padded = format!("{line}        ");
            assert_eq!(
                scan_value(Kind::U64, padded.as_bytes(), 0).1,
                Some(u128::from(v))
            );
        }
    }
    for bad in [
        "12a4 5678 9",
        "1234567x 9",
        "-1",
        "12.5 1234567",
        "1e5 45678",
    ] {
        assert_eq!(scan_value(Kind::U64, bad.as_bytes(), 0).1, None, "{bad}");
    }
    assert_eq!(scan_value(Kind::U16, b"65536 12345", 0).1, None);
    assert_eq!(scan_value(Kind::U64, b"- 1234567", 0), (1, Some(NULL)));
    assert_eq!(parse_addr(b"10.0.1.5"), Some(v4_key(0x0a00_0105)));
    assert_eq!(parse_addr(b"256.0.0.1"), None);
    assert_eq!(parse_addr(b"1.2.3"), None);
    assert_eq!(parse_addr(b"1.2.3.4.5"), None);
    let v6 = parse_addr(b"2001:db8::1").unwrap();
    assert_eq!(addr_to_string(v6), "2001:db8::1");
    assert_eq!(addr_to_string(v4_key(0x0a00_0105)), "10.0.1.5");
    assert_eq!(parse_addr(b"eni-123"), None);
}

#[test]
fn header_detection() {
    assert!(header_columns(b"version account-id srcaddr").is_some());
    assert!(header_columns(b"account_id bytes my-custom").is_some());
    let cols = header_columns(b"srcaddr dstaddr my-custom").unwrap();
    assert_eq!(cols[2], Column::Unknown("my_custom".into()));
    assert!(header_columns(b"eni-123 vpc-abc").is_none());
    assert!(header_columns(b"us-east-1 ingress").is_none());
    assert!(header_columns(b"2 123 eni-1").is_none());
    assert!(header_columns(b"this is not a flow log record").is_none());
}

#[test]
fn bad_lines_are_counted_and_leave_no_partial_row() {
    let mut p = parser();
    p.line(
        b"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 100 200 ACCEPT OK",
        1,
    );
    p.line(b"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 100 200 ACCEPT", 2);
    p.line(
        b"2 1 eni-1 10.0.0.1 10.0.0.2 1 99999 6 3 4 100 200 ACCEPT OK",
        3,
    );
    p.line(b"2 1 eni-1 10.0.0.1 nope 1 2 6 3 4 100 200 ACCEPT OK", 4);
    p.line(b"", 5);
    let f = p.finish();
    assert_eq!(f.records, 1);
    assert_eq!(f.skipped.count, 3);
    let reasons: Vec<String> = f
        .skipped
        .examples
        .iter()
        .map(|e| e.reason.to_string())
        .collect();
    assert_eq!(reasons[0], "expected 14 fields, found 13");
    assert_eq!(reasons[1], "field `dstport`: `99999` is not a valid number");
    assert_eq!(
        reasons[2],
        "field `dstaddr`: `nope` is not an IPv4 or IPv6 address"
    );
    assert_eq!(f.skipped.examples[1].line, 3);
    let seg = &f.segments[0];
    assert_eq!(seg.rows, 1);
    assert!(seg.cols.iter().all(|c| match &c.values {
        Values::U8(v) => v.len() == 1,
        Values::U16(v) => v.len() == 1,
        Values::U32(v) | Values::Ids(v) => v.len() == 1,
        Values::U64(v) => v.len() == 1,
    }));
}

#[test]
fn milliseconds_become_seconds_and_dash_is_null() {
    let mut p = parser();
    p.line(
        b"2 1 eni-1 - - - - - - - 1512564058000 1512564059000 - SKIPDATA",
        1,
    );
    let f = p.finish();
    let seg = &f.segments[0];
    let Values::U32(start) = &seg.cols[10].values else {
        panic!("start is not u32")
    };
    assert_eq!(start[0], 1_512_564_058);
    assert_eq!(seg.cols[3].nulls, vec![0]);
    assert_eq!(seg.cols[12].nulls, vec![0]);
    assert!(seg.cols[13].nulls.is_empty());
}

#[test]
fn wrappers() {
    let mut p = parser();
    p.message(b"timestamp,message", 1);
    p.message(b"1742570569000,2 1 eni-1 - - - - - - - 1 2 - NODATA", 2);
    p.message(
        b"2021-03-04T14:01:33.000Z 2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 100 200 ACCEPT OK",
        3,
    );
    let f = p.finish();
    assert_eq!(f.records, 2, "{:?}", f.skipped);
}

/// Everything a parsed file holds, in comparable form.
pub(super) fn parsed_summary(p: RecordParser) -> String {
    let f = p.finish();
    let mut out = format!("records {} skipped {:?}\n", f.records, f.skipped);
    for seg in &f.segments {
        for c in &seg.cols {
            let mut values = Vec::new();
            c.values.extend_mapped(&mut values, |v| v);
            out.push_str(&format!("{values:?} nulls {:?}\n", c.nulls));
        }
    }
    out.push_str(&format!("addrs {:?}\n", f.dicts.addrs.values));
    for (name, d) in &f.dicts.strings {
        out.push_str(&format!("{name} {:?}\n", d.values));
    }
    out
}

/// A default-layout line with some of its fields, separators or length made unusual.
fn mutated_v2_line(next: &mut impl FnMut(u64) -> u64) -> String {
    let pick = |next: &mut dyn FnMut(u64) -> u64, options: &[&str]| {
        options[next(options.len() as u64) as usize].to_owned()
    };
    // Half the lines are valid but for their numbers' sizes; in the other half every field may
    // be unusual.
    let wild = next(2) == 0;
    let odd = |next: &mut dyn FnMut(u64) -> u64, one_in: u64| wild && next(one_in) == 0;
    let octet = |next: &mut dyn FnMut(u64) -> u64| match next(20) {
        _ if !wild => next(256).to_string(),
        0 => "256".to_owned(),
        1 => "010".to_owned(),
        2 => "00".to_owned(),
        3 => "1000".to_owned(),
        _ => next(256).to_string(),
    };
    let addr = |next: &mut dyn FnMut(u64) -> u64| match next(25) {
        _ if !wild => (0..4).map(|_| octet(next)).collect::<Vec<_>>().join("."),
        0 => pick(
            next,
            &[
                "-",
                "2600:1f18::1",
                "1.2.3",
                "1.2.3.4.5",
                "1..2.3",
                "a.b.c.d",
            ],
        ),
        1 => format!("{}.{}.{}.{}.", next(256), next(256), next(256), next(256)),
        _ => (0..4).map(|_| octet(next)).collect::<Vec<_>>().join("."),
    };
    let number = |next: &mut dyn FnMut(u64) -> u64, max: u64| match next(16) {
        _ if !wild && max < u64::MAX => next(max + 1).to_string(),
        0 => pick(
            next,
            &["-", "12a", "", "4294967296", "18446744073709551615"],
        ),
        1 => pick(
            next,
            &[
                "18446744073709551616",
                "99999999999999999",
                "1234567890123456",
            ],
        ),
        2 => format!("{}", next(u64::MAX)),
        3 => format!("0{}", next(1000)),
        _ => {
            let digits = next(11) as u32 + 1;
            next(10u64.pow(digits)).to_string()
        }
    };
    let time = |next: &mut dyn FnMut(u64) -> u64| match next(10) {
        1 if !wild => format!("{}", 1_709_251_200 + next(100_000)),
        0 => format!("{}", 1_709_251_200_000 + next(100_000)),
        1 => pick(
            next,
            &[
                "-",
                "4294967296",
                "4294967295",
                "0",
                "99999999999",
                "100000000000",
            ],
        ),
        _ => format!("{}", 1_709_251_200 + next(100_000)),
    };
    let fields = vec![
        if odd(next, 3) {
            pick(next, &["3", "255", "256", "-"])
        } else {
            "2".to_owned()
        },
        if odd(next, 5) {
            "-".to_owned()
        } else {
            pick(next, &["123456789012", "264187939027"])
        },
        if next(10) == 0 {
            format!("eni-{}", "a".repeat(next(90) as usize))
        } else {
            format!("eni-{:017x}", next(40))
        },
        addr(next),
        addr(next),
        number(next, u64::from(u16::MAX)),
        number(next, u64::from(u16::MAX)),
        number(next, u64::from(u8::MAX)),
        number(next, u64::MAX),
        number(next, u64::MAX),
        time(next),
        time(next),
        if odd(next, 4) {
            pick(next, &["-", "accept"])
        } else {
            pick(next, &["ACCEPT", "REJECT"])
        },
        if odd(next, 4) {
            pick(next, &["NODATA", "SKIPDATA", "-"])
        } else {
            "OK".to_owned()
        },
    ];
    join_fields(fields, next, wild)
}

/// The fields joined by single spaces, or now and then (more often when `wild`) by other
/// separators, with a field missing or one too many.
fn join_fields(mut fields: Vec<String>, next: &mut impl FnMut(u64) -> u64, wild: bool) -> String {
    match next(if wild { 12 } else { 1000 }) {
        0 => {
            fields.pop();
        }
        1 => fields.push("extra".to_owned()),
        _ => {}
    }
    let mut line = String::new();
    for (k, f) in fields.iter().enumerate() {
        if k > 0 {
            line.push_str(match next(if wild { 30 } else { 1000 }) {
                0 => "  ",
                1 => "\t",
                2 => " \t",
                _ => " ",
            });
        }
        line.push_str(f);
    }
    // Line ends that trim takes off (Windows newlines, trailing blanks).
    match next(if wild { 20 } else { 1000 }) {
        0 => line.push('\r'),
        1 => line.push(' '),
        2 => line.push_str("\t\r"),
        _ => {}
    }
    line
}

#[test]
fn the_v2_fast_path_agrees_with_the_general_parser() {
    let mut rng = crate::model::xorshift(7);
    let mut next = move |m: u64| {
        let x = rng();
        if m == 0 { x } else { x % m }
    };
    let general = || {
        let mut p = parser();
        p.v2 = false;
        p
    };
    let (mut stream_fast, mut stream_general) = (parser(), general());
    assert!(stream_fast.v2, "the default layout takes the fast path");
    let (mut in_place, mut text) = (parser(), Vec::new());
    let mut accepted = 0;
    for n in 0..30_000u64 {
        let line = mutated_v2_line(&mut next);
        let (mut fast, mut slow) = (parser(), general());
        for p in [&mut fast, &mut slow, &mut stream_fast, &mut stream_general] {
            p.line(line.as_bytes(), n + 1);
        }
        accepted += fast.records;
        assert_eq!(parsed_summary(fast), parsed_summary(slow), "{line}");
        // Read in place, followed by a line that would parse (its bytes must not leak in).
        let mut in_text = parser();
        let padded = format!(
            "{line}\n2 1 eni-1 1.2.3.4 5.6.7.8 1 2 6 1 1 1 1 ACCEPT OK{}",
            " ".repeat(150)
        );
        in_text.line_in(padded.as_bytes(), 0, line.len(), n + 1);
        let mut slow = general();
        slow.line(line.as_bytes(), n + 1);
        assert_eq!(
            parsed_summary(in_text),
            parsed_summary(slow),
            "in place: {line}"
        );
        text.extend_from_slice(line.as_bytes());
        text.push(b'\n');
    }
    // The same lines as one text, read in place (the last ones too close to its end to be).
    let mut start = 0;
    for (n, end) in memchr::memchr_iter(b'\n', &text).enumerate() {
        in_place.line_in(&text, start, end, n as u64 + 1);
        start = end + 1;
    }
    // The fast path took a good part of the valid lines (the rest have a `-`, a long number or
    // interface), and in place the same lines, all but a few from a copy (the last ones, near
    // the text's end, and those that end in `\r` or a blank, which only a trimmed copy takes).
    let copied = stream_fast.fast.1;
    assert!(
        copied * 10 > stream_fast.records * 4,
        "{copied} of {}",
        stream_fast.records
    );
    let (taken, from_copy) = in_place.fast;
    assert!(
        taken + from_copy == copied && from_copy * 100 < copied,
        "{:?}",
        in_place.fast
    );
    let general_summary = parsed_summary(stream_general);
    assert_eq!(parsed_summary(stream_fast), general_summary);
    assert_eq!(parsed_summary(in_place), general_summary);
    // Both kinds of line were seen in numbers.
    assert!((3_000..27_000).contains(&accepted), "{accepted} accepted");
}

/// The variant a column of the segment being filled holds: its width in bytes.
fn current_width(p: &RecordParser, col: usize) -> usize {
    match p.current.as_ref().map(|s| &s.cols[col].values) {
        Some(Values::U8(_)) => 1,
        Some(Values::U16(_)) => 2,
        Some(Values::U32(_) | Values::Ids(_)) => 4,
        Some(Values::U64(_)) => 8,
        None => 0,
    }
}

#[test]
fn columns_start_narrow_and_widen_when_a_value_does_not_fit() {
    const SRC: usize = 3;
    const BYTES: usize = 9;
    let mut p = parser();
    let line = |i: u32, bytes: u64, start: &str| {
        let src = std::net::Ipv4Addr::from(0x0a00_0000 + i);
        format!(
            "2 123456789012 eni-1 {src} 192.168.0.1 443 80 6 1 {bytes} {start} 1709251260 ACCEPT OK"
        )
    };
    let mut expected_bytes = Vec::new();
    for i in 0..70_000u32 {
        // A refused line (bad `start`) whose `bytes` does not fit 32 bits: rolled back.
        if i == 10 {
            p.line(line(i, 6_000_000_000, "x").as_bytes(), 0);
            assert_eq!(p.skipped.count, 1);
            assert_eq!(
                current_width(&p, BYTES),
                8,
                "widened before the line was refused"
            );
        }
        let bytes = if i == 50_000 {
            5_000_000_000
        } else {
            u64::from(i)
        };
        p.line(line(i, bytes, "1709251200").as_bytes(), u64::from(i) + 1);
        expected_bytes.push(bytes);
        match i {
            0 => assert_eq!(current_width(&p, SRC), 1),
            300 => assert_eq!(current_width(&p, SRC), 2),
            66_000 => assert_eq!(current_width(&p, SRC), 4),
            _ => {}
        }
    }
    assert_eq!(current_width(&p, 1), 1, "one account: 8-bit ids throughout");
    let f = p.finish();
    let seg = &f.segments[0];
    let mut srcs = Vec::new();
    seg.cols[SRC]
        .values
        .extend_mapped(&mut srcs, |id| f.dicts.addrs.values[id as usize]);
    let want: Vec<u128> = (0..70_000u32)
        .map(|i| crate::model::addr::v4_key(0x0a00_0000 + i))
        .collect();
    assert_eq!(srcs, want);
    let mut bytes = Vec::new();
    seg.cols[BYTES].values.extend_mapped(&mut bytes, |b| b);
    assert_eq!(bytes, expected_bytes);
    assert!(matches!(seg.cols[BYTES].values, Values::U64(_)));

    // Without the large value, the column widened by the refused line is narrow again once
    // sealed.
    let mut p = parser();
    p.line(line(1, 6_000_000_000, "x").as_bytes(), 1);
    p.line(line(2, 7, "1709251200").as_bytes(), 2);
    let f = p.finish();
    assert!(matches!(f.segments[0].cols[BYTES].values, Values::U32(ref v) if v == &[7]));
}
