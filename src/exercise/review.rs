//! The after-action review: what the team's choices did, told apart from luck.
//!
//! The team's session is replayed exactly from its log. The same seed played by
//! the shipped doctrine shows the same luck with different judgement; doctrine
//! over many seeds shows how hard the team's draw was (its percentile); and each
//! of the team's decisions replaced in turn by doctrine's choice shows which
//! decisions mattered most.

use super::{
    Choice, DoctrineWithInjects, ExerciseLog, Replay, Session, Stop, Trainee, doctrine_choice, play,
};
use crate::engine::{RunOptions, run};
use crate::error::Error;
use crate::metrics::Summary;
use crate::model::Model;
use crate::outputs::report::esc;
use crate::policy::Doctrine;
use crate::rng::Seed;
use crate::scenario::LoadedScenario;
use rayon::prelude::*;
use std::fmt::Write as _;

/// A replay in which one decision (by its index in the log) is taken by
/// doctrine instead of the team; the team's later choices apply where their
/// moments still come.
struct Swapped {
    inner: Replay,
    swap: usize,
    /// Doctrine's choice at the swapped decision, once reached.
    alt: Option<Choice>,
}

impl Trainee for Swapped {
    fn choose(&mut self, session: &Session, problem: Option<&str>) -> Option<Choice> {
        let before = self.inner.next_index();
        let c = self.inner.choose(session, problem)?;
        if before == self.swap && self.inner.next_index() == self.swap + 1 {
            let d = doctrine_choice(session.model, session.situation()?);
            self.alt = Some(d.clone());
            return Some(d);
        }
        Some(c)
    }

    fn between(&mut self, session: &Session, stop: Stop, problem: Option<&str>) -> Option<Choice> {
        self.inner.between(session, stop, problem)
    }

    fn next_stop(&self, after_h: f64) -> f64 {
        self.inner.next_stop(after_h)
    }
}

/// Doctrine's outcome for a seed, with the team's trainer injects if it had any.
fn doctrine_summary(
    log: &ExerciseLog,
    loaded: &LoadedScenario,
    model: &Model,
    seed: Seed,
) -> Summary {
    if log
        .decisions
        .iter()
        .any(|d| matches!(d.choice, Choice::Inject { .. }))
    {
        let mut d = DoctrineWithInjects::new(log);
        play(loaded, model, seed, "doctrine", &mut d).1.summary
    } else {
        run(model, seed, &mut Doctrine::default(), RunOptions::default()).summary
    }
}

/// One decision and what replacing it by doctrine's would have changed.
pub struct Counterfactual {
    pub index: usize,
    pub time_h: f64,
    pub what: String,
    pub doctrine: String,
    /// Civilians harmed with doctrine's choice minus with the team's (positive: the team did better).
    pub harm_saved: f64,
}

/// Everything the review shows.
pub struct Review {
    pub team: Summary,
    /// What became of each logged decision's incident in the team's session
    /// (aligned with the log's decisions; empty between decisions).
    pub outcomes: Vec<String>,
    pub doctrine_same_seed: Summary,
    /// Civilians harmed under doctrine over many seeds, sorted.
    pub doctrine_harm: Vec<f64>,
    /// Share of those seeds with less doctrine harm than this seed's (how hard the draw was).
    pub draw_percentile: f64,
    pub top: Vec<Counterfactual>,
    pub log: ExerciseLog,
    /// What came of the team's orders besides incidents (escorts, patrol
    /// plans, dialogues, alerts, support to host police), as feed lines.
    pub orders_came_to: Vec<String>,
    /// The scenario's injects (messages and expected reactions).
    pub injects: Vec<crate::scenario::Inject>,
}

fn at(site: &str) -> String {
    if site.is_empty() {
        String::new()
    } else {
        format!(" to {site}")
    }
}

