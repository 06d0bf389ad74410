//! Well-known names: IP protocol numbers (IANA) and service ports.

/// IANA protocol names understood by the language.
pub const PROTOCOLS: &[(&str, u8)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("ipip", 4),
    ("tcp", 6),
    ("udp", 17),
    ("ipv6", 41),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("icmpv6", 58),
    ("ospf", 89),
    ("pim", 103),
    ("vrrp", 112),
    ("l2tp", 115),
    ("sctp", 132),
];

/// The name of a protocol number, if it has one.
pub fn protocol_name(p: u8) -> Option<&'static str> {
    PROTOCOLS.iter().find(|(_, n)| *n == p).map(|(s, _)| *s)
}

const SERVICES: &[(u16, &str)] = &[
    (20, "ftp-data"),
    (21, "ftp"),
    (22, "ssh"),
    (23, "telnet"),
    (25, "smtp"),
    (53, "dns"),
    (67, "dhcp"),
    (69, "tftp"),
    (80, "http"),
    (88, "kerberos"),
    (110, "pop3"),
    (111, "rpcbind"),
    (123, "ntp"),
    (135, "msrpc"),
    (137, "netbios-ns"),
    (139, "netbios"),
    (143, "imap"),
    (161, "snmp"),
    (179, "bgp"),
    (389, "ldap"),
    (443, "https"),
    (445, "smb"),
    (465, "smtps"),
    (500, "isakmp"),
    (514, "syslog"),
    (587, "submission"),
    (636, "ldaps"),
    (853, "dns-tls"),
    (873, "rsync"),
    (993, "imaps"),
    (995, "pop3s"),
    (1194, "openvpn"),
    (1433, "mssql"),
    (1521, "oracle"),
    (1723, "pptp"),
    (1883, "mqtt"),
    (1900, "ssdp"),
    (2049, "nfs"),
    (2375, "docker"),
    (2376, "docker-tls"),
    (2379, "etcd"),
    (3000, "grafana"),
    (3128, "proxy"),
    (3306, "mysql"),
    (3389, "rdp"),
    (3868, "diameter"),
    (4500, "ipsec-nat"),
    (5060, "sip"),
    (5432, "postgres"),
    (5601, "kibana"),
    (5672, "amqp"),
    (5900, "vnc"),
    (6379, "redis"),
    (6443, "kube-api"),
    (7001, "weblogic"),
    (8000, "http-alt"),
    (8080, "http-alt"),
    (8443, "https-alt"),
    (8888, "http-alt"),
    (9000, "http-alt"),
    (9090, "prometheus"),
    (9092, "kafka"),
    (9100, "node-exporter"),
    (9200, "elasticsearch"),
    (9300, "es-transport"),
    (10250, "kubelet"),
    (11211, "memcached"),
    (27017, "mongodb"),
];

/// The service usually on `port`, if well known.
pub fn service_name(port: u16) -> Option<&'static str> {
    SERVICES
        .binary_search_by_key(&port, |(p, _)| *p)
        .ok()
        .and_then(|i| SERVICES.get(i))
        .map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorted_and_found() {
        assert!(super::SERVICES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(super::service_name(443), Some("https"));
        assert_eq!(super::service_name(4), None);
    }
}
