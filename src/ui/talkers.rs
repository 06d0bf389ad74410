//! Top talkers: sources, destinations and conversations, with share bars. A click filters on the
//! row, shift-click excludes it, the context menu offers both and the one-sided variants; the
//! headers sort.

use eframe::egui;

use super::widgets::{bottom_tabs_ui, click_command, copy_table};
use crate::fmt::{human_bytes, human_count};
use crate::model::{Counts, FlowTable, Metric};
use crate::query::click::{addr_filter, addr_text};
use crate::query::filter::{AddrField, Filter};
use crate::query::labels::Labels;
use crate::query::{ConversationMode, Ranked};
use crate::state::{Command, Commands, ExportTarget, Shown, State, TalkersGroup, TalkersTab};

/// One row of the table.
struct Row {
    /// What a click filters on: side and address id.
    fields: Vec<(AddrField, u32)>,
    /// The address (or pair).
    text: String,
    /// The name from the context files ("" without one).
    name: String,
    /// What hovering the address shows: the whole resource.
    hover: Vec<String>,
    /// A condition on the name (`dst_resource == "…"`, `dst_service == S3`), if it has one.
    name_filter: Option<Filter>,
    /// Flows, packets, bytes.
    counts: Counts,
}

/// Top talkers: the tab bar and the table.
pub(super) fn talkers_ui(
    state: &mut State,
    cmds: &mut Commands,
    ui: &mut egui::Ui,
    shown: &Shown,
    table: &FlowTable,
) {
    let tab = controls_ui(state, cmds, ui, table);
    if tab == TalkersTab::Rules {
        super::rules::rules_ui(state, ui);
        return;
    }
    if state.talkers_group != TalkersGroup::Address
        && matches!(tab, TalkersTab::Sources | TalkersTab::Destinations)
    {
        named_ui(state, cmds, ui, shown);
        return;
    }
    let labels = state.query_context.labels.as_ref().map(|l| l.0.clone());
    let mut rows = rows(tab, shown, table, labels.as_deref());
    if tab == TalkersTab::Conversations
        && shown.views.conversations.is_empty()
        && state.status.querying
    {
        ui.weak("updating…");
    }
    if state.talkers_by_address {
        // Address ids follow the address order (the dictionary is sorted by value).
        rows.sort_by_key(|r| r.fields.iter().map(|(_, id)| *id).collect::<Vec<_>>());
    }
    let widths = Widths::of(ui, &rows, labels.is_some());
    egui::ScrollArea::vertical()
        .id_salt("talkers")
        .show(ui, |ui| {
            egui::Grid::new("talkers_grid")
                .num_columns(if widths.name.is_some() { 6 } else { 5 })
                .striped(true)
                .show(ui, |ui| {
                    header_ui(state, cmds, ui, shown.options.metric, widths.name.is_some());
                    let metric = shown.options.metric;
                    let total = shown.views.totals.counts[metric].max(1);
                    for row in &rows {
                        row_ui(cmds, ui, table, row, metric, total, widths);
                    }
                });
        });
}

/// Column widths that fill the table's width: the name column (with context) takes a share,
/// the share bar the rest.
#[derive(Clone, Copy)]
struct Widths {
    name: Option<f32>,
    bar: f32,
}

impl Widths {
    fn of(ui: &egui::Ui, rows: &[Row], named: bool) -> Widths {
        let avail = ui.available_width();
        let char_w = 8.5;
        let longest = rows
            .iter()
            .map(|r| r.text.chars().count())
            .max()
            .unwrap_or(15);
        let address = (longest.max(12) as f32 * char_w).min(avail * 0.4);
        let name = named.then(|| (avail * 0.25).clamp(140.0, 420.0));
        let numbers = 3.0 * 95.0;
        let gaps = 7.0 * ui.spacing().item_spacing.x + 24.0;
        let bar = (avail - address - name.unwrap_or(0.0) - numbers - gaps).clamp(120.0, 1600.0);
        Widths { name, bar }
    }
}

