//! One test per mechanic of the engine: each runs two variants of a scenario
//! over many replications with common random numbers and asserts the
//! direction of the mechanic's effect, with a margin.

mod common;
use common::*;
use pocsim::engine::RunOptions;
use pocsim::model::UnitKind;
use pocsim::policy::{Decider, Decision, Situation, Status};
use pocsim::scenario::ThreatKind;
use pocsim::{Doctrine, Model, Seed, Simulation, Step, Summary, load_scenario_str, run};

const N: u64 = 150;

fn threat(s: &Summary, kind: &str, f: impl Fn(&pocsim::metrics::ThreatSummary) -> u64) -> f64 {
    s.by_threat.get(kind).map_or(0.0, |t| f(t) as f64)
}

/// The tutorial with extra TOML appended (new array entries such as injects).
fn tutorial_plus(extra: &str) -> Model {
    let text = std::fs::read_to_string(TUTORIAL).unwrap() + extra;
    let loaded = load_scenario_str(&text, "tutorial+", &[]).unwrap_or_else(|e| panic!("{e}"));
    Model::build(&loaded.scenario)
}

fn runs_of(m: &Model, n: u64) -> Vec<Summary> {
    (0..n)
        .map(|r| {
            run(
                m,
                Seed::new(MASTER, r),
                &mut Doctrine::default(),
                RunOptions::default(),
            )
            .summary
        })
        .collect()
}

// 1. Threat generation: tension makes threats self-exciting; dialogue lowers political injects.
#[test]
fn tension_raises_threat_rates() {
    // Rates are stated at the baseline's usual tension. A world where
    // violence no longer excites more violence calms down below it; one where
    // every unanswered incident excites more rises above it.
    let calm = runs(
        TUTORIAL,
        &[
            "tension.per_unanswered=0",
            "tension.per_harmed=0",
            "tension.per_release=0",
            "tension.per_abuse=0",
        ],
        N,
    );
    let usual = runs(TUTORIAL, &[], N);
    let heated = runs(TUTORIAL, &["tension.per_unanswered=1.5"], N);
    let incidents = |s: &Summary| s.incidents_true as f64;
    assert_more(
        "incidents at the usual tension",
        mean(&usual, incidents),
        mean(&calm, incidents),
        0.3,
    );
    assert_more(
        "incidents when violence excites more",
        mean(&heated, incidents),
        mean(&usual, incidents),
        0.05,
    );
    // Without self-excitation the stated rates hold as they are.
    let flat = runs(TUTORIAL, &["tension.amplitude=0"], N);
    let ratio = mean(&flat, incidents) / mean(&usual, incidents);
    assert!(
        (0.85..1.15).contains(&ratio),
        "incidents without self-excitation over the baseline: {ratio:.2}"
    );
}

#[test]
fn dialogue_lowers_disorder_around_a_political_event() {
    let inject = r#"
[[injects]]
name = "election day"
start_day = 30
end_day = 33
kinds = ["public_disorder"]
rate_multiplier = 15
political = true
"#;
    let without = tutorial_plus(inject);
    let mut with = tutorial_plus(inject);
    with.scenario.mandate.dialogue = true;
    let with = Model::build(&with.scenario);
    let a = runs_of(&without, N);
    let b = runs_of(&with, N);
    let pd = |s: &Summary| threat(s, "public_disorder", |t| t.incidents_true);
    assert_more(
        "public disorder without dialogue",
        mean(&a, pd),
        mean(&b, pd),
        0.15,
    );
}

// 2. Deterrence by presence, and displacement of deterred threats.
#[test]
fn presence_deters_threats() {
    let none = runs(
        TUTORIAL,
        &[
            "presence.displacement_share=0",
            "presence.patrol_deterrence=0",
        ],
        N,
    );
    let strong = runs(
        TUTORIAL,
        &[
            "presence.displacement_share=0",
            "presence.patrol_deterrence=0.8",
        ],
        N,
    );
    assert_more(
        "incidents without deterrence",
        mean(&none, |s| s.incidents_true as f64),
        mean(&strong, |s| s.incidents_true as f64),
        0.05,
    );
    assert!(mean(&strong, |s| s.incidents_deterred as f64) > 10.0);
}

#[test]
fn deterred_threats_move_to_less_protected_neighbours() {
    // Host police in town deter strongly; what they deter may move to the camp.
    let strong = "presence.host_deterrence=0.9";
    let vanish = runs(TUTORIAL, &[strong, "presence.displacement_share=0"], N);
    let moves = runs(TUTORIAL, &[strong, "presence.displacement_share=1"], N);
    assert_eq!(total(&vanish, |s| s.incidents_displaced as f64), 0.0);
    assert!(mean(&moves, |s| s.incidents_displaced as f64) > 5.0);
    assert_more(
        "incidents when deterred threats move",
        mean(&moves, |s| s.incidents_true as f64),
        mean(&vanish, |s| s.incidents_true as f64),
        0.1,
    );
}

// 3. Detection and reporting: community policing, communications, women officers, early warning.
#[test]
fn community_policing_and_comms_raise_reporting() {
    let share = |xs: &[Summary]| {
        total(xs, |s| s.incidents_reported as f64) / total(xs, |s| s.incidents_true as f64)
    };
    let no_ipo = runs(TUTORIAL, &["reporting.ipo_coef=0"], N);
    let ipo = runs(TUTORIAL, &[], N);
    assert_more(
        "reported share with community policing",
        share(&ipo),
        share(&no_ipo),
        0.03,
    );
    let poor = runs(TUTORIAL, &["geography.sites[camp].comms=0"], N);
    let good = runs(TUTORIAL, &["geography.sites[camp].comms=1"], N);
    assert_more("reported share with comms", share(&good), share(&poor), 0.1);
}

