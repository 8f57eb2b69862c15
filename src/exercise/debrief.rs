//! The class debrief: every syndicate's log side by side. A class table
//! (syndicates as columns; outcomes, each inject's expected actions, each
//! syndicate's decisions there and the white cell's marks as rows), per
//! syndicate its outcome against standard procedure on the same seed and
//! where it falls among standard procedure's seeds (luck or judgement), the
//! three decisions that mattered most, and the four after-action questions.
//! The page and the Markdown are rendered from one document, so they carry
//! the same content.

use super::msel::{Item, items};
use super::review::{Review, describe, review};
use super::{Choice, ExerciseLog, LoggedDecision, clock};
use crate::error::Error;
use crate::model::Model;
use crate::outputs::report::esc;
use crate::scenario::LoadedScenario;
use std::fmt::Write as _;

/// A block of the debrief.
pub enum Block {
    Para(String),
    List(Vec<String>),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// A titled section.
pub struct Section {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// The debrief as a document.
pub struct Debrief {
    pub title: String,
    pub sections: Vec<Section>,
    pub reviews: Vec<Review>,
}

/// The events list the class played: the messages the syndicates received
/// (a classroom's logs carry them), else the scenario's.
fn events_list(logs: &[ExerciseLog], loaded: &LoadedScenario) -> Vec<Item> {
    let mut list: Vec<Item> = Vec::new();
    for m in logs.iter().flat_map(|l| &l.messages) {
        if !list.iter().any(|i| i.order == m.order) {
            list.push(Item {
                order: m.order,
                time_h: m.time_h,
                from: m.from.clone(),
                to: m.to.clone(),
                title: m.title.clone(),
                description: m.text.clone(),
                expected: m.expected.clone(),
                incident: None,
                site: None,
                escort: false,
            });
        }
    }
    if list.is_empty() {
        list = items(&loaded.scenario)
            .into_iter()
            .map(|(_, i)| i)
            .collect();
    }
    // Sites of the scenario's injects, where the list has them.
    let scenario: Vec<Item> = items(&loaded.scenario)
        .into_iter()
        .map(|(_, i)| i)
        .collect();
    for i in list.iter_mut() {
        if let Some(s) = scenario
            .iter()
            .find(|s| s.order == i.order && s.title == i.title)
        {
            i.site = s.site.clone();
            i.incident = s.incident.clone();
            i.escort = s.escort;
        }
    }
    list.sort_by_key(|i| i.order);
    list
}

/// The team's decisions in answer to an inject: from when it received it,
/// for six hours, at the inject's site if it has one (or a reply).
fn answers(log: &ExerciseLog, item: &Item) -> Vec<String> {
    let received = log
        .messages
        .iter()
        .find(|m| m.order == item.order)
        .map_or(item.time_h, |m| m.time_h);
    let there = |d: &LoggedDecision| match (&d.choice, &item.site) {
        // A reply answers the message whose sender it names.
        (Choice::Reply { to, .. }, _) => to.is_empty() || *to == item.from,
        (_, None) => true,
        (c, Some(site)) => d.site == *site || c.concerns(site),
    };
    // A choice that says which message it answered belongs to that one only.
    log.decisions
        .iter()
        .filter(|d| match d.answers {
            Some(order) => order == item.order,
            None => {
                d.time_h >= received - 1e-9
                    && d.time_h <= received + 6.0
                    && there(d)
                    && !matches!(d.choice, Choice::Inject { .. })
            }
        })
        .take(3)
        .map(|d| format!("{}: {}", clock(d.time_h), describe(&d.choice)))
        .collect()
}

/// Builds the class debrief from every syndicate's log (`files` name them in
/// messages), over `runs` standard-procedure seeds for each.
pub fn class_review(
    logs: &[ExerciseLog],
    files: &[String],
    loaded: &LoadedScenario,
    model: &Model,
    runs: u64,
) -> Result<Debrief, Error> {
    let mut reviews = Vec::new();
    for (log, file) in logs.iter().zip(files) {
        reviews.push(review(log, loaded, model, runs, file)?);
    }
    let names: Vec<String> = logs
        .iter()
        .zip(files)
        .map(|(l, f)| {
            if l.team.is_empty() {
                f.clone()
            } else {
                l.team.clone()
            }
        })
        .collect();
    let list = events_list(logs, loaded);
    let mut sections = Vec::new();

    // The class table.
    let mut head = vec!["syndicate".to_string()];
    head.extend(names.iter().cloned());
    let mut rows: Vec<Vec<String>> = Vec::new();
    let row = |label: &str, f: &dyn Fn(&Review) -> String| {
        let mut r = vec![label.to_string()];
        r.extend(reviews.iter().map(f));
        r
    };
    rows.push(row("seed", &|r| r.log.seed.to_string()));
    rows.push(row("civilians harmed", &|r| {
        r.team.civilians_harmed.to_string()
    }));
    rows.push(row("civilians killed", &|r| {
        r.team.civilians_killed.to_string()
    }));
    rows.push(row("standard procedure, same seed: harmed", &|r| {
        r.doctrine_same_seed.civilians_harmed.to_string()
    }));
    rows.push(row("harm against standard procedure", &|r| {
        format!(
            "{:+}",
            r.team.civilians_harmed as i64 - r.doctrine_same_seed.civilians_harmed as i64
        )
    }));
    rows.push(row("the draw: standard procedure's percentile", &|r| {
        format!("{:.0}%", 100.0 * r.draw_percentile)
    }));
    rows.push(row(
        "the team: percentile among standard procedure's seeds",
        &|r| format!("{:.0}%", 100.0 * team_percentile(r)),
    ));
    rows.push(row("incidents prevented", &|r| {
        r.team.incidents_prevented.to_string()
    }));
    rows.push(row("reported attacks responded to", &|r| {
        if r.team.attacks_responded_share.is_finite() {
            format!("{:.0}%", 100.0 * r.team.attacks_responded_share)
        } else {
            "–".into()
        }
    }));
    rows.push(row("complicity events", &|r| {
        r.team.complicity_events.to_string()
    }));
    rows.push(row("decisions taken", &|r| {
        decisions_taken(&r.log).to_string()
    }));
    for item in &list {
        let label = format!(
            "inject {} ({}, from {}): {} | expected: {}",
            item.order,
            clock(item.time_h),
            if item.from.is_empty() {
                "–"
            } else {
                &item.from
            },
            item.title,
            if item.expected.is_empty() {
                "–"
            } else {
                &item.expected
            }
        );
        let mut r = vec![label];
        for rev in &reviews {
            let got = rev.log.messages.iter().any(|m| m.order == item.order)
                || rev.log.messages.is_empty();
            let mut cell = if !got {
                "not received".to_string()
            } else {
                let a = answers(&rev.log, item);
                if a.is_empty() {
                    "no decision there".to_string()
                } else {
                    a.join("; ")
                }
            };
            if let Some(m) = rev.log.marks.iter().find(|m| m.order == item.order) {
                let _ = write!(cell, " | mark: {}", m.grade.words());
                if !m.note.is_empty() {
                    let _ = write!(cell, " ({})", m.note);
                }
            }
            r.push(cell);
        }
        rows.push(r);
    }
    sections.push(Section {
        title: "The class".into(),
        blocks: vec![
            Block::Para(format!(
                "Scenario `{}`. Every syndicate ran its own session of the same scenario; on the same seed their worlds differ only through their decisions. Standard procedure on each syndicate's seed shows the same luck with the shipped doctrine's judgement; its percentile over {} seeds shows how hard the draw was, and the team's percentile where its outcome falls among them.",
                loaded.file,
                reviews.first().map_or(0, |r| r.doctrine_harm.len())
            )),
            Block::Table { head, rows },
        ],
    });

    // Per syndicate.
    for (name, r) in names.iter().zip(&reviews) {
        let diff = r.team.civilians_harmed as i64 - r.doctrine_same_seed.civilians_harmed as i64;
        let mut blocks = vec![Block::Para(format!(
            "{name} ended with {} civilians harmed ({} killed); standard procedure on the same seed, {} harmed ({}). Among {} seeds of standard procedure, {:.0}% harm fewer than {name} did: {}.",
            r.team.civilians_harmed,
            r.team.civilians_killed,
            r.doctrine_same_seed.civilians_harmed,
            match diff.signum() {
                -1 => format!("{} fewer with the team's judgement", -diff),
                1 => format!("{diff} more with the team's judgement"),
                _ => "the same".into(),
            },
            r.doctrine_harm.len(),
            100.0 * team_percentile(r),
            luck_or_judgement(r)
        ))];
        let top: Vec<String> = r
            .top
            .iter()
            .map(|c| {
                format!(
                    "{}: {}; standard procedure would have chosen to {}: {}",
                    clock(c.time_h),
                    c.what,
                    c.doctrine,
                    if c.harm_saved == 0.0 {
                        "no difference in civilians harmed".to_string()
                    } else {
                        format!(
                            "{} civilians harmed {}",
                            c.harm_saved.abs(),
                            if c.harm_saved > 0.0 { "more" } else { "fewer" }
                        )
                    }
                )
            })
            .collect();
        blocks.push(Block::Para("The decisions that mattered most:".into()));
        blocks.push(if top.is_empty() {
            Block::List(vec![
                "At every decision the syndicate chose what standard procedure would have.".into(),
            ])
        } else {
            Block::List(top)
        });
        if !r.orders_came_to.is_empty() {
            blocks.push(Block::Para(
                "What came of the orders (escorts, patrol plans, dialogue, alerts, host support):"
                    .into(),
            ));
            blocks.push(Block::List(r.orders_came_to.clone()));
        }
        blocks.push(Block::Para("After-action questions:".into()));
        blocks.push(Block::List(after_action(r, &list)));
        sections.push(Section {
            title: format!("Syndicate {name}"),
            blocks,
        });
    }
    Ok(Debrief {
        title: format!("Class debrief: {}", loaded.scenario.scenario.name),
        sections,
        reviews,
    })
}

/// Share of standard procedure's seeds that harm fewer than the team did.
fn team_percentile(r: &Review) -> f64 {
    let own = r.team.civilians_harmed as f64;
    r.doctrine_harm.iter().filter(|&&h| h < own).count() as f64
        / r.doctrine_harm.len().max(1) as f64
}

/// Whether the outcome says more about the draw or the decisions.
fn luck_or_judgement(r: &Review) -> &'static str {
    let diff = r.team.civilians_harmed as f64 - r.doctrine_same_seed.civilians_harmed as f64;
    let spread = {
        let v = &r.doctrine_harm;
        let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        if v.is_empty() { 0.0 } else { q(0.75) - q(0.25) }
    };
    if diff.abs() <= 0.25 * spread.max(1.0) {
        "judgement made little difference; the draw explains the outcome"
    } else if diff < 0.0 {
        "the syndicate's judgement did better than standard procedure on the same luck"
    } else {
        "the syndicate's judgement cost more than standard procedure on the same luck"
    }
}

/// Decisions the syndicate took (not the white cell's injects), counted alike
/// in the class table and in each syndicate's section.
fn decisions_taken(log: &ExerciseLog) -> usize {
    log.decisions
        .iter()
        .filter(|d| !matches!(d.choice, Choice::Inject { .. }))
        .count()
}

/// The four after-action questions, answered from the log.
fn after_action(r: &Review, list: &[Item]) -> Vec<String> {
    // What the syndicate was asked: the messages it received.
    let planned: Vec<String> = list
        .iter()
        .filter(|i| !i.expected.is_empty() && r.log.messages.iter().any(|m| m.order == i.order))
        .map(|i| format!("inject {}: {}", i.order, i.expected))
        .collect();
    let sustain: Vec<String> = r
        .log
        .marks
        .iter()
        .filter(|m| m.grade == super::Grade::Met)
        .map(|m| format!("inject {}", m.order))
        .chain(
            r.top
                .iter()
                .filter(|c| c.harm_saved > 0.0)
                .map(|c| c.what.clone()),
        )
        .collect();
    let improve: Vec<String> = r
        .log
        .marks
        .iter()
        .filter(|m| m.grade != super::Grade::Met)
        .map(|m| {
            format!(
                "inject {} ({}{})",
                m.order,
                m.grade.words(),
                if m.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", m.note)
                }
            )
        })
        .chain(
            r.top
                .iter()
                .filter(|c| c.harm_saved < 0.0)
                .map(|c| c.what.clone()),
        )
        .collect();
    let or_none = |v: Vec<String>| {
        if v.is_empty() {
            "nothing recorded".to_string()
        } else {
            v.join("; ")
        }
    };
    vec![
        format!("What was planned? {}", or_none(planned)),
        format!(
            "What happened? {} civilians harmed, {} incidents prevented, {} decisions taken.",
            r.team.civilians_harmed,
            r.team.incidents_prevented,
            decisions_taken(&r.log)
        ),
        format!(
            "Why? {}; the draw sat at standard procedure's {:.0}th percentile.",
            luck_or_judgement(r),
            100.0 * r.draw_percentile
        ),
        format!(
            "What to sustain? {}. What to improve? {}.",
            or_none(sustain),
            or_none(improve)
        ),
    ]
}

