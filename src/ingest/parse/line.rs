//! Whole-line helpers: trimming, wrappers (ISO timestamps, CSV quoting) and header detection.

use crate::model::schema::Column;

/// Trims ASCII spaces, tabs and `\r` on both ends.
pub fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if matches!(first, b' ' | b'\t' | b'\r') {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if matches!(last, b' ' | b'\t' | b'\r') {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// If the line starts with an ISO-8601 UTC timestamp (`2021-03-04T14:01:33.000Z `, CloudWatch
/// export), returns the rest.
pub(crate) fn strip_iso_timestamp(line: &[u8]) -> Option<&[u8]> {
    if line.len() < 21 || line.get(4) != Some(&b'-') || line.get(10) != Some(&b'T') {
        return None;
    }
    let end = memchr::memchr(b' ', line)?;
    let stamp = &line[..end];
    let ok = stamp.iter().take(4).all(u8::is_ascii_digit)
        && stamp
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b':' | b'.' | b'T' | b'Z' | b'+'));
    ok.then(|| &line[end + 1..])
}

/// Removes CSV quoting from a field (`"a ""b"""` → `a "b"`).
pub(crate) fn unquote_csv(s: &[u8]) -> Vec<u8> {
    let s = trim(s);
    if s.len() >= 2 && s[0] == b'"' && s[s.len() - 1] == b'"' {
        let inner = &s[1..s.len() - 1];
        let mut out = Vec::with_capacity(inner.len());
        let mut i = 0;
        while i < inner.len() {
            out.push(inner[i]);
            if inner[i] == b'"' && inner.get(i + 1) == Some(&b'"') {
                i += 1;
            }
            i += 1;
        }
        out
    } else {
        s.to_vec()
    }
}

/// If `line` is a header (field names only), its columns.
///
/// A header is a line whose tokens all look like field names (`[a-z][a-z0-9_-]*`) and at least
/// half of them (and at least one) are known fields; unknown names become string columns.
pub fn header_columns(line: &[u8]) -> Option<Vec<Column>> {
    let mut columns: Vec<Column> = Vec::new();
    let mut known = 0usize;
    for tok in line
        .split(|b| *b == b' ' || *b == b'\t')
        .filter(|t| !t.is_empty())
    {
        let first = *tok.first()?;
        if !first.is_ascii_lowercase()
            || !tok
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_')
        {
            return None;
        }
        let name = std::str::from_utf8(tok).ok()?;
        let mut col = Column::from_name(name);
        if matches!(col, Column::Known(_)) {
            known += 1;
        }
        if columns.contains(&col) {
            col = Column::Unknown(format!("{}_{}", col.name(), columns.len() + 1));
        }
        columns.push(col);
    }
    (known >= 1 && known * 2 >= columns.len()).then_some(columns)
}
