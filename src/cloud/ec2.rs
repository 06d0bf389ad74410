//! Context, live (`--context aws`, the app's "Fetch context from AWS"): the EC2 describe calls
//! whose saved output the context files are (network interfaces, instances, subnets, VPCs,
//! security groups, network ACLs, managed prefix lists and their entries), for each region,
//! with read-only calls only (`ec2:Describe*`, `ec2:GetManagedPrefixListEntries`).
//!
//! The answers are written as the same JSON the AWS CLI prints (`describe-*.json`, the keys the
//! context reader takes), with the snapshot's time (`FlowlensSnapshotTime`), into a snapshot
//! folder, and read back by the same reader: a fetched snapshot and the files give the same
//! labels by construction, and the folder reproduces the investigation offline.

use std::path::{Path, PathBuf};

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{self as t};
use serde_json::{Value, json};

use super::{CloudError, CloudOptions, block_on, error_text, sdk_config};

/// Fetches every region's inventory into `dir` (one sub-folder per region); returns the files.
pub fn fetch_context(
    regions: &[String],
    opts: &CloudOptions,
    dir: &Path,
    now: u64,
) -> Result<Vec<PathBuf>, CloudError> {
    block_on(async {
        let mut files = Vec::new();
        let regions: Vec<Option<String>> = if regions.is_empty() {
            vec![None]
        } else {
            regions.iter().cloned().map(Some).collect()
        };
        for region in regions {
            let o = CloudOptions {
                region: region.clone().or_else(|| opts.region.clone()),
                ..opts.clone()
            };
            let config = sdk_config(&o).await;
            let client = Client::new(&config);
            let name = config.region().map_or("default".into(), |r| r.to_string());
            let sub = dir.join(&name);
            std::fs::create_dir_all(&sub)
                .map_err(|e| CloudError(format!("cannot write {}: {e}", sub.display())))?;
            let fail = |what: &str, e: &(dyn std::error::Error + 'static)| {
                CloudError(format!("{what} in {name}: {}", error_text(e, &o)))
            };
            for (file, doc) in describe_all(&client, now, &fail).await? {
                // A call that found nothing leaves no file (an empty file is no context).
                let empty = doc
                    .as_object()
                    .is_some_and(|o| o.values().filter_map(Value::as_array).all(Vec::is_empty));
                if empty {
                    continue;
                }
                let path = sub.join(&file);
                let text = serde_json::to_vec_pretty(&doc)
                    .map_err(|e| CloudError(format!("cannot encode {file}: {e}")))?;
                std::fs::write(&path, text)
                    .map_err(|e| CloudError(format!("cannot write {}: {e}", path.display())))?;
                files.push(path);
            }
        }
        Ok(files)
    })?
}

/// Where a fetched context snapshot is saved: `FLOWLENS_CONTEXT_DIR`, else beside the object
/// cache, one folder per fetch named by its UTC time.
pub fn snapshot_dir(now: u64) -> PathBuf {
    let base = std::env::var_os("FLOWLENS_CONTEXT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = super::cache::Cache::standard().dir;
            cache.parent().map_or(cache.clone(), |p| p.join("context"))
        });
    let stamp = crate::fmt::format_epoch(now).replace([' ', ':', '-'], "");
    base.join(stamp)
}

/// The accounts of the loaded logs: in their file names (`{account}_vpcflowlogs_…`).
pub fn accounts_of(table: &crate::model::FlowTable) -> Vec<String> {
    named_in_file_names(table, |parts| {
        parts
            .first()
            .filter(|a| {
                parts.get(1) == Some(&"vpcflowlogs")
                    && a.len() == 12
                    && a.bytes().all(|b| b.is_ascii_digit())
            })
            .copied()
    })
}

/// The regions named in the loaded logs' file names (`…_vpcflowlogs_{region}_…`).
pub fn regions_of(table: &crate::model::FlowTable) -> Vec<String> {
    named_in_file_names(table, |parts| {
        let i = parts.iter().position(|p| *p == "vpcflowlogs")?;
        parts.get(i + 1).copied()
    })
}

/// What `pick` finds in the `_`-separated parts of each loaded file's name, once each, in the
/// order of the files.
fn named_in_file_names(
    table: &crate::model::FlowTable,
    pick: impl for<'a> Fn(&[&'a str]) -> Option<&'a str>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in &table.files {
        let name = f
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parts: Vec<&str> = name.split('_').collect();
        if let Some(found) = pick(&parts)
            && !out.iter().any(|o| o == found)
        {
            out.push(found.to_owned());
        }
    }
    out
}

type Fail<'a> = dyn Fn(&str, &(dyn std::error::Error + 'static)) -> CloudError + 'a;

