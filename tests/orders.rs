//! The operations centre's orders besides answering incidents, on the
//! half-day course: each is paired (the same seeds with and without the
//! order, common random numbers), asserts that the mechanism ran and the
//! direction of what it changed with a margin, and would fail were the
//! mechanism a no-op.

use pocsim::exercise::{Choice, Session, Stop, doctrine_choice};
use pocsim::metrics::{EventKind, EventRow, Summary};
use pocsim::{Model, Seed, load_scenario};

const COURSE: &str = "scenarios/exercise-half-day-course.toml";

#[derive(Clone, Copy, PartialEq)]
enum Answer {
    Standard,
    DeclineAll,
}

struct Played {
    summary: Summary,
    events: Vec<EventRow>,
    refused: Vec<String>,
}

fn course() -> (pocsim::LoadedScenario, Model) {
    let loaded = load_scenario(std::path::Path::new(COURSE), &[]).unwrap();
    let model = Model::build(&loaded.scenario);
    (loaded, model)
}

/// Plays a session: incidents answered by `answer`, and at each inject's
/// message the orders `orders` gives for its name.
fn play(
    loaded: &pocsim::LoadedScenario,
    model: &Model,
    seed: u64,
    answer: Answer,
    orders: &dyn Fn(&str) -> Vec<Choice>,
) -> Played {
    let mut s = Session::new(loaded, model, Seed::new(seed, 0), "t");
    let mut refused = Vec::new();
    loop {
        match s.advance(f64::INFINITY) {
            Stop::Decision => {
                let c = match answer {
                    Answer::Standard => doctrine_choice(model, s.situation().unwrap()),
                    Answer::DeclineAll => Choice::Decline,
                };
                if s.apply(c).is_err() {
                    s.apply(Choice::Decline).unwrap();
                }
            }
            Stop::Message(k) => {
                for c in orders(&model.scenario.injects[k].name) {
                    if let Err(e) = s.apply(c) {
                        refused.push(e);
                    }
                }
            }
            Stop::Reached => {}
            Stop::Done => break,
        }
    }
    let events = s.sim().events().to_vec();
    let (_, result) = s.finish();
    Played {
        summary: result.summary,
        events,
        refused,
    }
}

fn none(_: &str) -> Vec<Choice> {
    Vec::new()
}

fn count(p: &Played, kind: EventKind) -> usize {
    p.events.iter().filter(|e| e.kind == kind).count()
}

fn site(model: &Model, id: &str) -> usize {
    model.world.index[id].index()
}

const SEEDS: std::ops::RangeInclusive<u64> = 1..=40;

#[test]
fn a_dialogue_calms_a_political_event() {
    let (loaded, model) = course();
    let camp = site(&model, "camp");
    let talk = |name: &str| {
        if name == "tension over food in the camp" {
            vec![Choice::Dialogue {
                site: "camp".into(),
                by: None,
            }]
        } else {
            Vec::new()
        }
    };
    // Incidents at the camp while the event lasts (day 1 13:00 to day 2 12:00).
    let at_camp = |p: &Played| {
        p.events
            .iter()
            .filter(|e| {
                e.kind == EventKind::Incident
                    && e.site == Some(camp)
                    && e.time_h >= 0.55 * 24.0
                    && e.time_h < 1.5 * 24.0
            })
            .count() as f64
    };
    let (mut with, mut without) = (0.0, 0.0);
    for seed in SEEDS {
        let a = play(&loaded, &model, seed, Answer::Standard, &none);
        let b = play(&loaded, &model, seed, Answer::Standard, &talk);
        assert!(b.refused.is_empty(), "{:?}", b.refused);
        assert_eq!(count(&b, EventKind::Dialogue), 1, "the dialogue was held");
        without += at_camp(&a);
        with += at_camp(&b);
    }
    let n = SEEDS.count() as f64;
    assert!(
        with / n < without / n - 0.3,
        "incidents at the camp during the event: {:.2} with a dialogue, {:.2} without",
        with / n,
        without / n
    );
}

