//! The cloud windows: "Open from S3…" (address, profile, range, accounts, regions; what the
//! listing found, before anything is downloaded; Open; the cache) and "Run on Athena" (where;
//! the views' state, cost, rows and SQL; Cancel).

use eframe::egui;

use crate::fmt::{human_bytes, human_count};
use crate::state::{Command, Commands, State};

/// "Open from S3…".
pub(super) fn s3_window_ui(state: &mut State, cmds: &mut Commands, ctx: &egui::Context) {
    if !state.s3.open {
        return;
    }
    let mut open = true;
    let top = ctx.content_rect().center_top() + egui::vec2(0.0, 56.0);
    egui::Window::new("Open from S3")
        .open(&mut open)
        .collapsible(false)
        .pivot(egui::Align2::CENTER_TOP)
        .default_pos(top)
        .default_width(520.0)
        .show(ctx, |ui| {
            let form = &mut state.s3;
            s3_form_ui(form, ui);
            ui.separator();
            let current = form.listed.as_ref().filter(|l| l.key == form.key());
            ui.horizontal(|ui| {
                let busy = form.pending.is_some();
                if ui.add_enabled(!busy, egui::Button::new("List")).on_hover_text("Count the objects of the range; nothing is downloaded").clicked() {
                    cmds.push(Command::ListS3);
                }
                let open_label = match current {
                    Some(l) => format!("Open {} objects", human_count(l.objects as u64)),
                    None => "Open".to_owned(),
                };
                let can_open = !busy && current.is_some_and(|l| l.objects > 0);
                if ui.add_enabled(can_open, egui::Button::new(open_label)).clicked() {
                    cmds.push(Command::LoadS3);
                }
                if let Some(p) = &form.pending {
                    ui.label(p);
                }
            });
            if let Some(l) = current {
                ui.label(format!(
                    "{} objects, {} in all ({} already in the cache), found with {} list requests",
                    human_count(l.objects as u64),
                    human_bytes(l.bytes),
                    human_count(l.cached as u64),
                    l.requests
                ));
                for p in l.problems.iter().take(5) {
                    ui.colored_label(ui.visuals().warn_fg_color, format!("skipped: {p}"));
                }
            } else if form.listed.is_some() {
                ui.weak("The form changed since the last listing: List again.");
            }
            if let Some(e) = &form.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            ui.separator();
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(form.pending.is_none(), egui::Button::new("Fetch context from AWS"))
                    .on_hover_text("Names and rules from EC2 (describe calls, read-only) for the regions of the loaded logs; saved as a snapshot folder")
                    .clicked()
                {
                    cmds.push(Command::FetchContext);
                }
                let (n, bytes) = form.cache;
                if ui
                    .button(format!("Clear cache ({} objects, {})", human_count(n), human_bytes(bytes)))
                    .clicked()
                {
                    cmds.push(Command::ClearCache);
                }
            });
        });
    state.s3.open &= open;
}

/// The S3 form's fields: address, range (with quick ranges), accounts, regions, profile,
/// endpoint.
fn s3_form_ui(form: &mut crate::state::S3Form, ui: &mut egui::Ui) {
    egui::Grid::new("s3_form")
        .num_columns(2)
        .spacing([10.0, 6.0])
        .show(ui, |ui| {
            ui.label("Address");
            ui.add(
                egui::TextEdit::singleline(&mut form.url)
                    .hint_text("s3://bucket/prefix/")
                    .desired_width(360.0),
            );
            ui.end_row();
            ui.label("From (UTC)");
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut form.from)
                        .hint_text("2024-03-01")
                        .desired_width(140.0),
                );
                ui.label("to");
                ui.add(
                    egui::TextEdit::singleline(&mut form.to)
                        .hint_text("2024-03-02")
                        .desired_width(140.0),
                );
            });
            ui.end_row();
            ui.label("");
            ui.horizontal(|ui| {
                let today = today();
                for (label, back) in [("Today", 0), ("Last 2 days", 1), ("Last 7 days", 6)] {
                    if ui.small_button(label).clicked() {
                        form.from = crate::fmt::format_epoch((today - back * 86_400) as u64)[..10]
                            .to_owned();
                        form.to = crate::fmt::format_epoch(today as u64)[..10].to_owned();
                    }
                }
                ui.weak("a date alone is the whole day");
            });
            ui.end_row();
            ui.label("Accounts");
            ui.add(
                egui::TextEdit::singleline(&mut form.accounts)
                    .hint_text("all")
                    .desired_width(360.0),
            );
            ui.end_row();
            ui.label("Regions");
            ui.add(
                egui::TextEdit::singleline(&mut form.regions)
                    .hint_text("all")
                    .desired_width(360.0),
            );
            ui.end_row();
            ui.label("Profile");
            let shown = if form.profile.is_empty() {
                "default chain".to_owned()
            } else {
                form.profile.clone()
            };
            egui::ComboBox::from_id_salt("s3_profile")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut form.profile, String::new(), "default chain");
                    for p in form.profiles.clone() {
                        ui.selectable_value(&mut form.profile, p.clone(), p);
                    }
                });
            ui.end_row();
            ui.label("Endpoint");
            ui.add(
                egui::TextEdit::singleline(&mut form.endpoint)
                    .hint_text("AWS (or an S3-compatible URL)")
                    .desired_width(360.0),
            );
            ui.end_row();
        });
}

