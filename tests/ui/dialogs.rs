//! flowlens's own file dialog where no native one can answer (no file-chooser portal, no D-Bus
//! session, no zenity): it opens files and picks where an export goes. And the filter bar's
//! error underline.

use egui_kittest::kittest::Queryable as _;
use flowlens::app::{Command, native_dialogs_available};

use super::{harness, settle, step_until};

#[test]
fn no_portal_and_no_zenity_means_the_in_app_dialog() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    assert!(!native_dialogs_available(&env(&[("PATH", "/nonexistent")])));
    assert!(native_dialogs_available(&env(&[(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/run/user/1000/bus"
    )])));
    assert!(!native_dialogs_available(&env(&[
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus"),
        ("FLOWLENS_FILE_DIALOG", "builtin"),
    ])));
}

#[test]
fn the_in_app_dialog_opens_files_and_saves_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let log = crate::util::write(dir.path(), "logs/a.log", crate::util::v2_text().as_bytes());
    let mut h = harness(Vec::new());
    let no_portal = native_dialogs_available(&|k| (k == "PATH").then(|| "/nonexistent".to_owned()));
    h.state_mut().set_native_dialogs(no_portal);
    h.step();
    h.get_all_by_label("Open files…").next().unwrap().click();
    h.step();
    h.step();
    assert!(
        h.state().state.file_dialog.is_some(),
        "the in-app dialog opened"
    );
    // A new window takes a frame to size itself.
    h.step();
    h.step();
    assert!(
        h.query_all_by_label_contains("no file-chooser portal")
            .next()
            .is_some()
    );
    // Jump to the folder by typing it, then tick the file.
    h.state_mut()
        .command(Command::DialogGo(log.parent().unwrap().to_path_buf()));
    h.step();
    h.step();
    h.get_by_label_contains("a.log").click();
    h.step();
    h.get_by_label("Open 1 file").click();
    h.step();
    settle(&mut h);
    assert!(h.state().state.file_dialog.is_none());
    assert_eq!(h.state().state.loaded.as_ref().unwrap().table.len(), 3);

    // Export the report: the same dialog picks the folder.
    let out = dir.path().join("report");
    std::fs::create_dir_all(&out).unwrap();
    h.state_mut()
        .command(Command::Export(flowlens::app::ExportTarget::Report));
    h.step();
    h.step();
    h.state_mut().command(Command::DialogGo(out.clone()));
    h.step();
    h.step();
    h.get_by_label("Write the report here").click();
    h.step();
    step_until(&mut h, |_| out.join("index.html").exists());
    assert!(out.join("sources.csv").exists());
}

#[test]
fn a_filter_error_underlines_the_span_it_points_at() {
    let (_dir, _path, mut h) = super::loaded_fixture();
    h.state_mut().state.filter_text = "srcaddr in 10.0.0.1/16 and dstport == 22".into();
    h.state_mut().command(Command::ApplyFilterText);
    h.step();
    h.step();
    let (text, span) = h.state().state.filter_error_at.clone().unwrap();
    assert_eq!(&text[span], "10.0.0.1/16");
    // Painted in the bar: the span's section is underlined, the rest is not.
    let painted = format!("{:?}", h.output().shapes);
    let underlined = painted.matches("underline: Stroke { width: 2.0").count();
    assert_eq!(underlined, 1, "one underlined section");
    // Editing the text drops the underline (it pointed at the old text).
    h.state_mut().state.filter_text.push(' ');
    h.step();
    let painted = format!("{:?}", h.output().shapes);
    assert_eq!(painted.matches("underline: Stroke { width: 2.0").count(), 0);
}
