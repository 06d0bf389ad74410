//! The context's questions, on worker threads: "Why rejected?" (the flows explained from the
//! security groups and network ACLs) and the rule usage of the Rules tab.

use std::net::IpAddr;
use std::sync::Arc;

use eframe::egui;
use rustc_hash::{FxHashMap, FxHashSet};

use super::FlowApp;
use super::job::Job;
use crate::fmt::human_count;
use crate::query::filter::Filter;
use crate::query::group::group_by_labels;
use crate::query::labels::ip_key;
use crate::query::rules::{
    ExplainRow, RuleIndex, RuleUsage, Verdict, explain_groups_with, rule_usage, verdict_counts,
};
use crate::query::select;
use crate::state::{NamedTalkers, TalkersGroup, TalkersTab, Why, WhyRow};

/// What a context job returns.
pub(super) enum ContextResult {
    /// The "Why rejected?" window's content.
    Why(Why),
    /// The Rules tab's rows, for a filter.
    Rules(Filter, Arc<Vec<RuleUsage>>),
    /// Talkers grouped by a label.
    Named(NamedTalkers),
}

/// Says where the rules come from when none are loaded.
const NO_RULES: &str = "No security groups or network ACLs are loaded. Drop (or open) the \
    JSON output of `aws ec2 describe-network-interfaces`, `describe-security-groups`, \
    `describe-network-acls` and `describe-subnets` together with the logs.";