pub fn describe(c: &Choice) -> String {
    match c {
        Choice::Dispatch {
            unit,
            support,
            platoons,
        } => format!(
            "send {unit}{}{}",
            platoons.map_or(String::new(), |n| format!(
                " ({n} platoon{})",
                if n == 1 { "" } else { "s" }
            )),
            support
                .as_ref()
                .map_or(String::new(), |m| format!(" with {m} in support"))
        ),
        Choice::Waiver { unit } => format!("ask a waiver for {unit}"),
        Choice::Wait => "wait".into(),
        Choice::Decline => "leave unanswered".into(),
        Choice::HostSupport { site, supported } => format!(
            "{} support to host police at {site}",
            if *supported { "resume" } else { "suspend" }
        ),
        Choice::Escort {
            approve: false,
            site,
            ..
        } => format!("refuse the escort{}", at(site)),
        Choice::Escort {
            approve: true,
            unit,
            site,
            ..
        } => format!(
            "approve the escort{} with {}",
            at(site),
            unit.as_deref()
                .unwrap_or("the unit standard procedure picks")
        ),
        Choice::PatrolPlan { sites, units } if sites.is_empty() => {
            let _ = units;
            "no patrols today".into()
        }
        Choice::PatrolPlan { sites, units } => format!(
            "patrol plan: {}{}",
            sites.join(", "),
            if units.is_empty() {
                String::new()
            } else {
                format!(" with {}", units.join(", "))
            }
        ),
        Choice::Dialogue { site, by } => format!(
            "dialogue at {site} through {}",
            by.as_deref().unwrap_or("the head of the police component")
        ),
        Choice::Alert { unit } => format!("alert {unit}"),
        Choice::Conditions { site } => {
            format!("support to host police at {site} on conditions")
        }
        Choice::Reply { to, text } => format!(
            "reply{}{}{text}",
            if to.is_empty() {
                String::new()
            } else {
                format!(" to {to}")
            },
            if text.is_empty() { "" } else { ": " }
        ),
        Choice::Inject { kind, site, text } => format!(
            "trainer inject: {} at {site}{}{text}",
            kind.replace('_', " "),
            if text.is_empty() { "" } else { ": " }
        ),
    }
}

/// Builds the review of a log over `runs` doctrine seeds.
pub fn review(
    log: &ExerciseLog,
    loaded: &LoadedScenario,
    model: &Model,
    runs: u64,
    file: &str,
) -> Result<Review, Error> {
    let seed = Seed::new(log.seed, log.replication);
    let mut replay = Replay::new(log, loaded, file)?;
    let (_, team) = play(loaded, model, seed, &log.team, &mut replay);
    replay.finished(file)?;
    let orders_came_to = order_results(model, &team.events);
    let resolved: std::collections::HashMap<usize, &str> = team
        .events
        .iter()
        .filter(|e| e.kind == crate::metrics::EventKind::Resolve)
        .filter_map(|e| Some((e.incident?, e.outcome.as_str())))
        .collect();
    let outcomes: Vec<String> = log
        .decisions
        .iter()
        .map(|d| {
            d.incident
                .and_then(|i| resolved.get(&i))
                .map_or_else(String::new, |o| o.replace('_', " "))
        })
        .collect();
    let doctrine_same_seed = doctrine_summary(log, loaded, model, seed);
    let mut doctrine_harm: Vec<f64> = (0..runs.max(1) as usize)
        .into_par_iter()
        .map(|r| {
            doctrine_summary(log, loaded, model, Seed::new(log.seed, r as u64)).civilians_harmed
                as f64
        })
        .collect();
    doctrine_harm.sort_by(f64::total_cmp);
    let own = doctrine_same_seed.civilians_harmed as f64;
    let draw_percentile =
        doctrine_harm.iter().filter(|&&h| h < own).count() as f64 / doctrine_harm.len() as f64;

    let team_harm = team.summary.civilians_harmed as f64;
    let mut cfs: Vec<Counterfactual> = log
        .decisions
        .par_iter()
        .enumerate()
        .filter(|(_, d)| {
            d.incident.is_some() && !d.choice.keeps_pending() && decided_by(log, d) == "team"
        })
        .filter_map(|(k, d)| {
            let mut swapped = Swapped {
                inner: Replay::new(log, loaded, file).ok()?.lenient(),
                swap: k,
                alt: None,
            };
            let (_, alt) = play(loaded, model, seed, &log.team, &mut swapped);
            let alt_choice = swapped.alt?;
            if alt_choice == d.choice {
                return None; // the team did what doctrine would have done
            }
            Some(Counterfactual {
                index: k,
                time_h: d.time_h,
                what: format!(
                    "{} at {}: {}",
                    d.kind.replace('_', " "),
                    d.site,
                    describe(&d.choice)
                ),
                doctrine: describe(&alt_choice),
                harm_saved: alt.summary.civilians_harmed as f64 - team_harm,
            })
        })
        .collect();
    // Orders besides incidents: what the session would have been without
    // each (standard procedure gives none of them).
    cfs.extend(
        log.decisions
            .par_iter()
            .enumerate()
            .filter(|(_, d)| {
                d.choice.keeps_pending()
                    && !matches!(d.choice, Choice::Reply { .. } | Choice::Inject { .. })
                    && decided_by(log, d) == "team"
            })
            .filter_map(|(k, d)| {
                let mut without = log.clone();
                without.decisions.remove(k);
                let mut replay = Replay::new(&without, loaded, file).ok()?.lenient();
                let (_, alt) = play(loaded, model, seed, &log.team, &mut replay);
                Some(Counterfactual {
                    index: k,
                    time_h: d.time_h,
                    what: describe(&d.choice),
                    doctrine: "give no such order".into(),
                    harm_saved: alt.summary.civilians_harmed as f64 - team_harm,
                })
            })
            .collect::<Vec<_>>(),
    );
    cfs.sort_by(|a, b| {
        b.harm_saved
            .abs()
            .total_cmp(&a.harm_saved.abs())
            .then(a.index.cmp(&b.index))
    });
    cfs.truncate(3);
    Ok(Review {
        team: team.summary,
        doctrine_same_seed,
        doctrine_harm,
        draw_percentile,
        top: cfs,
        log: log.clone(),
        orders_came_to,
        injects: loaded.scenario.injects.clone(),
        outcomes,
    })
}

