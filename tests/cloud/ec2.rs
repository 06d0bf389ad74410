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

/// A new VPC of `vpc_cidr` with one subnet of `subnet_cidr`: (VPC id, subnet id).
async fn vpc_with_subnet(
    c: &aws_sdk_ec2::Client,
    vpc_cidr: &str,
    subnet_cidr: &str,
) -> (String, String) {
    let vpc = c.create_vpc().cidr_block(vpc_cidr).send().await.unwrap();
    let vpc_id = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
    let subnet = c
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block(subnet_cidr)
        .send()
        .await
        .unwrap();
    let subnet_id = subnet.subnet().unwrap().subnet_id().unwrap().to_owned();
    (vpc_id, subnet_id)
}

/// Creates the interface `req` describes with the tag `Name` = `name`: its id.
async fn named_interface(
    req: aws_sdk_ec2::operation::create_network_interface::builders::CreateNetworkInterfaceFluentBuilder,
    name: &str,
) -> String {
    use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
    let eni = req
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::NetworkInterface)
                .tags(Tag::builder().key("Name").value(name).build())
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
}

/// A VPC with a subnet, a security group and a named interface at 10.42.1.10.
fn set_up(endpoint: &str) -> String {
    let c = ec2_client(endpoint);
    flowlens::cloud::block_on(async {
        let (vpc_id, subnet_id) = vpc_with_subnet(&c, "10.42.0.0/16", "10.42.1.0/24").await;
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
            .description("web-1 primary");
        named_interface(eni, "web-1").await
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

/// Temporary credentials of `role_arn` from moto's STS (moto files resources made with them
/// under the role's account).
fn assume(endpoint: &str, role_arn: &str) -> aws_sdk_ec2::config::Credentials {
    use std::io::{Read as _, Write as _};
    let body =
        format!("Action=AssumeRole&Version=2011-06-15&RoleSessionName=setup&RoleArn={role_arn}");
    let addr = endpoint.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential=testing/20240301/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    conn.read_to_string(&mut resp).unwrap();
    let tag = |t: &str| {
        let from = resp
            .find(&format!("<{t}>"))
            .unwrap_or_else(|| panic!("{t} in {resp}"))
            + t.len()
            + 2;
        let to = resp[from..].find(&format!("</{t}>")).unwrap() + from;
        resp[from..to].to_owned()
    };
    aws_sdk_ec2::config::Credentials::new(
        tag("AccessKeyId"),
        tag("SecretAccessKey"),
        Some(tag("SessionToken")),
        None,
        "sts",
    )
}

#[test]
fn another_accounts_context_through_an_assumed_role() {
    let Some(moto) = moto() else { return };
    // A named interface in account 222222222222 (made with that account's credentials).
    let creds = assume(&moto, "arn:aws:iam::222222222222:role/setup");
    let conf = aws_sdk_ec2::config::Builder::new()
        .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
        .region(aws_sdk_ec2::config::Region::new("eu-central-1"))
        .credentials_provider(creds)
        .endpoint_url(&moto)
        .build();
    let c = aws_sdk_ec2::Client::from_conf(conf);
    let eni = flowlens::cloud::block_on(async {
        let (_, subnet_id) = vpc_with_subnet(&c, "10.77.0.0/16", "10.77.1.0/24").await;
        let eni = c
            .create_network_interface()
            .subnet_id(&subnet_id)
            .private_ip_address("10.77.1.5");
        named_interface(eni, "partner-db").await
    })
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let logs = home
        .path()
        .join("222222222222_vpcflowlogs_eu-central-1_fl-1_20240301T0000Z_ab12.log");
    std::fs::write(
        &logs,
        format!(
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
             2 222222222222 {eni} 10.77.1.9 10.77.1.5 50000 5432 6 10 8400 1709251200 1709251260 ACCEPT OK\n"
        ),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let proxy = Proxy::start(&moto);
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flowlens"));
        super::isolated(&mut cmd, &proxy.url, home.path());
        let out = cmd
            .env("FLOWLENS_CONTEXT_DIR", home.path().join("snapshots"))
            .args(["rows", "--format", "csv", "--context", "aws"])
            .args(extra)
            .arg(&logs)
            .output()
            .unwrap();
        (out, proxy.seen())
    };
    // The caller's own account does not have it ...
    let (own, _) = run(&[]);
    assert!(
        own.status.success(),
        "{}",
        String::from_utf8_lossy(&own.stderr)
    );
    assert!(!String::from_utf8_lossy(&own.stdout).contains("partner-db"));
    // ... the role assumed in the logs' account does.
    let (out, seen) = run(&["--assume-role", "arn:aws:iam::{account}:role/flowlens-read"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("partner-db"),
        "{err}"
    );
    assert!(
        seen.iter().any(|s| s.body.contains("Action=AssumeRole")
            && s.body
                .contains("arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Fflowlens-read")),
        "{:?}",
        seen.iter().map(|s| s.body.clone()).collect::<Vec<_>>()
    );
    // The account's snapshot in its own folder.
    let stamps: Vec<_> = std::fs::read_dir(home.path().join("snapshots"))
        .unwrap()
        .flatten()
        .collect();
    assert!(
        stamps.iter().any(|d| d
            .path()
            .join("222222222222/eu-central-1/describe-network-interfaces.json")
            .is_file()),
        "{err}"
    );
}
