//! The validation report: what each scenario's baseline produces, next to the
//! public figures it was built from (`[[scenario.targets]]`).
//!
//! `pocsim validation-report scenarios/*.toml --runs 200 --out docs/validation.md`
//! regenerates `docs/validation.md`.

use crate::engine::{RunOptions, run};
use crate::error::Error;
use crate::experiment::table::{metric_names, metric_values};
use crate::model::Model;
use crate::policy::Doctrine;
use crate::rng::Seed;
use crate::scenario::{LoadedScenario, ThreatKind};
use crate::stats::{Describe, describe};
use rayon::prelude::*;
use std::fmt::Write as _;

/// Baseline statistics of one scenario.
pub struct ScenarioReport {
    pub file: String,
    pub name: String,
    pub days: f64,
    pub harmed_month: Describe,
    pub killed_month: Describe,
    pub reported_share: Describe,
    pub in_time: Describe,
    pub median_response: Describe,
    pub within_target: Describe,
    /// (target, model value statistics) per target.
    pub targets: Vec<(crate::scenario::Target, Describe)>,
}

/// Runs `runs` replications of a scenario's baseline and compares with its targets.
pub fn report_scenario(
    loaded: &LoadedScenario,
    runs: u64,
    seed: u64,
) -> Result<ScenarioReport, Error> {
    let s = &loaded.scenario;
    let model = Model::build(s).calibrated();
    let days = s.clock.horizon_days;
    let kinds: Vec<ThreatKind> = ThreatKind::ALL
        .into_iter()
        .filter(|k| model.kinds[k.index()].is_some())
        .collect();
    let names = metric_names(&kinds, &[]);
    for t in &s.scenario.targets {
        let known = match &t.site {
            Some(site) => {
                model.world.index.contains_key(site)
                    && [
                        "incidents_true",
                        "incidents_reported",
                        "incidents_known",
                        "harmed",
                        "killed",
                    ]
                    .contains(&t.metric.as_str())
            }
            None => names.contains(&t.metric),
        };
        if !known {
            return Err(Error::input(
                &loaded.file,
                format!("target metric `{}` is not known", t.metric),
            ));
        }
    }
    let need_sites = s.scenario.targets.iter().any(|t| t.site.is_some());
    let opts = RunOptions {
        record_site_days: need_sites,
        ..RunOptions::default()
    };
    let total_pop: f64 = model
        .world
        .sites
        .iter()
        .map(|x| x.population.max(0.0))
        .sum();
    let per = |p: &str, site: Option<&String>| {
        let pop = site.map_or(total_pop, |x| {
            model.world.sites[model.world.index[x]].population.max(0.0)
        });
        match p {
            "day" => 1.0 / days,
            "month" => 30.0 / days,
            "100k_year" => 1.0e5 / pop.max(1.0) * 365.0 / days,
            "1000_day" => 1.0e3 / pop.max(1.0) / days,
            _ => 1.0,
        }
    };
    // Per run: the baseline columns, the targets' values, and the attacks
    // (responded, reported) for the pooled share.
    type RunRow = (Vec<f64>, Vec<f64>, (f64, f64));
    let rows: Vec<RunRow> = (0..runs as usize)
        .into_par_iter()
        .map(|r| {
            let res = run(
                &model,
                Seed::new(seed, r as u64),
                &mut Doctrine::default(),
                opts,
            );
            let sm = &res.summary;
            let base = vec![
                sm.civilians_harmed as f64 * 30.0 / days,
                sm.civilians_killed as f64 * 30.0 / days,
                if sm.incidents_true > 0 {
                    sm.incidents_reported as f64 / sm.incidents_true as f64
                } else {
                    f64::NAN
                },
                sm.attacks_responded_share,
                sm.response_time_median_h,
                sm.responses_within_target_share,
            ];
            let values = metric_values(sm, &kinds, &[]);
            let t: Vec<f64> = s
                .scenario
                .targets
                .iter()
                .map(|t| {
                    let raw = match &t.site {
                        Some(site) => {
                            let sid = model.world.index[site];
                            res.site_days
                                .iter()
                                .filter(|d| d.site == sid.index())
                                .map(|d| {
                                    f64::from(match t.metric.as_str() {
                                        "incidents_true" => d.incidents_true,
                                        "incidents_reported" => d.incidents_reported,
                                        "incidents_known" => d.incidents_known,
                                        "harmed" => d.harmed,
                                        _ => d.killed,
                                    })
                                })
                                .sum()
                        }
                        None => values[names.iter().position(|n| *n == t.metric).expect("checked")],
                    };
                    raw * per(&t.per, t.site.as_ref())
                })
                .collect();
            // Attacks responded to over attacks reported, pooled over runs.
            let attacks = ["armed_attack", "poc_site_attack"].map(|k| sm.by_threat.get(k));
            let num: u64 = attacks
                .iter()
                .flatten()
                .map(|a| a.responded_before_end)
                .sum();
            let den: u64 = attacks.iter().flatten().map(|a| a.incidents_reported).sum();
            (base, t, (num as f64, den as f64))
        })
        .collect();
    let col = |k: usize| describe(&rows.iter().map(|r| r.0[k]).collect::<Vec<_>>());
    let attacks_share = crate::stats::pooled_ratio(
        &rows.iter().map(|r| r.2.0).collect::<Vec<_>>(),
        &rows.iter().map(|r| r.2.1).collect::<Vec<_>>(),
    );
    Ok(ScenarioReport {
        file: loaded.file.clone(),
        name: s.scenario.name.clone(),
        days,
        harmed_month: col(0),
        killed_month: col(1),
        reported_share: col(2),
        in_time: attacks_share.clone(),
        median_response: col(4),
        within_target: col(5),
        targets: s
            .scenario
            .targets
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let d = if t.metric == "attacks_responded_share" && t.site.is_none() {
                    attacks_share.clone()
                } else {
                    describe(&rows.iter().map(|r| r.1[k]).collect::<Vec<_>>())
                };
                (t.clone(), d)
            })
            .collect(),
    })
}