/// The debrief as Markdown.
pub fn class_markdown(d: &Debrief) -> String {
    let mut s = format!("# {}\n", d.title);
    let cell = |c: &str| c.replace('|', "\\|").replace('\n', " ");
    for sec in &d.sections {
        let _ = writeln!(s, "\n## {}\n", sec.title);
        for b in &sec.blocks {
            match b {
                Block::Para(p) => {
                    let _ = writeln!(s, "{p}\n");
                }
                Block::List(items) => {
                    for i in items {
                        let _ = writeln!(s, "- {i}");
                    }
                    s.push('\n');
                }
                Block::Table { head, rows } => {
                    let _ = writeln!(
                        s,
                        "| {} |",
                        head.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | ")
                    );
                    let _ = writeln!(s, "|{}", "---|".repeat(head.len()));
                    for r in rows {
                        let _ = writeln!(
                            s,
                            "| {} |",
                            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
                        );
                    }
                    s.push('\n');
                }
            }
        }
    }
    s
}

/// Markdown's `code` spans as HTML (in escaped text).
fn code_spans(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (k, part) in text.split('`').enumerate() {
        if k % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    // An odd number of backticks: the last one was not a span.
    if text.matches('`').count() % 2 == 1 {
        return text.to_string();
    }
    out
}

/// The debrief as a self-contained page.
pub fn class_html(d: &Debrief) -> String {
    let mut h = crate::outputs::report::page_head(&d.title);
    let _ = writeln!(h, "<h1>{}</h1>", esc(&d.title));
    for sec in &d.sections {
        let _ = writeln!(h, "<h2>{}</h2>", esc(&sec.title));
        for b in &sec.blocks {
            match b {
                Block::Para(p) => {
                    let _ = writeln!(h, "<p>{}</p>", code_spans(&esc(p)));
                }
                Block::List(items) => {
                    h.push_str("<ul>\n");
                    for i in items {
                        let _ = writeln!(h, "<li>{}</li>", code_spans(&esc(i)));
                    }
                    h.push_str("</ul>\n");
                }
                Block::Table { head, rows } => {
                    h.push_str("<table>\n<tr>");
                    for c in head {
                        let _ = write!(h, "<th>{}</th>", esc(c));
                    }
                    h.push_str("</tr>\n");
                    for r in rows {
                        h.push_str("<tr>");
                        for (k, c) in r.iter().enumerate() {
                            if k == 0 {
                                let _ = write!(h, "<th>{}</th>", esc(c));
                            } else {
                                let _ = write!(h, "<td>{}</td>", esc(c));
                            }
                        }
                        h.push_str("</tr>\n");
                    }
                    h.push_str("</table>\n");
                }
            }
        }
    }
    h.push_str("</body>\n</html>\n");
    h
}