#[test]
fn women_officers_raise_crsv_reporting() {
    let few = runs(
        TUTORIAL,
        &[
            "forces.fpus[0].women_share=0.02",
            "forces.ipo_teams[0].women_share=0.02",
        ],
        N,
    );
    let many = runs(
        TUTORIAL,
        &[
            "forces.fpus[0].women_share=0.4",
            "forces.ipo_teams[0].women_share=0.4",
        ],
        N,
    );
    let share =
        |xs: &[Summary]| total(xs, |s| s.crsv_reported as f64) / total(xs, |s| s.crsv_true as f64);
    assert_more(
        "CRSV reported share with more women",
        share(&many),
        share(&few),
        0.5,
    );
}

#[test]
fn slow_reports_lose_the_early_warning() {
    let fast = runs(
        TUTORIAL,
        &[
            "reporting.delay_mean_h=0.2",
            "geography.sites[village].comms=1",
        ],
        N,
    );
    let slow = runs(
        TUTORIAL,
        &[
            "reporting.delay_mean_h=6",
            "geography.sites[village].comms=1",
        ],
        N,
    );
    let in_time = |s: &Summary| threat(s, "armed_attack", |t| t.answered_before_violence);
    assert_more(
        "attacks answered before violence with fast reports",
        total(&fast, in_time),
        total(&slow, in_time),
        0.5,
    );
}

// 4. Dispatch: capability, vehicles, the Decider interface.
#[test]
fn public_disorder_needs_a_formed_unit() {
    let without = runs(TUTORIAL, &["forces.fpus[0].count=0"], N);
    let with = runs(TUTORIAL, &[], N);
    let po = |s: &Summary| threat(s, "public_disorder", |t| t.incidents_responded);
    assert_eq!(
        total(&without, po),
        0.0,
        "no formed unit: nobody able answers public disorder"
    );
    assert!(total(&with, po) > 100.0);
}

#[test]
fn vehicles_shorten_response_times() {
    let on_foot = runs(
        TUTORIAL,
        &[
            "forces.fpus[0].vehicles=0",
            "forces.ipo_teams[0].vehicles=0",
        ],
        N,
    );
    let mounted = runs(TUTORIAL, &[], N);
    assert_more(
        "90th percentile of response times on foot",
        mean(&on_foot, |s| s.response_time_p90_h),
        mean(&mounted, |s| s.response_time_p90_h),
        0.5,
    );
}

struct AlwaysDecline;
impl Decider for AlwaysDecline {
    fn decide(&mut self, _: &Situation) -> Decision {
        Decision::Decline
    }
}

#[test]
fn decisions_go_through_the_decider() {
    let m = common::model(TUTORIAL, &[]);
    let (mut doctrine, mut idle) = (0.0, 0.0);
    for r in 0..N {
        let s = Seed::new(MASTER, r);
        doctrine += run(&m, s, &mut Doctrine::default(), RunOptions::default())
            .summary
            .civilians_harmed as f64;
        let d = run(&m, s, &mut AlwaysDecline, RunOptions::default()).summary;
        assert_eq!(d.incidents_responded, 0);
        idle += d.civilians_harmed as f64;
    }
    assert_more("harm when every report is declined", idle, doctrine, 0.05);
}

// 5. Caveats.
#[test]
fn approval_caveat_slows_responses_and_costs_harm() {
    let free = runs(TUTORIAL, &[], N);
    let approval = runs(
        TUTORIAL,
        &["forces.fpus[0].caveats.approval_required=true"],
        N,
    );
    assert_more(
        "p90 response time with approval",
        mean(&approval, |s| s.response_time_p90_h),
        mean(&free, |s| s.response_time_p90_h),
        0.2,
    );
    assert_more(
        "harm with approval",
        mean(&approval, |s| s.civilians_harmed as f64),
        mean(&free, |s| s.civilians_harmed as f64),
        0.02,
    );
    assert!(total(&approval, |s| s.responses_blocked_by_caveats as f64) > 0.0);
    assert_eq!(total(&free, |s| s.responses_blocked_by_caveats as f64), 0.0);
    assert!(total(&approval, |s| s.approvals_refused as f64) > 0.0);
}

#[test]
fn no_split_answers_fewer_simultaneous_public_order_incidents() {
    let busy = ["threats[4].rate_per_day=1.5"];
    let split = runs(TUTORIAL, &busy, N);
    let whole = runs(
        TUTORIAL,
        &[busy[0], "forces.fpus[0].caveats.no_split=true"],
        N,
    );
    let po = |s: &Summary| threat(s, "public_disorder", |t| t.incidents_responded);
    assert_more(
        "public-order responses with platoons",
        mean(&split, po),
        mean(&whole, po),
        0.05,
    );
}

#[test]
fn distance_and_night_caveats_block_responses() {
    let free = runs(TUTORIAL, &[], N);
    let far = runs(TUTORIAL, &["forces.fpus[0].caveats.max_distance_km=10"], N);
    let night = runs(TUTORIAL, &["forces.fpus[0].caveats.no_night_ops=true"], N);
    let armed = |s: &Summary| threat(s, "armed_attack", |t| t.incidents_responded);
    assert_eq!(
        total(&far, armed),
        0.0,
        "the village is beyond the FPU's allowed distance"
    );
    assert!(total(&free, armed) > 0.0);
    assert!(mean(&night, |s| s.responses_blocked_by_caveats as f64) > 1.0);
    assert_more(
        "harm with a no-night caveat",
        mean(&night, |s| s.civilians_harmed as f64),
        mean(&free, |s| s.civilians_harmed as f64),
        0.01,
    );
}

