//! Face validity: variants of the shipped scenarios, run with common random
//! numbers, move in the directions the literature and the domain report.
//! Each test names its source (../shared/EVIDENCE.md and DOMAIN.md). Run counts
//! are modest for CI; `POCSIM_FACE_RUNS=2000 cargo test --release --test
//! face_validity` runs the heavy version.

mod common;
use common::*;
use pocsim::Summary;

const BANGUI: &str = "scenarios/car-bangui-utm.toml";
const BENTIU: &str = "scenarios/south-sudan-bentiu-poc.toml";
const MALI: &str = "scenarios/mali-central-long-distances.toml";
const HAITI: &str = "scenarios/haiti-port-au-prince-gangs.toml";
const ELECTION: &str = "scenarios/drc-election-week.toml";
/// Replications per variant (`POCSIM_FACE_RUNS` overrides).
fn n() -> u64 {
    std::env::var("POCSIM_FACE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120)
}

fn harm(s: &Summary) -> f64 {
    s.civilians_harmed as f64
}

/// Hultman, Kathman & Shannon 2013 (EVIDENCE, directions 1 and 3): more UN police,
/// fewer civilians harmed, with strongly diminishing returns.
#[test]
fn more_police_less_harm_with_diminishing_returns() {
    let h: Vec<f64> = (0..3)
        .map(|k| {
            mean(
                &runs(BANGUI, &[&format!("forces.fpus[0].count={k}")], n()),
                harm,
            )
        })
        .collect();
    let (first, second) = (h[0] - h[1], h[1] - h[2]);
    assert!(
        first > 0.0 && second > 0.0,
        "harm should fall with more FPUs: {h:?}"
    );
    assert!(
        first > 1.5 * second,
        "the first FPUs should help more than the next: {h:?}"
    );
}

/// OIOS 2014 and HIPPO 2015 (EVIDENCE, direction 6): caveats lower the chance that
/// an attack draws a timely response, and raise harm.
#[test]
fn an_approval_caveat_lowers_timely_answers_and_raises_harm() {
    let base = runs(BANGUI, &[], n());
    let approval = runs(
        BANGUI,
        &[
            "forces.fpus[0].caveats.approval_required=true",
            "forces.fpus[0].caveats.approval_delay_h=8",
            "forces.fpus[0].caveats.approval_refusal_prob=0.25",
        ],
        n(),
    );
    let in_time = |s: &Summary| s.attacks_answered_before_violence_share;
    assert_more(
        "attacks answered in time without the caveat",
        mean(&base, in_time),
        mean(&approval, in_time),
        0.1,
    );
    assert_more(
        "harm with the caveat",
        mean(&approval, harm),
        mean(&base, harm),
        0.01,
    );
}

/// OIOS 2014 (EVIDENCE): 20% of attacks drew an immediate response overall, 68% in
/// the best mission. Removing every caveat speeds every response, and the
/// share of attacks answered stays below what the best mission achieved.
#[test]
fn removing_caveats_moves_timely_answers_toward_the_best_missions() {
    // OIOS counts attacks reported to missions that drew an immediate response.
    let n = || n().max(200);
    let base = runs(MALI, &[], n());
    let free = runs(
        MALI,
        &[
            "forces.fpus[0].caveats.no_night_ops=false",
            "forces.fpus[0].caveats.max_distance_km=100000",
        ],
        n(),
    );
    // Villages 75-190 km away: attacks are over before anyone can arrive,
    // caveats or not; what the caveats cost is the time every response takes.
    let p90 = |s: &Summary| s.response_time_p90_h;
    assert_more(
        "90th percentile of response times with caveats",
        mean(&base, p90),
        mean(&free, p90),
        0.1,
    );
    let in_time = |s: &Summary| s.attacks_responded_share;
    let f = mean(&free, in_time);
    assert!(f < 0.68, "no better than the best mission: {f}");
}

/// DOMAIN (flexible resources) and seed 003: vehicles mean mobility; over long
/// distances, units without vehicles answer later.
#[test]
fn vehicles_shorten_responses_over_long_distances() {
    let no_ipo_cars = [
        "forces.ipo_teams[0].vehicles=0",
        "forces.ipo_teams[1].vehicles=0",
    ];
    let mounted = runs(MALI, &no_ipo_cars, n());
    let on_foot = runs(
        MALI,
        &[no_ipo_cars[0], no_ipo_cars[1], "forces.fpus[0].vehicles=0"],
        n(),
    );
    let med = |s: &Summary| s.response_time_median_h;
    assert_more(
        "median response time without FPU vehicles",
        mean(&on_foot, med),
        mean(&mounted, med),
        0.2,
    );
}

/// DOMAIN and seed 003; Karim & Beardsley 2016 (EVIDENCE, direction 5): more women
/// officers raise the reporting of CRSV.
#[test]
fn more_women_officers_raise_the_reported_share_of_crsv() {
    let few = runs(BENTIU, &[], n());
    let many = runs(
        BENTIU,
        &[
            "forces.ipo_teams[0].women_share=0.4",
            "forces.fpus[0].women_share=0.3",
        ],
        n(),
    );
    let share =
        |xs: &[Summary]| total(xs, |s| s.crsv_reported as f64) / total(xs, |s| s.crsv_true as f64);
    assert_more(
        "reported share of CRSV with more women",
        share(&many),
        share(&few),
        0.3,
    );
}

/// DOMAIN (doing no harm) and seed 003: suspending support under HRDDP avoids
/// complicity and slows the growth of host capacity.
#[test]
fn hrddp_suspension_avoids_complicity_and_slows_capacity() {
    let support = runs(HAITI, &["mandate.hrddp=support"], n());
    let suspend = runs(HAITI, &["mandate.hrddp=suspend"], n());
    assert!(mean(&support, |s| s.complicity_events as f64) > 5.0);
    assert_eq!(total(&suspend, |s| s.complicity_events as f64), 0.0);
    let cap = |s: &Summary| s.host_capacity_final;
    assert_more(
        "host capacity with support",
        mean(&support, cap),
        mean(&suspend, cap),
        0.2,
    );
}

/// DOMAIN (the justice chain) and seed 003: arrests with nobody to hand detainees
/// to end in release and impunity, which feeds the next incident.
#[test]
fn a_justice_chain_without_capacity_releases_and_breeds_incidents() {
    let courts = runs(BANGUI, &[], n());
    let none = runs(BANGUI, &["mandate.justice_capacity_per_week=0"], n());
    assert_more(
        "releases without courts",
        mean(&none, |s| s.detainees_released as f64),
        mean(&courts, |s| s.detainees_released as f64),
        1.0,
    );
    assert_more(
        "incidents without courts",
        mean(&none, |s| s.incidents_true as f64),
        mean(&courts, |s| s.incidents_true as f64),
        0.01,
    );
}

/// Seed 003: FPUs that cannot deploy platoon-sized sub-units cannot reach several
/// hot spots at once: they answer fewer simultaneous public-order incidents in time.
#[test]
fn fpus_that_may_split_answer_more_simultaneous_disorder_in_time() {
    let two = ["forces.fpus[0].count=1", "forces.fpus[1].count=1"];
    let split = runs(ELECTION, &two, n());
    let whole = runs(
        ELECTION,
        &[
            two[0],
            two[1],
            "forces.fpus[0].caveats.no_split=true",
            "forces.fpus[1].caveats.no_split=true",
        ],
        n(),
    );
    let in_time = |s: &Summary| {
        s.by_threat
            .get("public_disorder")
            .map_or(0.0, |t| t.answered_before_violence as f64)
    };
    assert_more(
        "public-order incidents answered in time with platoons",
        mean(&split, in_time),
        mean(&whole, in_time),
        0.05,
    );
}

/// Seed 003 (dialogue and engagement, POC tier 1): pressing the authorities ahead of
/// elections lowers violence around them.
#[test]
fn dialogue_ahead_of_the_election_lowers_disorder() {
    let with = runs(ELECTION, &[], n());
    let without = runs(ELECTION, &["mandate.dialogue=false"], n());
    let pd = |s: &Summary| {
        s.by_threat
            .get("public_disorder")
            .map_or(0.0, |t| t.incidents_true as f64)
    };
    assert_more(
        "public disorder without dialogue",
        mean(&without, pd),
        mean(&with, pd),
        0.15,
    );
}

/// Every shipped scenario validates and runs, with the model's invariants checked.
#[test]
fn every_shipped_scenario_runs() {
    let mut n = 0;
    for e in std::fs::read_dir("scenarios").unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let r = runs(p.to_str().unwrap(), &[], 3);
            assert!(r.iter().all(|s| s.incidents_true >= s.incidents_reported));
            n += 1;
        }
    }
    assert!(n >= 7, "seven scenarios ship");
}