/// What came of orders besides incidents, from a session's events.
fn order_results(model: &Model, events: &[crate::metrics::EventRow]) -> Vec<String> {
    use crate::metrics::EventKind as K;
    events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                K::EscortOut
                    | K::EscortDone
                    | K::EscortCancelled
                    | K::PatrolPlan
                    | K::Dialogue
                    | K::Alerted
                    | K::HostSupportConditioned
                    | K::HostSupportSuspended
                    | K::HostSupportResumed
            )
        })
        .map(|e| super::event_line(model, e))
        .collect()
}

fn rows(r: &Review) -> Vec<(&'static str, String, String)> {
    let f = |x: f64| {
        if x.is_finite() {
            format!("{x:.2}")
        } else {
            "–".into()
        }
    };
    let p = |x: f64| {
        if x.is_finite() {
            format!("{:.0}%", 100.0 * x)
        } else {
            "–".into()
        }
    };
    let (t, d) = (&r.team, &r.doctrine_same_seed);
    vec![
        (
            "civilians harmed",
            t.civilians_harmed.to_string(),
            d.civilians_harmed.to_string(),
        ),
        (
            "civilians killed",
            t.civilians_killed.to_string(),
            d.civilians_killed.to_string(),
        ),
        (
            "incidents prevented",
            t.incidents_prevented.to_string(),
            d.incidents_prevented.to_string(),
        ),
        (
            "median response time (h)",
            f(t.response_time_median_h),
            f(d.response_time_median_h),
        ),
        (
            "responses within target",
            p(t.responses_within_target_share),
            p(d.responses_within_target_share),
        ),
        (
            "reported attacks responded to",
            p(t.attacks_responded_share),
            p(d.attacks_responded_share),
        ),
        (
            "complicity events",
            t.complicity_events.to_string(),
            d.complicity_events.to_string(),
        ),
    ]
}

/// Who took one decision: the team, standard procedure after the hand-over, or
/// the trainer (an inject).
fn decided_by(log: &ExerciseLog, d: &super::LoggedDecision) -> &'static str {
    if matches!(d.choice, Choice::Inject { .. }) {
        "trainer"
    } else if log.handed_over_h.is_some_and(|h| d.time_h >= h) {
        "standard procedure"
    } else {
        "team"
    }
}

/// Who took the decisions: the team throughout, or until standard procedure
/// took over; and the trainer's injects.
fn who_decided(log: &ExerciseLog) -> String {
    let injects = log
        .decisions
        .iter()
        .filter(|d| matches!(d.choice, Choice::Inject { .. }))
        .count();
    let mut s = match log.handed_over_h {
        Some(h) => format!(
            "The team decided until {} ({h:.1} h); standard procedure took the decisions after that.",
            super::clock(h)
        ),
        None => "The team took every decision.".to_string(),
    };
    if injects > 0 {
        s.push_str(&format!(
            " The trainer added {injects} inject(s) during the session; doctrine's runs below face them too."
        ));
    }
    s
}

/// The review as Markdown.
pub fn markdown(r: &Review) -> String {
    let mut s = format!("# After-action review: team {}\n\n", r.log.team);
    let _ = writeln!(
        s,
        "Scenario `{}`, seed {}; {} decisions.\n",
        r.log.scenario_file,
        r.log.seed,
        r.log.decisions.len()
    );
    let _ = writeln!(s, "{}\n", who_decided(&r.log));
    let _ = writeln!(s, "| outcome | team | doctrine, same seed |\n|---|---|---|");
    for (k, a, b) in rows(r) {
        let _ = writeln!(s, "| {k} | {a} | {b} |");
    }
    let _ = writeln!(
        s,
        "\nThe draw: on this seed doctrine harms {} civilians; doctrine harms fewer on {:.0}% of {} seeds (a higher share means a harder draw).\n",
        r.doctrine_same_seed.civilians_harmed,
        100.0 * r.draw_percentile,
        r.doctrine_harm.len()
    );
    let _ = writeln!(s, "## The decisions that mattered most\n");
    for c in &r.top {
        let effect = if c.harm_saved == 0.0 {
            "no difference in civilians harmed".to_string()
        } else {
            format!(
                "{} civilians harmed {} with doctrine's choice",
                c.harm_saved.abs(),
                if c.harm_saved > 0.0 { "more" } else { "fewer" }
            )
        };
        let _ = writeln!(
            s,
            "- Decision {} ({}), {}; doctrine would have chosen to {}: {effect}.",
            c.index + 1,
            super::clock(c.time_h),
            c.what,
            c.doctrine
        );
    }
    s
}

