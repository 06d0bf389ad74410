//! Listing what a prefix holds for a time range, without listing the whole bucket.
//!
//! The walk lists one level at a time (delimiter `/`). Where a level's folders are years (the
//! AWS layout's `…/vpcflowlogs/{region}/YYYY/`, Firehose's `YYYY/`, or the Hive-compatible
//! `year=YYYY/`), it stops walking and lists only the day prefixes the range touches (each day
//! recursively, so hour folders come with it and are filtered by their hour). Account and region
//! folders (`123456789012/`, `aws-account-id=…/`, `us-east-1/`, `aws-region=…/`) are kept or
//! skipped by the selection. Anything else is walked folder by folder.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata as _;

use crate::cloud::range::TimeRange;
use crate::fmt::civil_from_days;

/// What to read from a flow-log archive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pick {
    /// Accounts to keep (empty: all).
    pub accounts: Vec<String>,
    /// Log regions to keep (empty: all).
    pub regions: Vec<String>,
    /// Delivery time range (none: everything; refused for dated layouts).
    pub range: Option<TimeRange>,
}

/// One listed object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// Its key.
    pub key: String,
    /// Its size.
    pub size: u64,
    /// Its ETag (the cache key's version part).
    pub etag: String,
}

/// What listing found.
#[derive(Debug, Default)]
pub struct Listing {
    /// The objects.
    pub objects: Vec<Listed>,
    /// Prefixes that could not be listed, with why.
    pub denied: Vec<(String, String)>,
    /// List requests made.
    pub requests: usize,
}

/// Records arrive in their delivery folder within minutes of their end; a range keeps the
/// folders and files up to this long after its end.
const DELIVERY_SLACK: i64 = 900;

/// Lists `prefix` of `bucket` for `pick`. Errors that concern the whole walk (the first list
/// failing for want of credentials, a dated layout without a range) end it.
pub async fn list(
    client: &Client,
    bucket: &str,
    prefix: &str,
    pick: &Pick,
) -> Result<Listing, String> {
    let mut out = Listing::default();
    let mut stack = vec![prefix.to_owned()];
    let mut first = true;
    while let Some(p) = stack.pop() {
        let (objects, dirs) = match list_level(client, bucket, &p, true, &mut out.requests).await {
            Ok(found) => found,
            Err(e) if first && !e.denied => return Err(e.text),
            Err(e) => {
                out.denied.push((format!("s3://{bucket}/{p}"), e.text));
                continue;
            }
        };
        first = false;
        out.objects
            .extend(objects.into_iter().filter(|o| keep_file(&o.key, pick)));
        let (years, others): (Vec<&String>, Vec<&String>) =
            dirs.iter().partition(|d| year_of(last(d)).is_some());
        if !years.is_empty() {
            let hive = years.iter().any(|d| last(d).starts_with("year="));
            let Some(range) = pick.range else {
                return Err(unbounded(bucket, &p, &years));
            };
            let present: Vec<i64> = years.iter().filter_map(|d| year_of(last(d))).collect();
            for day in range.days(DELIVERY_SLACK) {
                let (y, m, d) = civil_from_days(day);
                if !present.contains(&y) {
                    continue;
                }
                let day_prefix = if hive {
                    format!("{p}year={y:04}/month={m:02}/day={d:02}/")
                } else {
                    format!("{p}{y:04}/{m:02}/{d:02}/")
                };
                match list_level(client, bucket, &day_prefix, false, &mut out.requests).await {
                    Ok((objects, _)) => out.objects.extend(
                        objects
                            .into_iter()
                            .filter(|o| keep_hour(&o.key[day_prefix.len()..], day, &range))
                            .filter(|o| keep_file(&o.key, pick)),
                    ),
                    Err(e) => out
                        .denied
                        .push((format!("s3://{bucket}/{day_prefix}"), e.text)),
                }
            }
        }
        for d in others.into_iter().rev() {
            if selected(last(d), pick) {
                stack.push(d.clone());
            }
        }
    }
    Ok(out)
}

/// A list that failed.
struct ListError {
    text: String,
    denied: bool,
}

/// One prefix: its objects and (with the delimiter) its folders, every page.
async fn list_level(
    client: &Client,
    bucket: &str,
    prefix: &str,
    delimiter: bool,
    requests: &mut usize,
) -> Result<(Vec<Listed>, Vec<String>), ListError> {
    let (mut objects, mut dirs) = (Vec::new(), Vec::new());
    let mut token: Option<String> = None;
    loop {
        let mut req = client.list_objects_v2().bucket(bucket).prefix(prefix);
        if delimiter {
            req = req.delimiter("/");
        }
        if let Some(t) = token.take() {
            req = req.continuation_token(t);
        }
        *requests += 1;
        let page = req.send().await.map_err(|e| {
            let code = e.code().unwrap_or_default().to_owned();
            let denied = code == "AccessDenied" || code == "AllAccessDisabled";
            let text = match code.as_str() {
                "AccessDenied" => "access denied (s3:ListBucket)".to_owned(),
                "NoSuchBucket" => format!("no such bucket: {bucket}"),
                _ => crate::cloud::error_text(&e, &Default::default()),
            };
            ListError { text, denied }
        })?;
        for o in page.contents() {
            let Some(key) = o.key() else { continue };
            if key.ends_with('/') {
                continue; // a folder marker
            }
            objects.push(Listed {
                key: key.to_owned(),
                size: o.size().unwrap_or(0).max(0) as u64,
                etag: o.e_tag().unwrap_or_default().to_owned(),
            });
        }
        dirs.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|c| c.prefix().map(str::to_owned)),
        );
        match page.next_continuation_token() {
            Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_owned()),
            _ => break,
        }
    }
    Ok((objects, dirs))
}

