//! The label of an interface from its type, description, instance and tags, and what hovering
//! it shows.

use super::Resource;
use crate::model::inventory::{Interface, Inventory, tag};

/// The label and the hover lines of one interface.
pub(super) fn resource(inv: &Inventory, eni: &Interface) -> Resource {
    let (label, aliases) = label_and_aliases(inv, eni);
    Resource {
        label,
        kind: if eni.kind.is_empty() {
            "interface".into()
        } else {
            eni.kind.clone()
        },
        interface: eni.id.clone(),
        aliases,
        detail: detail(inv, eni),
    }
}

/// The label of an interface and the other names it answers to.
fn label_and_aliases(inv: &Inventory, eni: &Interface) -> (String, Vec<String>) {
    let instance = eni.instance.as_ref().map(|id| {
        let name = inv
            .instances
            .iter()
            .find(|i| &i.id == id)
            .and_then(|i| tag(&i.tags, "Name"))
            .or_else(|| eni.name());
        (id.clone(), name.map(str::to_owned))
    });
    let desc = eni.description.as_str();
    let mut aliases = vec![eni.id.clone()];
    let word = |prefix: &str| -> Option<String> {
        desc.split_whitespace()
            .find(|w| w.starts_with(prefix))
            .map(str::to_owned)
    };
    let label = if let Some((id, name)) = &instance {
        aliases.push(id.clone());
        aliases.extend(name.clone());
        match name {
            Some(n) => format!("{id} ({n})"),
            None => id.clone(),
        }
    } else if eni.kind == "nat_gateway" || desc.starts_with("Interface for NAT Gateway") {
        let nat = word("nat-").unwrap_or_default();
        aliases.push(nat.clone());
        format!("NAT gateway {nat}").trim_end().to_owned()
    } else if let Some(rest) = desc.strip_prefix("ELB ") {
        let mut parts = rest.split('/');
        let (kind, name) = match (parts.next(), parts.next()) {
            (Some("app"), Some(n)) => ("ALB", n),
            (Some("net"), Some(n)) => ("NLB", n),
            (Some("gwy"), Some(n)) => ("GWLB", n),
            (Some(n), _) => ("CLB", n),
            _ => ("ELB", ""),
        };
        aliases.push(name.to_owned());
        format!("{kind} {name}")
    } else if eni.kind == "lambda" || desc.starts_with("AWS Lambda VPC ENI") {
        let f = desc
            .strip_prefix("AWS Lambda VPC ENI-")
            .map(|s| s.rsplitn(2, '-').last().unwrap_or(s).to_owned())
            .unwrap_or_default();
        aliases.push(f.clone());
        format!("Lambda {f}").trim_end().to_owned()
    } else if eni.kind == "vpc_endpoint" {
        let id = word("vpce-").unwrap_or_default();
        aliases.push(id.clone());
        format!("VPC endpoint {id}").trim_end().to_owned()
    } else if let Some(n) = eni.name() {
        aliases.push(n.to_owned());
        n.to_owned()
    } else if !desc.is_empty() {
        format!("{} ({})", eni.id, desc)
    } else {
        eni.id.clone()
    };
    aliases.retain(|a| !a.is_empty());
    (label, aliases)
}

/// What hovering an interface shows.
fn detail(inv: &Inventory, eni: &Interface) -> Vec<(String, String)> {
    let desc = eni.description.as_str();
    let mut detail = vec![
        ("interface".to_owned(), eni.id.clone()),
        (
            "type".to_owned(),
            if eni.kind.is_empty() {
                "interface".into()
            } else {
                eni.kind.clone()
            },
        ),
    ];
    let subnet = inv.subnets.iter().find(|s| s.id == eni.subnet);
    if !eni.subnet.is_empty() {
        let name = subnet.and_then(|s| tag(&s.tags, "Name"));
        detail.push((
            "subnet".into(),
            match name {
                Some(n) => format!("{} ({n})", eni.subnet),
                None => eni.subnet.clone(),
            },
        ));
    }
    if !eni.vpc.is_empty() {
        detail.push(("VPC".into(), eni.vpc.clone()));
    }
    if !eni.groups.is_empty() {
        let g: Vec<String> = eni
            .groups
            .iter()
            .map(|(id, name)| {
                if name.is_empty() {
                    id.clone()
                } else {
                    format!("{id} ({name})")
                }
            })
            .collect();
        detail.push(("security groups".into(), g.join(", ")));
    }
    if !desc.is_empty() {
        detail.push(("description".into(), desc.to_owned()));
    }
    let addrs: Vec<String> = eni
        .addrs
        .iter()
        .chain(&eni.public)
        .map(ToString::to_string)
        .collect();
    detail.push(("addresses".into(), addrs.join(", ")));
    for (k, v) in &eni.tags {
        detail.push((format!("tag {k}"), v.clone()));
    }
    detail
}