/// Records what the doctrine chose whenever the fastest option was forbidden.
struct Watch {
    inner: Doctrine,
    rerouted: u32,
    forbidden_taken: u32,
}
impl Decider for Watch {
    fn decide(&mut self, s: &Situation) -> Decision {
        let d = self.inner.decide(s);
        if let Decision::Dispatch { option, .. } = d {
            if !s.options[option].dispatchable() {
                self.forbidden_taken += 1;
            }
            let fastest = s
                .options
                .iter()
                .min_by(|a, b| a.travel_h.total_cmp(&b.travel_h).then(a.unit.cmp(&b.unit)))
                .unwrap();
            if matches!(fastest.status, Status::Forbidden(_))
                && s.options[option].unit != fastest.unit
            {
                self.rerouted += 1;
            }
        }
        d
    }
}

#[test]
fn a_forbidden_best_unit_sends_the_decision_to_the_next_best() {
    let m = common::model(TUTORIAL, &["forces.fpus[0].caveats.static_guard_only=true"]);
    let mut w = Watch {
        inner: Doctrine::default(),
        rerouted: 0,
        forbidden_taken: 0,
    };
    let opts = RunOptions {
        list_all_options: true,
        self_check: true,
        ..RunOptions::default()
    };
    for r in 0..40 {
        run(&m, Seed::new(MASTER, r), &mut w, opts);
    }
    assert_eq!(w.forbidden_taken, 0);
    assert!(w.rerouted > 0, "some decisions went to the next best unit");
    // And a forbidden option cannot be forced through the engine.
    let mut sim = Simulation::new(&m, Seed::new(MASTER, 0), opts);
    let mut refused = 0;
    while sim.step() == Step::Decision {
        let forbidden = sim
            .situation()
            .options
            .iter()
            .position(|o| matches!(o.status, Status::Forbidden(_)));
        if let Some(k) = forbidden {
            assert!(
                sim.decide(Decision::Dispatch {
                    option: k,
                    support: None
                })
                .is_err()
            );
            refused += 1;
        }
        let d = Doctrine::default().decide(sim.situation());
        sim.decide(d).unwrap();
    }
    assert!(refused > 0);
}

// 6. Outcome of a response: timing and fit of force to threat.
#[test]
fn an_unarmed_team_cannot_answer_an_armed_attack() {
    let m = common::model(TUTORIAL, &[]);
    let opts = RunOptions {
        list_all_options: true,
        ..RunOptions::default()
    };
    let mut seen = 0;
    for r in 0..20 {
        let mut sim = Simulation::new(&m, Seed::new(MASTER, r), opts);
        while sim.step() == Step::Decision {
            let s = sim.situation();
            if s.incident.kind == ThreatKind::ArmedAttack {
                seen += 1;
                assert!(
                    s.options.iter().all(|o| o.unit_kind != UnitKind::Ipo),
                    "IPO offered for an armed attack"
                );
            }
            let d = Doctrine::default().decide(s);
            sim.decide(d).unwrap();
        }
    }
    assert!(seen > 0);
}

#[test]
fn a_force_too_small_for_the_threat_averts_less_harm() {
    // Quick reports, so that responses arrive while they can still matter.
    let quick = [
        "geography.sites[village].comms=1",
        "reporting.delay_mean_h=0.2",
        "threat_kinds.armed_attack.report_delay_factor=1",
        "threat_kinds.armed_attack.duration_h=4",
    ];
    let strong = runs(TUTORIAL, &quick, N);
    let weak = runs(
        TUTORIAL,
        &[
            quick[0],
            quick[1],
            quick[2],
            quick[3],
            "forces.fpus[0].officers=40",
        ],
        N,
    );
    let armed = |s: &Summary| threat(s, "armed_attack", |t| t.civilians_harmed);
    assert_more(
        "armed-attack harm with a weak unit",
        total(&weak, armed),
        total(&strong, armed),
        0.03,
    );
}

// 7. Arrests and the justice chain.
#[test]
fn authority_decides_who_may_arrest() {
    let support = runs(TUTORIAL, &["mandate.authority=support_only"], N);
    let utm = runs(TUTORIAL, &[], N);
    let exec = runs(TUTORIAL, &["mandate.authority=executive"], N);
    let a = |s: &Summary| s.arrests as f64;
    assert_more("arrests under UTM", mean(&utm, a), mean(&support, a), 0.2);
    assert_more(
        "arrests under executive authority",
        mean(&exec, a),
        mean(&utm, a),
        0.1,
    );
}

#[test]
fn a_justice_chain_without_capacity_releases_detainees_and_feeds_incidents() {
    let base = ["clock.horizon_days=180", "tension.per_release=0.6"];
    let courts = runs(
        TUTORIAL,
        &[base[0], base[1], "mandate.justice_capacity_per_week=50"],
        N,
    );
    let none = runs(
        TUTORIAL,
        &[base[0], base[1], "mandate.justice_capacity_per_week=0"],
        N,
    );
    assert_eq!(total(&courts, |s| s.detainees_released as f64), 0.0);
    assert_eq!(total(&none, |s| s.detainees_handed_over as f64), 0.0);
    assert!(total(&none, |s| s.detainees_released as f64) > 100.0);
    assert_more(
        "incidents when detainees go free",
        mean(&none, |s| s.incidents_true as f64),
        mean(&courts, |s| s.incidents_true as f64),
        0.02,
    );
}