#[test]
fn conditions_the_host_carries_out_end_an_alleged_pattern_and_suspension_ends_complicity() {
    let (loaded, model) = course();
    let order = |c: Choice| {
        move |name: &str| {
            if name == "allegation against host police" {
                vec![c.clone()]
            } else {
                Vec::new()
            }
        }
    };
    let conditions = order(Choice::Conditions {
        site: "town".into(),
    });
    let suspend = order(Choice::HostSupport {
        site: "town".into(),
        supported: false,
    });
    let early = |name: &str| {
        if name == "morning briefing, day 1" {
            vec![Choice::Conditions {
                site: "town".into(),
            }]
        } else {
            Vec::new()
        }
    };
    let (mut abuse, mut complicity) = ([0u64; 3], [0u64; 3]);
    let (mut met, mut answered) = (0, 0);
    let seeds = 1..=200u64;
    for seed in seeds.clone() {
        let runs = [
            play(&loaded, &model, seed, Answer::Standard, &none),
            play(&loaded, &model, seed, Answer::Standard, &suspend),
            play(&loaded, &model, seed, Answer::Standard, &conditions),
        ];
        assert_eq!(count(&runs[1], EventKind::HostSupportSuspended), 1);
        for e in &runs[2].events {
            if e.kind == EventKind::HostSupportConditioned && e.outcome != "asked" {
                answered += 1;
                met += usize::from(e.outcome == "met");
            }
        }
        for (k, r) in runs.iter().enumerate() {
            abuse[k] += r.summary.host_abuse_events;
            complicity[k] += r.summary.complicity_events;
        }
        if seed <= 5 {
            // Before any allegation there is nothing to set conditions on.
            let p = play(&loaded, &model, seed, Answer::Standard, &early);
            assert!(p.refused[0].contains("no allegation"), "{:?}", p.refused);
        }
    }
    // The host carries conditions out about as often as its integrity (0.6) says.
    assert_eq!(answered, 200, "every condition was answered");
    assert!((100..=140).contains(&met), "conditions met {met} of 200");
    // Carrying on: the pattern goes on with the mission's means, each abuse
    // one of complicity. Suspending: means cut, no complicity after it.
    // Conditions: the pattern ends where the host carries them out.
    assert!(abuse[0] > 150, "the allegation's pattern ran: {abuse:?}");
    assert!(
        abuse[2] * 3 < abuse[0] * 2,
        "conditions end the pattern where carried out: {abuse:?}"
    );
    assert!(
        abuse[1] * 5 < abuse[0] * 4,
        "suspension cuts the means, not the pattern: {abuse:?}"
    );
    assert!(
        complicity[1] * 3 < complicity[0],
        "suspension ends complicity: {complicity:?}"
    );
}

#[test]
fn an_alerted_company_reaches_the_attack_sooner() {
    let (loaded, model) = course();
    let camp = site(&model, "camp");
    let coy = model.units.iter().position(|u| u.id == "mil-coy").unwrap();
    let alert = |name: &str| {
        if name == "armed group on the move" {
            vec![Choice::Alert {
                unit: "mil-coy".into(),
            }]
        } else {
            Vec::new()
        }
    };
    // The company's first arrival at the camp after the attack begins.
    let arrival = |p: &Played| {
        p.events
            .iter()
            .find(|e| {
                e.kind == EventKind::Arrive
                    && e.unit == Some(coy)
                    && e.site == Some(camp)
                    && e.time_h >= 1.85 * 24.0
            })
            .map(|e| e.time_h)
    };
    let mut gains = Vec::new();
    for seed in SEEDS {
        let a = play(&loaded, &model, seed, Answer::Standard, &none);
        let b = play(&loaded, &model, seed, Answer::Standard, &alert);
        assert_eq!(count(&b, EventKind::Alerted), 1);
        if let (Some(x), Some(y)) = (arrival(&a), arrival(&b))
            && (x - y).abs() < 12.0
        {
            gains.push(x - y);
        }
    }
    assert!(gains.len() >= 10, "the company went in support: {gains:?}");
    let mean = gains.iter().sum::<f64>() / gains.len() as f64;
    // Readiness 2 h against 0.5 h on alert (coordination stays).
    assert!(mean > 1.0, "hours gained by the alert: {gains:?}");
}

