//! Address keys: every IPv4 and IPv6 address as one `u128`, so a single sorted dictionary holds
//! both families and every CIDR block is one contiguous key range.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// An IPv4 address is stored as its IPv4-mapped IPv6 value (`::ffff:a.b.c.d`), so one sorted
/// `u128` dictionary holds both families and every IPv4 CIDR is one contiguous id range.
pub const V4_MAPPED: u128 = 0xffff_0000_0000;

/// Address key of an IPv4 address.
pub fn v4_key(v4: u32) -> u128 {
    V4_MAPPED | u128::from(v4)
}

/// Formats an address key as text (IPv4 dotted quad or RFC 5952 IPv6).
pub fn addr_to_string(key: u128) -> String {
    if key >> 32 == V4_MAPPED >> 32 {
        std::net::Ipv4Addr::from(key as u32).to_string()
    } else {
        Ipv6Addr::from(key).to_string()
    }
}

/// The address of a dictionary key.
pub fn key_to_ip(key: u128) -> IpAddr {
    if key >> 32 == V4_MAPPED >> 32 {
        IpAddr::V4(Ipv4Addr::from(key as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(key))
    }
}

/// The dictionary key of an address (the inverse of [`key_to_ip`]).
pub fn ip_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => v4_key(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

pub(crate) fn net_key_range(net: &IpNet) -> (u128, u128) {
    match net {
        IpNet::V4(n) => (
            V4_MAPPED | u128::from(u32::from(n.network())),
            V4_MAPPED | u128::from(u32::from(n.broadcast())),
        ),
        IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast())),
    }
}