// 8. Host police: mentoring, HRDDP, complicity.
#[test]
fn mentoring_builds_host_capacity() {
    let few = runs(TUTORIAL, &[], 20);
    let many = runs(TUTORIAL, &["forces.ipo_teams[0].officers=40"], 20);
    assert_more(
        "host capacity with more mentors",
        mean(&many, |s| s.host_capacity_final),
        mean(&few, |s| s.host_capacity_final),
        0.2,
    );
}

#[test]
fn hrddp_suspension_avoids_complicity_and_slows_capacity() {
    let abuse = "host.abuse_rate_per_100_day=0.5";
    let support = runs(TUTORIAL, &[abuse, "mandate.hrddp=support"], N);
    let suspend = runs(TUTORIAL, &[abuse, "mandate.hrddp=suspend"], N);
    assert_eq!(total(&suspend, |s| s.complicity_events as f64), 0.0);
    assert!(total(&support, |s| s.complicity_events as f64) > 50.0);
    assert_more(
        "host capacity under support",
        mean(&support, |s| s.host_capacity_final),
        mean(&suspend, |s| s.host_capacity_final),
        0.2,
    );
}

// 9. Patrols and escorts.
#[test]
fn patrols_follow_doctrine_and_are_counted() {
    let none = runs(TUTORIAL, &["mandate.patrol.doctrine=none"], 20);
    let hot = runs(TUTORIAL, &[], 20);
    assert_eq!(total(&none, |s| s.patrols as f64), 0.0);
    assert!(mean(&hot, |s| s.patrols as f64) > 150.0);
    // Four hours on site each, less for patrols sent on to an incident.
    let (hours, patrols) = (
        mean(&hot, |s| s.patrol_hours),
        mean(&hot, |s| s.patrols as f64),
    );
    assert!(hours <= 4.0 * patrols + 1e-6 && hours > 3.0 * patrols);
}

#[test]
fn escorts_take_formed_units_away_and_need_them() {
    let busy = [
        "mandate.patrol.patrols_per_fpu_day=8",
        "forces.fpus[0].caveats.no_split=true",
    ];
    let few = runs(
        TUTORIAL,
        &[busy[0], busy[1], "escorts.requests_per_day=0.1"],
        N,
    );
    let many = runs(
        TUTORIAL,
        &[busy[0], busy[1], "escorts.requests_per_day=2"],
        N,
    );
    assert_more(
        "escorts done",
        mean(&many, |s| s.escorts_done as f64),
        mean(&few, |s| s.escorts_done as f64),
        1.0,
    );
    assert_more(
        "patrols not staffed with many escorts",
        mean(&many, |s| s.patrols_not_staffed as f64),
        mean(&few, |s| s.patrols_not_staffed as f64),
        0.1,
    );
    let no_fpu = runs(TUTORIAL, &["forces.fpus[0].count=0"], 20);
    assert_eq!(total(&no_fpu, |s| s.escorts_done as f64), 0.0);
    assert!(
        total(&no_fpu, |s| s.escorts_cancelled as f64) > 100.0,
        "visits without escort do not happen"
    );
}

// 10. Trust.
#[test]
fn community_policing_builds_trust_and_harm_erodes_it() {
    let cp = runs(TUTORIAL, &[], N);
    let no_cp = runs(
        TUTORIAL,
        &["forces.ipo_teams[0].community_policing=false"],
        N,
    );
    assert_more(
        "trust with community policing",
        mean(&cp, |s| s.trust_final),
        mean(&no_cp, |s| s.trust_final),
        0.1,
    );
    let numb = runs(TUTORIAL, &["trust.per_harmed_per_1000=0"], N);
    assert_more(
        "trust when harm does not erode it",
        mean(&numb, |s| s.trust_final),
        mean(&cp, |s| s.trust_final),
        0.05,
    );
}

// 11. Displacement.
#[test]
fn harm_drives_people_to_camps_where_crime_grows() {
    let stay = runs(TUTORIAL, &["displacement.flee_per_harmed=0"], N);
    let flee = runs(TUTORIAL, &[], N);
    assert_eq!(total(&stay, |s| s.displaced_final), 0.0);
    assert!(mean(&flee, |s| s.displaced_final) > 100.0);
    // Threats follow people: more at the camp that receives them, fewer
    // where they left.
    let at = |overrides: &[&str], site: &str| -> f64 {
        let m = common::model(TUTORIAL, overrides);
        let k = m.world.index[site];
        let opts = RunOptions {
            record_site_days: true,
            ..RunOptions::default()
        };
        (0..N)
            .map(|r| {
                run(&m, Seed::new(MASTER, r), &mut Doctrine::default(), opts)
                    .site_days
                    .iter()
                    .filter(|d| d.site == k.index())
                    .map(|d| f64::from(d.incidents_true))
                    .sum::<f64>()
            })
            .sum()
    };
    let stay_o = ["displacement.flee_per_harmed=0"];
    assert_more(
        "incidents at the camp",
        at(&[], "camp"),
        at(&stay_o, "camp"),
        0.05,
    );
    // A village that everyone leaves, and no one returns to, has no threats
    // of its own and receives none from its neighbours.
    let m = common::model(
        TUTORIAL,
        &[
            "displacement.flee_per_harmed=5000",
            "displacement.max_share=1",
            "displacement.calm_days=1000",
        ],
    );
    let village = m.world.index["village"];
    let opts = RunOptions {
        record_site_days: true,
        ..RunOptions::default()
    };
    let (mut empty_days, mut incidents_when_empty) = (0, 0);
    for r in 0..40 {
        let res = run(&m, Seed::new(MASTER, r), &mut Doctrine::default(), opts);
        let days: Vec<_> = res
            .site_days
            .iter()
            .filter(|d| d.site == village.index())
            .collect();
        for w in days.windows(2) {
            if w[0].population < 1.0 {
                empty_days += 1;
                incidents_when_empty += w[1].incidents_true;
            }
        }
    }
    assert!(
        empty_days > 100,
        "the village empties: {empty_days} empty days"
    );
    assert_eq!(incidents_when_empty, 0);
}