#[test]
fn the_patrol_plan_decides_where_patrols_go() {
    let (loaded, model) = course();
    let village = site(&model, "village");
    let plan = |sites: Vec<String>| {
        move |name: &str| {
            if name == "morning briefing, day 1" {
                vec![Choice::PatrolPlan {
                    sites: sites.clone(),
                    units: vec!["fpu-a".into()],
                }]
            } else {
                Vec::new()
            }
        }
    };
    let to_village = plan(vec!["village".into()]);
    let no_patrols = plan(Vec::new());
    let day1 = |p: &Played, at: Option<usize>| {
        p.events
            .iter()
            .filter(|e| {
                e.kind == EventKind::PatrolOut
                    && e.time_h < 24.0
                    && at.is_none_or(|s| e.site == Some(s))
            })
            .count()
    };
    let (mut standard, mut village_plan, mut village_std) = (0, 0, 0);
    for seed in 1..=10 {
        let a = play(&loaded, &model, seed, Answer::Standard, &none);
        let b = play(&loaded, &model, seed, Answer::Standard, &to_village);
        let c = play(&loaded, &model, seed, Answer::Standard, &no_patrols);
        assert_eq!(count(&b, EventKind::PatrolPlan), 1);
        standard += day1(&a, None);
        village_std += day1(&a, Some(village));
        village_plan += day1(&b, Some(village));
        assert_eq!(day1(&c, None), 0, "no patrols in the plan, none go");
        assert!(
            day1(&b, None) == day1(&b, Some(village)),
            "a plan of one site sends patrols there only"
        );
    }
    assert!(standard >= 10, "standard procedure patrols on day 1");
    assert!(
        village_plan > village_std,
        "the plan sends patrols where the doctrine's ranking did not: {village_plan} vs {village_std}"
    );
}

#[test]
fn an_escort_is_answered_by_the_operations_centre() {
    let (loaded, model) = course();
    let answer = |approve: bool| {
        move |name: &str| {
            if name == "escort request" {
                vec![Choice::Escort {
                    approve,
                    unit: approve.then(|| "fpu-a".to_string()),
                    request: None,
                    site: String::new(),
                }]
            } else {
                Vec::new()
            }
        }
    };
    let (approve, refuse) = (answer(true), answer(false));
    let cancelled = |p: &Played, why: &str| {
        p.events
            .iter()
            .any(|e| e.kind == EventKind::EscortCancelled && e.outcome == why)
    };
    let (mut went, mut done_approved, mut done_refused) = (0, 0, 0);
    for seed in 1..=10 {
        let a = play(&loaded, &model, seed, Answer::Standard, &approve);
        let r = play(&loaded, &model, seed, Answer::Standard, &refuse);
        let silent = play(&loaded, &model, seed, Answer::Standard, &none);
        assert!(
            a.refused.is_empty(),
            "seed {seed}: approving with fpu-a: {:?}",
            a.refused
        );
        // The contingent's caveat asks the capital first (routine approval).
        went += usize::from(a.events.iter().any(|e| {
            e.kind == EventKind::EscortOut && e.time_h > 1.45 * 24.0 && e.time_h < 2.45 * 24.0
        }));
        assert!(cancelled(&r, "refused by the operations centre"));
        assert!(cancelled(&silent, "no answer"), "seed {seed}");
        done_approved += a.summary.escorts_done;
        done_refused += r.summary.escorts_done;
    }
    assert!(went >= 6, "approved escorts went in {went} of 10 sessions");
    assert!(done_approved >= done_refused + 6);
}

