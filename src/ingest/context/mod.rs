//! Context files: the account's inventory beside the logs. Recognised by their content, never
//! their name: the JSON output of `aws ec2 describe-network-interfaces`, `describe-instances`,
//! `describe-subnets`, `describe-vpcs`, `describe-security-groups`, `describe-network-acls`,
//! `describe-managed-prefix-lists` and `get-managed-prefix-list-entries`, AWS's `ip-ranges.json`,
//! and a `cidr,label` CSV. Paginated output (pages concatenated, one JSON value after another)
//! reads like one document. A wrong entry is reported and skipped; the rest of the file is kept.

mod aws;

use std::io::Read as _;
use std::path::Path;

use ipnet::IpNet;

use crate::model::inventory::{ContextSource, Inventory};

/// Context files larger than this are refused (10,000 interfaces are about 30 MB of JSON).
const MAX_CONTEXT_BYTES: u64 = 1 << 30;

/// The top-level keys that mark a JSON document as context rather than flow logs.
const CONTEXT_KEYS: [&str; 12] = [
    "NetworkInterfaces",
    "Reservations",
    "Subnets",
    "Vpcs",
    "SecurityGroups",
    "NetworkAcls",
    "PrefixLists",
    "Entries",
    "syncToken",
    "prefixes",
    "ipv6_prefixes",
    "createDate",
];

/// Whether the start of a file says it is a context file: a JSON object with one of the
/// describe outputs' (or ip-ranges.json's) keys in its first 4 KiB, or a CSV whose header is
/// `cidr,label`. (CloudWatch Logs JSON has none of those keys.)
pub fn is_context(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('{') {
        return CONTEXT_KEYS.iter().any(|key| {
            let quoted = format!("\"{key}\"");
            text.match_indices(&quoted)
                .any(|(i, _)| text[i + quoted.len()..].trim_start().starts_with(':'))
        });
    }
    let first = text
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    first.replace(' ', "") == "cidr,label"
}

/// Whether the file at `path` is a context file (reads its first 4 KiB).
pub fn file_is_context(path: &Path) -> bool {
    let mut head = [0u8; 4096];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    is_context(&head[..n])
}

/// Reads one context file. `Err` when nothing in it could be read (with the reason); entries
/// that could not be read are listed in the source's `problems`.
pub fn read_context(path: &Path) -> Result<Inventory, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_CONTEXT_BYTES {
        return Err(format!(
            "larger than {} bytes; not read as context",
            MAX_CONTEXT_BYTES
        ));
    }
    let data = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs());
    let mut source = ContextSource {
        path: path.to_path_buf(),
        time: mtime,
        ..ContextSource::default()
    };
    let mut inv = if data.trim_ascii_start().starts_with(b"{") {
        aws::read_json(&data, path, &mut source)?
    } else if is_context(&data[..data.len().min(4096)]) {
        read_csv(&data, &mut source)
    } else {
        return Err(
            "not a context file: expected the JSON output of an `aws ec2 describe-…` \
                    command, AWS ip-ranges.json or a CSV with the header `cidr,label`"
                .into(),
        );
    };
    if inv.is_empty() {
        let mut why = "no entries in it".to_owned();
        if let Some(p) = source.problems.first() {
            why = format!("nothing could be read: {p}");
        }
        return Err(why);
    }
    source.kind = inv.describe();
    source.holds_rules = !inv.groups.is_empty() || !inv.acls.is_empty();
    inv.sources.push(source);
    Ok(inv)
}

/// `cidr,label` lines after the header; a bad line is a problem, the rest are kept.
fn read_csv(data: &[u8], source: &mut ContextSource) -> Inventory {
    let text = String::from_utf8_lossy(data);
    let mut inv = Inventory::default();
    for (i, line) in text.lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (cidr, label) = line.split_once(',').unwrap_or((line, ""));
        let label = label.trim().trim_matches('"').trim();
        match parse_net(cidr.trim()) {
            Some(net) if !label.is_empty() => inv.user_ranges.push((net, label.to_owned())),
            Some(_) => source.problems.push(format!("line {}: no label", i + 1)),
            None => {
                source
                    .problems
                    .push(format!("line {}: `{}` is not a CIDR", i + 1, cidr.trim()))
            }
        }
    }
    inv
}

/// A CIDR or a single address (as /32 or /128), host bits cleared.
pub(crate) fn parse_net(text: &str) -> Option<IpNet> {
    if let Ok(n) = text.parse::<IpNet>() {
        return Some(n.trunc());
    }
    text.parse::<std::net::IpAddr>().ok().map(IpNet::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognised_by_content() {
        assert!(is_context(b"{\n  \"SecurityGroups\": ["));
        assert!(is_context(b"\xef\xbb\xbf{\"syncToken\": \"1\""));
        assert!(is_context(b"CIDR, Label\n10.0.0.0/8,corp\n"));
        assert!(!is_context(b"{\"messageType\":\"DATA_MESSAGE\""));
        assert!(!is_context(b"version account-id interface-id\n"));
        assert!(!is_context(b"[{\"message\": \"2 123\"}]"));
    }
}
