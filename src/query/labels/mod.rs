//! Names for addresses and interfaces, from the account's inventory: "i-0abc (web-1)", "NAT
//! gateway nat-…", "ALB my-alb", "AWS S3 us-east-1", "office-vpn". The label fields of the
//! filter language (`src_resource`, `dst_service`, `interface_type`, …) and of `top --by` read
//! them.
//!
//! Precedence for an address: an interface's own address (exact), then the user's ranges (the
//! most specific prefix), then AWS's ip-ranges.json (the most specific prefix; a prefix listed as
//! `AMAZON` and as a service takes the service), then the link-local addresses every VPC has.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ipnet::IpNet;
use rustc_hash::FxHashMap;

mod ranges;
mod resource;

use ranges::RangeMap;
use resource::resource;

pub use crate::model::addr::ip_key;
use crate::model::addr::key_to_ip;
use crate::model::inventory::Inventory;
use crate::query::filter::{AddrField, Filter, Side};

/// A field of the filter language and of `top --by` that reads a label, not a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LabelField {
    /// `src_resource`, `dst_resource`, `resource`: the resource or user label of an address.
    Resource(Side),
    /// `src_service`, `dst_service`, `service`: the AWS service of an address (ip-ranges.json).
    Service(Side),
    /// `interface_type`: the logged interface's `InterfaceType` (`nat_gateway`, `lambda`, …).
    InterfaceType,
    /// `interface_resource`: the logged interface's label.
    InterfaceResource,
}

impl LabelField {
    /// Every label field.
    pub const ALL: [LabelField; 8] = [
        LabelField::Resource(Side::Src),
        LabelField::Resource(Side::Dst),
        LabelField::Resource(Side::Either),
        LabelField::Service(Side::Src),
        LabelField::Service(Side::Dst),
        LabelField::Service(Side::Either),
        LabelField::InterfaceType,
        LabelField::InterfaceResource,
    ];

    /// The field's name.
    pub fn name(self) -> &'static str {
        match self {
            LabelField::Resource(Side::Src) => "src_resource",
            LabelField::Resource(Side::Dst) => "dst_resource",
            LabelField::Resource(Side::Either) => "resource",
            LabelField::Service(Side::Src) => "src_service",
            LabelField::Service(Side::Dst) => "dst_service",
            LabelField::Service(Side::Either) => "service",
            LabelField::InterfaceType => "interface_type",
            LabelField::InterfaceResource => "interface_resource",
        }
    }

    /// The label field called `name` (hyphens or underscores).
    pub fn parse(name: &str) -> Option<LabelField> {
        let name = name.to_ascii_lowercase().replace('-', "_");
        LabelField::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The frame columns whose values it labels.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            LabelField::Resource(s) | LabelField::Service(s) => match s {
                Side::Src => &["srcaddr"],
                Side::Dst => &["dstaddr"],
                Side::Either => &["srcaddr", "dstaddr"],
            },
            LabelField::InterfaceType | LabelField::InterfaceResource => &["interface_id"],
        }
    }

    /// Whether it labels addresses (else interface ids).
    pub fn is_address(self) -> bool {
        matches!(self, LabelField::Resource(_) | LabelField::Service(_))
    }
}

/// What an interface address or an interface id names.
#[derive(Clone, Debug, Default)]
pub struct Resource {
    /// The label: "i-0abc (web-1)", "NAT gateway nat-…", "ALB my-alb", "Lambda fn", ….
    pub label: String,
    /// `InterfaceType`.
    pub kind: String,
    /// The interface (`eni-…`).
    pub interface: String,
    /// Other names it answers to in a filter (instance id, Name tag, gateway id).
    pub aliases: Vec<String>,
    /// What hovering shows: (what, value) lines.
    pub detail: Vec<(String, String)>,
}

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// The labels of one inventory.
#[derive(Debug, Default)]
pub struct Labels {
    /// The inventory they come from.
    pub inventory: Arc<Inventory>,
    resources: Vec<Resource>,
    by_addr: FxHashMap<u128, u32>,
    by_eni: FxHashMap<String, u32>,
    user: RangeMap,
    user_labels: Vec<String>,
    services: RangeMap,
    service_names: Vec<(String, String)>,
    /// Distinguishes label sets (query results are cached by context).
    generation: u64,
}

/// An AWS service prefix's label, e.g. "AWS S3 us-east-1".
fn service_label(service: &str, region: &str) -> String {
    match (service, region) {
        ("AMAZON", r) => format!("AWS {r}"),
        (s, "GLOBAL") | (s, "") => format!("AWS {s}"),
        (s, r) => format!("AWS {s} {r}"),
    }
}

