//! The desktop app, headless: egui_kittest drives the real `FlowApp` through AccessKit labels.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use flowlens::app::{FlowApp, Settings};

use crate::util::{HEADER, RECORDS, v2_text, write};
use flowlens::model::Metric;

fn harness(paths: Vec<PathBuf>) -> Harness<'static, FlowApp> {
    Harness::builder()
        .with_size(eframe::egui::vec2(1200.0, 800.0))
        .build_ui_state(
            |ui, app: &mut FlowApp| {
                let ctx = ui.ctx().clone();
                app.logic(&ctx);
                app.show(ui);
            },
            FlowApp::new(Settings::default(), paths),
        )
}

/// Steps the UI until `done` holds (background jobs finish on their own threads).
fn step_until(h: &mut Harness<'_, FlowApp>, done: impl Fn(&FlowApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for the app"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.step();
    h.step();
}

#[test]
fn loads_a_fixture_and_shows_totals_and_skipped_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "a.log",
        format!("{}bogus!\n", v2_text()).as_bytes(),
    );
    let mut h = harness(vec![p]);
    step_until(&mut h, |app| {
        app.state.loaded.is_some() && !app.is_loading()
    });
    let summary = &h.state().state.loaded.as_ref().unwrap().summary;
    assert_eq!(summary.records, 3);
    step_until(&mut h, |app| {
        app.state.shown.is_some() && !app.is_querying()
    });
    assert!(h.query_by_label("Totals").is_some());
    assert!(h.query_by_label("3 flows from 1 files").is_some());
    assert!(
        h.query_by_label("3 selected").is_none(),
        "status shows the selection with its time"
    );
    // The status bar link opens the list of skipped lines.
    h.get_by_label_contains("1 skipped lines").click();
    h.step();
    h.step();
    assert!(h.query_by_label("expected 14 fields, found 1").is_some());
    assert!(h.query_by_label("bogus!").is_some());
    let _ = RECORDS;
}

#[test]
fn welcome_screen_then_close_all() {
    let mut h = harness(Vec::new());
    h.step();
    assert!(h.query_by_label("Explore sample data").is_some());
    assert!(h.query_by_label("No data loaded").is_some());
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", v2_text().as_bytes());
    h.state_mut().command(flowlens::app::Command::Open(vec![p]));
    step_until(&mut h, |app| {
        app.state.loaded.is_some() && !app.is_loading()
    });
    h.get_by_label("Close all").click();
    h.step();
    h.step();
    assert!(h.state().state.loaded.is_none());
    assert!(h.query_by_label("Explore sample data").is_some());
}

/// Steps until the views for the current filter are on screen.
fn settle(h: &mut Harness<'_, FlowApp>) {
    // Commands pushed while drawing run at the start of the next frame.
    h.step();
    step_until(h, |app| {
        !app.is_querying()
            && app
                .state
                .shown
                .as_ref()
                .is_some_and(|s| s.filter == app.state.filter)
    });
}

fn shown_flows(h: &Harness<'_, FlowApp>) -> u64 {
    h.state()
        .state
        .shown
        .as_ref()
        .map_or(0, |s| s.views.totals.counts.flows())
}

