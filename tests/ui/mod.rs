//! The desktop app, headless: egui_kittest drives the real `FlowApp` through AccessKit labels.

mod app;
#[cfg(feature = "cloud")]
mod cloud;
mod context;
mod dialogs;
mod views;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use flowlens::app::{FlowApp, Settings};

pub(super) fn harness(paths: Vec<PathBuf>) -> Harness<'static, FlowApp> {
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
pub(super) fn step_until(h: &mut Harness<'_, FlowApp>, done: impl Fn(&FlowApp) -> bool) {
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

/// Steps until the views for the current filter are on screen.
pub(super) fn settle(h: &mut Harness<'_, FlowApp>) {
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

pub(super) fn shown_flows(h: &Harness<'_, FlowApp>) -> u64 {
    h.state()
        .state
        .shown
        .as_ref()
        .map_or(0, |s| s.views.totals.counts.flows())
}

/// The app with the three documentation records (`a.log` in the returned folder) loaded and
/// their views on screen.
pub(super) fn loaded_fixture() -> (tempfile::TempDir, PathBuf, Harness<'static, FlowApp>) {
    let dir = tempfile::tempdir().unwrap();
    let p = crate::util::write(dir.path(), "a.log", crate::util::v2_text().as_bytes());
    let mut h = harness(vec![p.clone()]);
    settle(&mut h);
    (dir, p, h)
}
