//! The events list as CSV: exported, read back, edited in a spreadsheet,
//! and refused with every problem located when it is wrong.

use pocsim::exercise::msel;
use std::process::Command;

const SCENARIO: &str = "scenarios/exercise-half-day-course.toml";

fn pocsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("runs")
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pocsim-msel-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn times_read_as_trainers_write_them() {
    assert_eq!(msel::parse_time("day 2 20:30").unwrap(), 44.5);
    assert_eq!(msel::parse_time("day 1").unwrap(), 0.0);
    assert_eq!(msel::parse_time("1.5").unwrap(), 36.0);
    assert_eq!(msel::day_time(44.5), "day 2 20:30");
    assert!(msel::parse_time("day 0 10:00").is_err());
    assert!(msel::parse_time("day 2 25:00").is_err());
    assert!(msel::parse_time("tomorrow").is_err());
}

#[test]
fn an_exported_list_read_back_plays_the_same_world() {
    let d = tmp("roundtrip");
    let csv = d.join("msel.csv");
    let out = pocsim(&["msel", "export", SCENARIO, "--out", csv.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with(
        "order,time,from,to,title,description,expected_actions,kind,site,incident,escort\n"
    ));
    assert_eq!(text.lines().count(), 14, "{text}");
    assert!(text.contains("day 2 20:24"), "{text}");
    let loaded = pocsim::load_scenario(SCENARIO.as_ref(), &[]).unwrap();
    let items = msel::read_csv(&csv, &loaded.scenario).unwrap();
    let mut applied = loaded.clone();
    msel::apply(&mut applied, &items);
    assert_ne!(
        applied.hash, loaded.hash,
        "the list is part of what was played"
    );
    let run = |l: &pocsim::scenario::LoadedScenario| {
        let m = pocsim::model::Model::build(&l.scenario);
        (0..10)
            .map(|r| {
                pocsim::engine::run(
                    &m,
                    pocsim::Seed::new(3, r),
                    &mut pocsim::Doctrine::default(),
                    pocsim::engine::RunOptions::default(),
                )
                .summary
            })
            // Times go through minutes ("day 1 09:36"): the same events, with
            // times that may differ in the last bits of a float.
            .map(|s| {
                (
                    s.civilians_harmed,
                    s.civilians_killed,
                    s.incidents_true,
                    s.incidents_reported,
                    s.incidents_responded,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(&loaded), run(&applied));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_edited_list_changes_the_world_and_the_log_carries_it() {
    let d = tmp("edited");
    let csv = d.join("msel.csv");
    std::fs::write(
        &csv,
        "order,time,from,to,title,description,expected_actions,kind,site,incident,escort\n\
         1,day 1 06:00,camp manager,operations centre,early attack,Shots at the camp gate.,Send the FPU,incident,camp,armed_attack,\n\
         2,1.5,host police commander,operations centre,rumours,Rumours in the market.,Dialogue,message,,,\n",
    )
    .unwrap();
    let log = d.join("alpha.json");
    let out = pocsim(&[
        "exercise",
        SCENARIO,
        "--team",
        "alpha",
        "--seed",
        "3",
        "--plain",
        "--msel",
        csv.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Shots at the camp gate."), "{text}");
    assert!(
        !text.contains("demonstration forming"),
        "the scenario's injects are replaced"
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).unwrap();
    assert_eq!(saved["msel"].as_array().unwrap().len(), 2);
    // The review replays the log with its list.
    let rev = pocsim(&[
        "review",
        log.to_str().unwrap(),
        "--runs",
        "5",
        "--out",
        d.join("rev").to_str().unwrap(),
    ]);
    assert!(
        rev.status.success(),
        "{}",
        String::from_utf8_lossy(&rev.stderr)
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_wrong_list_is_refused_with_every_problem_located() {
    let d = tmp("wrong");
    let csv = d.join("msel.csv");
    std::fs::write(
        &csv,
        "order,time,from,to,title,description,expected_actions,kind,site,incident,escort\n\
         1,day 1 06:00,a,b,t,text,,incident,moon,armed_attack,\n\
         1,yesterday,a,b,t,text,,message,,,\n\
         3,day 2 10:00,a,b,t,text,,incident,camp,riot,\n\
         4,day 9 10:00,a,b,late,text,,message,,,\n",
    )
    .unwrap();
    let out = pocsim(&["msel", "check", SCENARIO, csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        ":2:",
        "site `moon` does not exist",
        ":3:",
        "order 1 appears twice",
        "`yesterday`",
        ":4:",
        "`riot` is not a threat kind",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
    assert!(!err.contains("panicked"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_inject_after_the_horizon_is_a_warning() {
    let d = tmp("late");
    let csv = d.join("msel.csv");
    std::fs::write(
        &csv,
        "order,time,from,to,title,description\n1,day 9 10:00,a,b,late,text\n",
    )
    .unwrap();
    let out = pocsim(&["msel", "check", SCENARIO, csv.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("after the scenario's horizon"));
    let _ = std::fs::remove_dir_all(&d);
}
