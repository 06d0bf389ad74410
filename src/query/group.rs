//! The generic group-by of `flowlens top`, by key shape: dense arrays for one field with a small
//! domain (ports, protocols, dictionary ids), radix-partitioned pairs for two fields, a vector
//! key otherwise. Only the candidates for the top `limit` get a key vector and text.

use rustc_hash::FxHashMap;

use super::block::{NULL, for_blocks};
use super::conversations::pair_aggregate;
use super::filter::Side;
use super::labels::{LabelField, Labels, ip_key, label_column_name};
use super::par::par_fold;
use super::select::Selection;
use crate::model::columns::{ColumnView, Values, views};
use crate::model::{Counts, FlowTable, Metric};

/// One group of a group-by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Key values as text (`-` for null), one per field.
    pub key: Vec<String>,
    /// Flows, packets, bytes.
    pub counts: Counts,
}

/// Why a group-by cannot run.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GroupError {
    /// A field that the loaded data does not have.
    #[error("no column `{0}` in the loaded data")]
    NoColumn(String),
    /// A label field with no context loaded.
    #[error("`{0}` is a label from the context files; none is loaded (give --context FILE)")]
    NeedsContext(String),
    /// A label of either address (`resource`, `service`) cannot be one group key.
    #[error("`{0}` reads both addresses; group by src_{0} or dst_{0}")]
    EitherSide(String),
}

/// [`group_by`] with labels: fields may be label fields (`src_resource`, `dst_service`,
/// `interface_type`, …), whose groups are the labels of the addresses or interfaces they read
/// (`-` where there is none); with labels, every address or interface field also gets a label
/// column after the keys (`srcaddr_label`). Returns the column names of the keys and the groups.
pub fn group_by_labels(
    table: &FlowTable,
    sel: &Selection,
    fields: &[String],
    metric: Metric,
    limit: usize,
    labels: Option<&Labels>,
) -> Result<(Vec<String>, Vec<Group>), GroupError> {
    let names: Vec<String> = fields.iter().map(|f| f.replace('-', "_")).collect();
    let label_fields: Vec<Option<LabelField>> =
        names.iter().map(|n| LabelField::parse(n)).collect();
    let Some(labels) = labels else {
        if let Some(f) = label_fields.iter().flatten().next() {
            return Err(GroupError::NeedsContext(f.name().to_owned()));
        }
        return Ok((names, group_by(table, sel, fields, metric, limit)?));
    };
    let mut columns = Vec::with_capacity(names.len());
    for (n, lf) in names.iter().zip(&label_fields) {
        columns.push(match lf {
            Some(LabelField::Resource(Side::Either) | LabelField::Service(Side::Either)) => {
                return Err(GroupError::EitherSide(n.clone()));
            }
            Some(lf) => lf.columns().first().map_or(n.clone(), |c| (*c).to_owned()),
            None => n.clone(),
        });
    }
    let any_label = label_fields.iter().any(Option::is_some);
    let groups = group_by(
        table,
        sel,
        &columns,
        metric,
        if any_label { usize::MAX } else { limit },
    )?;
    let label_of = |field: Option<LabelField>, column: &str, v: &str| -> Option<String> {
        if v == "-" {
            return None;
        }
        match column {
            "interface_id" => labels.interface(v).map(|r| match field {
                Some(LabelField::InterfaceType) => r.kind.clone(),
                _ => r.label.clone(),
            }),
            _ => {
                let key = ip_key(v.parse().ok()?);
                match field {
                    Some(f) => labels.addr_field(f, key).map(|c| c.into_owned()),
                    None => labels.addr_label(key).map(|c| c.into_owned()),
                }
            }
        }
    };
    let labelled = |c: &str| label_column_name(c).is_some();
    let mut merged: FxHashMap<Vec<String>, Counts> = FxHashMap::default();
    for g in groups {
        let mut key = Vec::with_capacity(names.len() * 2);
        for ((v, lf), c) in g.key.iter().zip(&label_fields).zip(&columns) {
            key.push(match lf {
                Some(_) => label_of(*lf, c, v).unwrap_or_else(|| "-".into()),
                None => v.clone(),
            });
        }
        for ((v, lf), c) in g.key.iter().zip(&label_fields).zip(&columns) {
            if lf.is_none() && labelled(c) {
                key.push(label_of(None, c, v).unwrap_or_else(|| "-".into()));
            }
        }
        *merged.entry(key).or_default() += g.counts;
    }
    let mut out: Vec<Group> = merged
        .into_iter()
        .map(|(key, counts)| Group { key, counts })
        .collect();
    out.sort_by(|a, b| {
        b.counts[metric]
            .cmp(&a.counts[metric])
            .then_with(|| {
                (a.key.first() == Some(&"-".to_owned()))
                    .cmp(&(b.key.first() == Some(&"-".to_owned())))
            })
            .then_with(|| a.key.cmp(&b.key))
    });
    out.truncate(limit);
    let mut header = names.clone();
    for (n, lf) in names.iter().zip(&label_fields) {
        if lf.is_none()
            && let Some(l) = label_column_name(n)
        {
            header.push(l.to_owned());
        }
    }
    Ok((header, out))
}

