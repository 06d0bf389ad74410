//! The app around the views: welcome, loading and cancel, prompts, exports, settings, empty
//! states, shortcuts, input shown safely.

use egui_kittest::kittest::Queryable as _;
use flowlens::app::{FlowApp, Settings};

use crate::util::{RECORDS, v2_text, write};

use super::{harness, loaded_fixture, settle, shown_flows, step_until};

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
fn export_report_asks_before_replacing_and_copies_queries() {
    let (dir, _p, mut h) = loaded_fixture();
    let out = dir.path().join("report");
    export_report(&mut h, &out);
    assert!(out.join("index.html").exists() && out.join("ports.svg").exists());
    let ctx = h.ctx.clone();
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

#[test]
fn the_app_report_has_the_tables_of_the_cli_report() {
    let (dir, p, mut h) = loaded_fixture();
    let from_app = dir.path().join("app");
    // The conversations tab was never opened.
    assert!(!h.state().state.view_options.with_conversations);
    export_report(&mut h, &from_app);
    let from_cli = dir.path().join("cli");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowlens"))
        .args(["report", "--out"])
        .arg(&from_cli)
        .arg(&p)
        .output()
        .unwrap();
    assert!(out.status.success());
    for name in flowlens::report::tables::TABLE_NAMES {
        let a = std::fs::read_to_string(from_app.join(name)).unwrap();
        let b = std::fs::read_to_string(from_cli.join(name)).unwrap();
        assert_eq!(a, b, "{name}");
    }
    let conv = std::fs::read_to_string(from_app.join("conversations.csv")).unwrap();
    assert_eq!(
        conv.lines().count(),
        3,
        "a header and two conversations: {conv}"
    );
}

#[test]
fn the_app_report_carries_athenas_answers_for_the_same_filter() {
    let (dir, _, mut h) = loaded_fixture();
    let filter = h.state().state.filter.to_string();
    let answer = |name: &str, columns: &[&str], rows: &[&[&str]]| flowlens::state::AthenaView {
        name: name.into(),
        sql: format!("SELECT … -- {name}"),
        state: "SUCCEEDED".into(),
        scanned: 1_000,
        millis: 20,
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
            .collect(),
        ..flowlens::state::AthenaView::default()
    };
    let athena = &mut h.state_mut().state.athena;
    athena.filter = filter;
    athena.views = vec![
        answer("totals", &["flows"], &[&["7"]]),
        answer(
            "ports",
            &["dstport", "flows"],
            &[&["443", "5"], &["22", "2"]],
        ),
    ];
    let out = dir.path().join("with-athena");
    export_report(&mut h, &out);
    let said = h.state().state.notifications.last().cloned().unwrap();
    assert!(said.contains("Athena's answers in athena/"), "{said}");
    let read = |name: &str| std::fs::read_to_string(out.join("athena").join(name)).unwrap();
    assert_eq!(read("ports.csv"), "dstport,flows\n443,5\n22,2\n");
    assert_eq!(read("totals.csv"), "flows\n7\n");
    assert!(read("queries.sql").contains("-- ports: SUCCEEDED"));
    assert!(read("index.md").contains("results from Amazon Athena"));
    assert!(out.join("athena/ports.png").exists());
    // Answers for another filter are not this report's.
    h.state_mut().state.athena.filter = "dstport == 22".into();
    h.state_mut().state.notifications.clear();
    let other = dir.path().join("without");
    export_report(&mut h, &other);
    assert!(other.join("index.html").exists() && !other.join("athena").exists());
}

#[test]
fn empty_states_say_what_happened() {
    let dir = tempfile::tempdir().unwrap();
    // Not a flow log at all.
    let p = write(
        dir.path(),
        "README.md",
        b"# A project\n\nSome text, not flow logs.\n",
    );
    let mut h = harness(vec![p]);
    settle(&mut h);
    assert!(
        h.query_by_label("No records were loaded from these files")
            .is_some()
    );
    // Its lines do not fit the default layout: the app first asks for a log format.
    h.get_by_label("Dismiss").click();
    h.step();
    h.step();
    h.get_by_label("Show the skipped lines").click();
    h.step();
    h.step();
    assert!(h.state().state.show_skipped);
    assert!(h.query_by_label("Skipped lines and file errors").is_some());
    // A filter that matches nothing, and the way back.
    let p = write(dir.path(), "a.log", v2_text().as_bytes());
    let mut h = harness(vec![p]);
    settle(&mut h);
    h.state_mut().command(flowlens::app::Command::AddCondition(
        flowlens::query::filter::parse("dstport == 9").unwrap(),
    ));
    settle(&mut h);
    assert_eq!(shown_flows(&h), 0);
    assert!(h.query_by_label("No record matches this filter").is_some());
    h.get_by_label("Undo last condition").click();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().state.filter.to_string(), "");
    assert_eq!(shown_flows(&h), 3);
}

#[test]
fn shortcuts_are_listed_on_f1_and_the_sample_is_remembered_absolute() {
    let mut h = harness(Vec::new());
    h.step();
    h.key_press(eframe::egui::Key::F1);
    h.step();
    h.step();
    assert!(h.query_by_label("Keyboard shortcuts").is_some());
    assert!(h.query_by_label("Alt+Left / Alt+Right").is_some());
    h.get_by_label("Explore sample data").click();
    h.step();
    h.step();
    let recent = &h.state().state.settings.recent;
    assert!(
        recent.first().is_some_and(|p| p.is_absolute()),
        "{recent:?}"
    );
}

/// Exports the report from the app into `out` and waits for it.
fn export_report(h: &mut egui_kittest::Harness<'_, FlowApp>, out: &std::path::Path) {
    let ctx = h.ctx.clone();
    h.state_mut().start_export(
        &ctx,
        flowlens::app::ExportTarget::Report,
        out.to_path_buf(),
        false,
    );
    step_until(h, |app| {
        app.state
            .notifications
            .last()
            .is_some_and(|n| n.starts_with("Report written"))
    });
}
