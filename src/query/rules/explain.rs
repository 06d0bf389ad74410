//! One verdict and one sentence per flow: which rule denied a REJECT (or that no rule allows
//! it, with the closest one, or that today's rules would allow it), and which rules admitted an
//! ACCEPT.

use super::eval::{
    AclDecision, Evaluation, Flow, RuleIndex, SgDecision, Way, acl_entry_text, proto_name,
    sg_rule_text,
};
use super::{FlowGroup, PAR_SLICE, flow_group_parts, ordered_groups};
use crate::fmt::format_epoch;
use crate::model::FlowTable;
use crate::query::par::par_map_owned;
use crate::query::select::Selection;

/// The verdict on a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// A network ACL entry denies it.
    NaclDeny,
    /// No security-group rule allows it.
    NoSgAllow,
    /// Today's rules would allow this REJECT (they changed, or the path is not modelled).
    AllowedNow,
    /// The interface or its addresses are not in the context.
    NoContext,
    /// An ACCEPT, and the rules that admitted it.
    Allowed,
    /// An ACCEPT that today's rules would deny.
    DeniedNow,
}

impl Verdict {
    /// The verdict's name in `flowlens explain` output.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::NaclDeny => "nacl_deny",
            Verdict::NoSgAllow => "no_sg_allow",
            Verdict::AllowedNow => "allowed_now",
            Verdict::NoContext => "no_context",
            Verdict::Allowed => "allowed",
            Verdict::DeniedNow => "denied_now",
        }
    }
}

impl Verdict {
    /// Every verdict: the four of a REJECT, then the two of an ACCEPT.
    pub const ALL: [Verdict; 6] = [
        Verdict::NaclDeny,
        Verdict::NoSgAllow,
        Verdict::AllowedNow,
        Verdict::NoContext,
        Verdict::Allowed,
        Verdict::DeniedNow,
    ];
}

/// For each of `verdicts`: the flows and the groups of `rows` with it.
pub fn verdict_counts(rows: &[ExplainRow], verdicts: &[Verdict]) -> Vec<(Verdict, u64, usize)> {
    verdicts
        .iter()
        .map(|v| {
            let of = rows.iter().filter(|r| r.explanation.verdict == *v);
            let (flows, groups) = of.fold((0, 0), |(f, g), r| (f + r.group.flows, g + 1));
            (*v, flows, groups)
        })
        .collect()
}

/// A verdict, the deciding rule and the sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The verdict.
    pub verdict: Verdict,
    /// The deciding ACL entry (`acl-…#N`), the admitting rule (`sg-…#in0`), or the groups
    /// considered (`sg-…,sg-…`).
    pub rule: String,
    /// One sentence.
    pub reason: String,
}

/// A group of flows with its explanation.
#[derive(Clone, Debug)]
pub struct ExplainRow {
    /// The flows.
    pub group: FlowGroup,
    /// Why.
    pub explanation: Explanation,
}

/// Explains the REJECT flows of the selection (or the ACCEPT flows with `accepted`), one row
/// per (srcaddr, dstaddr, dstport, protocol, interface), most flows first.
pub fn explain_groups(
    table: &FlowTable,
    sel: &Selection,
    index: &RuleIndex,
    accepted: bool,
) -> Vec<ExplainRow> {
    explain_groups_with(table, sel, index, accepted, usize::MAX)
}

/// [`explain_groups`] with a sentence for the first `sentences` groups only (the others get
/// their verdict and rule, and an empty reason): what a window that lists a few hundred needs.
/// Only those first groups are in order; the others follow in no particular order.
pub fn explain_groups_with(
    table: &FlowTable,
    sel: &Selection,
    index: &RuleIndex,
    accepted: bool,
    sentences: usize,
) -> Vec<ExplainRow> {
    let want = action_of(accepted);
    let groups = ordered_groups(
        flow_group_parts(table, sel),
        |g| &*g.action == want,
        sentences,
    );
    explain_rows(groups, index, accepted, sentences)
}

/// The action whose flows are explained.
fn action_of(accepted: bool) -> &'static str {
    if accepted { "ACCEPT" } else { "REJECT" }
}

/// [`explain_groups_with`] for groups already made (most flows first), so one grouping serves
/// the explanations and the rule usage (the report).
pub fn explain_rows(
    groups: Vec<FlowGroup>,
    index: &RuleIndex,
    accepted: bool,
    sentences: usize,
) -> Vec<ExplainRow> {
    let want = action_of(accepted);
    let snapshot = index.inventory.snapshot_time();
    let mut groups = groups;
    groups.retain(|g| &*g.action == want);
    // Groups are independent: evaluated in slices on the worker threads, kept in order. The
    // slices own their groups (split off from the back, so each split copies only itself), so a
    // row takes its group without a copy.
    let mut slices = Vec::new();
    while !groups.is_empty() {
        let at = (groups.len() - 1) / PAR_SLICE * PAR_SLICE;
        slices.push(groups.split_off(at));
    }
    slices.reverse();
    let rows = par_map_owned(slices, "flowlens-explain", |k, slice| {
        slice
            .into_iter()
            .enumerate()
            .map(|(i, group)| ExplainRow {
                explanation: if k * PAR_SLICE + i < sentences {
                    explain(index, &group.flow, !accepted, Some(group.first), snapshot)
                } else {
                    let (verdict, rule) = verdict(index, &group.flow, !accepted);
                    Explanation {
                        verdict,
                        rule,
                        reason: String::new(),
                    }
                },
                group,
            })
            .collect::<Vec<_>>()
    });
    let mut out = Vec::with_capacity(rows.iter().map(Vec::len).sum());
    for r in rows {
        out.extend(r);
    }
    out
}

