//! The world's numbers: the rates a scenario states are the rates its
//! baseline produces, threats follow the people present, displaced threats go
//! where people are.

mod common;
use common::*;
use pocsim::engine::RunOptions;
use pocsim::{Doctrine, Model, Seed, run};

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
