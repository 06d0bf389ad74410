//! The JSON shapes of the AWS CLI's EC2 describe commands and of `ip-ranges.json`
//! (shared/CONTEXT.md lists them; the field names are the EC2 API's).

use std::net::IpAddr;
use std::path::Path;

use serde_json::{Map, Value};

use super::parse_net;
use crate::fmt::days_from_civil;
use crate::model::inventory::{
    AclEntry, ContextSource, Instance, Interface, Inventory, NetworkAcl, Peer, PrefixList,
    RuleProtocol, SecurityGroup, ServiceRange, SgRule, Subnet, Vpc,
};

/// Reads every JSON value of the file (pages concatenated or one document).
pub(super) fn read_json(
    data: &[u8],
    path: &Path,
    source: &mut ContextSource,
) -> Result<Inventory, String> {
    let mut inv = Inventory::default();
    let mut stream = serde_json::Deserializer::from_slice(data).into_iter::<Value>();
    let mut values = 0;
    loop {
        match stream.next() {
            None => break,
            Some(Ok(Value::Object(map))) => {
                values += 1;
                read_object(&map, path, &mut inv, source);
            }
            Some(Ok(_)) => source
                .problems
                .push(format!("JSON value {} is not an object", values + 1)),
            Some(Err(e)) => {
                let msg = format!("invalid JSON at byte {}: {e}", stream.byte_offset());
                if values == 0 {
                    return Err(msg);
                }
                // Keep the pages before the damage.
                source.problems.push(msg);
                break;
            }
        }
    }
    Ok(inv)
}

/// What reads one entry of a top-level array.
type ReadEntry<'a> = dyn FnMut(&Map<String, Value>) -> Result<(), String> + 'a;

/// Calls `f` on every object of the array `map[key]`; an entry `f` refuses becomes a problem.
/// Returns whether the key was there.
fn each(
    map: &Map<String, Value>,
    key: &str,
    src: &mut ContextSource,
    f: &mut ReadEntry<'_>,
) -> bool {
    let Some(items) = map.get(key).and_then(Value::as_array) else {
        return false;
    };
    for (i, item) in items.iter().enumerate() {
        let result = item
            .as_object()
            .ok_or_else(|| "not an object".to_owned())
            .and_then(&mut *f);
        if let Err(e) = result {
            src.problems.push(format!("{key}[{i}]: {e}"));
        }
    }
    true
}