/// Explains one flow that was REJECTed (`rejected`) or ACCEPTed.
pub fn explain(
    index: &RuleIndex,
    flow: &Flow,
    rejected: bool,
    flow_time: Option<u64>,
    snapshot: Option<u64>,
) -> Explanation {
    let ev = match index.evaluate(flow) {
        Ok(ev) => ev,
        Err(reason) => {
            return Explanation {
                verdict: Verdict::NoContext,
                rule: String::new(),
                reason: format!("Cannot tell: {reason}."),
            };
        }
    };
    let what = describe_flow(flow, &ev);
    let first = match denial(&ev, flow) {
        Some(Denial::Acl(a)) => Some(acl_sentence(a, &what)),
        Some(Denial::Sg(s)) => Some(sg_sentence(index, s, &ev, &what)),
        None => None,
    };
    match (rejected, first) {
        (true, Some(e)) => e,
        (false, Some(mut e)) => {
            e.verdict = Verdict::DeniedNow;
            e.reason = format!(
                "Today's rules would deny this ACCEPTed flow, {}: {}",
                changed(flow_time, snapshot),
                lowercase_first(&e.reason)
            );
            e
        }
        (true, None) => {
            let (rule, admitted) = admitting(&ev, flow);
            Explanation {
                verdict: Verdict::AllowedNow,
                rule,
                reason: format!(
                    "Today's rules allow {what} ({admitted}), {}, or the path crossed something \
                     not modelled here (Network Firewall, a peering or transit gateway route, \
                     Block Public Access).",
                    changed(flow_time, snapshot)
                ),
            }
        }
        (false, None) => {
            let (rule, admitted) = admitting(&ev, flow);
            Explanation {
                verdict: Verdict::Allowed,
                rule,
                reason: format!("Allowed: {what} by {admitted}."),
            }
        }
    }
}

/// What denies a flow first, if anything does.
enum Denial<'e, 'a> {
    Acl(&'e AclDecision<'a>),
    Sg(&'e SgDecision<'a>),
}

fn denial<'e, 'a>(ev: &'e Evaluation<'a>, flow: &Flow) -> Option<Denial<'e, 'a>> {
    let acl_deny = ev.acl.as_ref().filter(|a| !a.allow);
    // A flow that looks like the reply to a request the groups allowed passes them (they are
    // stateful); otherwise a rule must allow it in its own direction.
    let sg_deny = ev
        .sg
        .as_ref()
        .filter(|s| s.allowed_by.is_none() && !s.is_reply(flow));
    // Inbound traffic meets the subnet's ACL before the interface's groups; outbound the other way.
    match (ev.way, acl_deny, sg_deny) {
        (_, Some(a), None) | (Way::Inbound, Some(a), Some(_)) => Some(Denial::Acl(a)),
        (_, None, Some(s)) | (Way::Outbound, Some(_), Some(s)) => Some(Denial::Sg(s)),
        (_, None, None) => None,
    }
}

/// The verdict and the deciding rule of [`explain`], without the sentence (for the groups no one
/// will read one by one: counts by verdict over millions of groups).
pub fn verdict(index: &RuleIndex, flow: &Flow, rejected: bool) -> (Verdict, String) {
    let Ok(ev) = index.evaluate(flow) else {
        return (Verdict::NoContext, String::new());
    };
    match (denial(&ev, flow), rejected) {
        (Some(Denial::Acl(a)), r) => (
            if r {
                Verdict::NaclDeny
            } else {
                Verdict::DeniedNow
            },
            format!("{}#{}", a.acl, a.entry.as_ref().map_or(32767, |e| e.number)),
        ),
        (Some(Denial::Sg(s)), r) => (
            if r {
                Verdict::NoSgAllow
            } else {
                Verdict::DeniedNow
            },
            s.group_ids(),
        ),
        (None, r) => (
            if r {
                Verdict::AllowedNow
            } else {
                Verdict::Allowed
            },
            admitting_rule(&ev, flow),
        ),
    }
}

