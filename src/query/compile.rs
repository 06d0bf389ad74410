//! A [`Filter`] compiled against one table: every condition becomes a lookup table over the
//! address dictionary, a port or protocol number, or a column's dictionary.

use std::sync::Arc;

use ipnet::IpNet;

use super::context::QueryContext;
use super::filter::{AddrClass, CmpOp, Direction, Filter, Side};
use crate::model::addr::{key_to_ip, net_key_range};
use crate::model::columns::ColumnView;

/// Lookup table over the address dictionary: true for ids whose address is in one of `nets`.
/// The dictionary is sorted, so each network is one id range found by binary search.
fn addr_lut(addrs: &[u128], nets: &[IpNet]) -> Vec<bool> {
    let mut lut = vec![false; addrs.len()];
    for net in nets {
        let (lo, hi) = net_key_range(net);
        let a = addrs.partition_point(|k| *k < lo);
        let b = addrs.partition_point(|k| *k <= hi);
        if let Some(s) = lut.get_mut(a..b) {
            s.fill(true);
        }
    }
    lut
}

fn class_lut(addrs: &[u128], class: AddrClass, ctx: &QueryContext) -> Vec<bool> {
    addrs
        .iter()
        .map(|k| class.contains(key_to_ip(*k), &ctx.vpc))
        .collect()
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
        lut: Arc<Vec<bool>>,
    },
    /// Column (non-null) compared with a value.
    Cmp {
        col: usize,
        op: CmpOp,
        value: u64,
    },
    /// Direction: `inside` over the address dictionary.
    Dir {
        src: usize,
        dst: usize,
        inside: Arc<Vec<bool>>,
        dir: Direction,
    },
}

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// An invalid regular expression.
    #[error("invalid regular expression: {0}")]
    Regex(#[from] regex::Error),
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
                lut: Arc::new(lut),
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
        Filter::Or(parts) => Node::Or(
            parts
                .iter()
                .map(|p| compile(p, cols, addrs, ctx))
                .collect::<Result<_, _>>()?,
        ),
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
            },
            None => Node::Const(false),
        },
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
                inside: Arc::new(class_lut(addrs, AddrClass::Vpc, ctx)),
                dir: *dir,
            },
            _ => Node::Const(false),
        },
    })
}