// Reproducibility and common random numbers.
#[test]
fn a_run_is_a_pure_function_of_scenario_and_seed() {
    let m = common::model(TUTORIAL, &[]);
    let opts = RunOptions {
        record_events: true,
        record_site_days: true,
        ..RunOptions::default()
    };
    let a = run(&m, Seed::new(9, 3), &mut Doctrine::default(), opts);
    let b = run(&m, Seed::new(9, 3), &mut Doctrine::default(), opts);
    assert_eq!(a, b);
    let c = run(&m, Seed::new(9, 4), &mut Doctrine::default(), opts);
    assert_ne!(a.summary, c.summary);
}

#[test]
fn a_change_in_one_mechanic_leaves_other_streams_alone() {
    // Escorts draw from their own stream: changing the escort rate must not
    // change which threats occur before any escort can matter (no escorts at all
    // vs escorts that never find a formed unit: the FPU is a static guard).
    let a = runs(
        TUTORIAL,
        &[
            "forces.fpus[0].caveats.static_guard_only=true",
            "escorts.requests_per_day=0.1",
        ],
        30,
    );
    let b = runs(
        TUTORIAL,
        &[
            "forces.fpus[0].caveats.static_guard_only=true",
            "escorts.requests_per_day=3",
        ],
        30,
    );
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.incidents_true, y.incidents_true);
        assert_eq!(x.civilians_harmed, y.civilians_harmed);
    }
}

// ---- The rules of the mandate (engine/rules.rs) --------------------------

/// Paired difference `a - b` over replications: (mean, half-width of its 95% CI).
fn paired(a: &[Summary], b: &[Summary], f: impl Fn(&Summary) -> f64) -> (f64, f64) {
    let (a, b): (Vec<f64>, Vec<f64>) = (a.iter().map(&f).collect(), b.iter().map(&f).collect());
    let p = pocsim::stats::paired(&b, &a, true);
    (p.mean_diff, (p.ci_high - p.ci_low) / 2.0)
}

#[test]
fn an_approval_that_costs_nothing_changes_nothing() {
    // The capital answers at once and never refuses: every harm, incident and
    // escort metric must equal the baseline's, replication by replication.
    let base = runs(TUTORIAL, &[], 60);
    let free = runs(
        TUTORIAL,
        &[
            "forces.fpus[0].caveats.approval_required=true",
            "forces.fpus[0].caveats.approval_delay_h=0",
            "forces.fpus[0].caveats.approval_delay_sd_h=0",
            "forces.fpus[0].caveats.approval_refusal_prob=0",
        ],
        60,
    );
    assert!(total(&free, |s| s.approvals_requested as f64) > 100.0);
    for (a, b) in base.iter().zip(&free) {
        let key = |s: &Summary| {
            (
                s.civilians_harmed,
                s.civilians_killed,
                s.incidents_true,
                s.incidents_reported,
                s.incidents_responded,
                s.incidents_prevented,
                s.incidents_unanswered,
                s.responses_blocked_by_caveats,
                s.escorts_done,
                s.escorts_cancelled,
                s.patrols,
            )
        };
        assert_eq!(key(a), key(b));
        assert_eq!(a.by_threat, b.by_threat);
    }
}

/// The doctrine, recording which rules stood in the way of some option.
struct RulesSeen(Doctrine, Vec<pocsim::policy::Rule>);
impl Decider for RulesSeen {
    fn decide(&mut self, s: &Situation) -> Decision {
        for o in &s.options {
            if let Status::Forbidden(r) | Status::Delayed(r) = o.status
                && !self.1.contains(&r)
            {
                self.1.push(r);
            }
        }
        self.0.decide(s)
    }
}

#[test]
fn every_shipped_scenario_staffs_its_patrols_and_exercises_its_caveats() {
    use pocsim::policy::Rule;
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        let path = path.to_str().unwrap();
        let m = common::model(path, &[]);
        let mut seen = RulesSeen(Doctrine::default(), Vec::new());
        let opts = RunOptions {
            list_all_options: true,
            ..RunOptions::default()
        };
        let xs: Vec<Summary> = (0..10)
            .map(|r| run(&m, Seed::new(1, r), &mut seen, opts).summary)
            .collect();
        let done = total(&xs, |s| s.patrols as f64);
        let missed = total(&xs, |s| s.patrols_not_staffed as f64);
        if m.scenario.mandate.patrol.patrols_per_fpu_day > 0.0 {
            assert!(done > 0.0, "{path}: no patrol at all");
        }
        assert!(
            missed <= 0.05 * (done + missed),
            "{path}: {missed} of {} planned patrols not staffed",
            done + missed
        );
        let fpus: Vec<_> = m
            .units
            .iter()
            .filter(|u| u.kind == UnitKind::Fpu)
            .map(|u| &u.caveats)
            .collect();
        if fpus.iter().any(|c| c.approval_required) {
            assert!(
                total(&xs, |s| s.approvals_requested as f64) > 0.0,
                "{path}: the approval caveat is never exercised"
            );
        }
        let in_force = [
            (
                Rule::ApprovalRequired,
                fpus.iter().any(|c| c.approval_required),
            ),
            (Rule::NoNightOps, fpus.iter().any(|c| c.no_night_ops)),
            (
                Rule::MaxDistance,
                fpus.iter().any(|c| c.max_distance_km.is_some()),
            ),
            (
                Rule::AllowedSites,
                fpus.iter().any(|c| c.allowed_sites.is_some()),
            ),
            (
                Rule::NoJointHostOps,
                fpus.iter().any(|c| c.no_joint_host_ops),
            ),
            (
                Rule::StaticGuardOnly,
                fpus.iter().any(|c| c.static_guard_only),
            ),
        ];
        for (rule, on) in in_force {
            if on {
                assert!(
                    seen.1.contains(&rule),
                    "{path}: {} is in force but never stood in the way of an option",
                    rule.name()
                );
            }
        }
    }
}

