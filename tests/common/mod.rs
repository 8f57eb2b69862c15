//! Helpers shared by the integration tests: load a scenario with overrides and
//! run many replications of it with common random numbers.

#![allow(dead_code)]

use pocsim::engine::RunOptions;
use pocsim::{Doctrine, Model, Override, Seed, Summary, load_scenario, run};

/// Master seed shared by paired variants.
pub const MASTER: u64 = 20261122;

pub fn model(path: &str, overrides: &[&str]) -> Model {
    let ovs: Vec<Override> = overrides
        .iter()
        .map(|o| Override::parse(o).expect("override parses"))
        .collect();
    let loaded = load_scenario(path.as_ref(), &ovs).unwrap_or_else(|e| panic!("{e}"));
    Model::build(&loaded.scenario)
}

/// Replications 0..n of a scenario variant, all with the master seed.
pub fn runs(path: &str, overrides: &[&str], n: u64) -> Vec<Summary> {
    let m = model(path, overrides);
    (0..n)
        .map(|r| {
            let opts = RunOptions {
                self_check: true,
                ..RunOptions::default()
            };
            run(&m, Seed::new(MASTER, r), &mut Doctrine::default(), opts).summary
        })
        .collect()
}

/// Mean of a metric over replications (NaN values skipped).
pub fn mean(xs: &[Summary], f: impl Fn(&Summary) -> f64) -> f64 {
    let v: Vec<f64> = xs.iter().map(f).filter(|x| x.is_finite()).collect();
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Sum of a metric over replications.
pub fn total(xs: &[Summary], f: impl Fn(&Summary) -> f64) -> f64 {
    xs.iter().map(f).sum()
}

/// Asserts `a > b * (1 + margin)` with a readable message.
pub fn assert_more(what: &str, a: f64, b: f64, margin: f64) {
    assert!(
        a > b * (1.0 + margin),
        "{what}: expected {a:.3} to exceed {b:.3} by more than {:.0}%",
        margin * 100.0
    );
}

pub const TUTORIAL: &str = "scenarios/tutorial.toml";
