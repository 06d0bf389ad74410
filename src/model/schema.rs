//! The flow-log fields: names, versions and how each is stored.
//!
//! Single source of truth for the parser (which kind of token to expect), the frame (which Polars
//! type a column gets) and the output writers (integer or string). Column names are the AWS field
//! names with `-` replaced by `_` (the names Parquet delivery and Athena use).

use std::fmt;

/// How a field is parsed and stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Small unsigned integer (`version`, `protocol`, `traffic-path`, …): `UInt8`.
    U8,
    /// Ports and TCP flags: `UInt16`.
    U16,
    /// Unix time in seconds (`start`, `end`); millisecond values are brought to seconds: `UInt32`.
    Time,
    /// Counters (`packets`, `bytes`, `packets-lost-*`): `UInt64`, or `UInt32` when every value
    /// of the loaded data fits 32 bits (chosen per column when the frame is assembled).
    U64,
    /// IPv4 or IPv6 address, dictionary-encoded in one address dictionary shared by every address
    /// column, sorted by address value: `Enum` (ids are in address order, so a CIDR is an id range).
    Addr,
    /// Any other string, dictionary-encoded per column and sorted: `Enum`.
    Str,
}

impl Kind {
    /// Whether values are written as JSON integers.
    pub fn is_integer(self) -> bool {
        matches!(self, Kind::U8 | Kind::U16 | Kind::Time | Kind::U64)
    }

    /// Largest value the storage type holds (for integer kinds).
    pub fn max_value(self) -> u64 {
        match self {
            Kind::U8 => u64::from(u8::MAX),
            Kind::U16 => u64::from(u16::MAX),
            Kind::Time => u64::from(u32::MAX),
            Kind::U64 | Kind::Addr | Kind::Str => u64::MAX,
        }
    }

    /// The Polars type name shown in documentation and `--help`.
    pub fn polars_type(self) -> &'static str {
        match self {
            Kind::U8 => "UInt8",
            Kind::U16 => "UInt16",
            Kind::Time => "UInt32 (epoch seconds)",
            Kind::U64 => "UInt64 (UInt32 when every value fits)",
            Kind::Addr => "Enum (shared address dictionary)",
            Kind::Str => "Enum",
        }
    }
}

/// A known flow-log field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDef {
    /// AWS name, with hyphens (`log-status`).
    pub aws_name: &'static str,
    /// Column name, with underscores (`log_status`).
    pub column: &'static str,
    /// Storage kind.
    pub kind: Kind,
    /// Flow-log version that introduced it (6 = Transit Gateway schema).
    pub version: u8,
}

macro_rules! fields {
    ($( $aws:literal $col:literal $kind:ident $ver:literal ),* $(,)?) => {
        /// Every known field, in canonical order: the VPC fields v2–v11 in the order of the AWS
        /// field table, then the Transit Gateway (v6) fields that VPC logs do not have.
        pub const FIELDS: &[FieldDef] = &[
            $( FieldDef { aws_name: $aws, column: $col, kind: Kind::$kind, version: $ver } ),*
        ];
    };
}