fn ci(d: &Describe, digits: usize) -> String {
    if d.n == 0 || !d.mean.is_finite() {
        return "–".into();
    }
    format!(
        "{:.*} ({:.*}–{:.*})",
        digits, d.mean, digits, d.ci_low, digits, d.ci_high
    )
}

fn pct(d: &Describe) -> String {
    if d.n == 0 || !d.mean.is_finite() {
        return "–".into();
    }
    format!(
        "{:.1}% ({:.1}–{:.1})",
        100.0 * d.mean,
        100.0 * d.ci_low,
        100.0 * d.ci_high
    )
}

/// Renders the report as Markdown.
pub fn render(reports: &[ScenarioReport], runs: u64, seed: u64, command: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Calibration report\n");
    let _ = writeln!(
        s,
        "What each shipped scenario's baseline produces, next to the public figures it was built from. \
         Generated by `{command}` (pocsim {}, {runs} replications per scenario, seed {seed}); do not edit by hand. \
         Values are means over replications with 95% confidence intervals of the mean. \
         The scenarios are models *inspired by* their settings: most of their numbers are assumptions \
         (see each file's comments), so agreement with a public figure is a check of plausibility, not proof.\n",
        crate::VERSION
    );
    let _ = writeln!(s, "## Baselines\n");
    let _ = writeln!(
        s,
        "| scenario | days | civilians harmed per month | killed per month | reported / true incidents | reported attacks responded to | median response (h) | responses within target |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
    for r in reports {
        let _ = writeln!(
            s,
            "| {} (`{}`) | {:.0} | {} | {} | {} | {} | {} | {} |",
            r.name,
            r.file,
            r.days,
            ci(&r.harmed_month, 1),
            ci(&r.killed_month, 1),
            pct(&r.reported_share),
            pct(&r.in_time),
            ci(&r.median_response, 2),
            pct(&r.within_target)
        );
    }
    let _ = writeln!(
        s,
        "\n## Against public figures\n\nA target is *within* when the baseline's mean lies in the public range \
         (the range the file gives, or the value ±20%); *fitted* marks a target that a parameter was \
         calibrated to, so agreement there is by construction. Shares of attacks pool the attacks of all \
         replications (Σ responded / Σ reported).\n"
    );
    let (mut inside, mut total) = (0usize, 0usize);
    for r in reports {
        if r.targets.is_empty() {
            continue;
        }
        let _ = writeln!(s, "### {}\n", r.name);
        let _ = writeln!(
            s,
            "| figure | public value (range) | model | within? | source | where the model departs, and why |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|");
        for (t, d) in &r.targets {
            let unit = match t.per.as_str() {
                "100k_year" => "per 100,000 residents a year".to_string(),
                "1000_day" => "per 1,000 residents a day".to_string(),
                p => format!("per {p}"),
            };
            let what = match &t.site {
                Some(site) => format!("{} at `{site}` {unit}", t.metric),
                None if t.per == "run" => t.metric.clone(),
                None => format!("{} {unit}", t.metric),
            };
            let share = t.metric.ends_with("_share");
            let (lo, hi) = t.range();
            let (pv, mv) = if share {
                (
                    format!(
                        "{:.0}% ({:.0}–{:.0}%)",
                        100.0 * t.value,
                        100.0 * lo,
                        100.0 * hi
                    ),
                    pct(d),
                )
            } else {
                // Enough decimals for small rates (0.017 a day).
                let digits = if t.value.abs() < 0.1 { 4 } else { 2 };
                (format!("{} ({lo}–{hi})", t.value), ci(d, digits))
            };
            let ok = within(t, d);
            total += 1;
            inside += usize::from(ok);
            let _ = writeln!(
                s,
                "| {what} | {pv} | {mv} | {} | {} | {} |",
                match (ok, t.fitted) {
                    (true, false) => "within",
                    (true, true) => "within (fitted)",
                    (false, false) => "outside",
                    (false, true) => "outside (fitted)",
                },
                t.source,
                if t.note.is_empty() { "–" } else { &t.note }
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "{inside} of {total} targets within");
    s
}

/// Whether the baseline's mean lies in the target's public range.
pub fn within(t: &crate::scenario::Target, d: &Describe) -> bool {
    let (lo, hi) = t.range();
    d.n > 0 && d.mean >= lo && d.mean <= hi
}