#[test]
fn unilateral_protection_keeps_un_responses_when_support_is_suspended() {
    let haiti = "scenarios/haiti-port-au-prince-gangs.toml";
    let un = |s: &Summary| s.incidents_responded_un_police as f64;
    let n = 40;
    let support = runs(haiti, &["mandate.hrddp=support"], n);
    let suspend = runs(haiti, &["mandate.hrddp=suspend"], n);
    assert!(mean(&support, un) > 50.0);
    assert!(
        mean(&suspend, un) >= 0.8 * mean(&support, un),
        "suspension under the guidelines' reading: {:.1} UN responses vs {:.1}",
        mean(&suspend, un),
        mean(&support, un)
    );
    let r = "mandate.unilateral_protection=false";
    let support_r = runs(haiti, &["mandate.hrddp=support", r], n);
    let suspend_r = runs(haiti, &["mandate.hrddp=suspend", r], n);
    assert!(
        mean(&suspend_r, un) < 0.8 * mean(&support_r, un),
        "suspension under the restrictive reading: {:.1} UN responses vs {:.1}",
        mean(&suspend_r, un),
        mean(&support_r, un)
    );
    // The restrictive reading costs civilians when support is suspended.
    let (d, hw) = paired(&suspend_r, &suspend, |s| s.civilians_harmed as f64);
    assert!(
        d - hw > 0.0,
        "restrictive reading: {d:.1} ± {hw:.1} more harmed"
    );
    // And the analyst sees where: the incidents whose best unit the mandate kept away.
    let by_mandate = |s: &Summary| s.responses_blocked_by_mandate as f64;
    assert_eq!(total(&suspend, by_mandate), 0.0);
    assert!(
        mean(&suspend_r, by_mandate) > 10.0 * mean(&support_r, by_mandate).max(1.0),
        "incidents blocked by the mandate: {:.1} suspended vs {:.1} supported",
        mean(&suspend_r, by_mandate),
        mean(&support_r, by_mandate)
    );
}

#[test]
fn host_police_arrest_in_their_own_right_when_support_is_suspended() {
    // Haiti under `support_only`: UN police may not arrest outside POC sites,
    // so every arrest is by host police. Suspending the mission's support
    // weakens them (capacity no longer built) but does not take their powers.
    let haiti = "scenarios/haiti-port-au-prince-gangs.toml";
    let n = 40;
    let arrests = |s: &Summary| s.arrests as f64;
    let support = runs(haiti, &["mandate.hrddp=support"], n);
    let suspend = runs(haiti, &["mandate.hrddp=suspend"], n);
    assert!(mean(&support, arrests) > 20.0);
    assert!(
        mean(&suspend, arrests) >= 0.5 * mean(&support, arrests),
        "arrests with support suspended: {:.1} vs {:.1}",
        mean(&suspend, arrests),
        mean(&support, arrests)
    );
    // Suspension costs what support built.
    let (d, hw) = paired(&suspend, &support, arrests);
    assert!(
        d + hw < 0.0,
        "arrests, suspend minus support: {d:.1} ± {hw:.1}"
    );
}

#[test]
fn support_lends_means_that_an_abusive_unit_uses() {
    // Haiti: host units below the HRDDP threshold. Unconditional support lends
    // them means, so they abuse more than when support is suspended.
    let haiti = "scenarios/haiti-port-au-prince-gangs.toml";
    let n = 40;
    let abuse = |s: &Summary| s.host_abuse_events as f64;
    let support = runs(haiti, &["mandate.hrddp=support"], n);
    let suspend = runs(haiti, &["mandate.hrddp=suspend"], n);
    assert!(mean(&suspend, abuse) > 1.0);
    let (d, hw) = paired(&support, &suspend, abuse);
    assert!(
        d - hw > 0.0,
        "abuse, support minus suspend: {d:.2} ± {hw:.2}"
    );
    let none = runs(
        haiti,
        &["mandate.hrddp=support", "host.abuse_support_gain=0"],
        n,
    );
    let (d0, _) = paired(&none, &suspend, abuse);
    assert!(
        d0.abs() < 0.5 * d,
        "without lent means, support and suspension abuse alike: {d0:.2} vs {d:.2}"
    );
}

#[test]
fn conditional_support_lowers_abuse_and_suspension_costs_capacity() {
    // Liberia: eighteen months, host units with a record of abuse.
    let liberia = "scenarios/liberia-transition.toml";
    let n = 40;
    let support = runs(liberia, &["mandate.hrddp=support"], n);
    let conditional = runs(liberia, &["mandate.hrddp=conditional"], n);
    let suspend = runs(liberia, &["mandate.hrddp=suspend"], n);
    let (d, hw) = paired(&conditional, &support, |s| s.host_abuse_events as f64);
    assert!(
        d + hw < 0.0,
        "abuse under conditional minus support: {d:.2} ± {hw:.2}"
    );
    assert_eq!(total(&suspend, |s| s.complicity_events as f64), 0.0);
    assert!(total(&conditional, |s| s.complicity_events as f64) > 0.0);
    assert_more(
        "final host capacity under conditional support",
        mean(&conditional, |s| s.host_capacity_final),
        mean(&suspend, |s| s.host_capacity_final),
        0.1,
    );
}

