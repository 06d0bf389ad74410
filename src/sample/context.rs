//! The sample's inventory, as the AWS CLI would print it: the interfaces, instances, subnets and
//! VPC of the generated world, its security groups and network ACLs (with a few deliberately
//! missing and over-broad rules), a small ip-ranges.json covering the sample's AWS endpoints, and
//! a `cidr,label` CSV for the office and SaaS ranges.
//!
//! What the sample's flows then show: scanners' probes denied by a NACL entry (telnet, RDP), by
//! the final `*` entry (SSH from outside the office ranges) or by no security-group rule (other
//! ports); ICMP and web REJECTs that today's rules would allow (`allowed_now`); SSH open to the
//! internet on the bastion, used from the internet; rules no flow used.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::world::{Host, World};

const VPC: &str = "vpc-0f1e2d3c4b5a69788";
const VPC_V6: &str = "2600:1f18:4a3b:e800::/56";
const PUBLIC_V6: &str = "2600:1f18:4a3b:e804::/64";

/// (subnet id, Name, IPv4 CIDR, IPv6 CIDR).
const SUBNETS: [(&str, &str, &str, &str); 6] = [
    ("subnet-0a1b2c3d4e5f60001", "public-a", "10.0.0.0/24", ""),
    (
        "subnet-0a1b2c3d4e5f60002",
        "public-b",
        "10.0.4.0/24",
        PUBLIC_V6,
    ),
    ("subnet-0a1b2c3d4e5f60003", "app-1", "10.0.1.0/24", ""),
    ("subnet-0a1b2c3d4e5f60004", "app-2", "10.0.2.0/24", ""),
    ("subnet-0a1b2c3d4e5f60005", "app-3", "10.0.3.0/24", ""),
    ("subnet-0a1b2c3d4e5f60006", "data", "10.0.10.0/23", ""),
];
const OPS_SUBNET: (&str, &str, &str, &str) =
    ("subnet-0a1b2c3d4e5f60007", "ops", "10.0.64.0/24", "");

/// The security group of each role (NAT gateways have none).
fn group_of(role: &str) -> Option<(&'static str, &'static str)> {
    Some(match role {
        "alb" => ("sg-0a11b0000000000a1", "web-alb"),
        "bastion" => ("sg-0b4500000000000b1", "bastion"),
        "web" => ("sg-0e3b00000000000e1", "web"),
        "app" => ("sg-0a9900000000000a2", "app"),
        "db" => ("sg-0db000000000000d1", "db"),
        "cache" => ("sg-0cac00000000000c1", "cache"),
        "dns" => ("sg-0d4500000000000d2", "dns"),
        "mon" => ("sg-0904000000000009a", "monitoring"),
        _ => return None,
    })
}

fn sg_id(role: &str) -> &'static str {
    group_of(role).map_or("", |g| g.0)
}

fn subnet_of(ip: &str) -> &'static str {
    let net = |cidr: &str| cidr.parse::<ipnet::IpNet>().ok();
    let addr: Option<std::net::IpAddr> = ip.parse().ok();
    SUBNETS
        .iter()
        .chain(std::iter::once(&OPS_SUBNET))
        .find(|s| match (net(s.2), addr) {
            (Some(n), Some(a)) => n.contains(&a),
            _ => false,
        })
        .map_or("", |s| s.0)
}

/// The IPv6 address the generator gives a dual-stack web host.
fn web_v6(h: &Host) -> String {
    format!(
        "2600:1f18:4a3b:e804::{:x}",
        16 + h.eni.len() + (h.ip.len() % 7)
    )
}