/// "so the rules may have changed between the flow (…) and the snapshot (…)".
fn changed(flow_time: Option<u64>, snapshot: Option<u64>) -> String {
    match (flow_time.filter(|t| *t > 0), snapshot) {
        (Some(f), Some(s)) => format!(
            "so the rules may have changed between the flow ({} UTC) and the snapshot ({} UTC)",
            format_epoch(f),
            format_epoch(s)
        ),
        _ => "so the rules may have changed since the flow".into(),
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// "inbound TCP 3389 from 45.1.2.3 to eni-… (10.0.4.7)".
fn describe_flow(flow: &Flow, ev: &Evaluation) -> String {
    let port = match flow.protocol {
        6 | 17 | 132 => format!(" {}", flow.dstport),
        _ => String::new(),
    };
    match ev.way {
        Way::Inbound => format!(
            "inbound {}{port} from {} to {} on {}",
            proto_name(flow.protocol),
            flow.src,
            flow.dst,
            flow.interface
        ),
        Way::Outbound => format!(
            "outbound {}{port} from {} to {} on {}",
            proto_name(flow.protocol),
            flow.src,
            flow.dst,
            flow.interface
        ),
    }
}

fn acl_sentence(a: &AclDecision, what: &str) -> Explanation {
    match &a.entry {
        Some(e) if e.number < 32767 => Explanation {
            verdict: Verdict::NaclDeny,
            rule: format!("{}#{}", a.acl, e.number),
            reason: format!(
                "Network ACL {} denies {what}: rule {} is the first entry that matches (ACLs are \
                 stateless and read lowest number first).",
                a.acl,
                acl_entry_text(e)
            ),
        },
        _ => Explanation {
            verdict: Verdict::NaclDeny,
            rule: format!("{}#{}", a.acl, a.entry.as_ref().map_or(32767, |e| e.number)),
            reason: format!(
                "Network ACL {} denies {what}: no numbered entry matches it, so the final `*` \
                 entry denies it (ACLs are stateless: a reply needs its own entry).",
                a.acl
            ),
        },
    }
}

fn groups_text(index: &RuleIndex, groups: &[(String, String)]) -> String {
    groups
        .iter()
        .map(|(g, _)| match index.group_name(g) {
            Some(n) => format!("{g} ({n})"),
            None => g.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn sg_sentence(index: &RuleIndex, s: &SgDecision, ev: &Evaluation, what: &str) -> Explanation {
    let closest = match &s.closest {
        Some((id, r)) => format!(
            "; the closest is {} ({})",
            id.text(),
            sg_rule_text(r, ev.way == Way::Outbound)
        ),
        None => "; the groups have no rule in that direction".into(),
    };
    let missing: Vec<&String> = s
        .groups
        .iter()
        .map(|(g, _)| g)
        .filter(|g| {
            index.group_name(g).is_none() && !index.inventory.groups.iter().any(|x| &x.id == *g)
        })
        .collect();
    let missing = if missing.is_empty() {
        String::new()
    } else {
        format!(
            " ({} not in the context files)",
            missing
                .iter()
                .map(|g| g.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Explanation {
        verdict: Verdict::NoSgAllow,
        rule: s.group_ids(),
        reason: format!(
            "No {} rule of {}{missing} allows {what}{closest}.",
            ev.way.name(),
            groups_text(index, s.groups)
        ),
    }
}

/// The id of the rule [`admitting`] names, without its sentence.
fn admitting_rule(ev: &Evaluation, flow: &Flow) -> String {
    let sg = ev.sg.as_ref().and_then(|s| {
        s.reply_to
            .as_ref()
            .filter(|_| s.is_reply(flow))
            .or(s.allowed_by.as_ref())
            .map(|(id, _)| id.text())
    });
    let acl = || {
        ev.acl
            .as_ref()
            .and_then(|a| a.entry.as_ref().map(|e| format!("{}#{}", a.acl, e.number)))
    };
    sg.or_else(acl).unwrap_or_default()
}

/// The rule that admitted a flow (its id) and the sentence part naming every deciding rule.
fn admitting(ev: &Evaluation, flow: &Flow) -> (String, String) {
    let mut parts = Vec::new();
    let mut rule = String::new();
    match (&ev.acl, &ev.acl_note) {
        (Some(a), _) => {
            if let Some(e) = &a.entry {
                parts.push(format!("network ACL {} rule {}", a.acl, acl_entry_text(e)));
                rule = format!("{}#{}", a.acl, e.number);
            }
        }
        (None, Some(note)) => parts.push(note.to_string()),
        (None, None) => {}
    }
    match &ev.sg {
        Some(s) => {
            if let Some((id, r)) = s.reply_to.as_ref().filter(|_| s.is_reply(flow)) {
                parts.push(format!(
                    "the reply to a request that security group rule {} allowed ({}; groups are \
                     stateful)",
                    id.text(),
                    sg_rule_text(r, ev.way == Way::Inbound)
                ));
                rule = id.text();
            } else if let Some((id, r)) = &s.allowed_by {
                let guess = if s.icmp_guess {
                    " if the ICMP type matched (flow logs do not record it)"
                } else {
                    ""
                };
                parts.push(format!(
                    "security group rule {} ({}){guess}",
                    id.text(),
                    sg_rule_text(r, ev.way == Way::Outbound)
                ));
                rule = id.text();
            }
        }
        None if ev.acl.is_none() && ev.acl_note.is_some() => {}
        None => parts.push("no security groups on the interface (a NAT gateway has none)".into()),
    }
    (rule, parts.join(" and "))
}