fields! {
    "version" "version" U8 2,
    "account-id" "account_id" Str 2,
    "interface-id" "interface_id" Str 2,
    "srcaddr" "srcaddr" Addr 2,
    "dstaddr" "dstaddr" Addr 2,
    "srcport" "srcport" U16 2,
    "dstport" "dstport" U16 2,
    "protocol" "protocol" U8 2,
    "packets" "packets" U64 2,
    "bytes" "bytes" U64 2,
    "start" "start" Time 2,
    "end" "end" Time 2,
    "action" "action" Str 2,
    "log-status" "log_status" Str 2,
    "vpc-id" "vpc_id" Str 3,
    "subnet-id" "subnet_id" Str 3,
    "instance-id" "instance_id" Str 3,
    "tcp-flags" "tcp_flags" U16 3,
    "type" "type" Str 3,
    "pkt-srcaddr" "pkt_srcaddr" Addr 3,
    "pkt-dstaddr" "pkt_dstaddr" Addr 3,
    "region" "region" Str 4,
    "az-id" "az_id" Str 4,
    "sublocation-type" "sublocation_type" Str 4,
    "sublocation-id" "sublocation_id" Str 4,
    "pkt-src-aws-service" "pkt_src_aws_service" Str 5,
    "pkt-dst-aws-service" "pkt_dst_aws_service" Str 5,
    "flow-direction" "flow_direction" Str 5,
    "traffic-path" "traffic_path" U8 5,
    "ecs-cluster-arn" "ecs_cluster_arn" Str 7,
    "ecs-cluster-name" "ecs_cluster_name" Str 7,
    "ecs-container-instance-arn" "ecs_container_instance_arn" Str 7,
    "ecs-container-instance-id" "ecs_container_instance_id" Str 7,
    "ecs-container-id" "ecs_container_id" Str 7,
    "ecs-second-container-id" "ecs_second_container_id" Str 7,
    "ecs-service-name" "ecs_service_name" Str 7,
    "ecs-task-definition-arn" "ecs_task_definition_arn" Str 7,
    "ecs-task-arn" "ecs_task_arn" Str 7,
    "ecs-task-id" "ecs_task_id" Str 7,
    "reject-reason" "reject_reason" Str 8,
    "resource-id" "resource_id" Str 9,
    "encryption-status" "encryption_status" U8 10,
    "instance-tag" "instance_tag" Str 11,
    "instance-tag-2" "instance_tag_2" Str 11,
    "interface-tag" "interface_tag" Str 11,
    "interface-tag-2" "interface_tag_2" Str 11,
    "asg-tag" "asg_tag" Str 11,
    "asg-tag-2" "asg_tag_2" Str 11,
    "interface-type" "interface_type" Str 11,
    "next-hop-interface-id" "next_hop_interface_id" Str 11,
    "next-hop-subnet-id" "next_hop_subnet_id" Str 11,
    "next-hop-az-id" "next_hop_az_id" Str 11,
    "next-hop-vpc-id" "next_hop_vpc_id" Str 11,
    "next-hop-interface-type" "next_hop_interface_type" Str 11,
    "resource-type" "resource_type" Str 6,
    "tgw-id" "tgw_id" Str 6,
    "tgw-attachment-id" "tgw_attachment_id" Str 6,
    "tgw-src-vpc-account-id" "tgw_src_vpc_account_id" Str 6,
    "tgw-dst-vpc-account-id" "tgw_dst_vpc_account_id" Str 6,
    "tgw-src-vpc-id" "tgw_src_vpc_id" Str 6,
    "tgw-dst-vpc-id" "tgw_dst_vpc_id" Str 6,
    "tgw-src-subnet-id" "tgw_src_subnet_id" Str 6,
    "tgw-dst-subnet-id" "tgw_dst_subnet_id" Str 6,
    "tgw-src-eni" "tgw_src_eni" Str 6,
    "tgw-dst-eni" "tgw_dst_eni" Str 6,
    "tgw-src-az-id" "tgw_src_az_id" Str 6,
    "tgw-dst-az-id" "tgw_dst_az_id" Str 6,
    "tgw-pair-attachment-id" "tgw_pair_attachment_id" Str 6,
    "packets-lost-no-route" "packets_lost_no_route" U64 6,
    "packets-lost-blackhole" "packets_lost_blackhole" U64 6,
    "packets-lost-mtu-exceeded" "packets_lost_mtu_exceeded" U64 6,
    "packets-lost-ttl-expired" "packets_lost_ttl_expired" U64 6,
}

/// The 14 fields of the default (v2) format, in order.
pub const DEFAULT_FORMAT: &[&str] = &[
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// Looks a field up by AWS name or column name (`log-status`, `log_status`, `${log-status}`).
pub fn lookup(name: &str) -> Option<&'static FieldDef> {
    let name = name
        .strip_prefix("${")
        .and_then(|n| n.strip_suffix('}'))
        .unwrap_or(name);
    FIELDS
        .iter()
        .find(|f| f.aws_name == name || f.column == name)
}

/// Looks a field up by the raw bytes of a header token.
pub fn lookup_bytes(name: &[u8]) -> Option<&'static FieldDef> {
    std::str::from_utf8(name).ok().and_then(lookup)
}

/// A column of a layout: a known field, or a header name the loader does not know (kept as a
/// string column under its underscore name).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    /// Index into [`FIELDS`].
    Known(usize),
    /// A header token that is not a known field, with `-` replaced by `_`.
    Unknown(String),
}

impl Column {
    /// Column for a name (AWS or underscore form); unknown names become string columns.
    pub fn from_name(name: &str) -> Column {
        match FIELDS
            .iter()
            .position(|f| f.aws_name == name || f.column == name)
        {
            Some(i) => Column::Known(i),
            None => Column::Unknown(name.replace('-', "_")),
        }
    }

    /// The column name in the frame and in output.
    pub fn name(&self) -> &str {
        match self {
            Column::Known(i) => FIELDS.get(*i).map_or("", |f| f.column),
            Column::Unknown(n) => n,
        }
    }

    /// How the column is parsed and stored.
    pub fn kind(&self) -> Kind {
        match self {
            Column::Known(i) => FIELDS.get(*i).map_or(Kind::Str, |f| f.kind),
            Column::Unknown(_) => Kind::Str,
        }
    }

    /// Sort key giving the canonical column order: known fields first, in table order.
    pub fn order(&self) -> (usize, &str) {
        match self {
            Column::Known(i) => (*i, ""),
            Column::Unknown(n) => (FIELDS.len(), n),
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error in a `--log-format` string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The format has no fields.
    #[error("the log format is empty")]
    Empty,
    /// A token is not a known field.
    #[error(
        "unknown field `{0}` in the log format (expected AWS field names such as ${{srcaddr}} or srcaddr)"
    )]
    UnknownField(String),
    /// The same field appears twice.
    #[error("field `{0}` appears twice in the log format")]
    Duplicate(String),
}

