//! The desktop app, headless: egui_kittest drives the real `FlowApp` through AccessKit labels.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use flowlens::app::{FlowApp, Settings};

use crate::util::{RECORDS, v2_text, write};

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
    step_until(&mut h, |app| app.loaded.is_some() && !app.is_loading());
    let summary = &h.state().loaded.as_ref().unwrap().summary;
    assert_eq!(summary.records, 3);
    assert!(h.query_by_label("Flows").is_some());
    assert!(h.query_by_label("3 flows from 1 files").is_some());
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
    step_until(&mut h, |app| app.loaded.is_some() && !app.is_loading());
    h.get_by_label("Close all").click();
    h.step();
    h.step();
    assert!(h.state().loaded.is_none());
    assert!(h.query_by_label("Explore sample data").is_some());
}