#[test]
fn arrests_protect_when_the_courts_can_take_detainees() {
    let bangui = "scenarios/car-bangui-utm.toml";
    let n = 60;
    let harm = |s: &Summary| s.civilians_harmed as f64;
    let ample = "mandate.justice_capacity_per_week=1000";
    let none = runs(bangui, &[ample, "mandate.arrest_prob=0"], n);
    let many = runs(bangui, &[ample, "mandate.arrest_prob=0.9"], n);
    let (d, hw) = paired(&many, &none, harm);
    assert!(d + hw < 0.0, "arrests with courts: {d:.1} ± {hw:.1} harmed");
    let closed = "mandate.justice_capacity_per_week=0";
    let none_c = runs(bangui, &[closed, "mandate.arrest_prob=0"], n);
    let many_c = runs(bangui, &[closed, "mandate.arrest_prob=0.9"], n);
    let (dc, _) = paired(&many_c, &none_c, harm);
    assert!(
        dc > d + 0.5 * d.abs(),
        "without courts the benefit should shrink: {dc:.1} vs {d:.1}"
    );
}

#[test]
fn platoons_in_shifts_answer_later_when_resting() {
    // No shifts: every free platoon at 30 minutes, around the clock.
    let always = runs(
        TUTORIAL,
        &[
            "forces.fpus[0].shifts.duty_h_per_day=24",
            "forces.fpus[0].shifts.rest_h=0",
            "forces.fpus[0].shifts.night_share=1",
        ],
        N,
    );
    // A thin rota: one platoon of four on duty at a time.
    let shifts = runs(
        TUTORIAL,
        &[
            "forces.fpus[0].shifts.duty_h_per_day=6",
            "forces.fpus[0].shifts.resting_readiness_h=3",
            "forces.fpus[0].shifts.night_share=1",
        ],
        N,
    );
    assert_more(
        "90th percentile of response times with shifts",
        mean(&shifts, |s| s.response_time_p90_h),
        mean(&always, |s| s.response_time_p90_h),
        0.02,
    );
    assert_more(
        "harm with shifts",
        mean(&shifts, |s| s.civilians_harmed as f64),
        mean(&always, |s| s.civilians_harmed as f64),
        0.0,
    );
}

#[test]
fn a_patrol_on_site_answers_at_once_and_patrols_are_re_tasked() {
    let m = common::model(TUTORIAL, &["presence.patrol_deterrence=0"]);
    let (mut at_once, mut retasked) = (0, 0);
    for r in 0..40 {
        let opts = RunOptions {
            record_events: true,
            ..RunOptions::default()
        };
        let res = run(&m, Seed::new(MASTER, r), &mut Doctrine::default(), opts);
        // Nothing is based at the camp: only a patrol there can arrive at
        // once, crossing the camp (radius 0.5 km at 15 km/h: at most 2 minutes).
        at_once += res.response_times_h.iter().filter(|&&t| t <= 0.034).count();
        retasked += res
            .events
            .iter()
            .filter(|e| e.kind == pocsim::metrics::EventKind::PatrolRetasked)
            .count();
    }
    assert!(
        at_once > 20,
        "responses at the moment of the report: {at_once}"
    );
    assert!(retasked > at_once, "patrols re-tasked: {retasked}");
}

#[test]
fn military_on_foot_is_slower_and_military_presence_deters_armed_attacks() {
    // A company at the town, called in support against attacks on the village.
    let company = |mounted: bool| -> Model {
        tutorial_plus(&format!(
            "\n[[forces.military]]\nid = \"coy\"\nbase = \"town\"\nstrength = 150\nreadiness_h = 0.5\nmounted = {mounted}\n"
        ))
    };
    let armed = |s: &Summary| threat(s, "armed_attack", |t| t.civilians_harmed);
    // Only the company can answer an armed attack, and attacks last long
    // enough for the road to matter.
    let only_military = |mut m: Model| {
        m.scenario.effectiveness.fpu.armed = 0.0;
        let k = m
            .scenario
            .threat_kinds
            .get_mut(&ThreatKind::ArmedAttack)
            .unwrap();
        k.escalation_h = 2.0;
        k.duration_h = 6.0;
        k.report_delay_factor = 1.0;
        Model::build(&m.scenario)
    };
    let mounted = runs_of(&only_military(company(true)), N);
    let foot = runs_of(&only_military(company(false)), N);
    assert_more(
        "armed-attack harm with the military on foot",
        mean(&foot, armed),
        mean(&mounted, armed),
        0.02,
    );

    // A company posted at the village deters the armed attacks there.
    let posted = |d: f64| {
        let mut m = tutorial_plus(
            "\n[[forces.military]]\nid = \"coy\"\nbase = \"village\"\nstrength = 150\nreadiness_h = 0.5\n",
        );
        m.scenario
            .presence
            .military_deterrence
            .insert(ThreatKind::ArmedAttack, d);
        Model::build(&m.scenario)
    };
    let attacks = |s: &Summary| threat(s, "armed_attack", |t| t.incidents_true);
    assert_more(
        "armed attacks without military deterrence",
        mean(&runs_of(&posted(0.0), N), attacks),
        mean(&runs_of(&posted(0.6), N), attacks),
        0.2,
    );
}