#[test]
fn filter_bar_chips_clicks_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", v2_text().as_bytes());
    let mut h = harness(vec![p]);
    settle(&mut h);
    assert_eq!(shown_flows(&h), 3);
    assert!(
        h.query_by_label("172.31.16.139").is_some(),
        "top sources are listed"
    );

    // Type an expression and press Enter.
    h.get_by_label("Filter").click();
    h.state_mut().state.filter_text = "action == REJECT".into();
    h.get_by_label("Apply").click();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().state.filter.to_string(), "action == REJECT");
    assert_eq!(shown_flows(&h), 1);
    assert!(
        h.query_by_label("action == REJECT   x").is_some(),
        "the condition shows as a chip"
    );

    // An invalid CIDR is explained inline and changes nothing.
    h.state_mut().state.filter_text = "srcaddr in 172.31.9.69/16".into();
    h.get_by_label("Apply").click();
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("has host bits set: did you mean `172.31.0.0/16`?")
            .is_some(),
        "inline error"
    );
    assert_eq!(h.state().state.filter.to_string(), "action == REJECT");

    // Clicking a talker adds it to the filter.
    h.state_mut().command(flowlens::app::Command::SetFilter(
        flowlens::query::filter::Filter::All,
    ));
    h.step();
    settle(&mut h);
    h.get_by_label("172.31.9.69").click();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().state.filter.to_string(), "srcaddr == 172.31.9.69");
    assert_eq!(shown_flows(&h), 1);

    // The chip removes its condition; Back returns to the previous filter.
    h.get_by_label("srcaddr == 172.31.9.69   x").click();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().state.filter.to_string(), "");
    assert_eq!(shown_flows(&h), 3);
    h.get_by_label("Back").click();
    h.step();
    h.step();
    // A recent result: shown in the same frame, no query runs.
    assert!(!h.state().is_querying());
    assert_eq!(h.state().state.filter.to_string(), "srcaddr == 172.31.9.69");
    assert_eq!(shown_flows(&h), 1);
    // Clicking the same talker again adds nothing.
    h.get_by_label("172.31.9.69").click();
    h.step();
    h.step();
    assert!(!h.state().is_querying());
    assert_eq!(h.state().state.filter.to_string(), "srcaddr == 172.31.9.69");
    h.get_by_label("Forward").click();
    h.step();
    h.step();
    assert!(!h.state().is_querying());
    assert_eq!(shown_flows(&h), 3);
}

#[test]
fn recipes_set_filter_and_view() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", v2_text().as_bytes());
    let mut h = harness(vec![p]);
    settle(&mut h);
    let r = flowlens::query::recipes::recipe("busiest-https").unwrap();
    h.state_mut().command(flowlens::app::Command::Recipe(r));
    h.step();
    settle(&mut h);
    assert_eq!(
        h.state().state.filter.to_string(),
        "dstport == 443 and action == ACCEPT"
    );
    assert_eq!(
        h.state().state.view_options.metric,
        flowlens::model::Metric::Bytes
    );
    assert_eq!(shown_flows(&h), 0);
}

#[test]
fn cancel_a_load_keeps_the_app_usable() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for _ in 0..300_000 {
        text.push_str(RECORDS[0]);
        text.push('\n');
    }
    let p = write(dir.path(), "big.log", text.as_bytes());
    let mut h = harness(vec![p]);
    h.step();
    assert!(h.state().is_loading());
    h.get_by_label("Cancel").click();
    h.step();
    step_until(&mut h, |app| !app.is_loading());
    assert!(h.state().state.loaded.is_none());
    assert_eq!(
        h.state().state.notifications.last().map(String::as_str),
        Some("Loading cancelled")
    );
    assert!(h.query_by_label("Explore sample data").is_some());
}

#[test]
fn headerless_custom_layout_asks_for_the_log_format() {
    // All 21 v3 fields, no header: the default 14-field layout rejects every line.
    let line = "3 123456789010 eni-1 10.0.0.1 10.0.0.2 443 50000 6 10 1000 1418530010 1418530070 ACCEPT OK vpc-1 subnet-1 i-1 18 IPv4 10.0.0.1 10.0.0.2";
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "v3.log", format!("{line}\n{line}\n").as_bytes());
    let mut h = harness(vec![p]);
    step_until(&mut h, |app| {
        app.state.loaded.is_some() && !app.is_loading()
    });
    h.step();
    let prompt = h
        .state()
        .state
        .format_prompt
        .clone()
        .expect("the app asks for the format");
    assert!(
        prompt.text.starts_with("${version} ${account-id}"),
        "{}",
        prompt.text
    );
    assert!(
        prompt.text.ends_with("${pkt-dstaddr}"),
        "guessed v3 from 21 fields"
    );
    assert!(
        h.query_by_label("Which log format does this file use?")
            .is_some()
    );
    assert!(h.query_by_label("21 fields").is_some());
    h.get_by_label("Reload with this format").click();
    h.step();
    h.step();
    step_until(&mut h, |app| {
        !app.is_loading()
            && app
                .state
                .loaded
                .as_ref()
                .is_some_and(|l| l.summary.records == 2)
    });
    assert!(h.state().state.format_prompt.is_none());
    assert_eq!(h.state().state.loaded.as_ref().unwrap().summary.skipped, 0);
}

