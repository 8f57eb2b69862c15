//! The world's numbers: the rates a scenario states are the rates its
//! baseline produces, threats follow the people present, displaced threats go
//! where people are.

mod common;
use common::*;
use pocsim::engine::RunOptions;
use pocsim::{Doctrine, Model, Seed, Summary, run};

fn shipped() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".toml"))
        .collect();
    v.sort();
    v
}

/// Mean threats per day of each stream over `n` replications, and the rate
/// the file states for it times the injects' extra rate over the horizon.
fn realised_and_stated(m: &Model, n: u64) -> Vec<(f64, f64)> {
    let days = m.horizon_h / 24.0;
    let mut sum = vec![0.0; m.processes.len()];
    // Residents present over time, per site, as a share of the initial population.
    let mut people = vec![Vec::new(); m.world.len()];
    for r in 0..n {
        let opts = RunOptions {
            record_site_days: true,
            ..RunOptions::default()
        };
        let res = run(m, Seed::new(MASTER, r), &mut Doctrine::default(), opts);
        for (s, &c) in sum.iter_mut().zip(&res.stream_threats) {
            *s += f64::from(c);
        }
        for d in &res.site_days {
            people[d.site].push(d.population);
        }
    }
    m.processes
        .iter()
        .zip(sum)
        .map(|(p, s)| {
            let mut extra = 0.0;
            for w in &m.injects {
                if w.applies(p.site, p.kind) {
                    let overlap = (w.end_h.min(m.horizon_h) - w.start_h.max(0.0)).max(0.0);
                    extra += (w.multiplier - 1.0) * overlap;
                }
            }
            // Rates are per resident: a site that empties has fewer threats,
            // one over its design capacity more (where the stream says so).
            let info = &m.world.sites[p.site];
            let factor = |pop: f64| {
                let mut f = pop / info.population;
                if p.crowding
                    && let Some(d) = info.design_capacity
                {
                    f *= (pop / d).max(1.0) / (info.population / d).max(1.0);
                }
                f.min(p.people_cap)
            };
            let days_seen = people[p.site].len().max(1) as f64;
            let present = people[p.site].iter().map(|&x| factor(x)).sum::<f64>() / days_seen;
            let stated = p.rate_per_h * 24.0 * (1.0 + extra / m.horizon_h) * present;
            (s / n as f64 / days, stated)
        })
        .collect()
}

#[test]
fn stated_rates_are_the_rates_the_baseline_produces() {
    let mut report = String::new();
    let mut bad = 0;
    for path in shipped() {
        let m = model(&path, &[]);
        for (p, (got, want)) in m.processes.iter().zip(realised_and_stated(&m, 20)) {
            let ratio = got / want;
            let line = format!(
                "{path} {} at {}: {got:.4}/day for {want:.4} stated ({ratio:.2})\n",
                p.kind.name(),
                m.world.sites[p.site].id
            );
            // Within 20%, give or take three standard errors of a Poisson count.
            let exposure = m.horizon_h / 24.0 * 20.0;
            let se = (want * exposure).sqrt() / exposure;
            if (got - want).abs() > 0.2 * want + 3.0 * se {
                bad += 1;
                report.push_str(&line);
            }
            eprint!("{line}");
        }
    }
    assert_eq!(
        bad, 0,
        "streams off their stated rate by more than 20%:\n{report}"
    );
}

fn kind(s: &Summary, k: &str, f: impl Fn(&pocsim::metrics::ThreatSummary) -> u64) -> f64 {
    s.by_threat.get(k).map_or(0.0, |t| f(t) as f64)
}

#[test]
fn deterrence_is_per_threat_kind() {
    // Patrols that deter crime only: crime falls, armed attacks do not.
    let none = "presence.patrol_deterrence=0";
    let crime_only = "presence.patrol_deterrence={ criminal_violence = 0.9 }";
    let a = runs(TUTORIAL, &[none], 150);
    let b = runs(TUTORIAL, &[crime_only], 150);
    let crime = |s: &Summary| kind(s, "criminal_violence", |t| t.incidents_true);
    let armed = |s: &Summary| kind(s, "armed_attack", |t| t.incidents_true);
    assert_more(
        "crime without patrol deterrence",
        mean(&a, crime),
        mean(&b, crime),
        0.1,
    );
    let ratio = mean(&b, armed) / mean(&a, armed);
    assert!(
        (0.9..1.1).contains(&ratio),
        "armed attacks when patrols deter only crime: {ratio:.2} of before"
    );
}

