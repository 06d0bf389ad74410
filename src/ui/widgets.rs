//! Small pieces shared by the views: metric text, click-to-filter, the bottom table's tabs, the
//! views' tables for Export and Copy.

use eframe::egui;

use crate::fmt::{human_bytes, human_count};
use crate::model::Metric;
use crate::query::filter::Filter;
use crate::state::{Command, State};

/// A metric value as text (`1.2 GB` for bytes).
pub(super) fn metric_text(metric: Metric, v: u64) -> String {
    match metric {
        Metric::Bytes => human_bytes(v),
        _ => human_count(v),
    }
}

/// The views' tables, as the Export menu offers them.
pub(super) const VIEW_TABLES: [&str; 7] = crate::report::tables::TABLE_NAMES;

/// Click = filter on it, shift-click = exclude it.
/// Shift is read from the click's own event (the button release), not from the keyboard state
/// at the start of the frame: a fast shift-click whose key is released within the same frame
/// still excludes.
pub(super) fn click_command(ui: &egui::Ui, cond: Filter) -> Command {
    let shift = ui.input(|i| {
        i.events
            .iter()
            .rev()
            .find_map(|e| match e {
                egui::Event::PointerButton {
                    pressed: false,
                    modifiers,
                    ..
                } => Some(modifiers.shift),
                _ => None,
            })
            .unwrap_or(i.modifiers.shift)
    });
    if shift {
        Command::Exclude(cond)
    } else {
        Command::AddCondition(cond)
    }
}

/// Copies one of the current view's tables (as CSV) to the clipboard.
pub(super) fn copy_table(ui: &egui::Ui, state: &State, name: &str) {
    let (Some(shown), Some(loaded)) = (&state.shown, &state.loaded) else {
        return;
    };
    let labels = state.query_context.labels.as_ref().map(|l| l.0.as_ref());
    let text = crate::report::tables(&shown.views, &loaded.table, labels)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, t)| t)
        .unwrap_or_default();
    ui.ctx().copy_text(text);
}

/// The "Top talkers | Records" switch over the bottom table.
pub(super) fn bottom_tabs_ui(state: &mut State, ui: &mut egui::Ui) {
    for (records, label) in [(false, "Top talkers"), (true, "Records")] {
        ui.selectable_value(
            &mut state.show_records,
            records,
            egui::RichText::new(label).heading(),
        );
    }
}

/// A line of a breakdown that filters on a click: frameless, with a hand cursor and a hint on
/// hover so that it looks clickable.
pub(super) fn filter_line(ui: &mut egui::Ui, text: String) -> egui::Response {
    ui.add(egui::Button::new(text).frame(false))
        .on_hover_cursor(egui::CursorIcon::PointingHand)
        .on_hover_text("Click: filter on it · Shift+click: exclude it")
}
