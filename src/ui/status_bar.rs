//! The status bar: what is loaded and selected, skipped lines, the latest notification.

use eframe::egui;

use crate::fmt::human_count;
use crate::state::State;

pub(super) fn status_bar_ui(state: &mut State, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        if let Some(loaded) = &state.loaded {
            let s = &loaded.summary;
            ui.label(format!(
                "{} flows from {} files",
                human_count(s.records),
                s.files
            ));
            if s.context_files > 0 {
                let what = loaded.table.context.describe();
                ui.label(format!("· context from {} files", s.context_files))
                    .on_hover_text(what);
            }
            if let Some(shown) = &state.shown {
                ui.separator();
                ui.label(format!(
                    "{} selected in {:.0} ms",
                    human_count(shown.views.totals.counts.flows()),
                    shown.millis
                ));
            }
            if state.status.querying {
                // A still label, not a spinner: an animation repaints every frame, and with
                // software rendering that takes CPU from the query itself.
                ui.weak("updating…");
            }
            if s.skipped > 0 || s.broken_files > 0 {
                let text = format!(
                    "{} skipped lines, {} files with errors",
                    human_count(s.skipped),
                    s.broken_files
                );
                if ui.link(text).clicked() {
                    state.show_skipped = true;
                }
            }
        } else {
            ui.label("No data loaded");
        }
        if let Some(msg) = state.notifications.last().cloned() {
            ui.separator();
            ui.colored_label(ui.visuals().warn_fg_color, msg.lines().next().unwrap_or(""))
                .on_hover_text(&msg);
            if ui.small_button("Dismiss").clicked() {
                state.notifications.pop();
            }
        }
    });
}
