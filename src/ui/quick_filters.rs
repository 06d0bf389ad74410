//! Quick filters: VPC CIDRs, CIDR include/exclude, port ranges, toggles (validated as typed).

use eframe::egui;

use super::widgets::click_command;
use crate::query::filter::{
    AddrClass, AddrField, Direction, Filter, PortField, Side, parse_cidr_list,
};
use crate::state::{Command, Commands, State};

/// Quick filters: VPC CIDRs, CIDR include/exclude, port ranges, toggles (validated as typed).
pub(super) fn quick_filters_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    vpc_ui(state, cmds, ui);
    ui.add_space(6.0);
    addresses_ui(state, cmds, ui);
    ui.add_space(6.0);
    ports_ui(state, cmds, ui);
    ui.add_space(6.0);
    toggles_ui(state, cmds, ui);
}

/// What counts as inside the VPC.
fn vpc_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    let inside = ui.label("Inside the VPC (CIDRs)");
    let vpc = parse_cidr_list(&state.panel.vpc_text).map_err(|e| e.message);
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut state.panel.vpc_text)
                .hint_text(if state.query_context.labels.is_some() {
                    "the context's VPCs when empty"
                } else {
                    "RFC 1918 when empty"
                })
                .desired_width(150.0),
        )
        .labelled_by(inside.id);
        if ui
            .add_enabled(vpc.is_ok(), egui::Button::new("Set"))
            .clicked()
            && let Ok(nets) = &vpc
        {
            cmds.push(Command::SetVpc(nets.clone()));
        }
    });
    if let Err(e) = &vpc {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}

/// Include or exclude CIDRs on a side.
fn addresses_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    let addresses = ui.label("Addresses");
    let nets = parse_cidr_list(&state.panel.cidr_text).map_err(|e| e.message);
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("cidr_side")
            .width(70.0)
            .selected_text(match state.panel.cidr_field {
                AddrField::Src => "source",
                AddrField::Dst => "destination",
                _ => "either",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut state.panel.cidr_field, AddrField::Either, "either");
                ui.selectable_value(&mut state.panel.cidr_field, AddrField::Src, "source");
                ui.selectable_value(&mut state.panel.cidr_field, AddrField::Dst, "destination");
            })
            .response
            .labelled_by(addresses.id);
        ui.add(
            egui::TextEdit::singleline(&mut state.panel.cidr_text)
                .hint_text("10.0.1.0/24, …")
                .desired_width(110.0),
        )
        .labelled_by(addresses.id);
    });
    let valid = matches!(&nets, Ok(n) if !n.is_empty());
    ui.horizontal(|ui| {
        let field = state.panel.cidr_field;
        let cond = || Filter::Addr {
            field,
            nets: nets.clone().unwrap_or_default(),
        };
        if ui
            .add_enabled(valid, egui::Button::new("Include"))
            .clicked()
        {
            cmds.push(Command::AddCondition(cond()));
        }
        if ui
            .add_enabled(valid, egui::Button::new("Exclude"))
            .clicked()
        {
            cmds.push(Command::Exclude(cond()));
        }
    });
    if let Err(e) = &nets {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}

/// Include or exclude a port range on a side.
fn ports_ui(state: &mut State, cmds: &mut Commands, ui: &mut egui::Ui) {
    let ports_label = ui.label("Ports");
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("port_side")
            .width(70.0)
            .selected_text(match state.panel.port_field {
                PortField::Src => "source",
                PortField::Dst => "destination",
                PortField::Either => "either",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut state.panel.port_field, PortField::Dst, "destination");
                ui.selectable_value(&mut state.panel.port_field, PortField::Src, "source");
                ui.selectable_value(&mut state.panel.port_field, PortField::Either, "either");
            })
            .response
            .labelled_by(ports_label.id);
        ui.add(egui::DragValue::new(&mut state.panel.port_from))
            .labelled_by(ports_label.id);
        let to = ui.label("to");
        ui.add(egui::DragValue::new(&mut state.panel.port_to))
            .labelled_by(to.id);
    });
    let (lo, hi) = (state.panel.port_from, state.panel.port_to);
    ui.horizontal(|ui| {
        let cond = Filter::Port {
            field: state.panel.port_field,
            ranges: vec![(lo.min(hi), lo.max(hi))],
        };
        if ui.button("Include").clicked() {
            cmds.push(Command::AddCondition(cond.clone()));
        }
        if ui.button("Exclude").clicked() {
            cmds.push(Command::Exclude(cond));
        }
    });
}

/// One-click conditions (a second click removes them): action, address class, direction.
fn toggles_ui(state: &State, cmds: &mut Commands, ui: &mut egui::Ui) {
    ui.label("Action, class and direction");
    let conditions = state.filter.condition_list();
    ui.horizontal_wrapped(|ui| {
        for (label, cond) in [
            (
                "ACCEPT",
                Filter::Str {
                    field: "action".into(),
                    values: vec!["ACCEPT".into()],
                },
            ),
            (
                "REJECT",
                Filter::Str {
                    field: "action".into(),
                    values: vec!["REJECT".into()],
                },
            ),
            (
                "no data",
                Filter::Str {
                    field: "log_status".into(),
                    values: vec!["NODATA".into(), "SKIPDATA".into()],
                },
            ),
            (
                "from internet",
                Filter::Class {
                    side: Side::Src,
                    class: AddrClass::Public,
                },
            ),
            (
                "to internet",
                Filter::Class {
                    side: Side::Dst,
                    class: AddrClass::Public,
                },
            ),
            ("outbound", Filter::Direction(Direction::Outbound)),
            ("inbound", Filter::Direction(Direction::Inbound)),
            ("internal", Filter::Direction(Direction::Internal)),
        ] {
            let at = conditions.iter().position(|c| *c == cond);
            if ui.selectable_label(at.is_some(), label).clicked() {
                match at {
                    Some(i) => cmds.push(Command::RemoveCondition(i)),
                    None => cmds.push(click_command(ui, cond)),
                }
            }
        }
    });
}
