//! The filter language: parsing never panics, and what parses prints to text that parses back
//! to the same filter; the translations never panic.
#![no_main]

use flowlens::model::Metric;
use flowlens::query::filter::parse;
use flowlens::query::QueryContext;
use flowlens::query::translate::{athena_sql, insights_query};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(filter) = parse(&text) else { return };
    let printed = filter.to_string();
    let again = parse(&printed).unwrap_or_else(|e| panic!("{printed:?} does not parse: {e}"));
    assert_eq!(filter, again, "{text:?} printed as {printed:?}");
    let ctx = QueryContext::default();
    let _ = athena_sql(&filter, &["srcport".to_owned()], Metric::Bytes, 10, &ctx);
    let _ = insights_query(&filter, &[], Metric::Flows, 10, &ctx);
});
