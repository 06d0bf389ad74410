//! A [`Filter`] compiled against one table: every condition becomes a lookup table over the
//! address dictionary, a port or protocol number, or a column's dictionary.

use std::sync::Arc;

use ipnet::IpNet;

use super::context::QueryContext;
use super::filter::{AddrClass, CmpOp, Direction, Filter, Side};
use super::idset::IdSet;
use super::labels::LabelField;
use super::zones::Zones;
use crate::model::addr::{V4_MAPPED, net_key_range};
use crate::model::columns::ColumnView;

/// Lookup table over the address dictionary: true for ids whose address is in one of `nets`.
/// The dictionary is sorted, so each network is one id range found by binary search.
fn addr_lut(addrs: &[u128], nets: &[IpNet]) -> Vec<bool> {
    let mut lut = vec![false; addrs.len()];
    for net in nets {
        let (lo, hi) = net_key_range(net);
        fill_keys(&mut lut, addrs, lo, hi);
    }
    lut
}

/// Sets the entries of the ids whose keys are in `lo..=hi`.
fn fill_keys(lut: &mut [bool], addrs: &[u128], lo: u128, hi: u128) {
    let a = addrs.partition_point(|k| *k < lo);
    let b = addrs.partition_point(|k| *k <= hi);
    if let Some(s) = lut.get_mut(a..b) {
        s.fill(true);
    }
}

/// Lookup table over the address dictionary for an address class, from its blocks (a few id
/// ranges each found by binary search, not a test of every address of the dictionary). The same addresses as [`AddrClass::contains`]: an IPv6 block never holds an
/// IPv4 address, though the keys of IPv4 addresses (`::ffff:a.b.c.d`) lie inside `::/0`.
fn class_lut(addrs: &[u128], class: AddrClass, ctx: &QueryContext) -> Vec<bool> {
    let (blocks, complement) = class.blocks(&ctx.vpc);
    let mut lut = vec![false; addrs.len()];
    let v4 = (V4_MAPPED, V4_MAPPED | 0xffff_ffff);
    for net in &blocks {
        let (lo, hi) = net_key_range(net);
        if matches!(net, IpNet::V6(_)) && lo <= v4.1 && hi >= v4.0 {
            // The parts of the block's range below and above the IPv4 keys.
            if lo < v4.0 {
                fill_keys(&mut lut, addrs, lo, v4.0 - 1);
            }
            if hi > v4.1 {
                fill_keys(&mut lut, addrs, v4.1 + 1, hi);
            }
        } else {
            fill_keys(&mut lut, addrs, lo, hi);
        }
    }
    if complement {
        lut.iter_mut().for_each(|x| *x = !*x);
    }
    lut
}

/// A compiled filter node. Column indexes refer to the frame's column views.
#[derive(Debug)]
pub(crate) enum Node {
    Const(bool),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// Any of the columns (non-null) has a value whose `lut` entry is true.
    Lut {
        cols: Vec<usize>,
        lut: IdSet,
    },
    /// Column (non-null) compared with a value; with the column's zone maps when the caller
    /// has them (see `select_in`).
    Cmp {
        col: usize,
        op: CmpOp,
        value: u64,
        zones: Option<Arc<Zones>>,
    },
    /// Direction: `inside` over the address dictionary.
    Dir {
        src: usize,
        dst: usize,
        inside: IdSet,
        dir: Direction,
    },
}

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// An invalid regular expression.
    #[error("invalid regular expression: {0}")]
    Regex(#[from] regex::Error),
    /// A label field with no context loaded.
    #[error(
        "`{0}` is a label from the context files (describe-* JSON, ip-ranges.json, a cidr,label \
         CSV); none is loaded"
    )]
    NoContext(String),
}