#[test]
fn orders_and_answers_change_the_outcome_of_the_course() {
    let (loaded, model) = course();
    let good = |name: &str| -> Vec<Choice> {
        let plan = |s: &[&str]| Choice::PatrolPlan {
            sites: s.iter().map(|x| x.to_string()).collect(),
            units: Vec::new(),
        };
        match name {
            "morning briefing, day 1" => vec![plan(&["town", "camp"])],
            "demonstration forming" => vec![Choice::Dialogue {
                site: "town".into(),
                by: None,
            }],
            "tension over food in the camp" => vec![Choice::Dialogue {
                site: "camp".into(),
                by: Some("ipo-town".into()),
            }],
            "morning briefing, day 2" | "morning briefing, day 3" => vec![plan(&["camp"])],
            "escort request" | "child-protection escort" => vec![Choice::Escort {
                approve: true,
                unit: None,
                request: None,
                site: String::new(),
            }],
            "armed group on the move" => vec![Choice::Alert {
                unit: "mil-coy".into(),
            }],
            "allegation against host police" => vec![Choice::Conditions {
                site: "town".into(),
            }],
            "morning briefing, day 4" => vec![plan(&["town", "camp"])],
            "market day" => vec![Choice::Dialogue {
                site: "town".into(),
                by: None,
            }],
            _ => Vec::new(),
        }
    };
    let (mut g, mut sp, mut dec) = (0u64, 0u64, 0u64);
    for seed in SEEDS {
        let a = play(&loaded, &model, seed, Answer::Standard, &good);
        let b = play(&loaded, &model, seed, Answer::Standard, &none);
        let c = play(&loaded, &model, seed, Answer::DeclineAll, &none);
        g += a.summary.civilians_harmed;
        sp += b.summary.civilians_harmed;
        dec += c.summary.civilians_harmed;
    }
    let n = SEEDS.count() as f64;
    let (g, sp, dec) = (g as f64 / n, sp as f64 / n, dec as f64 / n);
    eprintln!(
        "civilians harmed a session, mean of {n} seeds: orders {g:.1}, standard procedure {sp:.1}, declining everything {dec:.1}"
    );
    assert!(
        g < sp - 1.0 && sp < dec - 3.0,
        "civilians harmed a session: orders and standard answers {g:.1}, standard procedure {sp:.1}, declining everything {dec:.1}"
    );
}

#[test]
fn a_session_left_to_standard_procedure_replays_for_its_review_on_every_seed() {
    // Standard procedure answers the escort requests the operations centre is
    // asked; the log keeps those answers, so the review's replay meets the
    // same world (it did not, on some seeds, before they were logged).
    let (loaded, model) = course();
    for seed in SEEDS {
        let mut s = Session::new(&loaded, &model, Seed::new(seed, 0), "sp");
        s.hand_over();
        while s.advance(f64::INFINITY) != Stop::Done {}
        let (log, result) = s.finish();
        assert!(
            log.decisions
                .iter()
                .any(|d| matches!(d.choice, Choice::Escort { approve: true, .. })),
            "seed {seed}: the escort requests were answered and logged"
        );
        let r = pocsim::exercise::review::review(&log, &loaded, &model, 5, "sp.json")
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(
            r.team.civilians_harmed, result.summary.civilians_harmed,
            "seed {seed}: the replay meets the same world"
        );
    }
}

#[test]
fn a_waiver_is_asked_once_per_unit_and_incident() {
    // Asking the capital again for the same unit on the same incident while
    // the first request is pending commits nothing more: it is refused.
    let (loaded, model) = course();
    let mut exercised = 0;
    for seed in 1..=10 {
        let mut s = Session::new(&loaded, &model, Seed::new(seed, 0), "t");
        loop {
            match s.advance(f64::INFINITY) {
                Stop::Decision => {
                    let sit = s.situation().unwrap().clone();
                    let waivable = sit
                        .options
                        .iter()
                        .find(|o| o.waiver_eta_h.is_some())
                        .map(|o| model.units[o.unit].id.clone());
                    if let Some(unit) = waivable {
                        s.apply(Choice::Waiver { unit: unit.clone() }).unwrap();
                        let now = s.now_h();
                        if s.advance(now) == Stop::Decision
                            && s.situation()
                                .is_some_and(|x| x.incident.id == sit.incident.id)
                        {
                            let again = s.apply(Choice::Waiver { unit: unit.clone() });
                            let e =
                                again.expect_err("a second waiver for the same unit is refused");
                            assert!(e.contains("already"), "{e}");
                            exercised += 1;
                        }
                    }
                    if s.situation().is_some() {
                        let c = doctrine_choice(&model, s.situation().unwrap());
                        if s.apply(c).is_err() {
                            s.apply(Choice::Decline).unwrap();
                        }
                    }
                }
                Stop::Done => break,
                _ => {}
            }
        }
    }
    assert!(exercised > 0, "a waiver left the decision open");
}