/// Groups the selection by `fields` (frame column names), ranked by `metric`, top `limit`.
/// Ties are broken by the key text, as SQL's `ORDER BY metric DESC, key` would.
pub fn group_by(
    table: &FlowTable,
    sel: &Selection,
    fields: &[String],
    metric: Metric,
    limit: usize,
) -> Result<Vec<Group>, GroupError> {
    group_by_sums(table, sel, fields, metric, limit, true)
}

/// [`group_by`]; with `sums == false` only flows are counted (packets and bytes stay 0 unless
/// they are the metric), which skips reading those columns.
pub fn group_by_sums(
    table: &FlowTable,
    sel: &Selection,
    fields: &[String],
    metric: Metric,
    limit: usize,
    sums: bool,
) -> Result<Vec<Group>, GroupError> {
    let cols = views(&table.df);
    let idx = fields
        .iter()
        .map(|f| {
            let name = f.replace('-', "_");
            cols.iter()
                .position(|c| c.name == name)
                .ok_or_else(|| GroupError::NoColumn(f.clone()))
        })
        .collect::<Result<Vec<usize>, _>>()?;
    let find = |n: &str| cols.iter().position(|c| c.name == n);
    let (packets, bytes) = (
        find("packets").filter(|_| sums || metric == Metric::Packets),
        find("bytes").filter(|_| sums || metric == Metric::Bytes),
    );
    let all = match idx.as_slice() {
        [a, b] => {
            // Keep only the candidates for the top `limit` (ties with the last place included)
            // before giving each group a key vector.
            let mut pairs = pair_aggregate(sel, &cols, Some(*a), Some(*b), packets, bytes);
            keep_candidates(&mut pairs, limit, |p| p.2[metric]);
            let mut all: FxHashMap<Vec<u64>, Counts> = FxHashMap::default();
            for (x, y, c) in pairs {
                *all.entry(vec![x, y]).or_default() += c;
            }
            all
        }
        _ => fold_groups(sel, &cols, &idx, [packets, bytes], metric, limit),
    };
    let ranked = rank(&cols, &idx, all, metric, limit);
    Ok(ranked
        .into_iter()
        .map(|(k, counts)| Group {
            key: k
                .iter()
                .enumerate()
                .map(|(j, v)| render(&cols, &idx, j, *v))
                .collect(),
            counts,
        })
        .collect())
}

/// Keeps the items that can still be among the top `limit` by `value`: the best `limit` and
/// everything tied with the last of them (for the tie-break by key).
fn keep_candidates<T>(items: &mut Vec<T>, limit: usize, value: impl Fn(&T) -> u64) {
    if items.len() > limit && limit > 0 {
        items.select_nth_unstable_by(limit - 1, |x, y| value(y).cmp(&value(x)));
        let cut = items.get(limit - 1).map_or(0, &value);
        items.retain(|x| value(x) >= cut);
    }
}

/// Per-thread groups: dense counts by value (one small field; the last slot is null), a map by
/// value (one wide field), a map by key vector (several fields).
type GroupAcc = (
    Vec<Counts>,
    FxHashMap<Vec<u64>, Counts>,
    FxHashMap<u64, Counts>,
);

