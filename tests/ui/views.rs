//! The investigation views: totals, the filter bar and its chips, recipes, pickers, the
//! histogram and the talkers table.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use flowlens::app::FlowApp;
use flowlens::model::Metric;

use crate::util::{HEADER, RECORDS, v2_text, write};

use super::{harness, loaded_fixture, settle, shown_flows, step_until};

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
fn filter_bar_chips_clicks_and_history() {
    let (_dir, _p, mut h) = loaded_fixture();
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
    let (_dir, _p, mut h) = loaded_fixture();
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
fn histogram_bars_filter_and_exclude() {
    let (_dir, _p, mut h) = loaded_fixture();
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
    let (_dir, _p, mut h) = loaded_fixture();
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
fn records_show_protocol_names_and_every_column() {
    let (_dir, _p, mut h) = loaded_fixture();
    h.get_by_label("Records").click();
    h.step();
    h.step();
    assert!(h.query_by_label("3 matching flows").is_some());
    // Two tcp flows, by name and number; the NODATA row's protocol is `-`.
    assert_eq!(h.query_all_by_label("tcp (6)").count(), 2);
    // The last columns exist (reached by scrolling sideways) and dates are whole.
    assert!(h.query_by_label("log_status").is_some());
    assert_eq!(h.query_all_by_label("2014-12-14 04:07:50 UTC").count(), 2);
}

#[test]
fn shift_is_taken_from_the_click_event() {
    let (_dir, _p, mut h) = loaded_fixture();
    // Shift is held only in the click's own events, not in the frame's keyboard state (as when
    // the key is released within the frame of the click).
    use eframe::egui::{Event, Modifiers, PointerButton};
    let pos = h.get_by_label_contains("port 22").rect().center();
    h.event(Event::PointerMoved(pos));
    for pressed in [true, false] {
        h.event(Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::SHIFT,
        });
    }
    h.step();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().state.filter.to_string(), "not dstport == 22");
    assert_eq!(shown_flows(&h), 2);
}

#[test]
fn the_no_action_line_filters_and_the_views_keep_their_place() {
    let (_dir, _p, mut h) = loaded_fixture();
    let timeline_before = h.get_by_label("Timeline").rect();
    // The NODATA record's line is labeled and clickable.
    h.get_by_label_contains("no action (NODATA, SKIPDATA)")
        .click();
    h.step();
    settle(&mut h);
    assert_eq!(
        h.state().state.filter.to_string(),
        "log_status in {NODATA, SKIPDATA}"
    );
    assert_eq!(shown_flows(&h), 1);
    // The first chip appeared; the views did not move.
    assert!(
        h.query_by_label_contains("log_status in {NODATA, SKIPDATA}   x")
            .is_some()
    );
    assert_eq!(h.get_by_label("Timeline").rect(), timeline_before);
}

#[test]
fn files_dragged_over_the_window_show_the_drop_target() {
    let (_dir, p, mut h) = loaded_fixture();
    h.input_mut().hovered_files.push(eframe::egui::HoveredFile {
        path: Some(p),
        ..Default::default()
    });
    h.step();
    // Painted on a foreground layer (not a widget): read it from the frame's shapes.
    let painted = format!("{:?}", h.output().shapes);
    assert!(painted.contains("Drop to open this file or folder"));
    h.input_mut().hovered_files.clear();
    h.step();
    let painted = format!("{:?}", h.output().shapes);
    assert!(!painted.contains("Drop to open"));
}
