//! Who and why: context files (describe-* JSON, ip-ranges.json, a labels CSV) read by content,
//! labels in filters, `top`, `rows`, `sql` and the report, REJECTs explained and rule usage on
//! the generated sample, checked against direct counts.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use flowlens::model::FlowTable;
use flowlens::query::filter::parse;
use flowlens::query::group::group_by;
use flowlens::query::labels::{Labels, ip_key};
use flowlens::query::{QueryContext, QueryError, select};
use flowlens::sample::{GenOptions, generate};
use serde_json::Value;

use crate::util::{load_paths, v2_text, write};

fn flowlens() -> Command {
    Command::new(env!("CARGO_BIN_EXE_flowlens"))
}

/// The sample with its context files, 20,000 records.
fn sample(dir: &Path) -> PathBuf {
    let opts = GenOptions {
        records: 20_000,
        files: 2,
        context: true,
        ..GenOptions::default()
    };
    generate(dir, &opts).unwrap();
    dir.to_path_buf()
}

/// Runs flowlens with `args` then `path`; its output, after checking it succeeded.
fn run_ok(args: &[&str], path: &Path) -> std::process::Output {
    let out = flowlens().args(args).arg(path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn context_of(table: &FlowTable) -> QueryContext {
    QueryContext::with_labels(Some(Arc::new(Labels::new(table.context.clone()))))
}

fn count(table: &FlowTable, ctx: &QueryContext, filter: &str) -> u64 {
    select(table, &parse(filter).unwrap(), ctx).unwrap().count
}

fn jsonl(out: &[u8]) -> Vec<serde_json::Map<String, Value>> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| match serde_json::from_str(l).unwrap() {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        })
        .collect()
}

#[test]
fn context_files_are_told_from_logs_by_content_and_name_every_kind_of_address() {
    let dir = tempfile::tempdir().unwrap();
    let t = load_paths(&[sample(dir.path())]);
    assert_eq!(t.len(), 20_000, "no context file was read as flow logs");
    assert_eq!(t.skipped(), 0);
    let inv = &t.context;
    assert_eq!(inv.interfaces.len(), 64);
    assert_eq!(inv.groups.len(), 8);
    assert_eq!(inv.acls.len(), 2);
    assert_eq!(inv.user_ranges.len(), 4);
    let reports: Vec<_> = t
        .files
        .iter()
        .filter(|f| f.format.starts_with("context"))
        .collect();
    assert_eq!(reports.len(), 8, "{:?}", t.files);
    let l = Labels::new(t.context.clone());
    let label = |ip: &str| {
        l.addr_label(ip_key(ip.parse().unwrap()))
            .map(|c| c.into_owned())
    };
    let nat = inv
        .interfaces
        .iter()
        .find(|e| e.kind == "nat_gateway")
        .unwrap();
    assert!(
        label(&nat.addrs[0].to_string())
            .unwrap()
            .starts_with("NAT gateway nat-")
    );
    let alb = inv
        .interfaces
        .iter()
        .find(|e| e.description.starts_with("ELB app/"))
        .unwrap();
    assert_eq!(label(&alb.addrs[0].to_string()).unwrap(), "ALB web-alb");
    let web = inv.interfaces.iter().find(|e| e.addrs.len() == 2).unwrap();
    let web_label = label(&web.addrs[0].to_string()).unwrap();
    assert!(
        web_label.starts_with("i-") && web_label.ends_with(')'),
        "{web_label}"
    );
    assert_eq!(
        label(&web.addrs[1].to_string()).unwrap(),
        web_label,
        "its IPv6 address too"
    );
    assert_eq!(label("52.216.7.9").unwrap(), "AWS S3 us-east-1");
    assert_eq!(
        label("3.5.200.1").unwrap(),
        "AWS us-east-1",
        "AMAZON only: no service"
    );
    assert_eq!(label("203.0.113.10").unwrap(), "office-vpn");
    assert_eq!(label("169.254.169.123").unwrap(), "Amazon Time Sync");
    // Hovering shows the whole resource.
    let r = l.interface(&web.id).unwrap();
    let keys: Vec<&str> = r.detail.iter().map(|(k, _)| k.as_str()).collect();
    for k in ["type", "subnet", "security groups", "addresses"] {
        assert!(keys.contains(&k), "{keys:?}");
    }
    // The VPC's CIDRs become what is inside.
    assert!(
        context_of(&t)
            .vpc
            .iter()
            .any(|n| n.to_string() == "10.0.0.0/16")
    );
}