#[test]
fn incidents_learned_late_are_known_and_change_nothing_else() {
    let off = runs(TUTORIAL, &[], 100);
    let on = runs(TUTORIAL, &["reporting.late_logit_shift=2.0"], 100);
    let known = |s: &Summary| s.incidents_known as f64;
    let reported = |s: &Summary| s.incidents_reported as f64;
    assert_more(
        "incidents known with more late learning",
        mean(&on, known),
        mean(&off, known),
        0.05,
    );
    assert!(mean(&on, known) > mean(&on, reported));
    // Learning afterwards changes what is counted, not what happens.
    for (a, b) in off.iter().zip(&on) {
        assert_eq!(a.civilians_harmed, b.civilians_harmed);
        assert_eq!(a.incidents_reported, b.incidents_reported);
        assert_eq!(a.incidents_responded, b.incidents_responded);
    }
}

#[test]
fn a_response_crosses_the_site_to_reach_the_incident() {
    let point = runs(
        TUTORIAL,
        &[
            "geography.sites[town].radius_km=0",
            "geography.sites[camp].radius_km=0",
            "geography.sites[village].radius_km=0",
        ],
        100,
    );
    let wide = runs(
        TUTORIAL,
        &[
            "geography.sites[town].radius_km=6",
            "geography.sites[camp].radius_km=3",
            "geography.sites[village].radius_km=3",
        ],
        100,
    );
    let p90 = |s: &Summary| s.response_time_p90_h;
    assert_more(
        "90th percentile of response times across wide sites",
        mean(&wide, p90),
        mean(&point, p90),
        0.1,
    );
}

#[test]
fn attacks_on_a_poc_site_move_only_to_another_poc_site() {
    // Bentiu: every deterred attack on the POC site would move if it could.
    let m = model(
        "scenarios/south-sudan-bentiu-poc.toml",
        &[
            "presence.displacement_share=1",
            "presence.guard_deterrence={ poc_site_attack = 0.9 }",
            "threats[5].rate_per_day=0.5",
        ],
    );
    let poc = m.world.index["poc"];
    assert_eq!(
        m.processes
            .iter()
            .filter(|p| p.kind == pocsim::scenario::ThreatKind::PocSiteAttack)
            .count(),
        1
    );
    let mut at_poc = 0;
    for r in 0..10 {
        let opts = RunOptions {
            record_events: true,
            ..RunOptions::default()
        };
        let res = run(&m, Seed::new(MASTER, r), &mut Doctrine::default(), opts);
        for e in res.events.iter().filter(|e| {
            e.kind == pocsim::metrics::EventKind::Incident && e.outcome == "poc_site_attack"
        }) {
            assert_eq!(
                e.site,
                Some(poc.index()),
                "an attack on a POC site moved out of it"
            );
            at_poc += 1;
        }
    }
    assert!(at_poc > 10);
}

#[test]
fn displacement_moves_harm_and_never_multiplies_it() {
    // Every deterred threat moving next door cannot leave civilians worse off
    // than no deterrence at all.
    for path in [
        "scenarios/south-sudan-bentiu-poc.toml",
        "scenarios/haiti-port-au-prince-gangs.toml",
    ] {
        let moved = runs(path, &["presence.displacement_share=1"], 40);
        let none = runs(
            path,
            &[
                "presence.patrol_deterrence=0",
                "presence.guard_deterrence=0",
                "presence.ipo_deterrence=0",
                "presence.host_deterrence=0",
            ],
            40,
        );
        let harm = |s: &Summary| s.civilians_harmed as f64;
        assert!(
            mean(&moved, harm) <= mean(&none, harm),
            "{path}: {:.0} harmed when every deterred threat moves, {:.0} without deterrence",
            mean(&moved, harm),
            mean(&none, harm)
        );
    }
}