/// The tabs (sources, destinations, conversations and their mode), Export and Copy. Returns the
/// tab to draw this frame (a change is also sent as a command).
fn controls_ui(
    state: &mut State,
    cmds: &mut Commands,
    ui: &mut egui::Ui,
    table: &FlowTable,
) -> TalkersTab {
    let mut tab = state.talkers_tab;
    let mut opts = state.view_options.clone();
    ui.horizontal_wrapped(|ui| {
        bottom_tabs_ui(state, ui);
        ui.separator();
        ui.selectable_value(&mut tab, TalkersTab::Sources, "Sources");
        ui.selectable_value(&mut tab, TalkersTab::Destinations, "Destinations");
        ui.selectable_value(&mut tab, TalkersTab::Conversations, "Conversations");
        let inv = &table.context;
        if !inv.groups.is_empty() || !inv.acls.is_empty() || tab == TalkersTab::Rules {
            ui.selectable_value(&mut tab, TalkersTab::Rules, "Rules")
                .on_hover_text("Security-group and network ACL rules: what each admitted");
        }
        if state.query_context.labels.is_some()
            && matches!(tab, TalkersTab::Sources | TalkersTab::Destinations)
        {
            ui.separator();
            ui.selectable_value(
                &mut state.talkers_group,
                TalkersGroup::Address,
                "by address",
            );
            ui.selectable_value(&mut state.talkers_group, TalkersGroup::Name, "by name")
                .on_hover_text("Group by resource or your own label (src_resource / dst_resource)");
            ui.selectable_value(
                &mut state.talkers_group,
                TalkersGroup::Service,
                "by AWS service",
            )
            .on_hover_text(
                "Group by the AWS service of ip-ranges.json (src_service / dst_service)",
            );
        }
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
            TalkersTab::Rules => "rules.csv",
        };
        if tab == TalkersTab::Rules {
            if let Some((_, usage)) = &state.rules
                && ui
                    .button("Copy")
                    .on_hover_text("Copy the rules as CSV")
                    .clicked()
            {
                ui.ctx()
                    .copy_text(crate::report::rules::rules_table(usage).to_csv());
            }
            return;
        }
        if ui.button("Export CSV…").clicked() {
            cmds.push(Command::Export(ExportTarget::Table(table_name.into())));
        }
        if ui
            .button("Copy")
            .on_hover_text("Copy the table as CSV")
            .clicked()
        {
            copy_table(ui, state, table_name);
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
fn rows(tab: TalkersTab, shown: &Shown, table: &FlowTable, labels: Option<&Labels>) -> Vec<Row> {
    let key = |id: u32| table.addrs.get(id as usize).copied();
    let name = |id: u32| key(id).and_then(|k| labels.and_then(|l| name_of(l, k)));
    let addresses = |side: AddrField, list: &[Ranked<u32>]| -> Vec<Row> {
        list.iter()
            .map(|r| {
                let (name, hover, field) = name(r.key).unwrap_or_default();
                let name_filter = field.map(|f| name_condition(f, side, &name));
                Row {
                    fields: vec![(side, r.key)],
                    text: addr_text(table, r.key),
                    name,
                    hover,
                    name_filter,
                    counts: r.counts,
                }
            })
            .collect()
    };
    match tab {
        TalkersTab::Sources => addresses(AddrField::Src, &shown.views.sources),
        TalkersTab::Destinations => addresses(AddrField::Dst, &shown.views.destinations),
        TalkersTab::Rules => Vec::new(),
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
                    let (a, b) = (
                        name(r.key.0).unwrap_or_default(),
                        name(r.key.1).unwrap_or_default(),
                    );
                    let name = if a.0.is_empty() && b.0.is_empty() {
                        String::new()
                    } else {
                        let or_dash = |s: &str| {
                            if s.is_empty() {
                                "-".to_owned()
                            } else {
                                s.to_owned()
                            }
                        };
                        format!("{} {arrow} {}", or_dash(&a.0), or_dash(&b.0))
                    };
                    let mut hover = a.1;
                    if !b.1.is_empty() {
                        hover.push(String::new());
                        hover.extend(b.1);
                    }
                    Row {
                        fields,
                        text,
                        name,
                        hover,
                        name_filter: None,
                        counts: r.counts,
                    }
                })
                .collect()
        }
    }
}

/// Talkers grouped by a label (name or AWS service): click a name to filter on it.
fn named_ui(state: &State, cmds: &mut Commands, ui: &mut egui::Ui, shown: &Shown) {
    let metric = shown.options.metric;
    let key = (
        shown.filter.clone(),
        state.talkers_tab,
        state.talkers_group,
        metric,
    );
    let Some(named) = state.named_talkers.as_ref().filter(|n| n.key == key) else {
        ui.weak("Grouping by name…");
        return;
    };
    let total = shown.views.totals.counts[metric].max(1);
    egui::ScrollArea::vertical()
        .id_salt("named_talkers")
        .show(ui, |ui| {
            egui::Grid::new("named_grid")
                .num_columns(5)
                .striped(true)
                .show(ui, |ui| {
                    for h in ["Name", "Flows", "Packets", "Bytes"] {
                        ui.strong(h);
                    }
                    ui.strong(format!("Share of {}", metric.name()));
                    ui.end_row();
                    for g in &named.groups {
                        let name = g.key.first().map_or("-", String::as_str);
                        if name == "-" {
                            ui.weak("(no name)");
                        } else {
                            let r = ui.add(egui::Button::new(name).frame(false));
                            if r.on_hover_text(format!("Filter on {} == {name}", named.field))
                                .clicked()
                            {
                                let cond = Filter::Str {
                                    field: named.field.clone(),
                                    values: vec![name.to_owned()],
                                };
                                cmds.push(click_command(ui, cond));
                            }
                        }
                        ui.label(human_count(g.counts.flows()));
                        ui.label(human_count(g.counts.packets()));
                        ui.label(human_bytes(g.counts.bytes()));
                        let share = g.counts[metric] as f32 / total as f32;
                        ui.add(
                            egui::ProgressBar::new(share)
                                .desired_width(140.0)
                                .text(format!("{:.1}%", share * 100.0)),
                        );
                        ui.end_row();
                    }
                });
        });
}

