//! Fuzzing by generated input (proptest, so that it runs in CI): arbitrary bytes
//! and mutated shipped scenarios go to the loader and validator, and mutants
//! that load go to the engine for a short horizon with its self-check on. No
//! input may panic or hang; a scenario too large for the machine is refused
//! before anything is allocated. Inputs that once broke something are kept in
//! `tests/fuzz_regressions/` and replayed.
//!
//! `POCSIM_FUZZ_CASES=20000 cargo test --release --test fuzz` runs a long campaign.

use pocsim::engine::RunOptions;
use pocsim::exercise::{Choice, ExerciseLog, LoggedDecision, Replay, play};
use pocsim::{Doctrine, Model, Seed, load_scenario_str, run};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("POCSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

const SEEDS: [&str; 3] = [
    include_str!("../scenarios/tutorial.toml"),
    include_str!("../scenarios/south-sudan-bentiu-poc.toml"),
    include_str!("../scenarios/drc-election-week.toml"),
];

/// Values that have broken parsers and simulators elsewhere.
const NASTY: [&str; 16] = [
    "-1",
    "0",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "-0.0",
    "4294967296",
    "18446744073709551616",
    "1e-320",
    "\"x\"",
    "[]",
    "{}",
    "true",
    "0.5",
];

/// Loads, and if the scenario is valid, runs it briefly: must not panic.
fn exercise(text: &str) {
    if let Ok(loaded) = load_scenario_str(text, "fuzz", &[]) {
        let mut s = loaded.scenario;
        s.clock.horizon_days = s.clock.horizon_days.min(1.0);
        let m = Model::build(&s);
        let opts = RunOptions {
            self_check: true,
            record_events: true,
            ..RunOptions::default()
        };
        let r = run(&m, Seed::new(1, 0), &mut Doctrine::default(), opts);
        assert!(r.summary.incidents_true >= r.summary.incidents_reported);
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the n-th number in the text with a nasty value.
    Number(usize, usize),
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Truncate(usize),
    /// Insert a random byte.
    Byte(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 0..NASTY.len()).prop_map(|(a, b)| Mutation::Number(a, b)),
        1 => any::<usize>().prop_map(Mutation::DeleteLine),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Byte(a, b)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return text.to_string();
    }
    let n = lines.len();
    match *m {
        Mutation::Number(k, v) => {
            // Positions of numbers that are values (after `= `).
            let spots: Vec<usize> = text
                .match_indices("= ")
                .map(|(i, _)| i + 2)
                .filter(|&i| text[i..].starts_with(|c: char| c.is_ascii_digit() || c == '-'))
                .collect();
            if spots.is_empty() {
                return text.to_string();
            }
            let at = spots[k % spots.len()];
            let end = at
                + text[at..]
                    .find(|c: char| {
                        !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '+')
                    })
                    .unwrap_or(text.len() - at);
            format!("{}{}{}", &text[..at], NASTY[v], &text[end..])
        }
        Mutation::DeleteLine(k) => lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != k % n)
            .map(|(_, l)| *l)
            .collect::<Vec<_>>()
            .join("\n"),
        Mutation::DuplicateLine(k) => {
            let mut v = lines.clone();
            v.insert(k % n, lines[k % n]);
            v.join("\n")
        }
        Mutation::SwapLines(a, b) => {
            let mut v = lines.clone();
            v.swap(a % n, b % n);
            v.join("\n")
        }
        Mutation::Truncate(k) => {
            let mut at = k % text.len().max(1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text[..at].to_string()
        }
        Mutation::Byte(k, b) => {
            let mut bytes = text.as_bytes().to_vec();
            bytes.insert(k % (bytes.len() + 1), b);
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_loader(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = load_scenario_str(&text, "fuzz", &[]);
    }

    #[test]
    fn mutated_scenarios_never_panic(which in 0..SEEDS.len(), muts in prop::collection::vec(mutation(), 1..4)) {
        let mut text = SEEDS[which].to_string();
        for m in &muts {
            text = apply(&text, m);
        }
        exercise(&text);
    }
}

/// A decision as a hand-written file might hold it: any incident or none, any
/// time or none (also negative or past the horizon), any action, names that
/// exist and names that do not.
fn decision() -> impl Strategy<Value = LoggedDecision> {
    let name = prop::sample::select(vec![
        "fpu-a",
        "ipo-town",
        "host@town",
        "town",
        "camp",
        "nowhere",
        "",
    ]);
    let kind = prop::sample::select(vec!["armed_attack", "crsv", "public_disorder", "volcano"]);
    let choice = prop_oneof![
        (
            name.clone(),
            prop::option::of(name.clone()),
            prop::option::of(0u32..6)
        )
            .prop_map(|(u, s, n)| Choice::Dispatch {
                unit: u.to_string(),
                support: s.map(str::to_string),
                platoons: n,
            }),
        name.clone().prop_map(|u| Choice::Waiver {
            unit: u.to_string()
        }),
        Just(Choice::Wait),
        Just(Choice::Decline),
        (name.clone(), any::<bool>()).prop_map(|(s, b)| Choice::HostSupport {
            site: s.to_string(),
            supported: b
        }),
        (kind, name.clone()).prop_map(|(k, s)| Choice::Inject {
            kind: k.to_string(),
            site: s.to_string(),
            text: String::new()
        }),
        (
            any::<bool>(),
            prop::option::of(name.clone()),
            prop::option::of(0usize..4)
        )
            .prop_map(|(a, u, r)| Choice::Escort {
                approve: a,
                unit: u.map(str::to_string),
                request: r,
                site: String::new()
            }),
        (
            prop::collection::vec(name.clone(), 0..3),
            prop::collection::vec(name.clone(), 0..2)
        )
            .prop_map(|(s, u)| Choice::PatrolPlan {
                sites: s.into_iter().map(str::to_string).collect(),
                units: u.into_iter().map(str::to_string).collect()
            }),
        (name.clone(), prop::option::of(name.clone())).prop_map(|(s, b)| Choice::Dialogue {
            site: s.to_string(),
            by: b.map(str::to_string)
        }),
        name.clone().prop_map(|u| Choice::Alert {
            unit: u.to_string()
        }),
        name.prop_map(|s| Choice::Conditions {
            site: s.to_string()
        }),
    ];
    (
        prop::option::of(0usize..40),
        prop::option::of(-10.0f64..120.0),
        choice,
    )
        .prop_map(|(incident, t, choice)| LoggedDecision {
            time_h: t.unwrap_or(f64::NAN),
            incident,
            kind: String::new(),
            site: String::new(),
            choice,
            shown: Vec::new(),
            answers: None,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases() / 3, failure_persistence: None, .. ProptestConfig::default() })]

    /// Any decisions file is replayed to the end or refused: never a panic, never stuck.
    #[test]
    fn arbitrary_decision_files_never_panic_or_hang(decisions in prop::collection::vec(decision(), 0..12)) {
        let loaded = pocsim::load_scenario(
            "scenarios/exercise-half-day-course.toml".as_ref(),
            &[],
        )
        .unwrap();
        let model = Model::build(&loaded.scenario);
        let log = ExerciseLog {
            pocsim_version: String::new(),
            scenario_file: String::new(),
            scenario_hash: String::new(),
            seed: 3,
            replication: 0,
            team: String::new(),
            overrides: Vec::new(),
            decisions,
            handed_over_h: None,
            msel: Vec::new(),
            messages: Vec::new(),
            marks: Vec::new(),
            outcome: None,
        };
        if let Ok(mut replay) = Replay::new(&log, &loaded, "fuzz.json") {
            let (out, _) = play(&loaded, &model, Seed::new(3, 0), "t", &mut replay);
            prop_assert!(out.outcome.is_some());
        }
    }
}

/// Inputs kept from earlier campaigns: each must load or be refused, never panic.
#[test]
fn regressions_stay_fixed() {
    let mut n = 0;
    for e in std::fs::read_dir("tests/fuzz_regressions").unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            exercise(&std::fs::read_to_string(&p).unwrap());
            n += 1;
        }
    }
    assert!(n >= 1, "keep the regression inputs");
}