/// Link-local addresses every VPC has, named without any file.
fn well_known(ip: IpAddr) -> Option<&'static str> {
    match ip.to_string().as_str() {
        "169.254.169.254" | "fd00:ec2::254" => Some("Instance metadata (IMDS)"),
        "169.254.169.253" | "fd00:ec2::253" => Some("Amazon DNS resolver"),
        "169.254.169.123" | "fd00:ec2::123" => Some("Amazon Time Sync"),
        _ => None,
    }
}

impl Labels {
    /// Indexes an inventory.
    pub fn new(inventory: Arc<Inventory>) -> Labels {
        let inv = &inventory;
        let mut labels = Labels {
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
            ..Labels::default()
        };
        for eni in &inv.interfaces {
            let r = resource(inv, eni);
            let idx = labels.resources.len() as u32;
            for ip in eni.addrs.iter().chain(&eni.public) {
                labels.by_addr.entry(ip_key(*ip)).or_insert(idx);
            }
            labels.by_eni.insert(eni.id.clone(), idx);
            labels.resources.push(r);
        }
        let user: Vec<(IpNet, u32, u8)> = inv
            .user_ranges
            .iter()
            .enumerate()
            .map(|(i, (n, l))| {
                labels.user_labels.push(l.clone());
                (*n, i as u32, 0)
            })
            .collect();
        labels.user = RangeMap::new(user);
        let services: Vec<(IpNet, u32, u8)> = inv
            .service_ranges
            .iter()
            .enumerate()
            .map(|(i, r)| {
                labels
                    .service_names
                    .push((r.service.clone(), service_label(&r.service, &r.region)));
                (r.net, i as u32, u8::from(r.service != "AMAZON"))
            })
            .collect();
        labels.services = RangeMap::new(services);
        labels.inventory = inventory;
        labels
    }

    /// The resource an address belongs to (an interface's own address).
    pub fn resource_of(&self, key: u128) -> Option<&Resource> {
        self.by_addr
            .get(&key)
            .and_then(|&i| self.resources.get(i as usize))
    }

    /// The resource of an interface id.
    pub fn interface(&self, eni: &str) -> Option<&Resource> {
        self.by_eni
            .get(eni)
            .and_then(|&i| self.resources.get(i as usize))
    }

    /// The AWS service of an address (`S3`, `EC2`, `AMAZON`) and its label.
    pub fn service_of(&self, key: u128) -> Option<(&str, &str)> {
        let i = self.services.get(key)?;
        self.service_names
            .get(i as usize)
            .map(|(s, l)| (s.as_str(), l.as_str()))
    }

    /// The user's label of an address (the most specific of their ranges).
    pub fn user_label(&self, key: u128) -> Option<&str> {
        let i = self.user.get(key)?;
        self.user_labels.get(i as usize).map(String::as_str)
    }

