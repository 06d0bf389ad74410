//! Top talkers: sources, destinations and conversations, with share bars. A click filters on the
//! row, shift-click excludes it, the context menu offers both and the one-sided variants; the
//! headers sort.

use eframe::egui;

use super::widgets::{bottom_tabs_ui, click_command};
use crate::fmt::{human_bytes, human_count};
use crate::model::{Counts, FlowTable, Metric};
use crate::query::click::{addr_filter, addr_text};
use crate::query::filter::{AddrField, Filter};
use crate::query::{ConversationMode, Ranked};
use crate::state::{Command, Commands, ExportTarget, Shown, State, TalkersTab};

/// One row: what a click filters on (side and address id), the row's text, its counts.
type Row = (Vec<(AddrField, u32)>, String, Counts);

/// Top talkers: the tab bar and the table.
pub(super) fn talkers_ui(
    state: &mut State,
    cmds: &mut Commands,
    ui: &mut egui::Ui,
    shown: &Shown,
    table: &FlowTable,
) {
    let tab = controls_ui(state, cmds, ui, shown, table);
    let mut rows = rows(tab, shown, table);
    if tab == TalkersTab::Conversations
        && shown.views.conversations.is_empty()
        && state.status.querying
    {
        ui.weak("updating…");
    }
    if state.talkers_by_address {
        // Address ids follow the address order (the dictionary is sorted by value).
        rows.sort_by_key(|(fields, _, _)| fields.iter().map(|(_, id)| *id).collect::<Vec<_>>());
    }
    egui::ScrollArea::vertical()
        .id_salt("talkers")
        .show(ui, |ui| {
            egui::Grid::new("talkers_grid")
                .num_columns(5)
                .striped(true)
                .show(ui, |ui| {
                    header_ui(state, cmds, ui, shown.options.metric);
                    let metric = shown.options.metric;
                    let total = shown.views.totals.counts[metric].max(1);
                    for row in &rows {
                        row_ui(cmds, ui, table, row, metric, total);
                    }
                });
        });
}

/// The tabs (sources, destinations, conversations and their mode), Export and Copy. Returns the
/// tab to draw this frame (a change is also sent as a command).
fn controls_ui(
    state: &mut State,
    cmds: &mut Commands,
    ui: &mut egui::Ui,
    shown: &Shown,
    table: &FlowTable,
) -> TalkersTab {
    let mut tab = state.talkers_tab;
    let mut opts = state.view_options.clone();
    ui.horizontal(|ui| {
        bottom_tabs_ui(state, ui);
        ui.separator();
        ui.selectable_value(&mut tab, TalkersTab::Sources, "Sources");
        ui.selectable_value(&mut tab, TalkersTab::Destinations, "Destinations");
        ui.selectable_value(&mut tab, TalkersTab::Conversations, "Conversations");
        if tab == TalkersTab::Conversations {
            ui.separator();
            ui.selectable_value(
                &mut opts.conversations,
                ConversationMode::Directed,
                "A to B",
            );
            ui.selectable_value(
                &mut opts.conversations,
                ConversationMode::Undirected,
                "A and B",
            );
        }
        ui.separator();
        let table_name = match tab {
            TalkersTab::Sources => "sources.csv",
            TalkersTab::Destinations => "destinations.csv",
            TalkersTab::Conversations => "conversations.csv",
        };
        if ui.button("Export CSV…").clicked() {
            cmds.push(Command::Export(ExportTarget::Table(table_name.into())));
        }
        if ui
            .button("Copy")
            .on_hover_text("Copy the table as CSV")
            .clicked()
        {
            let text = crate::report::tables(&shown.views, table)
                .into_iter()
                .find(|(n, _)| n == table_name)
                .map(|(_, t)| t)
                .unwrap_or_default();
            ui.ctx().copy_text(text);
        }
    });
    if tab != state.talkers_tab {
        cmds.push(Command::SetTalkersTab(tab));
    }
    if opts != state.view_options {
        cmds.push(Command::SetViewOptions(opts));
    }
    tab
}