/// Seconds since the epoch at the start of today (UTC).
fn today() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    now - now % 86_400
}

/// "Run on Athena".
pub(super) fn athena_window_ui(state: &mut State, cmds: &mut Commands, ctx: &egui::Context) {
    if !state.athena.open {
        return;
    }
    let mut open = true;
    let filter_text = state.filter.to_string();
    let top = ctx.content_rect().center_top() + egui::vec2(0.0, 56.0);
    egui::Window::new("Run on Athena")
        .open(&mut open)
        .pivot(egui::Align2::CENTER_TOP)
        .default_pos(top)
        .default_size([720.0, 640.0])
        .show(ctx, |ui| {
            let (form, settings) = (&mut state.athena, &state.settings);
            let metric = state.view_options.metric;
            ui.label(format!(
                "The current question ({}) as totals, ports, talkers and timeline, on the whole archive.",
                if filter_text.is_empty() { "no filter" } else { filter_text.as_str() }
            ));
            egui::Grid::new("athena_form").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
                let field = |ui: &mut egui::Ui, text: &mut String, hint: &str| {
                    ui.add(egui::TextEdit::singleline(text).hint_text(hint).desired_width(360.0));
                };
                ui.label("Table");
                field(ui, &mut form.table, "vpc_flow_logs");
                ui.end_row();
                ui.label("Partitions");
                egui::ComboBox::from_id_salt("athena_parts")
                    .width(360.0)
                    .selected_text(partitions_text(&form.partitions))
                    .show_ui(ui, |ui| {
                        for v in ["date", "day", "hive", "none"] {
                            ui.selectable_value(&mut form.partitions, v.to_owned(), partitions_text(v));
                        }
                    });
                ui.end_row();
                ui.label("Database");
                field(ui, &mut form.database, "default");
                ui.end_row();
                ui.label("Workgroup");
                field(ui, &mut form.workgroup, "primary");
                ui.end_row();
                ui.label("Results");
                field(ui, &mut form.output_location, "s3://… (default: the workgroup's)");
                ui.end_row();
            });
            ui.horizontal(|ui| {
                if form.running.is_some() {
                    if ui.button("Cancel").on_hover_text("Stops the query in Athena").clicked() {
                        cmds.push(Command::CancelAthena);
                    }
                    ui.label(form.running.clone().unwrap_or_default());
                } else if ui.button("Run on Athena").clicked() {
                    cmds.push(Command::RunAthena);
                }
            });
            if let Some(e) = &form.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            if !form.views.is_empty() {
                ui.weak(
                    "Export report… (Export menu) saves these answers with the report, \
                     in its athena/ folder.",
                );
            }
            egui::ScrollArea::vertical().auto_shrink([false; 2]).show(ui, |ui| {
                for v in &form.views {
                    athena_view_ui(ui, v, settings, metric);
                }
            });
        });
    state.athena.open &= open;
}

/// What a partitions choice means.
fn partitions_text(v: &str) -> &'static str {
    match v {
        "day" => "day: yyyy/MM/dd (flowlens athena ddl)",
        "hive" => "year/month/day (Hive-compatible prefixes)",
        "none" => "none",
        _ => "date: DATE (the AWS Athena guide's table)",
    }
}

fn athena_view_ui(
    ui: &mut egui::Ui,
    v: &crate::state::AthenaView,
    settings: &crate::state::Settings,
    metric: crate::model::Metric,
) {
    ui.separator();
    ui.horizontal(|ui| {
        ui.strong(&v.name);
        ui.label(format!(
            "{} · {} scanned · {} ms · from Athena",
            v.state,
            human_bytes(v.scanned),
            v.millis
        ));
        if ui.small_button("Copy SQL").clicked() {
            ui.ctx().copy_text(v.sql.clone());
        }
        if !v.rows.is_empty()
            && ui
                .small_button("Copy CSV")
                .on_hover_text("The rows as CSV with a header line")
                .clicked()
        {
            ui.ctx()
                .copy_text(crate::report::athena::rows_csv(&v.columns, &v.rows));
        }
    });
    if let Some(r) = &v.reason {
        ui.colored_label(ui.visuals().error_fg_color, r);
    }
    // The same charts as the local views.
    if let Some(h) = v.ports.as_ref().filter(|h| !h.ports.is_empty()) {
        super::ports::port_chart_ui(ui, "athena_ports", &h.ports, metric, 160.0, false);
    }
    if let Some(tl) = v.timeline.as_ref().filter(|t| !t.buckets.is_empty()) {
        let offset = settings.time_offset(tl.start);
        super::timeline::timeline_chart_ui(ui, "athena_timeline", tl, offset, 140.0);
        return; // the chart says it all; the rows are per hour and lane
    }
    egui::Grid::new(("athena_rows", &v.name))
        .striped(true)
        .show(ui, |ui| {
            for c in &v.columns {
                ui.strong(c);
            }
            ui.end_row();
            for row in v.rows.iter().take(50) {
                for (c, name) in row.iter().zip(&v.columns) {
                    match (name.as_str(), c.parse::<u64>()) {
                        ("bucket", Ok(t)) => ui.label(crate::fmt::format_epoch(t)),
                        ("bytes", Ok(n)) => ui.label(human_bytes(n)).on_hover_text(human_count(n)),
                        ("flows" | "packets", Ok(n)) => ui.label(human_count(n)),
                        _ => ui.label(c),
                    };
                }
                ui.end_row();
            }
        });
}