/// A label condition: a lookup over the address dictionary or the interface ids' dictionary.
fn label_node(
    field: LabelField,
    pred: &dyn Fn(&str) -> bool,
    cols: &[ColumnView<'_>],
    addrs: &[u128],
    ctx: &QueryContext,
) -> Result<Node, QueryError> {
    let Some(labels) = ctx.labels.as_ref().map(|l| &l.0) else {
        return Err(QueryError::NoContext(field.name().to_owned()));
    };
    let idx: Vec<usize> = field
        .columns()
        .iter()
        .filter_map(|n| cols.iter().position(|c| c.name == *n))
        .collect();
    if idx.is_empty() {
        return Ok(Node::Const(false));
    }
    let lut: Vec<bool> = if field.is_address() {
        addrs
            .iter()
            .map(|k| labels.addr_matches(field, *k, pred))
            .collect()
    } else {
        cols[idx[0]]
            .categories
            .iter()
            .map(|eni| labels.interface_matches(field, eni, pred))
            .collect()
    };
    Ok(Node::Lut {
        cols: idx,
        lut: IdSet::new(lut),
    })
}

pub(crate) fn compile(
    f: &Filter,
    cols: &[ColumnView<'_>],
    addrs: &[u128],
    ctx: &QueryContext,
) -> Result<Node, QueryError> {
    let find = |name: &str| cols.iter().position(|c| c.name == name);
    let present = |names: &[&str]| -> Vec<usize> { names.iter().filter_map(|n| find(n)).collect() };
    let lut_node = |idx: Vec<usize>, lut: Vec<bool>| {
        if idx.is_empty() {
            Node::Const(false)
        } else {
            Node::Lut {
                cols: idx,
                lut: IdSet::new(lut),
            }
        }
    };
    Ok(match f {
        Filter::All => Node::Const(true),
        Filter::And(parts) => Node::And(
            parts
                .iter()
                .map(|p| compile(p, cols, addrs, ctx))
                .collect::<Result<_, _>>()?,
        ),
        Filter::Or(parts) => {
            let mut nodes: Vec<Node> = Vec::new();
            for p in &gather_or(parts) {
                let node = compile(p, cols, addrs, ctx)?;
                if !merge_lookup(&mut nodes, &node) {
                    nodes.push(node);
                }
            }
            Node::Or(nodes)
        }
        Filter::Not(inner) => Node::Not(Box::new(compile(inner, cols, addrs, ctx)?)),
        Filter::Addr { field, nets } => lut_node(present(field.columns()), addr_lut(addrs, nets)),
        Filter::Class { side, class } => {
            let names: &[&str] = match side {
                Side::Src => &["srcaddr"],
                Side::Dst => &["dstaddr"],
                Side::Either => &["srcaddr", "dstaddr"],
            };
            lut_node(present(names), class_lut(addrs, *class, ctx))
        }
        Filter::Port { field, ranges } => {
            let mut lut = vec![false; 1 << 16];
            for (lo, hi) in ranges {
                if let Some(s) = lut.get_mut(usize::from(*lo)..=usize::from(*hi)) {
                    s.fill(true);
                }
            }
            lut_node(present(field.columns()), lut)
        }
        Filter::Protocol(ps) => {
            let mut lut = vec![false; 256];
            for p in ps {
                if let Some(x) = lut.get_mut(usize::from(*p)) {
                    *x = true;
                }
            }
            lut_node(present(&["protocol"]), lut)
        }
        Filter::Num { field, op, value } => match find(field) {
            Some(col) => Node::Cmp {
                col,
                op: *op,
                value: *value,
                zones: None,
            },
            None => Node::Const(false),
        },
        // Label fields (`dst_service`, …) read the context's labels, not a column.
        Filter::Str { field, values } if let Some(lf) = LabelField::parse(field) => {
            let pred = |v: &str| values.iter().any(|x| x.eq_ignore_ascii_case(v));
            label_node(lf, &pred, cols, addrs, ctx)?
        }
        Filter::Regex { field, pattern } if let Some(lf) = LabelField::parse(field) => {
            let re = regex::Regex::new(pattern)?;
            let pred = |v: &str| re.is_match(v);
            label_node(lf, &pred, cols, addrs, ctx)?
        }
        Filter::Str { field, values } => match find(field) {
            Some(col) => {
                let lut = cols[col]
                    .categories
                    .iter()
                    .map(|c| values.iter().any(|v| v == c))
                    .collect();
                lut_node(vec![col], lut)
            }
            None => Node::Const(false),
        },
        Filter::Regex { field, pattern } => match find(field) {
            Some(col) => {
                let re = regex::Regex::new(pattern)?;
                let lut = cols[col]
                    .categories
                    .iter()
                    .map(|c| re.is_match(c))
                    .collect();
                lut_node(vec![col], lut)
            }
            None => Node::Const(false),
        },
        Filter::Direction(dir) => match (find("srcaddr"), find("dstaddr")) {
            (Some(src), Some(dst)) => Node::Dir {
                src,
                dst,
                inside: IdSet::new(class_lut(addrs, AddrClass::Vpc, ctx)),
                dir: *dir,
            },
            _ => Node::Const(false),
        },
    })
}

/// ORs a lookup into one of `nodes` on the same columns, if there is one:
/// `(a ∈ A or b ∈ A) or (a ∈ B or b ∈ B)` is `a ∈ A ∪ B or b ∈ A ∪ B`. A disjunction of
/// thousands of conditions (a pasted list of ports or addresses) then holds one table per set of
/// columns, not one per condition, and is evaluated once per row.
fn merge_lookup(nodes: &mut [Node], node: &Node) -> bool {
    let Node::Lut { cols, lut } = node else {
        return false;
    };
    let same = nodes.iter_mut().find_map(|n| match n {
        Node::Lut { cols: c, lut: l } if c == cols && l.table_len() == lut.table_len() => Some(l),
        _ => None,
    });
    let Some(into) = same else { return false };
    into.union_with(lut);
    true
}

/// The terms of a disjunction with the address conditions of each field joined into one, and
/// likewise the port conditions (their lookup tables are built once, not once per term).
fn gather_or(parts: &[Filter]) -> Vec<Filter> {
    let mut out: Vec<Filter> = Vec::with_capacity(parts.len());
    for p in parts {
        let joined = match p {
            Filter::Addr { field, nets } => out.iter_mut().any(|o| match o {
                Filter::Addr { field: f, nets: n } if f == field => {
                    n.extend(nets.iter().copied());
                    true
                }
                _ => false,
            }),
            Filter::Port { field, ranges } => out.iter_mut().any(|o| match o {
                Filter::Port {
                    field: f,
                    ranges: r,
                } if f == field => {
                    r.extend(ranges.iter().copied());
                    true
                }
                _ => false,
            }),
            _ => false,
        };
        if !joined {
            out.push(p.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::addr::{ip_key, key_to_ip};
    use crate::query::filter::parse;
    use std::net::{IpAddr, Ipv4Addr};

    /// The class tables built from the classes' blocks hold the addresses `contains` takes: every
    /// block's edges and the addresses beside them, IPv4-mapped and -compatible IPv6, and a
    /// spread of others, with VPC blocks of both families (one of them `::/0`).
    #[test]
    fn class_tables_hold_what_contains_takes() {
        let ctx = QueryContext {
            vpc: ["10.1.0.0/16", "2600:1f18::/56", "::/0"]
                .iter()
                .map(|n| n.parse().unwrap())
                .collect(),
            ..QueryContext::default()
        };
        let mut keys: Vec<u128> = Vec::new();
        for class in AddrClass::ALL {
            for net in class.blocks(&ctx.vpc).0 {
                let (lo, hi) = net_key_range(&net);
                for k in [lo, hi] {
                    keys.extend([k.wrapping_sub(1), k, k.wrapping_add(1)]);
                }
            }
        }
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            keys.push(ip_key(IpAddr::V4(Ipv4Addr::from(x as u32))));
            keys.push(u128::from(x) << 64 | u128::from(x.rotate_left(17)));
            keys.push(u128::from(x as u32)); // IPv4-compatible ::a.b.c.d
        }
        keys.sort_unstable();
        keys.dedup();
        for class in AddrClass::ALL {
            let lut = class_lut(&keys, class, &ctx);
            for (k, got) in keys.iter().zip(&lut) {
                let want = class.contains(key_to_ip(*k), &ctx.vpc);
                assert_eq!(*got, want, "{class:?} {}", key_to_ip(*k));
            }
        }
    }

    /// A disjunction of thousands of conditions compiles to one lookup per set of columns, so
    /// memory and time follow the input, not the input times a 64 K table.
    #[test]
    fn long_disjunctions_share_their_lookups() {
        let text: Vec<String> = (0..6000).map(|p| format!("dstport == {p}")).collect();
        let mut text = text.join(" or ");
        text.push_str(" or action == REJECT or action == ACCEPT or srcaddr in 10.0.0.0/8");
        let f = parse(&text).unwrap();
        let cols = vec![];
        let node = compile(&f, &cols, &[1, 2, 3], &QueryContext::default()).unwrap();
        let Node::Or(parts) = node else {
            panic!("not a disjunction");
        };
        // No column exists here: every condition on a missing column is a constant false.
        assert!(parts.len() <= 4, "{}", parts.len());
        assert!(
            gather_or(match &f {
                Filter::Or(p) => p,
                _ => panic!(),
            })
            .len()
                <= 4
        );
    }
}