/// The doctrine, counting attacks on POC sites answered by police while a
/// military unit could go, and how many of those drew military support.
struct Recording(Doctrine, u32, u32);
impl Decider for Recording {
    fn decide(&mut self, s: &Situation) -> Decision {
        let d = self.0.decide(s);
        if let Decision::Dispatch { option, support } = d
            && s.incident.kind == ThreatKind::PocSiteAttack
            && s.options[option].unit_kind != UnitKind::Military
            && s.options
                .iter()
                .any(|o| o.unit_kind == UnitKind::Military && o.dispatchable())
        {
            self.1 += 1;
            if support.is_some() {
                self.2 += 1;
            }
        }
        d
    }
}

#[test]
fn doctrine_asks_the_military_to_support_against_attacks_on_poc_sites() {
    let m = common::model(
        "scenarios/south-sudan-bentiu-poc.toml",
        &["threats[5].rate_per_day=0.2"],
    );
    assert_eq!(m.scenario.threats[5].kind, ThreatKind::PocSiteAttack);
    let mut rec = Recording(Doctrine::default(), 0, 0);
    for r in 0..40 {
        run(&m, Seed::new(MASTER, r), &mut rec, RunOptions::default());
    }
    assert!(
        rec.1 > 3,
        "police answered {} attacks with the military free",
        rec.1
    );
    assert_eq!(rec.2, rec.1);
}

/// Asks the capital for an urgent waiver wherever the approval caveat delays the best option.
struct Waiving;
impl Decider for Waiving {
    fn decide(&mut self, s: &Situation) -> Decision {
        match Doctrine::default().decide(s) {
            Decision::Dispatch { option, .. }
                if s.options[option].status
                    == Status::Delayed(pocsim::policy::Rule::ApprovalRequired) =>
            {
                Decision::RequestWaiver { option }
            }
            d => d,
        }
    }
}

#[test]
fn an_urgent_waiver_is_faster_than_a_routine_approval_and_a_commander_may_act() {
    let approval = "forces.fpus[0].caveats.approval_required=true";
    let n = 100;
    let m_slow = common::model(
        TUTORIAL,
        &[
            approval,
            "forces.fpus[0].caveats.urgent_waiver_h=6",
            "forces.fpus[0].caveats.urgent_waiver_sd_h=4",
            "forces.fpus[0].caveats.urgent_refusal_prob=0.2",
        ],
    );
    let m_fast = common::model(TUTORIAL, &[approval]);
    let harm = |m: &Model| -> f64 {
        (0..n)
            .map(|r| {
                run(m, Seed::new(MASTER, r), &mut Waiving, RunOptions::default())
                    .summary
                    .civilians_harmed as f64
            })
            .sum::<f64>()
    };
    let (slow, fast) = (harm(&m_slow), harm(&m_fast));
    assert_more(
        "harm when the waiver takes as long as routine approval",
        slow,
        fast,
        0.01,
    );
    let routine = runs(TUTORIAL, &[approval], n);
    let commander = runs(
        TUTORIAL,
        &[approval, "forces.fpus[0].caveats.commander_may_act=true"],
        n,
    );
    assert_more(
        "harm when responses wait for the capital",
        mean(&routine, |s| s.civilians_harmed as f64),
        mean(&commander, |s| s.civilians_harmed as f64),
        0.02,
    );
    // Escorts still ask.
    assert!(total(&commander, |s| s.approvals_requested as f64) > 0.0);
}

#[test]
fn the_doctrine_asks_for_urgent_waivers_where_the_procedure_says_so() {
    let approval = "forces.fpus[0].caveats.approval_required=true";
    let n = 100;
    let routine = runs(TUTORIAL, &[approval], n);
    let urgent = runs(
        TUTORIAL,
        &[approval, "mandate.doctrine_requests_waivers=true"],
        n,
    );
    // The same requests reach the capital (one per dispatch of the unit), but
    // as urgent ones, answered within the hour instead of a working day.
    assert!(total(&urgent, |s| s.approvals_requested as f64) > 0.0);
    let harm = |s: &Summary| s.civilians_harmed as f64;
    let (d, hw) = paired(&urgent, &routine, harm);
    assert!(d + hw < 0.0, "harm, urgent minus routine: {d:.1} ± {hw:.1}");
}

#[test]
fn a_lighter_night_shift_answers_later_at_night() {
    // Platoons off duty are called in slowly, so who is on duty at night matters.
    let n = 150;
    let slow = "forces.fpus[0].shifts.resting_readiness_h=4";
    let even = runs(TUTORIAL, &[slow, "forces.fpus[0].shifts.night_share=1"], n);
    let light = runs(TUTORIAL, &[slow, "forces.fpus[0].shifts.night_share=0"], n);
    let harm = |s: &Summary| s.civilians_harmed as f64;
    let (d, hw) = paired(&light, &even, harm);
    assert!(
        d - hw > 0.0,
        "harm, no night shift minus even: {d:.1} ± {hw:.1}"
    );
}

#[test]
fn replacing_detained_members_shortens_what_arrests_buy() {
    let bangui = "scenarios/car-bangui-utm.toml";
    let n = 60;
    let harm = |s: &Summary| s.civilians_harmed as f64;
    let ample = "mandate.justice_capacity_per_week=1000";
    let never = "justice.replacement_days=0";
    let fast = "justice.replacement_days=3";
    let none = runs(bangui, &[ample, never, "mandate.arrest_prob=0"], n);
    let many = runs(bangui, &[ample, never, "mandate.arrest_prob=0.9"], n);
    let many_fast = runs(bangui, &[ample, fast, "mandate.arrest_prob=0.9"], n);
    let (d, _) = paired(&many, &none, harm);
    let (d_fast, _) = paired(&many_fast, &none, harm);
    assert!(
        d < 0.0 && d_fast > d,
        "arrests' benefit: {d:.1} harmed when groups never replace members, {d_fast:.1} when they do in days"
    );
}
