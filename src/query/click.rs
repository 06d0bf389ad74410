//! What a click on a view filters on.

use ipnet::IpNet;

use super::filter::{AddrField, Filter, PortField};
use super::views::PortSide;
use crate::model::FlowTable;
use crate::model::addr::{addr_to_string, key_to_ip};

/// Text of an address id.
pub fn addr_text(table: &FlowTable, id: u32) -> String {
    table
        .addrs
        .get(id as usize)
        .map_or_else(|| "-".into(), |k| addr_to_string(*k))
}

/// `AddrField` of a port side (for click-to-filter).
pub fn port_field(side: PortSide) -> PortField {
    match side {
        PortSide::Src => PortField::Src,
        PortSide::Dst => PortField::Dst,
        PortSide::Either => PortField::Either,
    }
}

/// The filter that selects one address on a side.
pub fn addr_filter(field: AddrField, key: u128) -> Filter {
    Filter::Addr {
        field,
        nets: vec![IpNet::from(key_to_ip(key))],
    }
}