#[test]
fn label_fields_filter_like_the_addresses_they_stand_for() {
    let dir = tempfile::tempdir().unwrap();
    let t = load_paths(&[sample(dir.path())]);
    let ctx = context_of(&t);
    let s3 = count(&t, &ctx, "dst_service == S3");
    assert!(s3 > 100, "{s3}");
    assert_eq!(
        s3,
        count(
            &t,
            &ctx,
            "dstaddr in {52.216.0.0/15, 3.5.0.0/19, 54.231.0.0/16}"
        )
    );
    let nat_enis: Vec<String> = t
        .context
        .interfaces
        .iter()
        .filter(|e| e.kind == "nat_gateway")
        .map(|e| format!("\"{}\"", e.id))
        .collect();
    let by_id = format!("interface_id in {{{}}}", nat_enis.join(", "));
    let nat = count(&t, &ctx, "interface_type == nat_gateway");
    assert!(nat > 100);
    assert_eq!(nat, count(&t, &ctx, &by_id));
    // A resource answers to its label, its Name tag and its instance id.
    let web1 = count(&t, &ctx, "dst_resource == web-1");
    assert!(web1 > 0);
    assert_eq!(web1, count(&t, &ctx, "dst_resource ~ \"\\(web-1\\)\""));
    assert_eq!(
        count(&t, &ctx, "src_resource ~ \"^NAT gateway\""),
        count(
            &t,
            &ctx,
            "interface_type == nat_gateway and srcaddr in 10.0.4.0/24"
        )
    );
    // Without context: a clear error, not an empty answer.
    let err = select(
        &t,
        &parse("dst_service == S3").unwrap(),
        &QueryContext::default(),
    );
    match err {
        Err(QueryError::NoContext(f)) => assert_eq!(f, "dst_service"),
        other => panic!("expected NoContext, got {other:?}"),
    }
    // `top --by` a label: the groups are the labels, the totals stay the same.
    let out = flowlens()
        .args([
            "top",
            "--by",
            "dst_service",
            "--format",
            "jsonl",
            "--limit",
            "50",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = jsonl(&out.stdout);
    let total: u64 = rows.iter().map(|r| r["flows"].as_u64().unwrap()).sum();
    assert_eq!(total, 20_000);
    let s3_row = rows.iter().find(|r| r["dst_service"] == "S3").unwrap();
    assert_eq!(s3_row["flows"].as_u64().unwrap(), s3);
}

#[test]
fn labels_in_rows_top_and_the_sql_translation() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample(dir.path());
    let out = run_ok(
        &[
            "rows",
            "--format",
            "csv",
            "--filter",
            "interface_type == nat_gateway",
        ],
        &path,
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(
        header.ends_with("log_status,src_label,dst_label,interface_label"),
        "{header}"
    );
    let row = lines.next().unwrap();
    assert!(row.contains("NAT gateway nat-"), "{row}");
    let out = flowlens()
        .args(["top", "--by", "srcaddr", "--limit", "3"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().next().unwrap().contains("src_label"), "{text}");

    // The translation writes a label as the networks it stands for, and says so.
    let ranges = path.join("context/ip-ranges.json");
    let out = flowlens()
        .args(["sql", "--filter", "dst_service == S3", "--context"])
        .arg(&ranges)
        .output()
        .unwrap();
    assert!(out.status.success());
    let sql = String::from_utf8(out.stdout).unwrap();
    for net in ["52.216.0.0/15", "3.5.0.0/19", "54.231.0.0/16"] {
        assert!(sql.contains(net), "{sql}");
    }
    assert!(
        !sql.contains("3.5.0.0/16"),
        "AMAZON-only ranges are not S3: {sql}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("dst_service"));
    let out = flowlens()
        .args(["sql", "--filter", "dst_service == S3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not columns of the table"));
}

#[test]
fn rejects_are_explained_by_a_nacl_deny_a_missing_rule_or_todays_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample(dir.path());
    let out = run_ok(&["explain", "--format", "jsonl"], &path);
    let rows = jsonl(&out.stdout);
    for key in [
        "srcaddr",
        "dstaddr",
        "dstport",
        "protocol",
        "interface_id",
        "flows",
        "verdict",
        "rule",
        "reason",
    ] {
        assert!(rows.iter().all(|r| r.contains_key(key)), "{key}");
    }
    let find = |verdict: &str, pred: &dyn Fn(&serde_json::Map<String, Value>) -> bool| {
        rows.iter()
            .find(|r| r["verdict"] == verdict && pred(r))
            .unwrap_or_else(|| panic!("no {verdict}"))
            .clone()
    };
    let telnet = find("nacl_deny", &|r| r["dstport"] == 23);
    assert!(
        telnet["rule"].as_str().unwrap().ends_with("#91"),
        "{telnet:?}"
    );
    assert!(
        telnet["reason"]
            .as_str()
            .unwrap()
            .contains("deny inbound TCP 23")
    );
    let star = find("nacl_deny", &|r| r["dstport"] == 445);
    assert!(star["rule"].as_str().unwrap().ends_with("#32767"));
    let missing = find("no_sg_allow", &|r| r["dstport"] == 9200);
    assert!(missing["rule"].as_str().unwrap().starts_with("sg-"));
    assert!(
        missing["reason"]
            .as_str()
            .unwrap()
            .contains("the closest is")
    );
    let now = find("allowed_now", &|r| r["protocol"] == 1);
    assert!(now["reason"].as_str().unwrap().contains("may have changed"));
    // Every REJECT record with addresses is in exactly one group.
    let t = load_paths(std::slice::from_ref(&path));
    let ctx = context_of(&t);
    let flows: u64 = rows.iter().map(|r| r["flows"].as_u64().unwrap()).sum();
    assert_eq!(
        flows,
        count(
            &t,
            &ctx,
            "action == REJECT and srcaddr in {0.0.0.0/0, ::/0}"
        )
    );
    // ACCEPTs: the admitting rules.
    let out = flowlens()
        .args([
            "explain",
            "--accepted",
            "--format",
            "jsonl",
            "--limit",
            "20",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let rows = jsonl(&out.stdout);
    assert_eq!(rows.len(), 20);
    assert!(
        rows.iter()
            .any(|r| r["verdict"] == "allowed" && r["rule"].as_str().unwrap().contains("#in"))
    );
    // No context: a clear message.
    let plain = write(dir.path(), "plain/a.log", v2_text().as_bytes());
    let out = flowlens().arg("explain").arg(&plain).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("describe-security-groups"));
}

#[test]
fn rule_usage_matches_a_direct_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample(dir.path());
    let out = run_ok(&["rules", "--format", "jsonl"], &path);
    let rows = jsonl(&out.stdout);
    let t = load_paths(&[path]);
    let ctx = context_of(&t);
    let rule = |name: &str, direction: &str, text: &str| {
        rows.iter()
            .find(|r| r["name"] == name && r["direction"] == direction && r["rule"] == text)
            .unwrap_or_else(|| panic!("no rule {name} {text}"))
            .clone()
    };
    // The load balancer's HTTPS rule: accepted IPv4 flows into an ALB address on its own
    // interface.
    let https = rule("web-alb", "inbound", "TCP 443 from 0.0.0.0/0");
    let filter = "action == ACCEPT and protocol == tcp and dstport == 443 and dst_resource ~ \"^ALB\" \
                  and interface_resource ~ \"^ALB\" and srcaddr in 0.0.0.0/0";
    let sel = select(&t, &parse(filter).unwrap(), &ctx).unwrap();
    assert_eq!(https["flows"].as_u64().unwrap(), sel.count);
    let groups = group_by(
        &t,
        &sel,
        &["srcaddr".to_owned()],
        flowlens::model::Metric::Flows,
        usize::MAX,
    )
    .unwrap();
    assert_eq!(https["peers"].as_u64().unwrap(), groups.len() as u64);
    let bytes: u64 = groups.iter().map(|g| g.counts.bytes()).sum();
    assert_eq!(https["bytes"].as_u64().unwrap(), bytes);
    // The telnet deny entry: REJECTed TCP 23 into the public subnets.
    let telnet = rows
        .iter()
        .find(|r| r["rule"] == "#91 deny inbound TCP 23 from 0.0.0.0/0")
        .unwrap();
    let direct = count(
        &t,
        &ctx,
        "action == REJECT and protocol == tcp and dstport == 23 and dstaddr in {10.0.0.0/24, 10.0.4.0/24}",
    );
    assert!(direct > 0);
    assert_eq!(telnet["flows"].as_u64().unwrap(), direct);
    // Flags: SSH open to the world on the bastion, used from the internet; a rule nothing used.
    let ssh = rule("bastion", "inbound", "TCP 22 from 0.0.0.0/0");
    assert!(ssh["flags"].as_str().unwrap().contains("internet"));
    let unused = rule("app", "inbound", "TCP 8443 from group sg-0a11b0000000000a1");
    assert_eq!(unused["flags"], "unused");
    assert_eq!(unused["flows"], 0);
    // Ids are unique per direction.
    let ids: HashSet<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["direction"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(ids.len(), rows.len());
}

#[test]
fn the_report_carries_the_explanations_and_the_rule_usage() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample(&dir.path().join("in"));
    let out_dir = dir.path().join("report");
    let out = flowlens()
        .args(["report", "--out"])
        .arg(&out_dir)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let explain = std::fs::read_to_string(out_dir.join("explain.csv")).unwrap();
    assert!(explain.starts_with("srcaddr,src_label,dstaddr"));
    assert!(explain.contains("nacl_deny"));
    let rules = std::fs::read_to_string(out_dir.join("rules.csv")).unwrap();
    assert!(rules.lines().count() > 40);
    let md = std::fs::read_to_string(out_dir.join("index.md")).unwrap();
    assert!(md.contains("REJECT flows by verdict: nacl_deny"), "{md}");
    assert!(md.contains("[rules.csv](rules.csv)"));
    // The view tables name every address.
    let sources = std::fs::read_to_string(out_dir.join("sources.csv")).unwrap();
    assert!(
        sources.starts_with("address,name,flows,packets,bytes\n"),
        "{sources}"
    );
    assert!(sources.contains(",ALB web-alb,"), "{sources}");
    let conv = std::fs::read_to_string(out_dir.join("conversations.csv")).unwrap();
    assert!(conv.starts_with("source,source_name,destination,destination_name,"));
}

#[test]
fn wrong_or_partial_context_loses_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let logs = write(dir.path(), "a.log", v2_text().as_bytes());
    // Two pages concatenated, then damage: both pages kept, the damage reported.
    let sg = |id: &str| {
        format!(
            "{{\"SecurityGroups\": [{{\"GroupId\": \"{id}\", \"GroupName\": \"g\", \"IpPermissions\": \
             [{{\"IpProtocol\": \"tcp\", \"FromPort\": 22, \"ToPort\": 22, \"IpRanges\": [{{\"CidrIp\": \
             \"10.0.0.0/8\"}}]}}], \"IpPermissionsEgress\": []}}]}}"
        )
    };
    let pages = format!(
        "{}\n{}\n{{\"SecurityGroups\": [{{\"GroupId\": ",
        sg("sg-1"),
        sg("sg-2")
    );
    let groups = write(dir.path(), "ctx/groups.json", pages.as_bytes());
    let t = load_paths(&[dir.path().to_path_buf()]);
    assert_eq!(t.len(), 3, "the logs are all there");
    assert_eq!(t.context.groups.len(), 2);
    let report = t.files.iter().find(|f| f.path == groups).unwrap();
    assert!(
        report.notes.iter().any(|n| n.contains("invalid JSON")),
        "{:?}",
        report.notes
    );
    // An entry without its id: reported, the others kept.
    let bad = "{\"Subnets\": [{\"CidrBlock\": \"10.0.0.0/24\"}, {\"SubnetId\": \"subnet-1\", \"CidrBlock\": \"10.0.1.0/24\"}]}";
    let subnets = write(dir.path(), "subnets.json", bad.as_bytes());
    let out = flowlens()
        .arg("stats")
        .arg("--context")
        .arg(&subnets)
        .arg(&logs)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Subnets[0]: no SubnetId"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("context      1 subnet"));
    // Not a context file at all: a clear message, exit 2.
    let out = flowlens()
        .arg("stats")
        .arg("--context")
        .arg(&logs)
        .arg(&logs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a context file"));
}

#[test]
fn prefix_list_entries_without_an_id_are_linked_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.log", v2_text().as_bytes());
    let sg = "{\"SecurityGroups\": [{\"GroupId\": \"sg-1\", \"IpPermissions\": [{\"IpProtocol\": \"-1\", \
              \"PrefixListIds\": [{\"PrefixListId\": \"pl-0abc\"}]}], \"IpPermissionsEgress\": []}]}";
    write(dir.path(), "sg.json", sg.as_bytes());
    let entries = "{\"Entries\": [{\"Cidr\": \"172.31.0.0/16\", \"Description\": \"corp\"}]}";
    write(dir.path(), "entries.json", entries.as_bytes());
    let t = load_paths(&[dir.path().to_path_buf()]);
    assert_eq!(t.context.prefix_lists.len(), 1);
    assert_eq!(t.context.prefix_lists[0].id, "pl-0abc");
    assert!(
        t.files
            .iter()
            .any(|f| f.notes.iter().any(|n| n.contains("taken as pl-0abc")))
    );
}

#[test]
fn nat_gateway_traffic_can_be_counted_once() {
    // AWS's "traffic through a NAT gateway" example: the instance's interface logs
    // instance → server; the NAT gateway's interface logs the same pair (the private leg) and
    // NAT → server (the translated leg).
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        "2 123456789010 eni-inst 10.0.1.5 203.0.113.5 41000 443 6 10 5000 1700000000 1700000060 ACCEPT OK",
        "2 123456789010 eni-nat 10.0.1.5 203.0.113.5 41000 443 6 10 5000 1700000000 1700000060 ACCEPT OK",
        "2 123456789010 eni-nat 10.0.0.9 203.0.113.5 51000 443 6 10 5000 1700000000 1700000060 ACCEPT OK",
        "2 123456789010 eni-nat 203.0.113.5 10.0.0.9 443 51000 6 12 9000 1700000000 1700000060 ACCEPT OK",
        "2 123456789010 eni-nat 203.0.113.5 10.0.1.5 443 41000 6 12 9000 1700000000 1700000060 ACCEPT OK",
    ];
    write(dir.path(), "a.log", (lines.join("\n") + "\n").as_bytes());
    let enis = r#"{"NetworkInterfaces": [
        {"NetworkInterfaceId": "eni-nat", "InterfaceType": "nat_gateway", "SubnetId": "subnet-a",
         "Description": "Interface for NAT Gateway nat-0abc", "PrivateIpAddress": "10.0.0.9",
         "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.9"}]},
        {"NetworkInterfaceId": "eni-inst", "InterfaceType": "interface", "SubnetId": "subnet-b",
         "PrivateIpAddress": "10.0.1.5", "Attachment": {"InstanceId": "i-1"}}]}
        {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}"#;
    write(dir.path(), "ctx.json", enis.as_bytes());
    let t = load_paths(&[dir.path().to_path_buf()]);
    let ctx = context_of(&t);
    assert_eq!(t.len(), 5);
    let recipe = flowlens::query::recipes::recipe("nat-counted-once").unwrap();
    assert_eq!(
        count(&t, &ctx, recipe.filter),
        3,
        "the private leg's two records go"
    );
    assert_eq!(
        count(
            &t,
            &ctx,
            &format!("({}) and interface_id == eni-nat", recipe.filter)
        ),
        2,
        "the NAT's translated leg stays"
    );
}