#[test]
fn pickers_open_on_demand_and_filter_on_click() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n2 1 eni-other 10.0.0.9 10.0.0.8 1 2 6 1 1 1418530010 1418530070 ACCEPT OK\n",
        v2_text().trim_end()
    );
    let p = write(dir.path(), "a.log", text.as_bytes());
    let mut h = harness(vec![p]);
    settle(&mut h);
    h.get_by_label("Interfaces, accounts, VPCs, subnets")
        .click();
    h.step();
    step_until(&mut h, |app| {
        !app.is_querying()
            && app
                .state
                .shown
                .as_ref()
                .is_some_and(|s| !s.views.pickers.is_empty())
    });
    h.step();
    h.get_by_label("eni-other  1").click();
    h.step();
    settle(&mut h);
    assert_eq!(
        h.state().state.filter.to_string(),
        "interface_id == eni-other"
    );
    assert_eq!(shown_flows(&h), 1);
}

#[test]
fn export_report_asks_before_replacing_and_copies_queries() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", v2_text().as_bytes());
    let out = dir.path().join("report");
    let mut h = harness(vec![p]);
    settle(&mut h);
    let ctx = h.ctx.clone();
    h.state_mut().start_export(
        &ctx,
        flowlens::app::ExportTarget::Report,
        out.clone(),
        false,
    );
    step_until(&mut h, |app| {
        app.state
            .notifications
            .last()
            .is_some_and(|n| n.starts_with("Report written"))
    });
    assert!(out.join("index.html").exists() && out.join("ports.svg").exists());
    // Again into the same folder: the app asks first.
    h.state_mut().start_export(
        &ctx,
        flowlens::app::ExportTarget::Report,
        out.clone(),
        false,
    );
    step_until(&mut h, |app| app.state.confirm_replace.is_some());
    h.step();
    assert!(h.query_by_label("Replace it?").is_some());
    assert!(
        h.query_by_label_contains("already holds a flowlens report")
            .is_some()
    );
    h.state_mut().state.notifications.clear();
    h.get_by_label("Replace").click();
    h.step();
    step_until(&mut h, |app| {
        app.state
            .notifications
            .last()
            .is_some_and(|n| n.starts_with("Report written"))
    });
    assert!(h.state().state.confirm_replace.is_none());
    // A single chart: an existing file is not replaced without asking either.
    let chart = dir.path().join("ports.svg");
    std::fs::write(&chart, "keep me").unwrap();
    h.state_mut().start_export(
        &ctx,
        flowlens::app::ExportTarget::Chart("ports".into()),
        chart.clone(),
        false,
    );
    step_until(&mut h, |app| app.state.confirm_replace.is_some());
    assert_eq!(std::fs::read_to_string(&chart).unwrap(), "keep me");
    h.step();
    h.get_by_label("Replace").click();
    h.step();
    step_until(&mut h, |app| {
        app.state
            .notifications
            .last()
            .is_some_and(|n| n.starts_with("Chart written"))
    });
    assert!(std::fs::read_to_string(&chart).unwrap().starts_with("<svg"));
    // The current view as Athena SQL.
    h.state_mut()
        .command(flowlens::app::Command::CopyQuery { insights: false });
    h.step();
    h.step();
    assert_eq!(
        h.state().state.notifications.last().map(String::as_str),
        Some("Copied the Athena SQL")
    );
}

/// An in-memory eframe storage.
struct Memory(std::collections::HashMap<String, String>);

impl eframe::Storage for Memory {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

#[test]
fn settings_round_trip_and_corrupt_ones_fall_back_with_a_warning() {
    use eframe::App as _;
    let mut app = FlowApp::new(Settings::default(), Vec::new());
    app.state.settings.light = true;
    app.state.settings.vpc_cidrs = "10.9.0.0/16".into();
    let mut store = Memory(Default::default());
    app.save(&mut store);
    let (back, warning) = flowlens::app::load_settings(Some(&store));
    assert!(warning.is_none());
    assert!(back.light);
    assert_eq!(back.vpc_cidrs, "10.9.0.0/16");
    let again = FlowApp::new(back, Vec::new());
    assert_eq!(
        again.state.query_context.vpc,
        vec!["10.9.0.0/16".parse::<ipnet::IpNet>().unwrap()]
    );
    for key in store.0.keys().cloned().collect::<Vec<_>>() {
        store.0.insert(key, "{ not: [valid ron".into());
    }
    let (fallback, warning) = flowlens::app::load_settings(Some(&store));
    assert!(!fallback.light);
    assert!(warning.unwrap().contains("could not be read"));
}

#[test]
fn histogram_bars_filter_and_exclude() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", v2_text().as_bytes());
    let mut h = harness(vec![p]);
    settle(&mut h);
    assert_eq!(shown_flows(&h), 3);

