//! Calibration of the baseline tension: the level at which a scenario's
//! stated threat rates hold.
//!
//! Tension is self-exciting: incidents raise it and it raises rates. A rate
//! cited from evidence is a rate observed in a world whose tension sat at its
//! usual level, so the model divides the tension factor by its value at that
//! level, T*, and starts every site there. T* depends on how the baseline
//! answers incidents, so it is measured, not guessed: a few pilot
//! replications of the baseline (fixed seeds, the shipped doctrine) measure
//! each site's mean tension factor, and T* is set to the tension that gives
//! it; three rounds settle it. Variants of an experiment reuse the baseline's
//! T* (`Model::reuse_calibration`) so that a policy that lowers tension shows
//! it, and common random numbers hold.

use super::{RunOptions, run};
use crate::model::Model;
use crate::policy::Doctrine;
use crate::rng::Seed;
use rayon::prelude::*;

/// Master seed of the pilot replications.
const PILOT_SEED: u64 = 0x7e45_10ca_1b12_a7e0;
/// Pilot replications per round, and rounds.
const PILOT_RUNS: u64 = 12;
const ROUNDS: usize = 3;

impl Model {
    /// The model with its baseline tension measured from pilot replications
    /// (see the module's documentation); a model without self-excitation is
    /// returned as it is.
    pub fn calibrated(mut self) -> Model {
        let amp = self.scenario.tension.amplitude;
        if amp <= 0.0 || self.processes.is_empty() {
            return self;
        }
        let n = self.world.len();
        for _ in 0..ROUNDS {
            let mut g = vec![0.0; n];
            let mut count = 0.0;
            // The pilots run in parallel; their results are summed in order,
            // so T* does not depend on the thread count.
            let pilots: Vec<_> = (0..PILOT_RUNS)
                .into_par_iter()
                .map(|r| {
                    let opts = RunOptions {
                        record_site_days: true,
                        ..RunOptions::default()
                    };
                    run(
                        &self,
                        Seed::new(PILOT_SEED, r),
                        &mut Doctrine::default(),
                        opts,
                    )
                })
                .collect();
            for res in &pilots {
                for d in &res.site_days {
                    g[d.site] += d.tension / (1.0 + d.tension);
                }
                count += res.days.len() as f64;
            }
            let tension: Vec<f64> = g
                .iter()
                .map(|&x| {
                    let mean = (x / count.max(1.0)).clamp(0.0, 0.999);
                    mean / (1.0 - mean)
                })
                .collect();
            self.set_tension_baseline(tension);
        }
        self
    }

    /// Takes the baseline tension of `baseline` (a variant of the same
    /// world), so that the variant's rates are read against the same level.
    pub fn reuse_calibration(&mut self, baseline: &Model) {
        if baseline.world.len() == self.world.len() {
            self.set_tension_baseline(baseline.tension_baseline.clone());
        }
    }
}

/// The model of a scenario run with overrides: built from `variant`, with
/// its rates read against the tension calibrated on `base` (the same file
/// without the overrides), as every variant of an experiment is.
pub fn variant_model(
    base: &crate::scenario::Scenario,
    variant: &crate::scenario::Scenario,
) -> Model {
    let calibrated = Model::build(base).calibrated();
    let mut m = Model::build(variant);
    m.reuse_calibration(&calibrated);
    m
}