/// Parses a log format: an AWS format string (`${version} ${srcaddr} …`) or plain field names
/// separated by spaces or commas, hyphen or underscore form.
pub fn parse_log_format(format: &str) -> Result<Vec<Column>, FormatError> {
    let mut columns = Vec::new();
    for token in format
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        let name = token
            .strip_prefix("${")
            .and_then(|n| n.strip_suffix('}'))
            .unwrap_or(token);
        let Some(i) = FIELDS
            .iter()
            .position(|f| f.aws_name == name || f.column == name)
        else {
            return Err(FormatError::UnknownField(name.to_owned()));
        };
        let col = Column::Known(i);
        if columns.contains(&col) {
            return Err(FormatError::Duplicate(name.to_owned()));
        }
        columns.push(col);
    }
    if columns.is_empty() {
        return Err(FormatError::Empty);
    }
    Ok(columns)
}

/// A guess for a headerless line of `tokens` fields: all VPC fields up to the version whose
/// field count matches (v2 14, v3 21, v4 25, v5 29, v7 39, v8 40, v9 41, v10 42, v11 54) or
/// the 36-field Transit Gateway layout, as an AWS format string.
pub fn guess_format(tokens: usize) -> Option<String> {
    let vpc = |v: u8| -> Vec<&'static str> {
        FIELDS
            .iter()
            .filter(|f| f.version <= v && f.version != 6)
            .map(|f| f.aws_name)
            .collect()
    };
    let names: Vec<&str> = match tokens {
        14 => vpc(2),
        21 => vpc(3),
        25 => vpc(4),
        29 => vpc(5),
        39 => vpc(7),
        40 => vpc(8),
        41 => vpc(9),
        42 => vpc(10),
        54 => vpc(11),
        36 => TGW_FORMAT.to_vec(),
        _ => return None,
    };
    Some(
        names
            .iter()
            .map(|n| format!("${{{n}}}"))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The Transit Gateway flow log fields (version 6), in order.
pub const TGW_FORMAT: &[&str] = &[
    "version",
    "resource-type",
    "account-id",
    "tgw-id",
    "tgw-attachment-id",
    "tgw-src-vpc-account-id",
    "tgw-dst-vpc-account-id",
    "tgw-src-vpc-id",
    "tgw-dst-vpc-id",
    "tgw-src-subnet-id",
    "tgw-dst-subnet-id",
    "tgw-src-eni",
    "tgw-dst-eni",
    "tgw-src-az-id",
    "tgw-dst-az-id",
    "tgw-pair-attachment-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "log-status",
    "type",
    "packets-lost-no-route",
    "packets-lost-blackhole",
    "packets-lost-mtu-exceeded",
    "packets-lost-ttl-expired",
    "tcp-flags",
    "region",
    "flow-direction",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
];

/// The default 14-field v2 layout.
pub fn default_layout() -> Vec<Column> {
    DEFAULT_FORMAT
        .iter()
        .map(|n| Column::from_name(n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_consistent_names() {
        for f in FIELDS {
            assert_eq!(f.column, f.aws_name.replace('-', "_"));
        }
        let mut names: Vec<_> = FIELDS.iter().map(|f| f.column).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FIELDS.len(), "duplicate field");
    }

    #[test]
    fn log_format_accepts_aws_and_plain_names() {
        let a = parse_log_format("${version} ${log-status} ${pkt-srcaddr}").unwrap();
        let b = parse_log_format("version,log_status pkt-srcaddr").unwrap();
        assert_eq!(a, b);
        assert_eq!(a[1].name(), "log_status");
        assert_eq!(a[2].kind(), Kind::Addr);
    }

    #[test]
    fn log_format_errors_name_the_field() {
        assert_eq!(
            parse_log_format("${version} ${bogus}"),
            Err(FormatError::UnknownField("bogus".into()))
        );
        assert_eq!(
            parse_log_format("srcaddr srcaddr"),
            Err(FormatError::Duplicate("srcaddr".into()))
        );
        assert_eq!(parse_log_format("  "), Err(FormatError::Empty));
    }

    #[test]
    fn guesses_parse_back_to_their_field_count() {
        for n in [14, 21, 25, 29, 36, 39, 40, 41, 42, 54] {
            let f = guess_format(n).unwrap();
            assert_eq!(parse_log_format(&f).unwrap().len(), n, "{n}");
        }
        assert_eq!(guess_format(15), None);
    }

    #[test]
    fn field_counts_match_aws_versions() {
        let upto = |v: u8| {
            FIELDS
                .iter()
                .filter(|f| f.version <= v && f.version != 6)
                .count()
        };
        assert_eq!(upto(2), 14);
        assert_eq!(upto(3), 21);
        assert_eq!(upto(4), 25);
        assert_eq!(upto(5), 29);
        assert_eq!(upto(11), 54);
        let tgw = FIELDS.iter().filter(|f| f.version == 6).count();
        assert_eq!(tgw, 18);
    }
}