/// Which label field a name came from.
#[derive(Clone, Copy)]
enum NameKind {
    Resource,
    Service,
}

/// The name of an address, what hovering it shows, and which label field it is.
fn name_of(labels: &Labels, key: u128) -> Option<(String, Vec<String>, Option<NameKind>)> {
    if let Some(r) = labels.resource_of(key) {
        let hover = r.detail.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        return Some((r.label.clone(), hover, Some(NameKind::Resource)));
    }
    if let Some(l) = labels.user_label(key) {
        let hover = vec![l.to_owned(), "from your cidr,label file".into()];
        return Some((l.to_owned(), hover, Some(NameKind::Resource)));
    }
    if let Some((service, label)) = labels.service_of(key) {
        let hover = vec![
            label.to_owned(),
            format!("AWS ip-ranges.json: service {service}"),
        ];
        return Some((
            label.to_owned(),
            hover,
            Some(NameKind::Service).filter(|_| service != "AMAZON"),
        ));
    }
    let label = labels.addr_label(key)?;
    Some((
        label.into_owned(),
        vec!["a link-local address every VPC has".into()],
        None,
    ))
}

/// `src_resource == "…"` or `dst_service == S3` for a row's name.
fn name_condition(kind: NameKind, side: AddrField, name: &str) -> Filter {
    let side = match side {
        AddrField::Src => "src",
        AddrField::Dst => "dst",
        _ => "",
    };
    match kind {
        NameKind::Resource => Filter::Str {
            field: format!("{side}_resource")
                .trim_start_matches('_')
                .to_owned(),
            values: vec![name.to_owned()],
        },
        NameKind::Service => Filter::Str {
            field: format!("{side}_service").trim_start_matches('_').to_owned(),
            values: vec![name.split_whitespace().nth(1).unwrap_or(name).to_owned()],
        },
    }
}

/// The column headers: they sort, by address or by rank in a metric (the top N change). The
/// active sort shows selected (no arrow glyph: the default fonts lack one).
fn header_ui(
    state: &mut State,
    cmds: &mut Commands,
    ui: &mut egui::Ui,
    metric: Metric,
    named: bool,
) {
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
    if named {
        ui.strong("Name");
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
    row: &Row,
    metric: Metric,
    total: u64,
    widths: Widths,
) {
    let (fields, text, counts) = (&row.fields, &row.text, &row.counts);
    let mut r = ui.add(egui::Button::new(egui::RichText::new(text).monospace()).frame(false));
    if !row.hover.is_empty() {
        r = r.on_hover_text(row.hover.join("\n"));
    }
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
        if fields.len() == 2 {
            if ui.button("Why rejected?").clicked() {
                cmds.push(Command::Explain {
                    condition: cond(),
                    accepted: false,
                });
                ui.close();
            }
            if ui.button("Which rules allowed it?").clicked() {
                cmds.push(Command::Explain {
                    condition: cond(),
                    accepted: true,
                });
                ui.close();
            }
        }
        if let Some(f) = &row.name_filter
            && ui.button(format!("Filter on {}", row.name)).clicked()
        {
            cmds.push(Command::AddCondition(f.clone()));
            ui.close();
        }
        if ui.button("Copy").clicked() {
            ui.ctx().copy_text(text.clone());
            ui.close();
        }
    });
    if let Some(name_w) = widths.name {
        // A fixed width: a truncating label in a grid would shrink to the column's last width.
        let size = egui::vec2(name_w, ui.spacing().interact_size.y);
        let n = ui
            .allocate_ui_with_layout(
                size,
                egui::Layout::left_to_right(egui::Align::Center),
                |ui| {
                    ui.set_min_width(size.x);
                    ui.add(egui::Label::new(&row.name).truncate())
                },
            )
            .inner;
        if let Some(f) = &row.name_filter {
            let n = n
                .interact(egui::Sense::click())
                .on_hover_text("Click to filter on this name");
            if n.clicked() {
                cmds.push(click_command(ui, f.clone()));
            }
        }
    }
    ui.label(human_count(counts.flows()));
    ui.label(human_count(counts.packets()));
    ui.label(human_bytes(counts.bytes()));
    let share = counts[metric] as f32 / total as f32;
    ui.add(
        egui::ProgressBar::new(share)
            .desired_width(widths.bar)
            .corner_radius(2.0)
            .text(format!("{:.1}%", share * 100.0)),
    );
    ui.end_row();
}