/// The groups of one field or of more than two, as key vectors (dense results only for the
/// candidates of the top `limit`).
fn fold_groups(
    sel: &Selection,
    cols: &[ColumnView<'_>],
    idx: &[usize],
    [packets, bytes]: [Option<usize>; 2],
    metric: Metric,
    limit: usize,
) -> FxHashMap<Vec<u64>, Counts> {
    let mut which = vec![packets, bytes];
    which.extend(idx.iter().map(|&i| Some(i)));
    let dense_len = match idx {
        [only] => cols
            .get(*only)
            .and_then(|c| match c.chunks.first().map(|ch| ch.values) {
                _ if c.is_categorical() => Some(c.categories.len() + 1),
                Some(Values::U8(_)) => Some(257),
                Some(Values::U16(_)) => Some(65_537),
                _ => None,
            }),
        _ => None,
    };
    let n_fields = idx.len();
    let init = || -> GroupAcc {
        (
            vec![Counts::ZERO; dense_len.unwrap_or(0)],
            FxHashMap::default(),
            FxHashMap::default(),
        )
    };
    let (dense_all, mut all, single) = par_fold(
        sel.masks.len(),
        "flowlens-group",
        init,
        |(dense, map, single): &mut GroupAcc, k| {
            let Some(mask) = sel.masks.get(k) else { return };
            for_blocks(cols, &which, k, mask, |b| {
                let nz = |v: u64| if v == NULL { 0 } else { v };
                for j in 0..b.len() {
                    let c = Counts::one(nz(b.get(0, j)), nz(b.get(1, j)));
                    if n_fields == 1 {
                        let key = b.get(2, j);
                        let slot = if key == NULL {
                            dense.len().wrapping_sub(1)
                        } else {
                            key as usize
                        };
                        match dense.get_mut(slot) {
                            Some(x) => *x += c,
                            None => *single.entry(key).or_default() += c,
                        }
                    } else {
                        let key: Vec<u64> = (0..n_fields).map(|f| b.get(2 + f, j)).collect();
                        *map.entry(key).or_default() += c;
                    }
                }
            });
        },
        |acc: &mut GroupAcc, other: GroupAcc| {
            for (a, b) in acc.0.iter_mut().zip(&other.0) {
                *a += *b;
            }
            for (k, c) in other.1 {
                *acc.1.entry(k).or_default() += c;
            }
            for (k, c) in other.2 {
                *acc.2.entry(k).or_default() += c;
            }
        },
    );
    for (k, c) in single {
        *all.entry(vec![k]).or_default() += c;
    }
    let last = dense_all.len().wrapping_sub(1);
    let mut dense: Vec<(u64, Counts)> = dense_all
        .iter()
        .enumerate()
        .filter(|(_, c)| c.flows() > 0)
        .map(|(i, c)| (if i == last { NULL } else { i as u64 }, *c))
        .collect();
    keep_candidates(&mut dense, limit, |d| d.1[metric]);
    for (key, c) in dense {
        *all.entry(vec![key]).or_default() += c;
    }
    all
}

/// The text of value `v` of field `j` (`-` for null, the category for strings).
fn render(cols: &[ColumnView<'_>], idx: &[usize], j: usize, v: u64) -> String {
    if v == NULL {
        return "-".into();
    }
    let Some(col) = idx.get(j).and_then(|&c| cols.get(c)) else {
        return v.to_string();
    };
    if col.is_categorical() {
        col.categories
            .get(v as usize)
            .map_or_else(String::new, |s| (*s).to_owned())
    } else {
        v.to_string()
    }
}

/// Sort key of a group: per field (is null, number, text).
type SortKey = Vec<(bool, u64, String)>;

/// The top `limit` groups by metric, then by key text (numbers numerically), nulls last; sort
/// keys are computed once, and only for the candidates.
fn rank(
    cols: &[ColumnView<'_>],
    idx: &[usize],
    all: FxHashMap<Vec<u64>, Counts>,
    metric: Metric,
    limit: usize,
) -> Vec<(Vec<u64>, Counts)> {
    let text_key = |k: &[u64]| -> SortKey {
        k.iter()
            .enumerate()
            .map(|(j, &v)| {
                let numeric = idx
                    .get(j)
                    .and_then(|&c| cols.get(c))
                    .is_some_and(|c| !c.is_categorical());
                if numeric {
                    (v == NULL, v, String::new())
                } else {
                    (v == NULL, 0, render(cols, idx, j, v))
                }
            })
            .collect()
    };
    let mut rows: Vec<(Vec<u64>, Counts)> = all.into_iter().collect();
    // Everything tied with the last place stays in for the tie-break below.
    keep_candidates(&mut rows, limit, |r| r.1[metric]);
    rows.shrink_to_fit();
    let mut keyed: Vec<(SortKey, Vec<u64>, Counts)> = rows
        .into_iter()
        .map(|(k, c)| (text_key(&k), k, c))
        .collect();
    keyed.sort_by(|a, b| b.2[metric].cmp(&a.2[metric]).then_with(|| a.0.cmp(&b.0)));
    keyed.truncate(limit);
    keyed.into_iter().map(|(_, k, c)| (k, c)).collect()
}