fn read_object(
    map: &Map<String, Value>,
    path: &Path,
    inv: &mut Inventory,
    src: &mut ContextSource,
) {
    let mut known = read_resources(map, inv, src);
    known |= read_rules(map, path, inv, src);
    if let Some(t) = map
        .get("createDate")
        .and_then(Value::as_str)
        .and_then(create_date)
    {
        src.time = Some(t);
    }
    // A snapshot fetched by flowlens (`cloud::ec2`) carries its time.
    if let Some(t) = map.get("FlowlensSnapshotTime").and_then(Value::as_u64) {
        src.time = Some(t);
    }
    if !known && !map.contains_key("NextToken") {
        src.problems.push(format!(
            "a JSON object with none of the known keys (it has: {})",
            map.keys().take(5).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
}

/// Interfaces, instances, subnets and VPCs.
fn read_resources(map: &Map<String, Value>, inv: &mut Inventory, src: &mut ContextSource) -> bool {
    let mut known = each(map, "NetworkInterfaces", src, &mut |o| {
        inv.interfaces.push(interface(o)?);
        Ok(())
    });
    known |= each(map, "Reservations", src, &mut |r| reservation(r, inv));
    known |= each(map, "Subnets", src, &mut |o| {
        let mut cidrs: Vec<_> = parse_net(&text(o, "CidrBlock")).into_iter().collect();
        cidrs.extend(assoc_cidrs(
            o,
            "Ipv6CidrBlockAssociationSet",
            "Ipv6CidrBlock",
        ));
        inv.subnets.push(Subnet {
            id: required(o, "SubnetId")?,
            vpc: text(o, "VpcId"),
            cidrs,
            tags: tags(o, "Tags"),
        });
        Ok(())
    });
    known |= each(map, "Vpcs", src, &mut |o| {
        let mut cidrs: Vec<_> = parse_net(&text(o, "CidrBlock")).into_iter().collect();
        for c in assoc_cidrs(o, "CidrBlockAssociationSet", "CidrBlock") {
            if !cidrs.contains(&c) {
                cidrs.push(c);
            }
        }
        cidrs.extend(assoc_cidrs(
            o,
            "Ipv6CidrBlockAssociationSet",
            "Ipv6CidrBlock",
        ));
        inv.vpcs.push(Vpc {
            id: required(o, "VpcId")?,
            cidrs,
            tags: tags(o, "Tags"),
        });
        Ok(())
    });
    known
}

/// Security groups, network ACLs, prefix lists and AWS ranges.
fn read_rules(
    map: &Map<String, Value>,
    path: &Path,
    inv: &mut Inventory,
    src: &mut ContextSource,
) -> bool {
    let mut known = false;
    known |= each(map, "SecurityGroups", src, &mut |o| {
        inv.groups.push(SecurityGroup {
            id: required(o, "GroupId")?,
            name: text(o, "GroupName"),
            vpc: text(o, "VpcId"),
            inbound: permissions(o, "IpPermissions")?,
            outbound: permissions(o, "IpPermissionsEgress")?,
        });
        Ok(())
    });
    known |= each(map, "NetworkAcls", src, &mut |o| {
        inv.acls.push(network_acl(o)?);
        Ok(())
    });
    known |= each(map, "PrefixLists", src, &mut |o| {
        inv.prefix_lists.push(PrefixList {
            id: required(o, "PrefixListId")?,
            name: text(o, "PrefixListName"),
            cidrs: Vec::new(),
        });
        Ok(())
    });
    let mut entries = Vec::new();
    known |= each(map, "Entries", src, &mut |o| {
        entries.push(parse_net(&text(o, "Cidr")).ok_or("no valid Cidr")?);
        Ok(())
    });
    if !entries.is_empty() {
        inv.prefix_lists.push(PrefixList {
            id: prefix_list_id(path),
            name: String::new(),
            cidrs: entries,
        });
    }
    for (key, field) in [("prefixes", "ip_prefix"), ("ipv6_prefixes", "ipv6_prefix")] {
        known |= each(map, key, src, &mut |o| {
            inv.service_ranges.push(ServiceRange {
                net: parse_net(&text(o, field)).ok_or_else(|| format!("no valid {field}"))?,
                service: text(o, "service"),
                region: text(o, "region"),
            });
            Ok(())
        });
    }
    known
}

/// One reservation of `describe-instances`: its instances and their interfaces.
fn reservation(r: &Map<String, Value>, inv: &mut Inventory) -> Result<(), String> {
    for i in r
        .get("Instances")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(o) = i.as_object() else { continue };
        let id = text(o, "InstanceId");
        if id.is_empty() {
            return Err("an instance without InstanceId".into());
        }
        let tags = tags(o, "Tags");
        // The interfaces of an instance carry its id, so they are labelled by it.
        for n in o
            .get("NetworkInterfaces")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(n) = n.as_object()
                && let Ok(mut eni) = interface(n)
            {
                eni.instance.get_or_insert_with(|| id.clone());
                inv.interfaces.push(eni);
            }
        }
        inv.instances.push(Instance { id, tags });
    }
    Ok(())
}

/// The id of a prefix list whose entries file carries none: the `pl-…` in the file's name.
/// Without one the list is `pl-?` and matches no rule until the user names the file.
fn prefix_list_id(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.find("pl-")
        .map(|i| {
            name[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect()
        })
        .unwrap_or_else(|| "pl-?".into())
}

/// `2024-03-01-12-00-00` (ip-ranges.json's `createDate`) → epoch seconds.
fn create_date(s: &str) -> Option<u64> {
    let p: Vec<u32> = s
        .split('-')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [y, mo, d, h, mi, se] = p.as_slice() else {
        return None;
    };
    let days = days_from_civil(i64::from(*y), *mo, *d);
    u64::try_from(days * 86_400 + i64::from(h * 3600 + mi * 60 + se)).ok()
}

fn text(o: &Map<String, Value>, key: &str) -> String {
    o.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn required(o: &Map<String, Value>, key: &str) -> Result<String, String> {
    let v = text(o, key);
    if v.is_empty() {
        Err(format!("no {key}"))
    } else {
        Ok(v)
    }
}

fn array<'a>(o: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a Map<String, Value>> {
    o.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn tags(o: &Map<String, Value>, key: &str) -> Vec<(String, String)> {
    array(o, key)
        .map(|t| (text(t, "Key"), text(t, "Value")))
        .collect()
}

fn assoc_cidrs(o: &Map<String, Value>, key: &str, field: &str) -> Vec<ipnet::IpNet> {
    array(o, key)
        .filter_map(|a| parse_net(&text(a, field)))
        .collect()
}

fn int(o: &Map<String, Value>, key: &str) -> Option<i64> {
    match o.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn interface(o: &Map<String, Value>) -> Result<Interface, String> {
    let mut addrs: Vec<IpAddr> = Vec::new();
    let mut public = Vec::new();
    if let Ok(ip) = text(o, "PrivateIpAddress").parse() {
        addrs.push(ip);
    }
    for p in array(o, "PrivateIpAddresses") {
        if let Ok(ip) = text(p, "PrivateIpAddress").parse()
            && !addrs.contains(&ip)
        {
            addrs.push(ip);
        }
        if let Some(a) = p.get("Association").and_then(Value::as_object)
            && let Ok(ip) = text(a, "PublicIp").parse()
        {
            public.push(ip);
        }
    }
    for p in array(o, "Ipv6Addresses") {
        if let Ok(ip) = text(p, "Ipv6Address").parse() {
            addrs.push(ip);
        }
    }
    let instance = o
        .get("Attachment")
        .and_then(Value::as_object)
        .map(|a| text(a, "InstanceId"))
        .filter(|s| !s.is_empty());
    let mut t = tags(o, "TagSet");
    t.extend(tags(o, "Tags"));
    Ok(Interface {
        id: required(o, "NetworkInterfaceId")?,
        kind: text(o, "InterfaceType"),
        description: text(o, "Description"),
        requester: text(o, "RequesterId"),
        instance,
        groups: array(o, "Groups")
            .map(|g| (text(g, "GroupId"), text(g, "GroupName")))
            .collect(),
        subnet: text(o, "SubnetId"),
        vpc: text(o, "VpcId"),
        addrs,
        public,
        tags: t,
    })
}

/// `"tcp"`, `"6"`, `"-1"`, `"icmpv6"`, … (the API takes names or numbers).
fn protocol(s: &str) -> Result<RuleProtocol, String> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "-1" | "all" => RuleProtocol::All,
        "tcp" => RuleProtocol::Number(6),
        "udp" => RuleProtocol::Number(17),
        "icmp" => RuleProtocol::Number(1),
        "icmpv6" => RuleProtocol::Number(58),
        n => RuleProtocol::Number(n.parse().map_err(|_| format!("unknown protocol `{s}`"))?),
    })
}

/// `IpPermissions[]` → one rule per peer.
fn permissions(o: &Map<String, Value>, key: &str) -> Result<Vec<SgRule>, String> {
    let mut out = Vec::new();
    for p in array(o, key) {
        let proto = protocol(&text(p, "IpProtocol"))?;
        let (from, to) = if proto == RuleProtocol::All {
            (None, None)
        } else {
            (
                int(p, "FromPort").map(|v| v as i32),
                int(p, "ToPort").map(|v| v as i32),
            )
        };
        let mut push = |peer: Peer, description: String| {
            out.push(SgRule {
                protocol: proto,
                from,
                to,
                peer,
                description,
            });
        };
        for r in array(p, "IpRanges") {
            if let Some(n) = parse_net(&text(r, "CidrIp")) {
                push(Peer::Cidr(n), text(r, "Description"));
            }
        }
        for r in array(p, "Ipv6Ranges") {
            if let Some(n) = parse_net(&text(r, "CidrIpv6")) {
                push(Peer::Cidr(n), text(r, "Description"));
            }
        }
        for r in array(p, "PrefixListIds") {
            push(
                Peer::PrefixList(text(r, "PrefixListId")),
                text(r, "Description"),
            );
        }
        for r in array(p, "UserIdGroupPairs") {
            push(Peer::Group(text(r, "GroupId")), text(r, "Description"));
        }
    }
    Ok(out)
}

fn network_acl(o: &Map<String, Value>) -> Result<NetworkAcl, String> {
    let mut entries = Vec::new();
    for e in array(o, "Entries") {
        let number = int(e, "RuleNumber").ok_or("an entry without RuleNumber")?;
        let cidr = parse_net(&text(e, "CidrBlock"))
            .or_else(|| parse_net(&text(e, "Ipv6CidrBlock")))
            .ok_or_else(|| format!("entry {number}: no CidrBlock"))?;
        let ports = e.get("PortRange").and_then(Value::as_object).map(|r| {
            let clamp = |v: Option<i64>| v.unwrap_or(0).clamp(0, 65535) as u16;
            (clamp(int(r, "From")), clamp(int(r, "To")))
        });
        let icmp = e.get("IcmpTypeCode").and_then(Value::as_object).map(|r| {
            (
                int(r, "Type").unwrap_or(-1) as i32,
                int(r, "Code").unwrap_or(-1) as i32,
            )
        });
        entries.push(AclEntry {
            number: u32::try_from(number).map_err(|_| format!("rule number {number}"))?,
            protocol: protocol(&text(e, "Protocol"))?,
            allow: text(e, "RuleAction").eq_ignore_ascii_case("allow"),
            egress: e.get("Egress").and_then(Value::as_bool).unwrap_or(false),
            cidr,
            ports,
            icmp,
        });
    }
    entries.sort_by_key(|e| (e.egress, e.number));
    Ok(NetworkAcl {
        id: required(o, "NetworkAclId")?,
        vpc: text(o, "VpcId"),
        is_default: o.get("IsDefault").and_then(Value::as_bool).unwrap_or(false),
        subnets: array(o, "Associations")
            .map(|a| text(a, "SubnetId"))
            .filter(|s| !s.is_empty())
            .collect(),
        entries,
    })
}
