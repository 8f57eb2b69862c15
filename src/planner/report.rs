//! A plan in words and tables: the recommendation and why, what each lever
//! buys per dollar, what a caveat's waiver saves.

use super::{Op, Phase, Plan, Row, wilson};
use crate::experiment::table::num;
use crate::outputs::files::csv_field;
use std::fmt::Write as _;

/// US$ as a reader says it: `$1.23 M`, `$456 k`.
pub fn dollars(x: f64) -> String {
    let a = x.abs();
    let sign = if x < 0.0 { "-" } else { "" };
    if a >= 1e6 {
        format!("{sign}${:.2} M", a / 1e6)
    } else if a >= 1e3 {
        format!("{sign}${:.0} k", a / 1e3)
    } else {
        format!("{sign}${a:.0}")
    }
}

/// A candidate's levers in words.
pub fn describe(plan: &Plan, genes: &[usize]) -> String {
    plan.levers
        .levers
        .iter()
        .zip(genes)
        .map(|(l, &g)| format!("{} = {}", l.name, l.values[g].trim_matches('"')))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One step of one lever from the centre of the neighbour phase.
#[derive(Debug, Clone)]
pub struct Step {
    pub lever: usize,
    pub from: usize,
    pub to: usize,
    pub cost_change: f64,
    /// Change of the first target's metric (mean over worlds).
    pub metric_change: f64,
    /// Protection per US$1 M: the first target's metric moved in its good
    /// direction per million dollars a year more (for a step that costs more),
    /// or lost per million saved (for a step that saves).
    pub per_million: f64,
    pub feasible: bool,
}

/// The steps around the recommendation (the neighbour phase).
pub fn steps(plan: &Plan) -> Vec<Step> {
    // The last round: the steps around the final recommendation.
    let last = plan
        .rows
        .iter()
        .filter(|r| r.phase == Phase::Neighbour)
        .map(|r| r.generation)
        .max();
    let n: Vec<&Row> = plan
        .rows
        .iter()
        .filter(|r| r.phase == Phase::Neighbour && Some(r.generation) == last)
        .collect();
    let Some(centre) = n.first() else {
        return Vec::new();
    };
    let sign = match plan.targets[0].op {
        Op::AtMost => -1.0,
        Op::AtLeast => 1.0,
    };
    n[1..]
        .iter()
        .filter_map(|r| {
            let j = (0..r.genes.len()).find(|&j| r.genes[j] != centre.genes[j])?;
            let dc = r.eval.cost - centre.eval.cost;
            let dm = r.eval.targets[0].mean - centre.eval.targets[0].mean;
            Some(Step {
                lever: j,
                from: centre.genes[j],
                to: r.genes[j],
                cost_change: dc,
                metric_change: dm,
                per_million: if dc.abs() > 1e-9 {
                    sign * dm / (dc / 1e6)
                } else {
                    f64::NAN
                },
                feasible: r.eval.feasible(plan.confidence),
            })
        })
        .collect()
}

/// `levers.csv`: each lever one step from the recommendation.
pub fn levers_csv(plan: &Plan) -> String {
    let metric = &plan.targets[0].metric;
    let mut s = format!(
        "lever,path,from,to,cost_change_usd_per_year,{}.change,protection_per_million_usd,feasible\n",
        csv_field(metric)
    );
    for st in steps(plan) {
        let l = &plan.levers.levers[st.lever];
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{}",
            csv_field(&l.name),
            csv_field(&l.path),
            csv_field(l.values[st.from].trim_matches('"')),
            csv_field(l.values[st.to].trim_matches('"')),
            num(st.cost_change),
            num(st.metric_change),
            num(st.per_million),
            st.feasible
        );
    }
    s
}

/// A yes/no lever's value in words: a caveat is kept or waived.
pub fn yes_no(path: &str, v: &str) -> String {
    if path.contains(".caveats.") {
        if v == "true" { "kept" } else { "waived" }.to_string()
    } else {
        v.to_string()
    }
}