/// The deciding rules with the most flows: "acl-…#91 (nacl_deny) · TCP 23 · 51 flows from 35
/// sources to 8 destinations".
fn by_rule(rows: &[ExplainRow]) -> Vec<String> {
    type Key<'a> = (&'a str, &'static str, u8, u16);
    let key = |r: &ExplainRow| {
        let (e, f) = (&r.explanation, &r.group.flow);
        (e.verdict.name(), f.protocol, f.dstport)
    };
    // Flows per (rule, verdict, protocol, port) first; the distinct ends only for the eight
    // shown (a set of addresses for every key over millions of groups took longer than the
    // explanations themselves: 4.1 s for every ACCEPT of 10M records).
    let mut flows: FxHashMap<Key<'_>, u64> = FxHashMap::default();
    for r in rows {
        let (verdict, proto, port) = key(r);
        *flows
            .entry((r.explanation.rule.as_str(), verdict, proto, port))
            .or_default() += r.group.flows;
    }
    let mut list: Vec<(Key<'_>, u64)> = flows.into_iter().collect();
    list.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list.truncate(8);
    let shown: FxHashMap<Key<'_>, usize> =
        list.iter().enumerate().map(|(i, (k, _))| (*k, i)).collect();
    let mut ends = vec![
        (
            FxHashSet::<IpAddr>::default(),
            FxHashSet::<IpAddr>::default()
        );
        list.len()
    ];
    for r in rows {
        let (verdict, proto, port) = key(r);
        if let Some(&i) = shown.get(&(r.explanation.rule.as_str(), verdict, proto, port))
            && let Some((src, dst)) = ends.get_mut(i)
        {
            src.insert(r.group.flow.src);
            dst.insert(r.group.flow.dst);
        }
    }
    list.iter()
        .zip(&ends)
        .map(|(((rule, verdict, proto, port), flows), (src, dst))| {
            let rule = if rule.is_empty() { "no rule" } else { rule };
            let port = if matches!(proto, 6 | 17) {
                format!(" {port}")
            } else {
                String::new()
            };
            format!(
                "  {rule} ({verdict}) · {}{port} · {} flows from {} sources to {} destinations",
                crate::query::rules::eval::proto_name(*proto),
                human_count(*flows),
                human_count(src.len() as u64),
                human_count(dst.len() as u64)
            )
        })
        .collect()
}

impl FlowApp {
    /// The rule index of the loaded data, if its context has rules (built with its totals).
    fn rule_index(&self) -> Option<Arc<RuleIndex>> {
        self.state.loaded.as_ref()?.rules.clone()
    }

    /// Opens "Why rejected?" for the filter and `condition` (REJECTs, or ACCEPTs).
    pub(super) fn explain(&mut self, ctx: &egui::Context, condition: Filter, accepted: bool) {
        let (Some(loaded), Some(index)) = (&self.state.loaded, self.rule_index()) else {
            self.state.notifications.push(NO_RULES.into());
            return;
        };
        let action = if accepted { "ACCEPT" } else { "REJECT" };
        let asked = self.state.filter.clone().and(condition);
        let title = if asked == Filter::All {
            format!("{action} flows")
        } else {
            format!("{action} flows where {asked}")
        };
        let filter = asked.and(Filter::Str {
            field: "action".into(),
            values: vec![action.into()],
        });
        self.state.why = Some(Why {
            title: title.clone(),
            pending: true,
            ..Why::default()
        });
        let (table, qctx) = (loaded.table.clone(), self.state.query_context.clone());
        let labels = loaded.labels.clone();
        let job = Job::spawn("flowlens-explain", ctx, move || {
            let sel = select(&table, &filter, &qctx).map_err(|e| e.to_string())?;
            let rows = explain_groups_with(&table, &sel, &index, accepted, Why::MAX_ROWS);
            let name = |ip: std::net::IpAddr| {
                labels
                    .as_ref()
                    .and_then(|l| l.addr_label(ip_key(ip)).map(|n| format!("{ip} ({n})")))
                    .unwrap_or_else(|| ip.to_string())
            };
            let mut summary: Vec<String> = verdict_counts(&rows, &Verdict::ALL)
                .into_iter()
                .filter(|(_, _, groups)| *groups > 0)
                .map(|(v, flows, groups)| {
                    format!(
                        "{}: {} flows in {} groups",
                        v.name(),
                        human_count(flows),
                        human_count(groups as u64)
                    )
                })
                .collect();
            summary.push("By deciding rule:".into());
            summary.extend(by_rule(&rows));
            let shown = rows
                .iter()
                .take(Why::MAX_ROWS)
                .map(|r| {
                    let f = &r.group.flow;
                    WhyRow {
                        verdict: r.explanation.verdict.name().to_owned(),
                        flows: r.group.flows,
                        flow: format!(
                            "{} → {} {} {} on {}",
                            name(f.src),
                            name(f.dst),
                            crate::query::rules::eval::proto_name(f.protocol),
                            f.dstport,
                            f.interface
                        ),
                        rule: r.explanation.rule.clone(),
                        reason: r.explanation.reason.clone(),
                    }
                })
                .collect();
            Ok(ContextResult::Why(Why {
                title,
                summary,
                groups: rows.len(),
                rows: shown,
                pending: false,
            }))
        });
        self.start_context_job(job);
    }

    /// Computes the Rules tab's rows for the shown filter, if the tab shows and they are not
    /// already there.
    pub(super) fn want_rules(&mut self, ctx: &egui::Context) {
        if self.state.talkers_tab != TalkersTab::Rules || self.context_job.is_some() {
            return;
        }
        let Some(shown) = self.state.shown.clone() else {
            return;
        };
        if self
            .state
            .rules
            .as_ref()
            .is_some_and(|(f, _)| *f == shown.filter)
        {
            return;
        }
        let Some(loaded) = &self.state.loaded else {
            return;
        };
        let Some(index) = self.rule_index() else {
            self.state.rules = Some((shown.filter.clone(), Arc::new(Vec::new())));
            return;
        };
        let table = loaded.table.clone();
        let job = Job::spawn("flowlens-rules", ctx, move || {
            let usage = rule_usage(&table, &shown.selection, &index);
            Ok(ContextResult::Rules(shown.filter.clone(), Arc::new(usage)))
        });
        self.start_context_job(job);
    }

    /// Groups the Sources or Destinations tab by a label, if asked and not already there.
    pub(super) fn want_named_talkers(&mut self, ctx: &egui::Context) {
        let tab = self.state.talkers_tab;
        let group = self.state.talkers_group;
        if group == TalkersGroup::Address
            || !matches!(tab, TalkersTab::Sources | TalkersTab::Destinations)
            || self.context_job.is_some()
        {
            return;
        }
        let Some(shown) = self.state.shown.clone() else {
            return;
        };
        let metric = shown.options.metric;
        let key = (shown.filter.clone(), tab, group, metric);
        if self
            .state
            .named_talkers
            .as_ref()
            .is_some_and(|n| n.key == key)
        {
            return;
        }
        let Some(loaded) = &self.state.loaded else {
            return;
        };
        let Some(labels) = loaded.labels.clone() else {
            self.state.talkers_group = TalkersGroup::Address;
            return;
        };
        let side = if tab == TalkersTab::Sources {
            "src"
        } else {
            "dst"
        };
        let field = match group {
            TalkersGroup::Service => format!("{side}_service"),
            _ => format!("{side}_resource"),
        };
        let (table, top) = (loaded.table.clone(), shown.options.top_n.max(1));
        let job = Job::spawn("flowlens-named", ctx, move || {
            let fields = [field.clone()];
            let (_, groups) = group_by_labels(
                &table,
                &shown.selection,
                &fields,
                metric,
                top,
                Some(&labels),
            )
            .map_err(|e| e.to_string())?;
            Ok(ContextResult::Named(NamedTalkers { key, field, groups }))
        });
        self.start_context_job(job);
    }

    fn start_context_job(&mut self, job: Result<Job<Result<ContextResult, String>>, String>) {
        match job {
            Ok(job) => self.context_job = Some(job),
            Err(e) => self.state.notifications.push(e),
        }
    }

    /// A finished context job.
    pub(super) fn poll_context(&mut self) {
        let Some(result) = self.context_job.as_mut().and_then(Job::poll) else {
            return;
        };
        self.context_job = None;
        match result {
            Ok(Ok(ContextResult::Why(why))) => {
                // Only if the window is still open and for the same question.
                if self
                    .state
                    .why
                    .as_ref()
                    .is_some_and(|w| w.title == why.title)
                {
                    self.state.why = Some(why);
                }
            }
            Ok(Ok(ContextResult::Rules(filter, usage))) => self.state.rules = Some((filter, usage)),
            Ok(Ok(ContextResult::Named(named))) => self.state.named_talkers = Some(named),
            Ok(Err(e)) | Err(e) => {
                self.state.why = None;
                self.state
                    .notifications
                    .push(format!("Explaining failed: {e}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::query::rules::{Explanation, Flow, FlowGroup};

    /// What `by_rule` gave when every key kept its sets of addresses (the reference).
    fn by_rule_with_every_set(rows: &[ExplainRow]) -> Vec<(String, u64, usize, usize)> {
        type Sets = (u64, BTreeSet<IpAddr>, BTreeSet<IpAddr>);
        let mut groups: BTreeMap<(&str, &str, u8, u16), Sets> = BTreeMap::new();
        for r in rows {
            let (f, e) = (&r.group.flow, &r.explanation);
            let g = groups
                .entry((e.rule.as_str(), e.verdict.name(), f.protocol, f.dstport))
                .or_default();
            g.0 += r.group.flows;
            g.1.insert(f.src);
            g.2.insert(f.dst);
        }
        let mut list: Vec<_> = groups.into_iter().collect();
        list.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
        list.into_iter()
            .take(8)
            .map(|(k, (flows, src, dst))| (k.0.to_owned(), flows, src.len(), dst.len()))
            .collect()
    }

    #[test]
    fn deciding_rules_are_counted_as_with_a_set_per_rule() {
        let mut next = crate::model::xorshift(0x6a09_e667_f3bc_c908);
        let rules = ["acl-1#100", "acl-1#32767", "sg-1#in0", "sg-2#out1", ""];
        let verdicts = [Verdict::Allowed, Verdict::NaclDeny, Verdict::NoSgAllow];
        let rows: Vec<ExplainRow> = (0..20_000)
            .map(|_| {
                let r = next();
                let pick = |shift: u32, n: u64| ((r >> shift) % n) as usize;
                ExplainRow {
                    group: FlowGroup {
                        flow: Flow {
                            src: IpAddr::from([10, 0, 0, pick(0, 30) as u8]),
                            dst: IpAddr::from([10, 1, 0, pick(8, 12) as u8]),
                            srcport: 40000,
                            dstport: [22, 443, 8080, 0][pick(16, 4)],
                            protocol: [6, 17, 1][pick(20, 3)],
                            interface: "eni-a".into(),
                        },
                        action: "ACCEPT".into(),
                        // Ties in flows, so the order by key is tested too.
                        flows: 1 + (r >> 24) % 3,
                        packets: 1,
                        bytes: 1,
                        first: 0,
                    },
                    explanation: Explanation {
                        verdict: verdicts[pick(28, 3)],
                        rule: rules[pick(32, 5)].to_owned(),
                        reason: String::new(),
                    },
                }
            })
            .collect();
        let want: Vec<String> = by_rule_with_every_set(&rows)
            .into_iter()
            .map(|(rule, flows, src, dst)| {
                let rule = if rule.is_empty() {
                    "no rule".to_owned()
                } else {
                    rule
                };
                format!(
                    "{rule} {} flows from {} sources to {} destinations",
                    human_count(flows),
                    human_count(src as u64),
                    human_count(dst as u64)
                )
            })
            .collect();
        let got: Vec<String> = by_rule(&rows)
            .iter()
            .map(|l| {
                let (rule, rest) = l.trim().split_once(" (").unwrap();
                let counts = rest.rsplit(" · ").next().unwrap();
                format!("{rule} {counts}")
            })
            .collect();
        assert_eq!(got.len(), 8);
        assert_eq!(got, want);
    }
}
