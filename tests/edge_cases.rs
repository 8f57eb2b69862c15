//! Numerical edge cases: each runs and gives sensible results, or is refused
//! with a clear validation error.

mod common;
use common::*;
use pocsim::engine::RunOptions;
use pocsim::{Doctrine, Model, Override, Seed, load_scenario, run};

fn try_run(overrides: &[&str]) -> Result<pocsim::Summary, String> {
    let ovs: Vec<Override> = overrides
        .iter()
        .map(|o| Override::parse(o).unwrap())
        .collect();
    let loaded = load_scenario(TUTORIAL.as_ref(), &ovs).map_err(|e| e.to_string())?;
    let m = Model::build(&loaded.scenario);
    let opts = RunOptions {
        self_check: true,
        record_events: true,
        record_site_days: true,
        ..RunOptions::default()
    };
    Ok(run(&m, Seed::new(5, 0), &mut Doctrine::default(), opts).summary)
}

fn ok(overrides: &[&str]) -> pocsim::Summary {
    try_run(overrides).unwrap_or_else(|e| panic!("{overrides:?}: {e}"))
}

#[test]
fn zero_rates_give_a_quiet_run() {
    let s = ok(&[
        "threats[0].rate_per_day=0",
        "threats[1].rate_per_day=0",
        "threats[2].rate_per_day=0",
        "threats[3].rate_per_day=0",
        "threats[4].rate_per_day=0",
        "host.abuse_rate_per_100_day=0",
        "mandate.patrol.doctrine=fixed",
    ]);
    assert_eq!(s.incidents_true, 0);
    assert_eq!(s.civilians_harmed, 0);
    assert!(
        s.response_time_median_h.is_nan(),
        "no response: the median is undefined, not zero"
    );
    assert!(s.patrols > 0, "activity goes on");
}

#[test]
fn zero_population_means_no_harm() {
    let s = ok(&[
        "geography.sites[0].population=0",
        "geography.sites[1].population=0",
        "geography.sites[2].population=0",
    ]);
    assert_eq!(s.civilians_harmed, 0);
    assert!(s.incidents_true > 0, "threats still occur");
}

#[test]
fn very_large_populations_run() {
    let s = ok(&[
        "geography.sites[1].population=1e9",
        "geography.sites[1].design_capacity=1e9",
    ]);
    assert!(s.civilians_harmed > 0);
}

#[test]
fn horizons_of_an_hour_and_of_years_run() {
    let s = ok(&["clock.horizon_days=0.0416667"]);
    assert!(s.incidents_true < 5);
    let s = ok(&["clock.horizon_days=3650"]);
    assert!(s.incidents_true > 1000);
    let e = try_run(&["clock.horizon_days=0"]).unwrap_err();
    assert!(e.contains("clock.horizon_days"), "{e}");
}

#[test]
fn units_without_vehicles_walk() {
    let walk = ok(&[
        "forces.fpus[0].vehicles=0",
        "forces.ipo_teams[0].vehicles=0",
    ]);
    let drive = ok(&[]);
    assert!(walk.response_time_p90_h >= drive.response_time_p90_h);
    let s = ok(&["forces.fpus[0].vehicles_per_platoon=0"]);
    assert!(
        s.incidents_responded > 0,
        "needing no vehicles is not an error"
    );
}

#[test]
fn probabilities_of_exactly_zero_and_one() {
    let s = ok(&[
        "forces.fpus[0].caveats.approval_required=true",
        "forces.fpus[0].caveats.approval_refusal_prob=1",
    ]);
    assert_eq!(
        s.approvals_requested, s.approvals_refused,
        "a capital that always refuses"
    );
    let s = ok(&["mandate.arrest_prob=0"]);
    assert_eq!(s.arrests, 0);
    let s = ok(&["mandate.arrest_prob=1", "mandate.authority=executive"]);
    assert!(s.arrests > 0);
    let s = ok(&[
        "presence.patrol_deterrence=1",
        "presence.displacement_share=1",
    ]);
    assert!(s.incidents_displaced > 0);
    let s = ok(&["geography.sites[2].comms=0", "geography.sites[2].trust=0"]);
    assert!(s.incidents_true >= s.incidents_reported);
    let e = try_run(&["mandate.arrest_prob=1.5"]).unwrap_err();
    assert!(
        e.contains("expected a number from 0 to 1, found 1.5"),
        "{e}"
    );
}

#[test]
fn a_single_site_scenario_runs() {
    let text = pocsim::synth::mission(1, 3, 30.0);
    let loaded = pocsim::load_scenario_str(&text, "one site", &[]).unwrap();
    let m = Model::build(&loaded.scenario);
    let r = run(
        &m,
        Seed::new(1, 0),
        &mut Doctrine::default(),
        RunOptions {
            self_check: true,
            ..RunOptions::default()
        },
    );
    assert!(r.summary.incidents_true > 0);
}

#[test]
fn no_forces_at_all() {
    let s = ok(&[
        "forces.fpus[0].count=0",
        "forces.ipo_teams[0].count=0",
        "forces.host_police[0].officers=0",
    ]);
    assert_eq!(s.incidents_responded, 0);
    assert_eq!(s.person_days, 0.0);
    assert!(s.civilians_harmed > 0);
}