/// Every page of one describe call: `$req` (a request builder, made again for each page) sent
/// with each page's token, `$items` of each answer mapped by `$map`.
macro_rules! paged {
    ($fail:expr, $op:literal, $req:expr, $items:ident, $map:expr) => {{
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = $req.set_next_token(token.take()).send().await;
            let page = page.map_err(|e| $fail($op, &e))?;
            all.extend(page.$items().iter().map($map));
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        all
    }};
}

/// Every describe call, paged, as (file name, JSON document).
async fn describe_all(
    c: &Client,
    now: u64,
    fail: &Fail<'_>,
) -> Result<Vec<(String, Value)>, CloudError> {
    let doc = |key: &str, items: Vec<Value>| json!({ key: items, "FlowlensSnapshotTime": now });
    let enis = paged!(
        fail,
        "ec2:DescribeNetworkInterfaces",
        c.describe_network_interfaces(),
        network_interfaces,
        interface
    );
    let reservations = paged!(
        fail,
        "ec2:DescribeInstances",
        c.describe_instances(),
        reservations,
        reservation
    );
    let subnets = paged!(
        fail,
        "ec2:DescribeSubnets",
        c.describe_subnets(),
        subnets,
        subnet
    );
    let vpcs = paged!(fail, "ec2:DescribeVpcs", c.describe_vpcs(), vpcs, vpc);
    let groups = paged!(
        fail,
        "ec2:DescribeSecurityGroups",
        c.describe_security_groups(),
        security_groups,
        security_group
    );
    let acls = paged!(
        fail,
        "ec2:DescribeNetworkAcls",
        c.describe_network_acls(),
        network_acls,
        network_acl
    );
    let lists: Vec<t::ManagedPrefixList> = paged!(
        fail,
        "ec2:DescribeManagedPrefixLists",
        c.describe_managed_prefix_lists(),
        prefix_lists,
        Clone::clone
    );
    let mut out: Vec<(String, Value)> = vec![
        (
            "describe-network-interfaces.json".into(),
            doc("NetworkInterfaces", enis),
        ),
        (
            "describe-instances.json".into(),
            doc("Reservations", reservations),
        ),
        ("describe-subnets.json".into(), doc("Subnets", subnets)),
        ("describe-vpcs.json".into(), doc("Vpcs", vpcs)),
        (
            "describe-security-groups.json".into(),
            doc("SecurityGroups", groups),
        ),
        (
            "describe-network-acls.json".into(),
            doc("NetworkAcls", acls),
        ),
    ];
    let items = lists
        .iter()
        .map(
            |l| json!({"PrefixListId": l.prefix_list_id(), "PrefixListName": l.prefix_list_name()}),
        )
        .collect();
    out.push((
        "describe-managed-prefix-lists.json".into(),
        doc("PrefixLists", items),
    ));
    for id in lists
        .iter()
        .filter_map(t::ManagedPrefixList::prefix_list_id)
    {
        let entries = paged!(
            fail,
            "ec2:GetManagedPrefixListEntries",
            c.get_managed_prefix_list_entries().prefix_list_id(id),
            entries,
            |e| json!({"Cidr": e.cidr()})
        );
        // The entries carry no list id: the reader takes it from the file name.
        out.push((
            format!("prefix-list-entries-{id}.json"),
            doc("Entries", entries),
        ));
    }
    Ok(out)
}

fn tags(tags: &[t::Tag]) -> Vec<Value> {
    tags.iter()
        .map(|t| json!({"Key": t.key(), "Value": t.value()}))
        .collect()
}

fn interface(n: &t::NetworkInterface) -> Value {
    json!({
        "NetworkInterfaceId": n.network_interface_id(),
        "InterfaceType": n.interface_type().map(t::NetworkInterfaceType::as_str),
        "Description": n.description(),
        "RequesterId": n.requester_id(),
        "SubnetId": n.subnet_id(),
        "VpcId": n.vpc_id(),
        "PrivateIpAddress": n.private_ip_address(),
        "PrivateIpAddresses": n.private_ip_addresses().iter().map(|p| json!({
            "PrivateIpAddress": p.private_ip_address(),
            "Association": p.association().map(|a| json!({"PublicIp": a.public_ip()})),
        })).collect::<Vec<_>>(),
        "Ipv6Addresses": n.ipv6_addresses().iter()
            .map(|a| json!({"Ipv6Address": a.ipv6_address()})).collect::<Vec<_>>(),
        "Attachment": n.attachment().map(|a| json!({"InstanceId": a.instance_id()})),
        "Groups": n.groups().iter()
            .map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()}))
            .collect::<Vec<_>>(),
        "TagSet": tags(n.tag_set()),
    })
}

