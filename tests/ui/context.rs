//! Who and why in the app: talkers carry their names (hover shows the resource), "Why?" on the
//! REJECT line and on a port bar explains the flows, the Rules tab lists rule usage.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use flowlens::app::FlowApp;
use flowlens::sample::{GenOptions, generate};

use super::{harness, settle, step_until};

/// The app with the 20,000-record sample and its context files loaded.
fn sample_app() -> (tempfile::TempDir, Harness<'static, FlowApp>) {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenOptions {
        records: 20_000,
        files: 2,
        context: true,
        ..GenOptions::default()
    };
    generate(dir.path(), &opts).unwrap();
    let mut h = harness(vec![dir.path().to_path_buf()]);
    settle(&mut h);
    (dir, h)
}

#[test]
fn a_talker_shows_its_name_and_hovering_shows_the_resource() {
    let (_dir, mut h) = sample_app();
    assert!(h.state().state.query_context.labels.is_some());
    // The NAT gateways are among the top sources: their name is in the table.
    assert!(
        h.query_all_by_label_contains("NAT gateway nat-")
            .next()
            .is_some(),
        "a name column with the NAT gateway"
    );
    let nat = h
        .state()
        .state
        .loaded
        .as_ref()
        .unwrap()
        .table
        .context
        .interfaces
        .iter()
        .find(|e| e.kind == "nat_gateway")
        .map(|e| e.addrs[0].to_string())
        .unwrap();
    h.get_by_label(&nat).hover();
    for _ in 0..10 {
        h.step();
    }
    assert!(
        h.query_all_by_label_contains("type: nat_gateway")
            .next()
            .is_some(),
        "the tooltip shows the whole resource"
    );
    assert!(
        h.query_all_by_label_contains("subnet: subnet-")
            .next()
            .is_some()
    );
    // Grouped by name: one row per load balancer name, clickable to filter on it.
    h.get_by_label("by name").click();
    h.step();
    step_until(&mut h, |app| app.state.named_talkers.is_some());
    h.get_by_label("ALB web-alb").click();
    settle(&mut h);
    assert_eq!(
        h.state().state.filter.to_string(),
        "src_resource == \"ALB web-alb\""
    );
}

#[test]
fn why_rejected_reads_the_deciding_rule_and_the_rules_tab_lists_usage() {
    let (_dir, mut h) = sample_app();
    h.get_by_label("Why?").click();
    h.step();
    step_until(&mut h, |app| {
        app.state.why.as_ref().is_some_and(|w| !w.pending)
    });
    let why = h.state().state.why.clone().unwrap();
    assert!(why.rows.len() > 10);
    assert!(why.summary.iter().any(|l| l.starts_with("nacl_deny")));
    // The sentences are on screen, readable through AccessKit.
    assert!(
        h.query_all_by_label_contains("denies inbound TCP 23")
            .next()
            .is_some()
            || h.query_by_label_contains("denies inbound TCP 3389")
                .is_some(),
        "a NACL deny sentence"
    );
    assert!(
        h.query_all_by_label_contains("No inbound rule of")
            .next()
            .is_some()
    );
    h.get_by_label("Close window").click();
    h.step();
    h.step();
    assert!(h.state().state.why.is_none());

    h.get_by_label("Rules").click();
    h.step();
    step_until(&mut h, |app| app.state.rules.is_some());
    let (_, usage) = h.state().state.rules.clone().unwrap();
    assert!(usage.len() > 40);
    assert!(h.query_all_by_label("unused").count() >= 5);
    assert!(
        h.query_by_label_contains("candidates for removal")
            .is_some()
    );
}

#[test]
fn context_files_are_remembered_with_their_data_set() {
    let dir = tempfile::tempdir().unwrap();
    let log = crate::util::write(dir.path(), "a.log", crate::util::v2_text().as_bytes());
    let sg = "{\"SecurityGroups\": [{\"GroupId\": \"sg-1\", \"IpPermissions\": [], \"IpPermissionsEgress\": []}]}";
    let ctx = crate::util::write(dir.path(), "other/groups.json", sg.as_bytes());
    let mut h = harness(vec![log.clone(), ctx.clone()]);
    settle(&mut h);
    let loaded = |h: &Harness<'_, FlowApp>| {
        h.state()
            .state
            .loaded
            .as_ref()
            .unwrap()
            .table
            .context
            .groups
            .len()
    };
    assert_eq!(loaded(&h), 1);
    assert_eq!(
        h.state().state.settings.context_for.get(&log),
        Some(&vec![ctx.clone()])
    );
    assert!(
        !h.state().state.settings.recent.contains(&ctx),
        "Recent lists the data"
    );
    // Closed and opened again from its log file alone: the context comes back.
    h.state_mut().command(flowlens::app::Command::CloseAll);
    h.step();
    h.step();
    assert!(h.state().state.loaded.is_none());
    h.state_mut()
        .command(flowlens::app::Command::Open(vec![log]));
    h.step();
    step_until(&mut h, |app| {
        app.state.loaded.is_some() && !app.is_loading()
    });
    assert_eq!(loaded(&h), 1);
}

#[test]
fn why_rejected_on_a_port_bar() {
    let (_dir, mut h) = sample_app();
    // Port 23 (telnet) is a REJECT bar: the network ACL's explicit deny.
    h.get_by_label("port 23 (telnet)").click_secondary();
    h.step();
    h.step();
    h.get_by_label("Why rejected?").click();
    h.step();
    step_until(&mut h, |app| {
        app.state.why.as_ref().is_some_and(|w| !w.pending)
    });
    let why = h.state().state.why.clone().unwrap();
    assert!(why.title.contains("dstport == 23"), "{}", why.title);
    assert!(why.rows.iter().all(|r| r.verdict == "nacl_deny"));
    assert!(
        h.query_all_by_label_contains("rule #91 deny inbound TCP 23 from 0.0.0.0/0")
            .next()
            .is_some()
    );
}