    /// The label of an address, by the precedence in the module documentation.
    pub fn addr_label(&self, key: u128) -> Option<Cow<'_, str>> {
        if let Some(r) = self.resource_of(key) {
            return Some(Cow::Borrowed(&r.label));
        }
        if let Some(l) = self.user_label(key) {
            return Some(Cow::Borrowed(l));
        }
        if let Some((_, l)) = self.service_of(key) {
            return Some(Cow::Borrowed(l));
        }
        well_known(key_to_ip(key)).map(Cow::Borrowed)
    }

    /// The value of an address field for a filter: the resource or user label (`Resource`) or
    /// the AWS service (`Service`).
    pub fn addr_field(&self, field: LabelField, key: u128) -> Option<Cow<'_, str>> {
        match field {
            LabelField::Service(_) => self.service_of(key).map(|(s, _)| Cow::Borrowed(s)),
            _ => {
                if let Some(r) = self.resource_of(key) {
                    return Some(Cow::Borrowed(&r.label));
                }
                self.user_label(key)
                    .map(Cow::Borrowed)
                    .or_else(|| well_known(key_to_ip(key)).map(Cow::Borrowed))
            }
        }
    }

    /// Whether an address's `field` equals one of `values` (case-insensitive; a resource also
    /// answers to its instance id, Name tag, interface id and gateway id).
    pub fn addr_matches(&self, field: LabelField, key: u128, pred: &dyn Fn(&str) -> bool) -> bool {
        if matches!(field, LabelField::Resource(_))
            && let Some(r) = self.resource_of(key)
        {
            return pred(&r.label) || r.aliases.iter().any(|a| pred(a));
        }
        self.addr_field(field, key).is_some_and(|v| pred(&v))
    }

    /// Whether an interface id's `field` matches.
    pub fn interface_matches(
        &self,
        field: LabelField,
        eni: &str,
        pred: &dyn Fn(&str) -> bool,
    ) -> bool {
        let Some(r) = self.interface(eni) else {
            return false;
        };
        match field {
            LabelField::InterfaceType => pred(&r.kind),
            _ => pred(&r.label) || r.aliases.iter().any(|a| pred(a)),
        }
    }

    /// What a label condition stands for in plain columns, for query languages that know no
    /// labels (Athena, Logs Insights): the interface addresses and user or AWS ranges whose label
    /// matches (as `srcaddr`/`dstaddr` networks), or the interface ids whose type or label
    /// matches. A more specific range with another label inside a listed one is not carved out.
    pub fn expand(&self, field: LabelField, pred: &dyn Fn(&str) -> bool) -> Filter {
        if !field.is_address() {
            let values: Vec<String> = self
                .by_eni
                .keys()
                .filter(|eni| self.interface_matches(field, eni, pred))
                .cloned()
                .collect();
            let mut values = values;
            values.sort();
            return Filter::Str {
                field: "interface_id".into(),
                values,
            };
        }
        let mut nets: Vec<IpNet> = Vec::new();
        if let LabelField::Service(_) = field {
            for r in &self.inventory.service_ranges {
                if pred(&r.service) {
                    nets.push(r.net);
                }
            }
        } else {
            for (key, &i) in &self.by_addr {
                if let Some(r) = self.resources.get(i as usize)
                    && (pred(&r.label) || r.aliases.iter().any(|a| pred(a)))
                {
                    nets.push(IpNet::from(key_to_ip(*key)));
                }
            }
            for (net, label) in &self.inventory.user_ranges {
                if pred(label) {
                    nets.push(*net);
                }
            }
        }
        nets.sort();
        nets.dedup();
        let side = match field {
            LabelField::Resource(s) | LabelField::Service(s) => s,
            _ => Side::Either,
        };
        Filter::Addr {
            field: match side {
                Side::Src => AddrField::Src,
                Side::Dst => AddrField::Dst,
                Side::Either => AddrField::Either,
            },
            nets,
        }
    }

    /// The VPC CIDRs of the inventory (what is "inside").
    pub fn vpc_cidrs(&self) -> Vec<IpNet> {
        self.inventory
            .vpcs
            .iter()
            .flat_map(|v| v.cidrs.iter().copied())
            .collect()
    }

    /// Distinguishes label sets: equal generations are the same labels.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// The name of the label column written beside a labelled column (`srcaddr` → `src_label`,
/// `interface_id` → `interface_label`), in `rows`, `top` and the report alike.
pub fn label_column_name(column: &str) -> Option<&'static str> {
    Some(match column {
        "srcaddr" => "src_label",
        "dstaddr" => "dst_label",
        "pkt_srcaddr" => "pkt_src_label",
        "pkt_dstaddr" => "pkt_dst_label",
        "interface_id" => "interface_label",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::addr::v4_key;
    use crate::model::inventory::ServiceRange;

    fn key(s: &str) -> u128 {
        ip_key(s.parse().unwrap())
    }

    #[test]
    fn most_specific_prefix_wins_and_services_beat_amazon() {
        let mut inv = Inventory::default();
        for (net, service) in [
            ("52.216.0.0/15", "AMAZON"),
            ("52.216.0.0/15", "S3"),
            ("52.0.0.0/8", "AMAZON"),
            ("52.217.10.0/24", "EC2"),
        ] {
            inv.service_ranges.push(ServiceRange {
                net: net.parse().unwrap(),
                service: service.into(),
                region: "us-east-1".into(),
            });
        }
        inv.user_ranges
            .push(("203.0.113.0/24".parse().unwrap(), "office".into()));
        inv.user_ranges
            .push(("203.0.113.10/32".parse().unwrap(), "office-vpn".into()));
        let l = Labels::new(Arc::new(inv));
        assert_eq!(l.service_of(key("52.216.1.1")).unwrap().0, "S3");
        assert_eq!(l.service_of(key("52.217.10.9")).unwrap().0, "EC2");
        assert_eq!(l.service_of(key("52.217.11.9")).unwrap().0, "S3");
        assert_eq!(l.service_of(key("52.1.1.1")).unwrap().0, "AMAZON");
        assert_eq!(l.service_of(key("52.218.0.0")).unwrap().0, "AMAZON");
        assert!(l.service_of(key("53.0.0.0")).is_none());
        assert_eq!(l.addr_label(key("52.216.1.1")).unwrap(), "AWS S3 us-east-1");
        assert_eq!(l.user_label(key("203.0.113.10")), Some("office-vpn"));
        assert_eq!(l.user_label(key("203.0.113.11")), Some("office"));
        assert_eq!(l.user_label(key("203.0.114.1")), None);
        assert_eq!(
            l.addr_label(v4_key(0xa9fe_a97b)).unwrap(),
            "Amazon Time Sync"
        );
    }
}
