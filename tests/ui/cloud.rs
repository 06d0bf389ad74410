//! The cloud windows, headless: "Open from S3…" says what a listing found before anything is
//! downloaded, and only a listing of the form as it is can be opened; "Run on Athena" shows the
//! views that came back, with separators and times. (The listing and the queries themselves run
//! against moto in `tests/cloud`.)

use egui_kittest::kittest::{NodeT as _, Queryable as _};
use flowlens::app::Command;
use flowlens::state::{AthenaView, S3Listed};

use super::harness;

#[test]
fn the_s3_window_shows_the_listing_and_opens_only_what_it_listed() {
    let mut h = harness(Vec::new());
    h.state_mut()
        .command(Command::ShowS3(Some("bucket/no-scheme".into())));
    h.step();
    h.step();
    h.step();
    assert!(
        h.query_by_label("Address").is_some(),
        "the S3 window is open"
    );
    h.get_by_label("List").click();
    h.step();
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("the address must start with s3://")
            .is_some()
    );

    let app = h.state_mut();
    app.state.s3.url = "s3://acme-flow-logs/vpc/".into();
    app.state.s3.from = "2024-03-01".into();
    app.state.s3.error = None;
    app.state.s3.listed = Some(S3Listed {
        key: app.state.s3.key(),
        objects: 1_234,
        bytes: 3_600_000_000,
        cached: 12,
        requests: 9,
        problems: vec![
            "s3://acme-flow-logs/vpc/AWSLogs/222222222222/: not listed: access denied".into(),
        ],
    });
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains(
            "1,234 objects, 3.6 GB in all (12 already in the cache), found with 9 list requests"
        )
        .is_some()
    );
    assert!(
        h.query_by_label_contains("skipped: s3://acme-flow-logs/vpc/AWSLogs/222222222222/")
            .is_some()
    );
    let open = h.get_by_label("Open 1,234 objects");
    assert!(!open.accesskit_node().is_disabled());

    // The form changed: the listing is not for it any more.
    h.state_mut().state.s3.to = "2024-03-09".into();
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("The form changed since the last listing")
            .is_some()
    );
    assert!(h.get_by_label("Open").accesskit_node().is_disabled());
}

#[test]
fn athena_results_read_like_the_views() {
    let mut h = harness(Vec::new());
    h.state_mut().command(Command::ShowAthena);
    h.step();
    h.step();
    h.step();
    assert!(
        h.query_by_label("Partitions").is_some(),
        "the Athena window is open"
    );
    h.state_mut().state.athena.views = vec![
        AthenaView {
            name: "ports".into(),
            sql: "SELECT dstport …".into(),
            state: "SUCCEEDED".into(),
            scanned: 52_000_000,
            millis: 1_830,
            columns: vec!["dstport".into(), "flows".into(), "bytes".into()],
            rows: vec![vec!["443".into(), "21034412".into(), "601120003311".into()]],
            ..AthenaView::default()
        },
        AthenaView {
            name: "timeline".into(),
            state: "SUCCEEDED".into(),
            columns: vec!["bucket".into(), "flows".into()],
            rows: vec![vec!["1709251200".into(), "1720112".into()]],
            ..AthenaView::default()
        },
    ];
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("SUCCEEDED · 52.0 MB scanned · 1830 ms · from Athena")
            .is_some()
    );
    assert!(h.query_by_label("21,034,412").is_some());
    assert!(h.query_by_label("601.1 GB").is_some());
    assert!(h.query_by_label("2024-03-01T00:00:00Z").is_some());
    assert_eq!(h.query_all_by_label("Copy SQL").count(), 2);
    assert_eq!(h.query_all_by_label("Copy CSV").count(), 2);
    // The ports view's rows, as CSV, to the clipboard.
    h.query_all_by_label("Copy CSV").next().unwrap().click();
    h.step();
    let copied: Vec<String> = h
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            eframe::egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        copied,
        vec!["dstport,flows,bytes\n443,21034412,601120003311\n".to_owned()]
    );
}