/// Writes the context files into `dir/context/`; returns their paths.
pub(super) fn write_context(dir: &Path, world: &World) -> io::Result<Vec<PathBuf>> {
    let dir = dir.join("context");
    std::fs::create_dir_all(&dir)?;
    let mut files = Vec::new();
    let mut write = |name: &str, text: String| -> io::Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        files.push(path);
        Ok(())
    };
    let pretty = |v: Value| serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    write(
        "describe-network-interfaces.json",
        pretty(interfaces(world)),
    )?;
    write("describe-instances.json", pretty(instances(world)))?;
    write("describe-subnets.json", pretty(subnets()))?;
    write(
        "describe-vpcs.json",
        pretty(json!({"Vpcs": [{
            "VpcId": VPC, "CidrBlock": "10.0.0.0/16", "State": "available",
            "CidrBlockAssociationSet": [{"CidrBlock": "10.0.0.0/16"}],
            "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": VPC_V6}],
            "Tags": [{"Key": "Name", "Value": "sample-vpc"}]
        }]})),
    )?;
    write("describe-security-groups.json", pretty(security_groups()))?;
    write("describe-network-acls.json", pretty(network_acls()))?;
    write("ip-ranges.json", pretty(ip_ranges()))?;
    write(
        "labels.csv",
        "cidr,label\n203.0.113.10/32,office-vpn\n198.51.100.0/24,partner-office\n\
         140.82.0.0/16,GitHub\n151.101.0.0/16,Fastly CDN\n"
            .into(),
    )?;
    Ok(files)
}

fn interfaces(world: &World) -> Value {
    let mut list = Vec::new();
    for (role, hosts) in &world.roles {
        for (i, h) in hosts.iter().enumerate() {
            let n = i + 1;
            let public = matches!(*role, "alb" | "nat" | "bastion" | "web");
            let mut private = json!({"PrivateIpAddress": h.ip, "Primary": true});
            if public {
                private["Association"] =
                    json!({"PublicIp": format!("54.80.{}.{}", 10 + i, 20 + h.ip.len())});
            }
            let mut eni = json!({
                "NetworkInterfaceId": h.eni,
                "InterfaceType": "interface",
                "SubnetId": subnet_of(&h.ip),
                "VpcId": VPC,
                "OwnerId": world.accounts[h.account],
                "PrivateIpAddress": h.ip,
                "PrivateIpAddresses": [private],
                "Ipv6Addresses": [],
                "Groups": group_of(role).map_or(json!([]), |(id, name)| json!([{"GroupId": id, "GroupName": name}])),
                "TagSet": [],
                "Status": "in-use",
            });
            match *role {
                "alb" => {
                    eni["Description"] = json!("ELB app/web-alb/50dc6c495c0c9188");
                    eni["RequesterId"] = json!("amazon-elb");
                    eni["RequesterManaged"] = json!(true);
                }
                "nat" => {
                    eni["InterfaceType"] = json!("nat_gateway");
                    eni["Description"] = json!(format!(
                        "Interface for NAT Gateway nat-0{n}a2b3c4d5e6f7a8b9"
                    ));
                    eni["RequesterId"] = json!("441234567890");
                    eni["RequesterManaged"] = json!(true);
                }
                _ => {
                    eni["Description"] = json!("");
                    eni["Attachment"] = json!({"InstanceId": instance_id(h), "DeviceIndex": 0, "Status": "attached"});
                    if *role == "web" {
                        eni["Ipv6Addresses"] = json!([{"Ipv6Address": web_v6(h)}]);
                    }
                }
            }
            list.push(eni);
        }
    }
    json!({ "NetworkInterfaces": list })
}

fn instance_id(h: &Host) -> String {
    format!("i-{}", h.eni.get(4..21).unwrap_or("0"))
}

fn instances(world: &World) -> Value {
    let mut reservations = Vec::new();
    for (role, hosts) in &world.roles {
        if matches!(*role, "alb" | "nat") {
            continue;
        }
        let instances: Vec<Value> = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| {
                json!({
                    "InstanceId": instance_id(h),
                    "InstanceType": "m6i.large",
                    "PrivateIpAddress": h.ip,
                    "SubnetId": subnet_of(&h.ip),
                    "VpcId": VPC,
                    "Tags": [{"Key": "Name", "Value": format!("{role}-{}", i + 1)}, {"Key": "role", "Value": role}],
                })
            })
            .collect();
        reservations.push(json!({"ReservationId": format!("r-0{role}"), "Instances": instances}));
    }
    json!({ "Reservations": reservations })
}

fn subnets() -> Value {
    let list: Vec<Value> = SUBNETS
        .iter()
        .chain(std::iter::once(&OPS_SUBNET))
        .map(|(id, name, cidr, v6)| {
            let v6: Vec<Value> = if v6.is_empty() {
                vec![]
            } else {
                vec![json!({"Ipv6CidrBlock": v6})]
            };
            json!({
                "SubnetId": id, "VpcId": VPC, "CidrBlock": cidr, "AvailabilityZone": "us-east-1a",
                "Ipv6CidrBlockAssociationSet": v6,
                "Tags": [{"Key": "Name", "Value": name}],
            })
        })
        .collect();
    json!({ "Subnets": list })
}