/// The review as a self-contained HTML page.
pub fn html(r: &Review) -> String {
    let mut h = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>After-action review</title>\n<style>body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.5}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}th{background:#eef4f9}h2{border-bottom:2px solid #0072B2}</style>\n</head>\n<body>\n",
    );
    let _ = writeln!(h, "<h1>After-action review: team {}</h1>", esc(&r.log.team));
    let _ = writeln!(
        h,
        "<p>Scenario <code>{}</code>, seed {}, {} decisions. The team's outcomes are set beside the same scenario and seed played by standard procedure (same luck, different judgement).</p>",
        esc(&r.log.scenario_file),
        r.log.seed,
        r.log.decisions.len()
    );
    let _ = writeln!(h, "<p>{}</p>", esc(&who_decided(&r.log)));
    let _ = writeln!(
        h,
        "<h2>Outcomes</h2>\n<table><tr><th>outcome</th><th>team</th><th>doctrine, same seed</th></tr>"
    );
    for (k, a, b) in rows(r) {
        let _ = writeln!(h, "<tr><td>{k}</td><td>{a}</td><td>{b}</td></tr>");
    }
    let _ = writeln!(h, "</table>");
    let _ = writeln!(
        h,
        "<h2>Luck</h2><p>On this seed doctrine harms {} civilians. Over {} seeds doctrine harms fewer on {:.0}% of them: the higher this share, the harder the draw the team got.</p>",
        r.doctrine_same_seed.civilians_harmed,
        r.doctrine_harm.len(),
        100.0 * r.draw_percentile
    );
    let _ = writeln!(
        h,
        "<h2>The decisions that mattered most</h2>\n<table><tr><th>#</th><th>time</th><th>the team's decision</th><th>doctrine's choice</th><th>civilians harmed with doctrine's choice</th></tr>"
    );
    if r.top.is_empty() {
        let _ = writeln!(
            h,
            "<tr><td colspan=\"5\">At every decision the team chose what standard procedure would have.</td></tr>"
        );
    }
    for c in &r.top {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:+.0}</td></tr>",
            c.index + 1,
            super::clock(c.time_h),
            esc(&c.what),
            esc(&c.doctrine),
            c.harm_saved
        );
    }
    let _ = writeln!(h, "</table>");
    let injects: Vec<_> = r.injects.iter().filter(|i| !i.text.is_empty()).collect();
    if !injects.is_empty() {
        let _ = writeln!(
            h,
            "<h2>Injects and expected reactions</h2>\n<table><tr><th>time</th><th>from → to</th><th>message</th><th>expected reaction</th><th>the team's next decision there</th></tr>"
        );
        for i in injects {
            let t = i.start_day * 24.0;
            let there = |d: &super::LoggedDecision| {
                i.sites.is_empty()
                    || i.sites.contains(&d.site)
                    || i.sites.iter().any(|s| d.choice.concerns(s))
            };
            let next = r
                .log
                .decisions
                .iter()
                .find(|d| {
                    d.time_h >= t - 1e-9 && there(d) && !matches!(d.choice, Choice::Inject { .. })
                })
                .map(|d| {
                    let by = decided_by(&r.log, d);
                    format!(
                        "{}: {}{}",
                        super::clock(d.time_h),
                        describe(&d.choice),
                        if by == "team" {
                            String::new()
                        } else {
                            format!(" (by {by})")
                        }
                    )
                })
                .unwrap_or_else(|| "none".into());
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                super::clock(t),
                esc(&i.from),
                esc(&i.to),
                esc(&i.text),
                esc(&i.expected),
                esc(&next)
            );
        }
        let _ = writeln!(h, "</table>");
    }
    let _ = writeln!(
        h,
        "<h2>Timeline</h2>\n<table><tr><th>#</th><th>time</th><th>incident</th><th>decision</th><th>by</th><th>what became of the incident</th></tr>"
    );
    for (k, d) in r.log.decisions.iter().enumerate() {
        let incident = if d.incident.is_some() {
            format!("{} at {}", d.kind.replace('_', " "), d.site)
        } else {
            "(between decisions)".to_string()
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            k + 1,
            super::clock(d.time_h),
            esc(&incident),
            esc(&describe(&d.choice)),
            decided_by(&r.log, d),
            esc(r.outcomes.get(k).map_or("", String::as_str))
        );
    }
    h.push_str("</table>\n</body>\n</html>\n");
    h
}