    // A click on a bar of the destination-port histogram filters on that port.
    h.get_by_label_contains("port 3389").click();
    h.step();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().state.filter.to_string(), "dstport == 3389");
    assert_eq!(shown_flows(&h), 1);

    // Back, then exclude another bar through its context menu.
    h.get_by_label("Back").click();
    h.step();
    h.step();
    assert_eq!(shown_flows(&h), 3);
    h.get_by_label_contains("port 22").click_secondary();
    h.step();
    h.step();
    h.get_by_label("Exclude (as destination port)").click();
    h.step();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().state.filter.to_string(), "not dstport == 22");
    // The REJECTed RDP flow and the NODATA record (no port) remain.
    assert_eq!(shown_flows(&h), 2);
}

#[test]
fn talkers_table_sorts_by_its_headers() {
    let dir = tempfile::tempdir().unwrap();
    let line = |src: &str, bytes: u32| {
        format!(
            "2 123456789010 eni-1 {src} 8.8.8.8 1000 53 17 1 {bytes} 1418530010 1418530070 ACCEPT OK"
        )
    };
    let text = format!(
        "{HEADER}\n{}\n{}\n{}\n",
        line("10.0.0.9", 100),
        line("10.0.0.9", 100),
        line("10.0.0.10", 5000)
    );
    let p = write(dir.path(), "a.log", text.as_bytes());
    let mut h = harness(vec![p]);
    settle(&mut h);
    let first_is_nine = |h: &Harness<'_, FlowApp>| {
        h.get_by_label("10.0.0.9").rect().top() < h.get_by_label("10.0.0.10").rect().top()
    };
    // By flows (the default): 10.0.0.9 has two.
    assert!(first_is_nine(&h));
    // By bytes: 10.0.0.10 has more.
    h.get_by_label("Sort by bytes").click();
    h.step();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().state.view_options.metric, Metric::Bytes);
    assert!(!first_is_nine(&h));
    // By address: numeric order (.9 before .10), not text order.
    h.get_by_label("Sort by address").click();
    h.step();
    h.step();
    assert!(h.state().state.talkers_by_address);
    assert!(first_is_nine(&h));
}

#[test]
fn a_pasted_hundred_kilobyte_filter_applies_and_makes_one_short_chip() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", v2_text().as_bytes());
    let mut h = harness(vec![p]);
    settle(&mut h);
    let terms: Vec<String> = (0..6000).map(|p| format!("dstport == {p}")).collect();
    let text = terms.join(" or ");
    assert!(text.len() > 100_000);
    h.state_mut().state.filter_text = text;
    h.get_by_label("Apply").click();
    h.step();
    settle(&mut h);
    // Ports 22 and 3389 are in the list: two of the three flows (the NODATA one has no port).
    assert_eq!(shown_flows(&h), 2);
    // One chip, cut at 100 characters.
    let full = h.state().state.filter.to_string();
    assert!(full.len() > 100_000);
    let chip: String = full.chars().take(100).collect();
    assert!(h.query_by_label(&format!("{chip}…   x")).is_some());
}

#[test]
fn control_characters_in_the_input_show_as_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}\x1b[2J\x07 fake line\n", v2_text());
    let p = write(dir.path(), "evil.log", text.as_bytes());
    let mut h = harness(vec![p]);
    settle(&mut h);
    h.get_by_label_contains("1 skipped lines").click();
    h.step();
    h.step();
    assert!(h.query_by_label("\\x1b[2J\\x07 fake line").is_some());
    assert!(h.query_by_label_contains("\x1b").is_none());
}