/// One `IpPermissions` entry: protocol, ports, CIDRs (v4 and v6) and referenced groups.
fn perm(proto: &str, ports: Option<(i32, i32)>, cidrs: &[&str], groups: &[&str]) -> Value {
    let mut p = json!({"IpProtocol": proto});
    if let Some((from, to)) = ports {
        p["FromPort"] = json!(from);
        p["ToPort"] = json!(to);
    }
    let v4: Vec<Value> = cidrs
        .iter()
        .filter(|c| !c.contains(':'))
        .map(|c| json!({"CidrIp": c}))
        .collect();
    let v6: Vec<Value> = cidrs
        .iter()
        .filter(|c| c.contains(':'))
        .map(|c| json!({"CidrIpv6": c}))
        .collect();
    let g: Vec<Value> = groups
        .iter()
        .map(|g| json!({"GroupId": g, "UserId": "213561313723"}))
        .collect();
    p["IpRanges"] = json!(v4);
    p["Ipv6Ranges"] = json!(v6);
    p["PrefixListIds"] = json!([]);
    p["UserIdGroupPairs"] = json!(g);
    p
}

fn security_groups() -> Value {
    let all_out = || vec![perm("-1", None, &["0.0.0.0/0", "::/0"], &[])];
    let group = |role: &str, inbound: Vec<Value>, outbound: Vec<Value>| {
        let (id, name) = group_of(role).unwrap_or(("", ""));
        json!({"GroupId": id, "GroupName": name, "VpcId": VPC, "Description": format!("{name} servers"),
               "IpPermissions": inbound, "IpPermissionsEgress": outbound})
    };
    json!({ "SecurityGroups": [
        group("alb", vec![
            perm("tcp", Some((443, 443)), &["0.0.0.0/0", "::/0"], &[]),
            perm("tcp", Some((80, 80)), &["0.0.0.0/0"], &[]),
        ], all_out()),
        // Over-broad on purpose: SSH open to the world (the office ranges would do).
        group("bastion", vec![perm("tcp", Some((22, 22)), &["0.0.0.0/0"], &[])], all_out()),
        group("web", vec![
            perm("tcp", Some((443, 443)), &["0.0.0.0/0", "::/0"], &[]),
            perm("tcp", Some((80, 80)), &["0.0.0.0/0"], &[]),
            perm("tcp", Some((22, 22)), &[], &[sg_id("bastion")]),
            perm("icmp", Some((-1, -1)), &["0.0.0.0/0"], &[]),
        ], all_out()),
        group("app", vec![
            perm("tcp", Some((8080, 8080)), &[], &[sg_id("alb")]),
            perm("tcp", Some((9100, 9100)), &[], &[sg_id("mon")]),
            perm("tcp", Some((8443, 8443)), &[], &[sg_id("alb")]),
            perm("tcp", Some((22, 22)), &[], &[sg_id("bastion")]),
        ], all_out()),
        // Over-broad on purpose: the whole VPC instead of the app group.
        group("db", vec![
            perm("tcp", Some((5432, 5432)), &["10.0.0.0/16"], &[]),
            perm("tcp", Some((3306, 3306)), &[], &[sg_id("app")]),
        ], vec![]),
        group("cache", vec![
            perm("tcp", Some((6379, 6379)), &[], &[sg_id("app")]),
            perm("tcp", Some((11211, 11211)), &[], &[sg_id("app")]),
        ], vec![]),
        group("dns", vec![
            perm("udp", Some((53, 53)), &["10.0.0.0/16"], &[]),
            perm("tcp", Some((53, 53)), &["10.0.0.0/16"], &[]),
        ], all_out()),
        group("mon", vec![], all_out()),
    ]})
}

/// One ACL entry.
fn entry(
    number: u32,
    proto: &str,
    allow: bool,
    egress: bool,
    cidr: &str,
    ports: Option<(u16, u16)>,
) -> Value {
    let mut e = json!({"RuleNumber": number, "Protocol": proto, "RuleAction": if allow { "allow" } else { "deny" }, "Egress": egress});
    if cidr.contains(':') {
        e["Ipv6CidrBlock"] = json!(cidr);
    } else {
        e["CidrBlock"] = json!(cidr);
    }
    if let Some((from, to)) = ports {
        e["PortRange"] = json!({"From": from, "To": to});
    }
    e
}