/// The rows of a tab, in rank order.
fn rows(tab: TalkersTab, shown: &Shown, table: &FlowTable) -> Vec<Row> {
    let addresses = |side: AddrField, list: &[Ranked<u32>]| -> Vec<Row> {
        list.iter()
            .map(|r| (vec![(side, r.key)], addr_text(table, r.key), r.counts))
            .collect()
    };
    match tab {
        TalkersTab::Sources => addresses(AddrField::Src, &shown.views.sources),
        TalkersTab::Destinations => addresses(AddrField::Dst, &shown.views.destinations),
        TalkersTab::Conversations => {
            let undirected = shown.options.conversations == ConversationMode::Undirected;
            let arrow = if undirected { "<->" } else { "->" };
            shown
                .views
                .conversations
                .iter()
                .map(|r| {
                    let text = format!(
                        "{} {arrow} {}",
                        addr_text(table, r.key.0),
                        addr_text(table, r.key.1)
                    );
                    let fields = if undirected {
                        vec![(AddrField::Either, r.key.0), (AddrField::Either, r.key.1)]
                    } else {
                        vec![(AddrField::Src, r.key.0), (AddrField::Dst, r.key.1)]
                    };
                    (fields, text, r.counts)
                })
                .collect()
        }
    }
}

/// The column headers: they sort, by address or by rank in a metric (the top N change). The
/// active sort shows selected (no arrow glyph: the default fonts lack one).
fn header_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui, metric: Metric) {
    let header = |ui: &mut egui::Ui, label: &str, active: bool| {
        let what = format!("Sort by {}", label.to_lowercase());
        let r = ui.add(egui::Button::selectable(
            active,
            egui::RichText::new(label).strong(),
        ));
        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &what));
        r.on_hover_text(&what).clicked()
    };
    if header(ui, "Address", state.talkers_by_address) {
        state.talkers_by_address = true;
    }
    for (mt, label) in [
        (Metric::Flows, "Flows"),
        (Metric::Packets, "Packets"),
        (Metric::Bytes, "Bytes"),
    ] {
        if header(ui, label, !state.talkers_by_address && mt == metric) {
            state.talkers_by_address = false;
            if mt != state.view_options.metric {
                let mut o = state.view_options.clone();
                o.metric = mt;
                cmds.push(Command::SetViewOptions(o));
            }
        }
    }
    ui.strong(format!("Share of {}", metric.name()));
    ui.end_row();
}

/// One row: the clickable address (or pair), its counts and its share bar.
fn row_ui(
    cmds: &mut Commands,
    ui: &mut egui::Ui,
    table: &FlowTable,
    (fields, text, counts): &Row,
    metric: Metric,
    total: u64,
) {
    let r = ui.add(egui::Button::new(egui::RichText::new(text).monospace()).frame(false));
    let cond = || {
        fields
            .iter()
            .filter_map(|(f, id)| table.addrs.get(*id as usize).map(|k| addr_filter(*f, *k)))
            .fold(Filter::All, Filter::and)
    };
    if r.clicked() {
        cmds.push(click_command(ui, cond()));
    }
    r.context_menu(|ui| {
        if ui.button("Filter on this").clicked() {
            cmds.push(Command::AddCondition(cond()));
            ui.close();
        }
        if ui.button("Exclude").clicked() {
            cmds.push(Command::Exclude(cond()));
            ui.close();
        }
        if let [(_, id)] = fields.as_slice()
            && let Some(k) = table.addrs.get(*id as usize)
        {
            if ui.button("Only as source").clicked() {
                cmds.push(Command::AddCondition(addr_filter(AddrField::Src, *k)));
                ui.close();
            }
            if ui.button("Only as destination").clicked() {
                cmds.push(Command::AddCondition(addr_filter(AddrField::Dst, *k)));
                ui.close();
            }
        }
        if ui.button("Copy").clicked() {
            ui.ctx().copy_text(text.clone());
            ui.close();
        }
    });
    ui.label(human_count(counts.flows()));
    ui.label(human_count(counts.packets()));
    ui.label(human_bytes(counts.bytes()));
    let share = counts[metric] as f32 / total as f32;
    ui.add(
        egui::ProgressBar::new(share)
            .desired_width(140.0)
            .text(format!("{:.1}%", share * 100.0)),
    );
    ui.end_row();
}
