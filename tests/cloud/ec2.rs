//! `--context aws` against moto's EC2: read-only describe calls, a snapshot saved with its time,
//! and the same names from the live answer as from the saved files.

use super::moto;
use super::proxy::Proxy;

fn ec2_client(endpoint: &str) -> aws_sdk_ec2::Client {
    let creds = aws_sdk_ec2::config::Credentials::new("testing", "testing", None, None, "test");
    let conf = aws_sdk_ec2::config::Builder::new()
        .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
        .region(aws_sdk_ec2::config::Region::new("eu-central-1"))
        .credentials_provider(creds)
        .endpoint_url(endpoint)
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

/// A VPC with a subnet, a security group and a named interface at 10.42.1.10.
fn set_up(endpoint: &str) -> String {
    use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
    let c = ec2_client(endpoint);
    flowlens::cloud::block_on(async {
        let vpc = c
            .create_vpc()
            .cidr_block("10.42.0.0/16")
            .send()
            .await
            .unwrap();
        let vpc_id = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
        let subnet = c
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block("10.42.1.0/24")
            .send()
            .await
            .unwrap();
        let subnet_id = subnet.subnet().unwrap().subnet_id().unwrap().to_owned();
        let sg = c
            .create_security_group()
            .group_name("web")
            .description("web servers")
            .vpc_id(&vpc_id)
            .send()
            .await
            .unwrap();
        let sg_id = sg.group_id().unwrap().to_owned();
        let eni = c
            .create_network_interface()
            .subnet_id(&subnet_id)
            .private_ip_address("10.42.1.10")
            .groups(&sg_id)
            .description("web-1 primary")
            .tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::NetworkInterface)
                    .tags(Tag::builder().key("Name").value("web-1").build())
                    .build(),
            )
            .send()
            .await
            .unwrap();
        eni.network_interface()
            .unwrap()
            .network_interface_id()
            .unwrap()
            .to_owned()
    })
    .unwrap()
}

#[test]
fn live_context_names_like_the_saved_files() {
    let Some(moto) = moto() else { return };
    let eni = set_up(&moto);
    let home = tempfile::tempdir().unwrap();
    let logs = home.path().join("flows.log");
    std::fs::write(
        &logs,
        format!(
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
             2 123456789012 {eni} 10.42.1.10 10.42.1.99 443 49152 6 10 8400 1709251200 1709251260 ACCEPT OK\n\
             2 123456789012 {eni} 198.51.100.7 10.42.1.10 51000 22 6 3 180 1709251200 1709251260 REJECT OK\n"
        ),
    )
    .unwrap();
    let snapshots = home.path().join("snapshots");
    let proxy = Proxy::start(&moto);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flowlens"));
    super::isolated(&mut cmd, &proxy.url, home.path());
    let live = cmd
        .env("FLOWLENS_CONTEXT_DIR", &snapshots)
        .args([
            "rows",
            "--format",
            "csv",
            "--context",
            "aws",
            "--region",
            "eu-central-1",
        ])
        .arg(&logs)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&live.stderr);
    assert!(live.status.success(), "{err}");
    // Read-only calls only.
    let actions: Vec<String> = proxy
        .seen()
        .iter()
        .filter_map(|s| {
            s.body
                .split('&')
                .find_map(|kv| kv.strip_prefix("Action="))
                .map(str::to_owned)
        })
        .collect();
    assert!(actions.len() >= 7, "{actions:?}");
    assert!(
        actions
            .iter()
            .all(|a| a.starts_with("Describe") || a.starts_with("Get")),
        "{actions:?}"
    );
    // The snapshot folder, with its time.
    let stamp = std::fs::read_dir(&snapshots)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let region = stamp.join("eu-central-1");
    let enis = std::fs::read_to_string(region.join("describe-network-interfaces.json")).unwrap();
    assert!(
        enis.contains("FlowlensSnapshotTime") && enis.contains(&eni),
        "{enis}"
    );
    // The names from AWS, and the same from the saved files.
    let text = String::from_utf8_lossy(&live.stdout).into_owned();
    assert!(text.lines().nth(1).unwrap().contains("web-1"), "{text}");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flowlens"));
    super::isolated(&mut cmd, "http://127.0.0.1:9", home.path());
    let offline = cmd
        .args(["rows", "--format", "csv", "--context"])
        .arg(&stamp)
        .arg(&logs)
        .output()
        .unwrap();
    assert!(
        offline.status.success(),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&offline.stdout), text);
}