fn reservation(r: &t::Reservation) -> Value {
    let instances: Vec<Value> = r
        .instances()
        .iter()
        .map(|i| {
            json!({
                "InstanceId": i.instance_id(),
                "Tags": tags(i.tags()),
                "NetworkInterfaces": i.network_interfaces().iter().map(|n| json!({
                    "NetworkInterfaceId": n.network_interface_id(),
                    "SubnetId": n.subnet_id(),
                    "VpcId": n.vpc_id(),
                    "Description": n.description(),
                    "InterfaceType": n.interface_type(),
                    "PrivateIpAddress": n.private_ip_address(),
                    "PrivateIpAddresses": n.private_ip_addresses().iter().map(|p| json!({
                        "PrivateIpAddress": p.private_ip_address(),
                        "Association": p.association().map(|a| json!({"PublicIp": a.public_ip()})),
                    })).collect::<Vec<_>>(),
                    "Ipv6Addresses": n.ipv6_addresses().iter()
                        .map(|a| json!({"Ipv6Address": a.ipv6_address()})).collect::<Vec<_>>(),
                    "Groups": n.groups().iter()
                        .map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()}))
                        .collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "Instances": instances })
}

fn subnet(s: &t::Subnet) -> Value {
    json!({
        "SubnetId": s.subnet_id(),
        "VpcId": s.vpc_id(),
        "CidrBlock": s.cidr_block(),
        "Ipv6CidrBlockAssociationSet": s.ipv6_cidr_block_association_set().iter()
            .map(|a| json!({"Ipv6CidrBlock": a.ipv6_cidr_block()})).collect::<Vec<_>>(),
        "Tags": tags(s.tags()),
    })
}

fn vpc(v: &t::Vpc) -> Value {
    json!({
        "VpcId": v.vpc_id(),
        "CidrBlock": v.cidr_block(),
        "CidrBlockAssociationSet": v.cidr_block_association_set().iter()
            .map(|a| json!({"CidrBlock": a.cidr_block()})).collect::<Vec<_>>(),
        "Ipv6CidrBlockAssociationSet": v.ipv6_cidr_block_association_set().iter()
            .map(|a| json!({"Ipv6CidrBlock": a.ipv6_cidr_block()})).collect::<Vec<_>>(),
        "Tags": tags(v.tags()),
    })
}

fn permissions(ps: &[t::IpPermission]) -> Vec<Value> {
    ps.iter()
        .map(|p| {
            json!({
                "IpProtocol": p.ip_protocol(),
                "FromPort": p.from_port(),
                "ToPort": p.to_port(),
                "IpRanges": p.ip_ranges().iter()
                    .map(|r| json!({"CidrIp": r.cidr_ip(), "Description": r.description()}))
                    .collect::<Vec<_>>(),
                "Ipv6Ranges": p.ipv6_ranges().iter()
                    .map(|r| json!({"CidrIpv6": r.cidr_ipv6(), "Description": r.description()}))
                    .collect::<Vec<_>>(),
                "PrefixListIds": p.prefix_list_ids().iter()
                    .map(|r| json!({"PrefixListId": r.prefix_list_id(), "Description": r.description()}))
                    .collect::<Vec<_>>(),
                "UserIdGroupPairs": p.user_id_group_pairs().iter()
                    .map(|r| json!({"GroupId": r.group_id(), "Description": r.description()}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect()
}

fn security_group(g: &t::SecurityGroup) -> Value {
    json!({
        "GroupId": g.group_id(),
        "GroupName": g.group_name(),
        "VpcId": g.vpc_id(),
        "IpPermissions": permissions(g.ip_permissions()),
        "IpPermissionsEgress": permissions(g.ip_permissions_egress()),
    })
}

fn network_acl(a: &t::NetworkAcl) -> Value {
    let entries: Vec<Value> = a
        .entries()
        .iter()
        .map(|e| {
            json!({
                "RuleNumber": e.rule_number(),
                "Protocol": e.protocol(),
                "RuleAction": e.rule_action().map(t::RuleAction::as_str),
                "Egress": e.egress(),
                "CidrBlock": e.cidr_block(),
                "Ipv6CidrBlock": e.ipv6_cidr_block(),
                "PortRange": e.port_range().map(|r| json!({"From": r.from(), "To": r.to()})),
                "IcmpTypeCode": e.icmp_type_code().map(|r| json!({"Type": r.r#type(), "Code": r.code()})),
            })
        })
        .collect();
    json!({
        "NetworkAclId": a.network_acl_id(),
        "VpcId": a.vpc_id(),
        "IsDefault": a.is_default(),
        "Associations": a.associations().iter()
            .map(|s| json!({"SubnetId": s.subnet_id()})).collect::<Vec<_>>(),
        "Entries": entries,
    })
}
