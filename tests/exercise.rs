//! Training exercises in plain mode: played end to end through a pipe, replayed
//! exactly from the log, forbidden decisions refused with the reason on screen,
//! and bad decision files refused with a clear error.

mod common;

use pocsim::exercise::{
    Choice, Replay, Session, Stop, doctrine_choice, plain::Plain, play, read_log,
};
use pocsim::{Model, Seed, load_scenario};
use std::io::Write;
use std::process::{Command, Stdio};

const T: &str = "scenarios/tutorial.toml";

fn pocsim_with_input(args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn an_exercise_is_played_in_plain_mode_and_replays_exactly() {
    let dir = std::env::temp_dir().join(format!("pocsim-ex-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("alpha.json");
    let o = pocsim_with_input(
        &[
            "exercise",
            T,
            "--plain",
            "--team",
            "alpha",
            "--seed",
            "3",
            "--log",
            log.to_str().unwrap(),
        ],
        "2\nwait\n1\n3\ndecline\nsuspend town\n1\n",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let screen = String::from_utf8_lossy(&o.stdout);
    assert!(screen.contains("reported at District town"), "{screen}");
    assert!(screen.contains("end of input: standard procedure takes over"));
    let played = read_log(&log).unwrap();
    assert_eq!(played.team, "alpha");
    assert!(played.decisions.len() > 20);
    assert!(
        played
            .decisions
            .iter()
            .any(|d| matches!(d.choice, pocsim::exercise::Choice::HostSupport { .. }))
    );
    // Replaying the log gives the same decisions and the same outcome.
    let again = dir.join("again.json");
    let o = pocsim_with_input(
        &[
            "exercise",
            T,
            "--seed",
            "3",
            "--decisions",
            log.to_str().unwrap(),
            "--log",
            again.to_str().unwrap(),
        ],
        "",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let replayed = read_log(&again).unwrap();
    assert_eq!(played.decisions, replayed.decisions);
    assert_eq!(played.outcome, replayed.outcome);
    // The after-action review of the replayed exercise, checked in a browser.
    let review = dir.join("review");
    let o = pocsim_with_input(
        &[
            "review",
            log.to_str().unwrap(),
            "--runs",
            "50",
            "--out",
            review.to_str().unwrap(),
        ],
        "",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(review.join("review.html")).unwrap();
    roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("review.html is not well-formed: {e}"));
    assert!(
        html.contains("doctrine, same seed") && html.contains("The decisions that mattered most")
    );
    let md = std::fs::read_to_string(review.join("review.md")).unwrap();
    assert!(
        md.contains("Decision "),
        "the decisions that mattered are named: {md}"
    );
    common::browser_check(&review.join("review.html"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_forbidden_decision_cannot_be_taken_and_the_screen_says_why() {
    let ov = [pocsim::Override::parse("forces.fpus[0].caveats.static_guard_only=true").unwrap()];
    let loaded = load_scenario(T.as_ref(), &ov).unwrap();
    let model = Model::build(&loaded.scenario).calibrated();
    // Try option 2, then 1, then decline: at the camp or village the FPU (a
    // static guard in town) is listed but forbidden (first or second, after
    // the IPO team), so the engine refuses it and the trainee moves on.
    let input = "2\n1\ndecline\n".repeat(60);
    let mut out = Vec::new();
    let mut trainee = Plain::new(input.as_bytes(), &mut out);
    let (log, _) = play(&loaded, &model, Seed::new(4, 0), "t", &mut trainee);
    let screen = String::from_utf8_lossy(&out);
    assert!(
        screen.contains("FORBIDDEN by static_guard_only"),
        "the option is shown as forbidden"
    );
    assert!(
        screen.contains("Not possible: fpu-a cannot be dispatched: forbidden by static_guard_only"),
        "{screen}"
    );
    for d in &log.decisions {
        if let pocsim::exercise::Choice::Dispatch { unit, .. } = &d.choice {
            assert!(
                !(unit == "fpu-a" && d.site != "town"),
                "a forbidden dispatch was taken at {}",
                d.site
            );
        }
    }
}

#[test]
fn bad_decision_files_are_refused() {
    let dir = std::env::temp_dir().join(format!("pocsim-exbad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("log.json");
    let o = pocsim_with_input(
        &["exercise", T, "--seed", "3", "--log", log.to_str().unwrap()],
        "",
    );
    assert!(o.status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["decisions"][0]["choice"] = serde_json::json!({"action": "dispatch", "unit": "fpu-zz"});
    let bad_unit = dir.join("bad-unit.json");
    std::fs::write(&bad_unit, v.to_string()).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["decisions"].as_array_mut().unwrap().push(serde_json::json!({"time_h": 5000.0, "incident": 99999, "kind": "crsv", "site": "town", "choice": {"action": "wait"}}));
    let late = dir.join("late.json");
    std::fs::write(&late, v.to_string()).unwrap();
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "exercise",
                T,
                "--seed",
                "3",
                "--decisions",
                bad_unit.to_str().unwrap(),
            ],
            "unit `fpu-zz` does not exist",
        ),
        (
            vec![
                "exercise",
                T,
                "--seed",
                "3",
                "--decisions",
                late.to_str().unwrap(),
            ],
            "when nothing of the kind was pending",
        ),
        (
            vec![
                "exercise",
                "scenarios/car-bangui-utm.toml",
                "--seed",
                "3",
                "--decisions",
                log.to_str().unwrap(),
            ],
            "from another scenario",
        ),
        (
            vec![
                "exercise",
                T,
                "--seed",
                "4",
                "--decisions",
                log.to_str().unwrap(),
            ],
            "pass --seed 3",
        ),
        (
            vec![
                "exercise",
                T,
                "--seed",
                "3",
                "--decisions",
                garbage.to_str().unwrap(),
            ],
            "not a pocsim exercise log",
        ),
    ];
    for (args, msg) in cases {
        let o = pocsim_with_input(&args, "");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(msg) && !err.contains("panicked"),
            "{args:?}: expected `{msg}` in {err}"
        );
    }
    let _ = Replay::new(
        &read_log(&log).unwrap(),
        &load_scenario(T.as_ref(), &[]).unwrap(),
        "log",
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn injects_reach_the_trainees_and_start_their_incidents() {
    let loaded = load_scenario("scenarios/exercise-half-day-course.toml".as_ref(), &[]).unwrap();
    let model = Model::build(&loaded.scenario).calibrated();
    let mut out = Vec::new();
    // "1" answers a decision; the empty line lets the clock run on after a message.
    let input = "1\n\n".repeat(200);
    let mut trainee = Plain::new(input.as_bytes(), &mut out);
    let (log, _) = play(&loaded, &model, Seed::new(3, 0), "t", &mut trainee);
    let screen = String::from_utf8_lossy(&out);
    // A message that starts no incident stops the clock at its own moment.
    assert!(
        screen.contains("[day 3, 14:24] INJECT from human-rights section to head of police component: Credible allegations")
            && screen.contains("  The clock is stopped."),
        "{screen}"
    );
    for text in [
        "About 300 people gathering",
        "Gunfire at the edge of the IDP camp",
        "Credible allegations",
    ] {
        assert!(screen.contains(text), "inject `{text}` not shown");
    }
    // The attack an inject starts is reported at once: a decision at its very moment.
    let attack = loaded
        .scenario
        .injects
        .iter()
        .find(|i| i.name == "attack near the camp")
        .unwrap();
    assert!(
        log.decisions
            .iter()
            .any(|d| d.kind == "armed_attack" && (d.time_h - attack.start_day * 24.0).abs() < 1e-9),
        "no decision on the injected attack"
    );
}

const COURSE: &str = "scenarios/exercise-half-day-course.toml";

/// Plays a session with doctrine deciding, stopping the clock every `step_h`
/// hours and at every message; `act` may act at each stop with nothing pending.
fn doctrine_session(
    loaded: &pocsim::LoadedScenario,
    model: &Model,
    seed: Seed,
    step_h: f64,
    act: &mut dyn FnMut(&mut Session),
) -> pocsim::Summary {
    let mut s = Session::new(loaded, model, seed, "t");
    loop {
        match s.advance(s.now_h() + step_h) {
            Stop::Done => break,
            Stop::Decision => {
                let c = doctrine_choice(model, s.situation().unwrap());
                s.apply(c).unwrap();
            }
            _ => {
                // Escort requests wait for the operations centre in a
                // session: standard procedure approves them.
                while !s.sim().escorts_asked().is_empty() {
                    s.apply(Choice::Escort {
                        approve: true,
                        unit: None,
                        request: None,
                        site: String::new(),
                    })
                    .unwrap();
                }
                act(&mut s)
            }
        }
    }
    s.finish().1.summary
}

#[test]
fn stopping_the_clock_changes_nothing() {
    // A session stopped every 0.37 h and at every message, with doctrine's
    // choices, is the plain doctrine run of the same seed.
    let loaded = load_scenario(COURSE.as_ref(), &[]).unwrap();
    let model = Model::build(&loaded.scenario).calibrated();
    for r in 0..20 {
        let seed = Seed::new(11, r);
        let stopped = doctrine_session(&loaded, &model, seed, 0.37, &mut |_| {});
        let straight = pocsim::run(
            &model,
            seed,
            &mut pocsim::Doctrine::default(),
            pocsim::RunOptions::default(),
        )
        .summary;
        assert_eq!(stopped, straight, "replication {r}");
    }
}

#[test]
fn a_trainer_inject_starts_a_reported_incident_that_harms() {
    // The same seeds with and without an armed attack injected at the village
    // on day 2: one more reported incident every time, and more harm overall.
    let loaded = load_scenario(COURSE.as_ref(), &[]).unwrap();
    let model = Model::build(&loaded.scenario).calibrated();
    let (mut harm0, mut harm1) = (0u64, 0u64);
    let (mut reported0, mut reported1) = (0u64, 0u64);
    for r in 0..60 {
        let seed = Seed::new(5, r);
        let base = doctrine_session(&loaded, &model, seed, 1.0, &mut |_| {});
        let mut done = false;
        let with = doctrine_session(&loaded, &model, seed, 1.0, &mut |s| {
            if !done && s.now_h() >= 30.0 {
                done = true;
                s.apply(Choice::Inject {
                    kind: "armed_attack".into(),
                    site: "village".into(),
                    text: "gunmen on the road".into(),
                })
                .unwrap();
            }
        });
        // The injected attack is reported (the rest of the world may then
        // differ: people flee the village, so later threats there are fewer).
        reported0 += base.incidents_reported;
        reported1 += with.incidents_reported;
        harm0 += base.civilians_harmed;
        harm1 += with.civilians_harmed;
    }
    assert!(
        reported1 >= reported0 + 50,
        "reported with the inject {reported1}, without {reported0}, over 60 replications"
    );
    assert!(
        harm1 as f64 > harm0 as f64 * 1.1,
        "harm with the inject {harm1}, without {harm0}"
    );
}

#[test]
fn choices_between_decisions_replay_at_their_moment_and_bad_ones_are_refused() {
    let loaded = load_scenario(COURSE.as_ref(), &[]).unwrap();
    let model = Model::build(&loaded.scenario).calibrated();
    let seed = Seed::new(3, 0);
    let (base, _) = play(&loaded, &model, seed, "t", &mut NoOne);
    // A hand-written file: suspend support to the town's host police at 30 h,
    // a moment when nothing is pending.
    let mut file = base.clone();
    file.decisions = vec![pocsim::exercise::LoggedDecision {
        time_h: 30.0,
        incident: None,
        kind: String::new(),
        site: String::new(),
        choice: Choice::HostSupport {
            site: "town".into(),
            supported: false,
        },
        shown: Vec::new(),
        answers: None,
    }];
    let mut replay = Replay::new(&file, &loaded, "f.json").unwrap();
    let (log, result) = play(&loaded, &model, seed, "t", &mut replay);
    assert!(replay.error.is_none() && replay.leftover().is_none());
    let free = log
        .decisions
        .iter()
        .find(|d| matches!(d.choice, Choice::HostSupport { .. }))
        .unwrap();
    assert_eq!((free.time_h, free.incident), (30.0, None));
    assert!(
        result.events.iter().any(
            |e| e.kind == pocsim::metrics::EventKind::HostSupportSuspended && e.time_h == 30.0
        )
    );
    // The same with a site that does not exist: refused with the reason.
    file.decisions[0].choice = Choice::HostSupport {
        site: "nowhere".into(),
        supported: false,
    };
    let mut replay = Replay::new(&file, &loaded, "f.json").unwrap();
    let _ = play(&loaded, &model, seed, "t", &mut replay);
    let e = replay.error.expect("refused");
    assert!(e.contains("site `nowhere` does not exist"), "{e}");
}

/// A trainee who is not there: standard procedure decides from the start.
struct NoOne;

impl pocsim::exercise::Trainee for NoOne {
    fn choose(&mut self, _: &Session, _: Option<&str>) -> Option<Choice> {
        None
    }
}

#[test]
fn an_escort_inject_sends_a_platoon_away() {
    // The course's escort request, on and off, over the same seeds: with it,
    // more escorts are done (and FPU platoons are away for them).
    let on = load_scenario(COURSE.as_ref(), &[]).unwrap();
    let off = load_scenario(
        COURSE.as_ref(),
        &[pocsim::Override::parse("injects[4].escort=false").unwrap()],
    )
    .unwrap();
    assert!(
        on.scenario.injects[4].escort,
        "the course's fifth inject is the escort"
    );
    let (m_on, m_off) = (
        Model::build(&on.scenario).calibrated(),
        Model::build(&off.scenario).calibrated(),
    );
    let (mut with, mut without) = (0u64, 0u64);
    for r in 0..60 {
        let seed = Seed::new(8, r);
        let opts = pocsim::RunOptions::default();
        let a = pocsim::run(&m_on, seed, &mut pocsim::Doctrine::default(), opts).summary;
        let b = pocsim::run(&m_off, seed, &mut pocsim::Doctrine::default(), opts).summary;
        assert!(
            a.escorts_done + a.escorts_cancelled >= b.escorts_done + b.escorts_cancelled,
            "replication {r}"
        );
        with += a.escorts_done;
        without += b.escorts_done;
    }
    assert!(
        with >= without + 40,
        "escorts done: {with} with the inject, {without} without"
    );
}

#[test]
fn a_hand_written_decisions_file_needs_no_times_for_decisions() {
    // Decisions named by incident only, a suspension at a moment, listed out of
    // order, no scenario hash: replayed where they belong.
    let d = std::env::temp_dir().join(format!("pocsim-hand-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let hand = d.join("answer.json");
    // The incidents that need a decision on this seed, before and after 30 h.
    std::fs::write(&hand, r#"{ "seed": 3, "decisions": [] }"#).unwrap();
    let first = d.join("first.json");
    let o = Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(["exercise", COURSE, "--seed", "3", "--decisions"])
        .arg(&hand)
        .arg("--log")
        .arg(&first)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pending = read_log(&first).unwrap().decisions;
    let before = pending.iter().find(|x| x.time_h < 30.0).unwrap();
    let after = pending.iter().find(|x| x.time_h > 30.0).unwrap();
    let (a, b) = (before.incident.unwrap(), after.incident.unwrap());
    std::fs::write(
        &hand,
        format!(
            r#"{{ "seed": 3, "decisions": [
            {{ "incident": {a}, "choice": {{ "action": "decline" }} }},
            {{ "time_h": 30.0, "choice": {{ "action": "host_support", "site": "town", "supported": false }} }},
            {{ "incident": {b}, "choice": {{ "action": "wait" }} }}
        ] }}"#
        ),
    )
    .unwrap();
    let out = d.join("out.json");
    let o = Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(["exercise", COURSE, "--seed", "3", "--decisions"])
        .arg(&hand)
        .arg("--log")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let log = read_log(&out).unwrap();
    let of = |i: usize| {
        log.decisions
            .iter()
            .find(|x| x.incident == Some(i))
            .unwrap()
    };
    assert_eq!(of(a).choice, Choice::Decline);
    assert_eq!(of(b).choice, Choice::Wait);
    assert!(
        log.decisions
            .iter()
            .any(|x| x.incident.is_none() && x.time_h == 30.0)
    );
    // A choice between decisions without a time is refused with the reason.
    std::fs::write(
        &hand,
        r#"{ "seed": 3, "decisions": [ { "choice": { "action": "host_support", "site": "town", "supported": false } } ] }"#,
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(["exercise", COURSE, "--seed", "3", "--decisions"])
        .arg(&hand)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("decisions[0]: an inject or a choice between decisions needs `time_h`")
    );
    // A decision for an incident that never needs one, before a choice between
    // decisions: refused, not stuck.
    let never = (0..)
        .find(|i| !pending.iter().any(|x| x.incident == Some(*i)))
        .unwrap();
    std::fs::write(
        &hand,
        format!(
            r#"{{ "seed": 3, "decisions": [
            {{ "incident": {never}, "choice": {{ "action": "decline" }} }},
            {{ "time_h": 30.0, "choice": {{ "action": "host_support", "site": "town", "supported": false }} }}
        ] }}"#
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(["exercise", COURSE, "--seed", "3", "--decisions"])
        .arg(&hand)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if t0.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the replay did not finish");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(2));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        err.contains(&format!(
            "for incident {never}, when nothing of the kind was pending"
        )),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// Sends the first ready FPU with `platoons` platoons at every decision where
/// one can go (0: doctrine's choice throughout), and returns the outcome and the log.
fn fpu_platoons(
    loaded: &pocsim::LoadedScenario,
    model: &Model,
    seed: Seed,
    platoons: u32,
) -> (pocsim::Summary, pocsim::exercise::ExerciseLog) {
    let mut s = Session::new(loaded, model, seed, "t");
    loop {
        match s.advance(f64::INFINITY) {
            Stop::Done => break,
            Stop::Decision => {
                let sit = s.situation().unwrap().clone();
                let fpu = sit.options.iter().find(|o| {
                    o.unit_kind == pocsim::model::UnitKind::Fpu
                        && o.status == pocsim::policy::Status::Ready
                });
                let c = match fpu.filter(|_| platoons > 0) {
                    Some(o) => Choice::Dispatch {
                        unit: model.units[o.unit].id.clone(),
                        support: None,
                        platoons: Some(platoons),
                    },
                    None => doctrine_choice(model, &sit),
                };
                if s.apply(c).is_err() {
                    let c = doctrine_choice(model, s.situation().unwrap());
                    s.apply(c).unwrap();
                }
            }
            _ => {}
        }
    }
    let (log, r) = s.finish();
    (r.summary, log)
}

#[test]
fn trainees_choose_how_many_platoons_go_where_a_unit_may_split() {
    // The tutorial's FPU (four platoons of 35) against criminal violence made to
    // need 140 officers: one platoon at a time protects less than the platoons
    // the threat needs (what doctrine sends, shown as platoons = 0 here).
    // Shifts off: calling in resting platoons would make the larger force late.
    let ov = [
        "threat_kinds.criminal_violence.force_needed=140",
        "forces.fpus[0].shifts.duty_h_per_day=24",
        "forces.fpus[0].shifts.rest_h=0",
        "forces.fpus[0].shifts.night_share=1",
        // Patrols answer with the platoons they have: only platoons from base here.
        "mandate.patrol.doctrine=none",
    ]
    .map(|o| pocsim::Override::parse(o).unwrap());
    let loaded = load_scenario(T.as_ref(), &ov).unwrap();
    let model = Model::build(&loaded.scenario).calibrated();
    let (mut one, mut three) = (0u64, 0u64);
    for r in 0..40 {
        let seed = Seed::new(21, r);
        let (a, log) = fpu_platoons(&loaded, &model, seed, 1);
        let (b, _) = fpu_platoons(&loaded, &model, seed, 0);
        one += a.civilians_harmed;
        three += b.civilians_harmed;
        if r == 0 {
            // The chosen strength is logged and replays exactly.
            assert!(log.decisions.iter().any(|d| matches!(
                d.choice,
                Choice::Dispatch {
                    platoons: Some(1),
                    ..
                }
            )));
            let mut replay = Replay::new(&log, &loaded, "log.json").unwrap();
            let (again, _) = play(&loaded, &model, seed, "t", &mut replay);
            assert!(replay.error.is_none());
            assert_eq!(again.outcome, log.outcome);
        }
    }
    assert!(
        one as f64 > three as f64 * 1.03,
        "civilians harmed: {one} sending one platoon, {three} sending what the threat needs"
    );
    // The options are rebuilt with the chosen strength: fewer officers, less effect.
    let opts = pocsim::RunOptions {
        list_all_options: true,
        ..Default::default()
    };
    let mut sim = pocsim::Simulation::new(&model, Seed::new(3, 0), opts);
    let (before, after) = loop {
        assert_eq!(
            sim.step(),
            pocsim::Step::Decision,
            "no decision with two platoons"
        );
        let sit = sim.situation().clone();
        match sit
            .options
            .iter()
            .position(|o| model.units[o.unit].id == "fpu-a" && o.platoons > 1)
        {
            Some(k) => {
                sim.set_platoons(k, 1).unwrap();
                break (sit.options[k].clone(), sim.situation().options[k].clone());
            }
            None => sim
                .decide(pocsim::Decider::decide(
                    &mut pocsim::Doctrine::default(),
                    &sit,
                ))
                .unwrap(),
        }
    };
    assert_eq!(after.platoons, 1);
    assert!(after.officers < before.officers);
    assert!(
        after.effectiveness < before.effectiveness,
        "{before:?} -> {after:?}"
    );
    assert!(
        sim.set_platoons(0, 99).is_err(),
        "more platoons than are free"
    );
    // Under no-split the whole unit moves: a platoon count is refused, with the reason.
    let ov = [pocsim::Override::parse("forces.fpus[0].caveats.no_split=true").unwrap()];
    let loaded = load_scenario(T.as_ref(), &ov).unwrap();
    let model = Model::build(&loaded.scenario).calibrated();
    let mut s = Session::new(&loaded, &model, Seed::new(3, 0), "t");
    while s.advance(f64::INFINITY) != Stop::Decision {}
    let e = s
        .apply(Choice::Dispatch {
            unit: "fpu-a".into(),
            support: None,
            platoons: Some(1),
        })
        .unwrap_err();
    assert!(e.contains("moves whole (no_split)"), "{e}");
}

#[test]
fn the_trainer_pauses_a_plain_session_without_answering_for_the_trainees() {
    let loaded = load_scenario(T.as_ref(), &[]).unwrap();
    let model = Model::build(&loaded.scenario).calibrated();
    let mut out = Vec::new();
    let mut trainee = Plain::new("pause\n\n1\n".as_bytes(), &mut out);
    let (log, _) = play(&loaded, &model, Seed::new(3, 0), "t", &mut trainee);
    let screen = String::from_utf8_lossy(&out);
    assert!(screen.contains("PAUSED by the trainer"), "{screen}");
    assert!(matches!(&log.decisions[0].choice, Choice::Dispatch { unit, .. } if unit == "fpu-a"));
    assert!(log.handed_over_h.is_some(), "the end of input hands over");
}

#[test]
fn a_log_with_a_strange_scenario_hash_is_refused_not_a_panic() {
    let loaded = load_scenario(T.as_ref(), &[]).unwrap();
    let model = Model::build(&loaded.scenario).calibrated();
    let (mut log, _) = play(&loaded, &model, Seed::new(3, 0), "t", &mut NoOne);
    log.scenario_hash = "aééééééééééé".into();
    let e = Replay::new(&log, &loaded, "log.json")
        .err()
        .expect("refused");
    assert!(
        e.to_string().contains("this log is from another scenario"),
        "{e}"
    );
}

#[test]
fn support_cannot_be_suspended_where_there_are_no_host_police() {
    use pocsim::exercise::{Choice, Session};
    let path = "scenarios/exercise-half-day-course.toml";
    let loaded = pocsim::load_scenario(path.as_ref(), &[]).unwrap();
    let model = pocsim::Model::build(&loaded.scenario);
    let mut s = Session::new(&loaded, &model, pocsim::Seed::new(3, 0), "t");
    let e = s
        .apply(Choice::HostSupport {
            site: "camp".into(),
            supported: false,
        })
        .unwrap_err();
    assert!(e.contains("no host police at"), "{e}");
    // Where there are host police, it is taken and logged.
    s.apply(Choice::HostSupport {
        site: "town".into(),
        supported: false,
    })
    .unwrap();
    assert_eq!(s.decisions().len(), 1);
}

#[test]
fn orders_are_typed_in_plain_mode_refused_with_a_reason_and_replayed_exactly() {
    let dir = std::env::temp_dir().join(format!("pocsim-ex-orders-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("alpha.json");
    let course = "scenarios/exercise-half-day-course.toml";
    // At the first morning briefing: a patrol plan, an order refused (no
    // allegation yet), an alert and a dialogue; then the clock runs on and
    // the end of input hands over to standard procedure.
    let o = pocsim_with_input(
        &[
            "exercise",
            course,
            "--plain",
            "--team",
            "alpha",
            "--seed",
            "1",
            "--log",
            log.to_str().unwrap(),
        ],
        "patrol camp,town with fpu-a\nconditions town\nalert mil-coy\ntalk camp via ipo-town\n\n",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let screen = String::from_utf8_lossy(&o.stdout);
    assert!(
        screen.contains("Not possible: no allegation against the host police"),
        "{screen}"
    );
    assert!(screen.contains("patrol plan: camp, town"), "{screen}");
    let played = read_log(&log).unwrap();
    let orders: Vec<&Choice> = played
        .decisions
        .iter()
        .filter(|d| d.incident.is_none())
        .map(|d| &d.choice)
        .collect();
    assert!(matches!(orders[0], Choice::PatrolPlan { .. }), "{orders:?}");
    assert!(matches!(orders[1], Choice::Alert { .. }), "{orders:?}");
    assert!(matches!(orders[2], Choice::Dialogue { .. }), "{orders:?}");
    assert!(
        orders.iter().any(|c| matches!(c, Choice::Escort { .. })),
        "standard procedure answered the escort requests: {orders:?}"
    );
    // The replay gives the same orders and the same outcome.
    let again = dir.join("again.json");
    let o = pocsim_with_input(
        &[
            "exercise",
            course,
            "--seed",
            "1",
            "--decisions",
            log.to_str().unwrap(),
            "--log",
            again.to_str().unwrap(),
        ],
        "",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let replayed = read_log(&again).unwrap();
    assert_eq!(played.decisions, replayed.decisions);
    assert_eq!(played.outcome, replayed.outcome);
    let _ = std::fs::remove_dir_all(&dir);
}