/// The last component of a folder prefix (`a/b/2024/` → `2024`).
fn last(dir: &str) -> &str {
    dir.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
}

/// `2024` or `year=2024` → 2024.
fn year_of(name: &str) -> Option<i64> {
    let digits = name.strip_prefix("year=").unwrap_or(name);
    (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
        .filter(|y| (1990..=2200).contains(y))
}

/// Whether a folder is kept by the account and region picks.
fn selected(name: &str, pick: &Pick) -> bool {
    let account = name.strip_prefix("aws-account-id=").unwrap_or(name);
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        return pick.accounts.is_empty() || pick.accounts.iter().any(|a| a == account);
    }
    let region = name.strip_prefix("aws-region=").unwrap_or(name);
    if is_region(region) {
        return pick.regions.is_empty() || pick.regions.iter().any(|r| r == region);
    }
    true
}

/// `us-east-1`, `ap-southeast-2`, `us-gov-west-1`, `cn-north-1`, …
fn is_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts
            .first()
            .is_some_and(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Within a listed day: the hour folder (`14/…` or `hour=14/…`), if any, meets the range.
fn keep_hour(rest: &str, day: i64, range: &TimeRange) -> bool {
    let first = rest.split('/').next().unwrap_or_default();
    let hour = first.strip_prefix("hour=").unwrap_or(first);
    if rest.contains('/')
        && hour.len() == 2
        && let Ok(h) = hour.parse::<i64>()
    {
        return range.meets(
            day * 86_400 + h * 3600 - DELIVERY_SLACK,
            3600 + DELIVERY_SLACK,
        );
    }
    true
}

/// An AWS file name's time (`…_20240301T1405Z_hash.log.gz`: a 5-minute window of record end
/// times) meets the range; files without one are kept.
fn keep_file(key: &str, pick: &Pick) -> bool {
    let Some(range) = pick.range else { return true };
    let name = key.rsplit('/').next().unwrap_or(key);
    let Some(stamp) = name
        .split('_')
        .find(|p| p.len() == 14 && p.as_bytes().get(8) == Some(&b'T') && p.ends_with('Z'))
    else {
        return true;
    };
    let num = |r: std::ops::Range<usize>| stamp.get(r).and_then(|s| s.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d), Some(h), Some(mi)) =
        (num(0..4), num(4..6), num(6..8), num(9..11), num(11..13))
    else {
        return true;
    };
    let at =
        crate::fmt::days_from_civil(i64::from(y), m, d) * 86_400 + i64::from(h * 3600 + mi * 60);
    range.meets(at - DELIVERY_SLACK, 300 + DELIVERY_SLACK)
}

/// The error for a dated layout listed without a range, naming the years found.
fn unbounded(bucket: &str, prefix: &str, years: &[&String]) -> String {
    let names: Vec<&str> = years.iter().map(|d| last(d)).collect();
    format!(
        "s3://{bucket}/{prefix} holds flow logs by date ({}): choose a range with --from and --to \
         (UTC dates or times; a date alone is that whole day), so that only those days are listed",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_names() {
        assert_eq!(year_of("2024"), Some(2024));
        assert_eq!(year_of("year=2023"), Some(2023));
        assert_eq!(year_of("12"), None);
        assert!(is_region("us-east-1") && is_region("us-gov-west-1"));
        assert!(!is_region("vpcflowlogs") && !is_region("2024"));
        let pick = Pick {
            accounts: vec!["111111111111".into()],
            regions: vec!["eu-west-1".into()],
            range: None,
        };
        assert!(selected("111111111111", &pick) && !selected("222222222222", &pick));
        assert!(selected("aws-region=eu-west-1", &pick) && !selected("us-east-1", &pick));
        assert!(selected("vpcflowlogs", &pick));
    }

    #[test]
    fn hours_and_file_times() {
        let r = TimeRange::parse(Some("2024-03-01T10:00"), Some("2024-03-01T11:30"))
            .unwrap()
            .unwrap();
        let day = r.from.div_euclid(86_400);
        assert!(keep_hour("10/x.log.gz", day, &r));
        assert!(keep_hour("hour=11/x.log.gz", day, &r));
        assert!(!keep_hour("13/x.log.gz", day, &r));
        assert!(!keep_hour("08/x.log.gz", day, &r));
        assert!(keep_hour("x.log.gz", day, &r));
        let pick = Pick {
            range: Some(r),
            ..Pick::default()
        };
        let name = |t: &str| format!("a/123456789012_vpcflowlogs_us-east-1_fl-1_{t}_ab12.log.gz");
        assert!(keep_file(&name("20240301T1005Z"), &pick));
        assert!(keep_file(&name("20240301T1140Z"), &pick));
        assert!(!keep_file(&name("20240301T1300Z"), &pick));
        assert!(!keep_file(&name("20240301T0900Z"), &pick));
        assert!(keep_file("a/part-0001.gz", &pick));
    }
}
