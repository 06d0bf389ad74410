//! Filters on the two addresses only (`srcaddr in …`, `src is public and dst is private`,
//! `direction == outbound`, `addr == …`), evaluated on an address pair instead of on rows.
//!
//! The conversations of such a selection are exactly the table's conversations (cached per
//! table, [`super::cache::ViewCache`]) whose pair the filter keeps: a pass over the distinct
//! pairs (~770k at 10M records) instead of a scatter and aggregation of the selected rows. A
//! pair with a null address is in no conversation, so null semantics never come into it.

use super::compile::Node;
use super::filter::Direction;
use super::idset::IdSet;

/// A compiled filter that reads only the source and destination address ids.
#[derive(Debug)]
pub(crate) enum PairPredicate {
    Const(bool),
    And(Vec<PairPredicate>),
    Or(Vec<PairPredicate>),
    Not(Box<PairPredicate>),
    /// The source's (`src`) or the destination's (`dst`) id is in `lut`.
    Lut {
        src: bool,
        dst: bool,
        lut: IdSet,
    },
    /// The direction given which ends are inside.
    Dir {
        inside: IdSet,
        dir: Direction,
    },
}

impl PairPredicate {
    /// The predicate of a compiled filter, if it reads no column but the source (column `src`)
    /// and destination (column `dst`) addresses.
    pub(crate) fn of(node: &Node, src: Option<usize>, dst: Option<usize>) -> Option<PairPredicate> {
        let all = |parts: &[Node]| -> Option<Vec<PairPredicate>> {
            parts
                .iter()
                .map(|p| PairPredicate::of(p, src, dst))
                .collect()
        };
        Some(match node {
            Node::Const(b) => PairPredicate::Const(*b),
            Node::And(parts) => PairPredicate::And(all(parts)?),
            Node::Or(parts) => PairPredicate::Or(all(parts)?),
            Node::Not(inner) => PairPredicate::Not(Box::new(PairPredicate::of(inner, src, dst)?)),
            Node::Lut { cols, lut } => {
                let on = |c: Option<usize>| c.is_some_and(|c| cols.contains(&c));
                if cols.iter().any(|c| Some(*c) != src && Some(*c) != dst) {
                    return None;
                }
                PairPredicate::Lut {
                    src: on(src),
                    dst: on(dst),
                    lut: lut.clone(),
                }
            }
            Node::Dir {
                src: s,
                dst: d,
                inside,
                dir,
            } if Some(*s) == src && Some(*d) == dst => PairPredicate::Dir {
                inside: inside.clone(),
                dir: *dir,
            },
            Node::Dir { .. } | Node::Cmp { .. } => return None,
        })
    }

    /// Whether the flows from address id `a` to address id `b` are selected.
    pub(crate) fn test(&self, a: u32, b: u32) -> bool {
        let look = |set: &IdSet, id: u32| set.contains(id as usize);
        match self {
            PairPredicate::Const(v) => *v,
            PairPredicate::And(parts) => parts.iter().all(|p| p.test(a, b)),
            PairPredicate::Or(parts) => parts.iter().any(|p| p.test(a, b)),
            PairPredicate::Not(inner) => !inner.test(a, b),
            PairPredicate::Lut { src, dst, lut } => {
                (*src && look(lut, a)) || (*dst && look(lut, b))
            }
            PairPredicate::Dir { inside, dir } => dir.matches(look(inside, a), look(inside, b)),
        }
    }
}
