//! `flowlens athena ddl`: the `CREATE EXTERNAL TABLE` for the layout of the data, with partition
//! projection as the AWS Athena guide describes it ("Create and query a table for Amazon VPC
//! flow logs using partition projection",
//! <https://docs.aws.amazon.com/athena/latest/ug/vpc-flow-logs-partition-projection.html>): the
//! account, the region and the delivery day (and hour) are projected from the S3 key template,
//! so no `MSCK REPAIR` or `ALTER TABLE ADD PARTITION` is needed, and the queries flowlens writes
//! for it ([`Partitions::Day`] or [`Partitions::Hive`]) prune on the day.
//!
//! Text tables list the columns in the files' header order (the SerDe reads by position) and
//! skip the header line; Parquet tables read by name. The partition columns are `accid`,
//! `logregion`, then `day` (`yyyy/MM/dd`) or `year`/`month`/`day`, then `hour` when the
//! delivery has hourly folders: none collides with a flow-log field (`region` is one).

use super::athena::{ATHENA_TABLE, Partitions};
use crate::model::schema::{self, Kind};

/// Where and how the logs are stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSpec {
    /// The table's name.
    pub name: String,
    /// The columns: the header's fields in order (text) or the file's (Parquet).
    pub columns: Vec<String>,
    /// Parquet files (else gzip text with a header line).
    pub parquet: bool,
    /// Hive-compatible prefixes (`aws-account-id=…/aws-service=vpcflowlogs/…`).
    pub hive: bool,
    /// Hourly folders below the day.
    pub hourly: bool,
    /// The folder that holds `AWSLogs/` (`s3://bucket/prefix/`).
    pub location: String,
    /// The accounts (projected as an enum).
    pub accounts: Vec<String>,
    /// The regions (projected as an enum).
    pub regions: Vec<String>,
    /// The first delivery day, `yyyy/MM/dd`.
    pub first_day: String,
}

impl Default for TableSpec {
    fn default() -> Self {
        TableSpec {
            name: ATHENA_TABLE.into(),
            columns: schema::DEFAULT_FORMAT
                .iter()
                .map(|c| c.replace('-', "_"))
                .collect(),
            parquet: false,
            hive: false,
            hourly: false,
            location: "s3://amzn-s3-demo-bucket/".into(),
            accounts: vec!["123456789012".into()],
            regions: vec!["us-east-1".into()],
            first_day: "2024/01/01".into(),
        }
    }
}

impl TableSpec {
    /// The partitions the queries for this table constrain.
    pub fn partitions(&self) -> Partitions {
        if self.hive {
            Partitions::Hive
        } else {
            Partitions::Day
        }
    }
}

/// The Athena type of a column (as the AWS Athena guide's DDL types them).
pub fn athena_type(column: &str) -> &'static str {
    match schema::lookup(column).map(|d| d.kind) {
        Some(Kind::U64 | Kind::Time) => "bigint",
        Some(Kind::U8) if column == "protocol" => "bigint",
        Some(Kind::U8 | Kind::U16) => "int",
        _ => "string",
    }
}

/// The `CREATE EXTERNAL TABLE` statement.
pub fn athena_ddl(spec: &TableSpec) -> String {
    let cols: Vec<String> = spec
        .columns
        .iter()
        .map(|c| format!("  `{}` {}", c.replace('-', "_"), athena_type(c)))
        .collect();
    let mut parts = vec!["`accid` string", "`logregion` string"];
    if spec.hive {
        parts.extend(["`year` string", "`month` string", "`day` string"]);
    } else {
        parts.push("`day` string");
    }
    if spec.hourly {
        parts.push("`hour` string");
    }
    let location = format!("{}/AWSLogs/", spec.location.trim_end_matches('/'));
    let template = if spec.hive {
        format!(
            "{location}aws-account-id=${{accid}}/aws-service=vpcflowlogs/aws-region=${{logregion}}/year=${{year}}/month=${{month}}/day=${{day}}{}",
            if spec.hourly { "/hour=${hour}" } else { "" }
        )
    } else {
        format!(
            "{location}${{accid}}/vpcflowlogs/${{logregion}}/${{day}}{}",
            if spec.hourly { "/${hour}" } else { "" }
        )
    };
    let mut props = vec![
        ("projection.enabled".to_owned(), "true".to_owned()),
        ("projection.accid.type".into(), "enum".into()),
        ("projection.accid.values".into(), spec.accounts.join(",")),
        ("projection.logregion.type".into(), "enum".into()),
        ("projection.logregion.values".into(), spec.regions.join(",")),
    ];
    if spec.hive {
        let first_year = spec.first_day.get(..4).unwrap_or("2020");
        props.extend([
            ("projection.year.type".into(), "integer".into()),
            ("projection.year.range".into(), format!("{first_year},2100")),
            ("projection.month.type".into(), "integer".into()),
            ("projection.month.range".into(), "1,12".into()),
            ("projection.month.digits".into(), "2".into()),
            ("projection.day.type".into(), "integer".into()),
            ("projection.day.range".into(), "1,31".into()),
            ("projection.day.digits".into(), "2".into()),
        ]);
    } else {
        props.extend([
            ("projection.day.type".into(), "date".into()),
            (
                "projection.day.range".into(),
                format!("{},NOW", spec.first_day),
            ),
            ("projection.day.format".into(), "yyyy/MM/dd".into()),
            ("projection.day.interval".into(), "1".into()),
            ("projection.day.interval.unit".into(), "DAYS".into()),
        ]);
    }
    if spec.hourly {
        props.extend([
            ("projection.hour.type".into(), "integer".into()),
            ("projection.hour.range".into(), "0,23".into()),
            ("projection.hour.digits".into(), "2".into()),
        ]);
    }
    props.push(("storage.location.template".into(), template));
    if !spec.parquet {
        props.insert(0, ("skip.header.line.count".into(), "1".into()));
    }
    let format = if spec.parquet {
        "ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'\n\
         STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'\n\
         OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'"
    } else {
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '"
    };
    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("  \"{k}\" = \"{v}\""))
        .collect();
    format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS `{}` (\n{}\n)\nPARTITIONED BY ({})\n{format}\nLOCATION '{location}'\nTBLPROPERTIES (\n{}\n);",
        spec.name,
        cols.join(",\n"),
        parts.join(", "),
        props.join(",\n")
    )
}