/// For each yes/no lever (a caveat): the cheapest deployment confirmed (on
/// fresh replications) to meet the targets with each value, and what the
/// change saves in forces.
pub fn waiver_savings(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    for (j, l) in plan.levers.levers.iter().enumerate() {
        if !l.is_yes_no() {
            continue;
        }
        let word = |g: usize| yes_no(&l.path, &l.values[g]);
        let cheapest = |v: usize, phase: Phase| {
            plan.rows
                .iter()
                .filter(|r| r.phase == phase && r.genes[j] == v && r.eval.feasible(plan.confidence))
                .min_by(|a, b| a.eval.cost.total_cmp(&b.eval.cost))
        };
        let (Some(a), Some(b)) = (cheapest(0, Phase::Confirm), cheapest(1, Phase::Confirm)) else {
            let missing = if cheapest(0, Phase::Confirm).is_none() {
                0
            } else {
                1
            };
            let estimate = match cheapest(missing, Phase::Search) {
                Some(r) => format!(
                    "; the search's cheapest estimate with it {} was {} ({}), which did not hold on fresh replications",
                    word(missing),
                    dollars(r.eval.cost),
                    describe(plan, &r.genes)
                ),
                None => format!("; the search found none with it {}", word(missing)),
            };
            out.push(format!(
                "{} {}: no deployment with it {} was confirmed to meet the targets{estimate}, so no saving can be stated.",
                l.name,
                word(1 - missing),
                word(missing)
            ));
            continue;
        };
        let (dear, cheap) = if a.eval.cost >= b.eval.cost {
            (a, b)
        } else {
            (b, a)
        };
        let others_same = (0..dear.genes.len()).all(|k| k == j || dear.genes[k] == cheap.genes[k]);
        let own = l.extra_usd[cheap.genes[j]] - l.extra_usd[dear.genes[j]];
        let forces = (dear.eval.cost - l.extra_usd[dear.genes[j]])
            - (cheap.eval.cost - l.extra_usd[cheap.genes[j]]);
        if others_same {
            out.push(format!(
                "{}: the same forces ({}) meet the targets with it {} or {}; the change buys no saving in forces, and costs {} a year of its own (both confirmed on {} fresh replications per world).",
                l.name,
                describe(plan, &cheap.genes),
                word(0),
                word(1),
                dollars(own.abs()),
                plan.confirm_runs
            ));
            continue;
        }
        out.push(format!(
            "{} {}: the cheapest deployment confirmed to meet the targets costs {} a year ({}). {} {}: {} ({}). {} saves {} a year of forces, {} a year net of its own cost of {} (both confirmed on {} fresh replications per world; the cheapest confirmed with each choice among the candidates the search found, not proven the cheapest there is).",
            l.name,
            word(dear.genes[j]),
            dollars(dear.eval.cost),
            describe(plan, &dear.genes),
            l.name,
            word(cheap.genes[j]),
            dollars(cheap.eval.cost),
            describe(plan, &cheap.genes),
            capital(&format!("{} {}", l.name, word(cheap.genes[j]))),
            dollars(forces),
            dollars(dear.eval.cost - cheap.eval.cost),
            dollars(own),
            plan.confirm_runs
        ));
    }
    out
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `recommendation.md`.
pub fn recommendation(plan: &Plan) -> String {
    let mut s = String::from("# Recommended deployment\n\n");
    let targets: Vec<String> = plan
        .targets
        .iter()
        .map(|t| format!("`{}`", t.text()))
        .collect();
    let worlds = if plan.worlds == 1 {
        "the scenario as it stands (one world)".to_string()
    } else {
        format!("{} plausible worlds", plan.worlds)
    };
    let _ = writeln!(
        s,
        "Targets: {}, each met in at least {:.0}% of {worlds}.\n",
        targets.join(", "),
        plan.confidence * 100.0
    );
    match plan.recommended {
        Some(i) => {
            let r = &plan.rows[i];
            let _ = writeln!(
                s,
                "**{}**: {} a year.\n",
                describe(plan, &r.genes),
                dollars(r.eval.cost)
            );
            for (t, e) in plan.targets.iter().zip(&r.eval.targets) {
                let (lo, hi) = wilson(e.met_share, plan.worlds);
                let _ = writeln!(
                    s,
                    "- `{}`: mean {} over the worlds (10-90%: {} to {}); met in {:.0}% of them (90% interval {:.0}-{:.0}%), on {} fresh replications per world.",
                    t.text(),
                    sig(e.mean),
                    sig(e.p10),
                    sig(e.p90),
                    e.met_share * 100.0,
                    lo * 100.0,
                    hi * 100.0,
                    plan.confirm_runs
                );
            }
            // The binding target: the smallest margin of met share.
            if let Some((t, e)) = plan.targets.iter().zip(&r.eval.targets).min_by(|a, b| {
                a.1.met_share
                    .total_cmp(&b.1.met_share)
                    .then(margin(a.0, a.1).total_cmp(&margin(b.0, b.1)))
            }) {
                let _ = writeln!(
                    s,
                    "\nThe binding target is `{}`: met in {:.0}% of the worlds against {:.0}% required, its mean {} against {}.",
                    t.text(),
                    e.met_share * 100.0,
                    plan.confidence * 100.0,
                    sig(e.mean),
                    num(t.value)
                );
            }
        }
        None => {
            let searched = plan
                .rows
                .iter()
                .filter(|r| r.phase == Phase::Search)
                .count();
            let met = plan
                .rows
                .iter()
                .filter(|r| r.phase == Phase::Search && r.eval.feasible(plan.confidence))
                .count();
            let why = if met == 0 {
                format!("none of the {searched} candidates the search evaluated met them")
            } else {
                format!(
                    "{met} of the {searched} candidates met them in the search, but none of the cheapest held on fresh replications"
                )
            };
            let _ = writeln!(
                s,
                "**No deployment was confirmed to meet every target**: {why}. Widen the levers, relax a target or the confidence, give a larger budget, or more `--runs` (the search's estimates rest on {} replications per world).\n",
                plan.runs
            );
            if let Some(k) = super::closest(&plan.rows, plan.confidence) {
                let b = &plan.rows[k];
                let shares: Vec<String> = plan
                    .targets
                    .iter()
                    .zip(&b.eval.targets)
                    .map(|(t, e)| format!("`{}` in {:.0}%", t.text(), e.met_share * 100.0))
                    .collect();
                let _ = writeln!(
                    s,
                    "The closest in the search (an estimate on {} replications per world, not confirmed): {} ({} a year), met {} of the worlds. The steps below are from it.",
                    plan.runs,
                    describe(plan, &b.genes),
                    dollars(b.eval.cost),
                    shares.join(", ")
                );
            }
        }
    }
    let st = steps(plan);
    let best = st
        .iter()
        .filter(|x| x.cost_change > 0.0 && x.per_million.is_finite())
        .max_by(|a, b| a.per_million.total_cmp(&b.per_million));
    if let Some(b) = best {
        let l = &plan.levers.levers[b.lever];
        let _ = writeln!(
            s,
            "\nThe best buy one step from here: {} from {} to {}, {} a year more, moves `{}` over the scenario's {} days by {} ({} per $1 M a year).",
            l.name,
            l.values[b.from].trim_matches('"'),
            l.values[b.to].trim_matches('"'),
            dollars(b.cost_change),
            plan.targets[0].metric,
            plan.horizon_days,
            sig(b.metric_change),
            sig(b.per_million)
        );
    }
    let w = waiver_savings(plan);
    if !w.is_empty() {
        s.push_str("\n## What a caveat's waiver saves\n\n");
        for x in w {
            let _ = writeln!(s, "- {x}");
        }
    }
    s.push_str("\n## Method\n\n");
    let _ = writeln!(
        s,
        "NSGA-II (constrained domination: meeting the targets first, then cost against the mean of `{}`) assisted by an additive model of the levers' effects, refitted each generation to every evaluation, which proposes two thirds of each generation from its predicted front; the rest of the budget (a third, or more if the evolution stalled) refined the front with the model's predictions and the untried one-step neighbours of its members (in turn, those that could lower the answer, cheapest first, and those the model predicts would improve the front); population {}, {} generations, {} distinct candidates of {} the levers allow; stopped because {}. Each candidate ran {} replications in each world, the same for every candidate (common random numbers) and different from world to world. Ranking and selection: the candidates on the front that met the targets were re-run, cheapest first and a few at a time, with {} fresh replications per world, the same for each, until one still met every target. For each caveat, the cheapest candidates meeting the targets with it kept and with it waived were confirmed the same way, until one of each held. The cheapest confirmed candidate was kept. Each lever was then moved one step from it; a cheaper step that met the targets was confirmed the same way and, if it held, kept instead, until no cheaper step did ({} confirmations in all).",
        plan.targets[0].metric,
        plan.settings.population,
        plan.generations,
        plan.rows
            .iter()
            .filter(|r| r.phase == Phase::Search)
            .count(),
        plan.space,
        plan.stop.words(&plan.settings),
        plan.runs,
        plan.confirm_runs,
        plan.rows
            .iter()
            .filter(|r| r.phase == Phase::Confirm)
            .count()
    );
    s
}

/// Distance of a target's mean from its threshold, in its good direction.
fn margin(t: &super::Target, e: &super::TargetEval) -> f64 {
    match t.op {
        Op::AtMost => t.value - e.mean,
        Op::AtLeast => e.mean - t.value,
    }
}

fn sig(x: f64) -> String {
    crate::experiment::table::significant(x, 3)
}