/// The final `*` entries of both directions and families.
fn star(entries: &mut Vec<Value>) {
    for egress in [false, true] {
        entries.push(entry(32767, "-1", false, egress, "0.0.0.0/0", None));
        entries.push(entry(32768, "-1", false, egress, "::/0", None));
    }
}

fn network_acls() -> Value {
    let mut public = vec![
        entry(50, "-1", true, false, "10.0.0.0/16", None),
        // Deliberately explicit denies for the classic probes.
        entry(90, "6", false, false, "0.0.0.0/0", Some((3389, 3389))),
        entry(91, "6", false, false, "0.0.0.0/0", Some((23, 23))),
        entry(100, "6", true, false, "0.0.0.0/0", Some((80, 80))),
        entry(110, "6", true, false, "0.0.0.0/0", Some((443, 443))),
        entry(111, "6", true, false, "::/0", Some((443, 443))),
        entry(120, "6", true, false, "203.0.113.0/24", Some((22, 22))),
        entry(121, "6", true, false, "198.51.100.0/24", Some((22, 22))),
        entry(130, "6", true, false, "0.0.0.0/0", Some((1024, 65535))),
        entry(131, "6", true, false, "::/0", Some((1024, 65535))),
        entry(140, "1", true, false, "0.0.0.0/0", None),
        entry(150, "17", true, false, "0.0.0.0/0", Some((1024, 65535))),
        entry(100, "-1", true, true, "0.0.0.0/0", None),
        entry(101, "-1", true, true, "::/0", None),
    ];
    star(&mut public);
    let mut private = vec![
        entry(100, "-1", true, false, "10.0.0.0/16", None),
        entry(110, "6", true, false, "0.0.0.0/0", Some((1024, 65535))),
        entry(120, "17", true, false, "0.0.0.0/0", Some((1024, 65535))),
        entry(100, "-1", true, true, "0.0.0.0/0", None),
    ];
    star(&mut private);
    let assoc = |subnets: &[&str], acl: &str| -> Vec<Value> {
        subnets
            .iter()
            .enumerate()
            .map(|(i, s)| json!({"NetworkAclAssociationId": format!("aclassoc-0{acl}{i}"), "NetworkAclId": acl, "SubnetId": s}))
            .collect()
    };
    let pub_id = "acl-0a1b2c3d4e5f6a001";
    let priv_id = "acl-0a1b2c3d4e5f6a002";
    json!({ "NetworkAcls": [
        {"NetworkAclId": pub_id, "VpcId": VPC, "IsDefault": false,
         "Associations": assoc(&[SUBNETS[0].0, SUBNETS[1].0], pub_id), "Entries": public,
         "Tags": [{"Key": "Name", "Value": "public"}]},
        {"NetworkAclId": priv_id, "VpcId": VPC, "IsDefault": true,
         "Associations": assoc(&[SUBNETS[2].0, SUBNETS[3].0, SUBNETS[4].0, SUBNETS[5].0, OPS_SUBNET.0], priv_id),
         "Entries": private, "Tags": [{"Key": "Name", "Value": "private"}]},
    ]})
}

fn ip_ranges() -> Value {
    let p = |net: &str, service: &str| json!({"ip_prefix": net, "region": "us-east-1", "service": service, "network_border_group": "us-east-1"});
    json!({
        "syncToken": "1709251200",
        "createDate": "2024-03-05-12-00-00",
        "prefixes": [
            p("52.216.0.0/15", "AMAZON"), p("52.216.0.0/15", "S3"),
            p("3.5.0.0/16", "AMAZON"), p("3.5.0.0/19", "AMAZON"), p("3.5.0.0/19", "S3"),
            p("54.231.0.0/16", "AMAZON"), p("54.231.0.0/16", "S3"),
            p("54.80.0.0/13", "AMAZON"), p("54.80.0.0/13", "EC2"),
        ],
        "ipv6_prefixes": [
            {"ipv6_prefix": "2600:1f18::/33", "region": "us-east-1", "service": "AMAZON", "network_border_group": "us-east-1"},
            {"ipv6_prefix": "2600:1f18::/33", "region": "us-east-1", "service": "EC2", "network_border_group": "us-east-1"},
        ],
    })
}
