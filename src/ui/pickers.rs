//! Interface, account, VPC and subnet pickers: flows per value in the current selection, with a
//! search box; click filters on a value, shift-click excludes it.

use eframe::egui;

use super::widgets::{click_command, filter_line};
use crate::fmt::human_count;
use crate::query::filter::Filter;
use crate::state::{Command, Commands, Shown, State};

/// Interface, account, VPC and subnet pickers: flows per value in the current selection, with a
/// search box; click filters on a value, shift-click excludes it.
pub(super) fn pickers_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui, shown: &Shown) {
    let response = egui::CollapsingHeader::new("Interfaces, accounts, VPCs, subnets")
        .default_open(false)
        .show(ui, |ui| {
            if shown.views.pickers.is_empty() {
                ui.weak("counting…");
            }
            for (i, picker) in shown.views.pickers.iter().enumerate() {
                let title = match picker.column.as_str() {
                    "interface_id" => "Interfaces",
                    "account_id" => "Accounts",
                    "vpc_id" => "VPCs",
                    _ => "Subnets",
                };
                let label = ui.strong(format!("{title} ({})", picker.values.len()));
                let Some(search) = state.panel.picker_search.get_mut(i) else {
                    continue;
                };
                ui.add(
                    egui::TextEdit::singleline(search)
                        .hint_text("search")
                        .desired_width(180.0),
                )
                .labelled_by(label.id);
                let needle = search.to_ascii_lowercase();
                // Interfaces carry their names from the context (searchable too).
                let labels = state.query_context.labels.as_ref().map(|l| l.0.clone());
                let name = |v: &str| -> Option<String> {
                    let l = labels
                        .as_ref()
                        .filter(|_| picker.column == "interface_id")?;
                    l.interface(v).map(|r| r.label.clone())
                };
                egui::ScrollArea::vertical()
                    .id_salt(("picker", i))
                    .max_height(140.0)
                    .show(ui, |ui| {
                        for (value, flows) in picker
                            .values
                            .iter()
                            .filter(|(v, _)| {
                                needle.is_empty()
                                    || v.to_ascii_lowercase().contains(&needle)
                                    || name(v)
                                        .is_some_and(|n| n.to_ascii_lowercase().contains(&needle))
                            })
                            .take(200)
                        {
                            let text = match name(value) {
                                Some(n) => format!("{value} ({n})  {}", human_count(*flows)),
                                None => format!("{value}  {}", human_count(*flows)),
                            };
                            let r = filter_line(ui, text);
                            if r.clicked() {
                                let cond = Filter::Str {
                                    field: picker.column.clone(),
                                    values: vec![value.clone()],
                                };
                                cmds.push(click_command(ui, cond));
                            }
                        }
                    });
                ui.add_space(4.0);
            }
        });
    let open = response.body_returned.is_some();
    if open != state.view_options.with_pickers {
        let mut opts = state.view_options.clone();
        opts.with_pickers = open;
        cmds.push(Command::SetViewOptions(opts));
    }
}
