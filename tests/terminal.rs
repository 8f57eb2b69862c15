//! Exercises played in a real terminal, driven through tmux (`send-keys`,
//! `capture-pane`): the full-screen interface and the plain mode, end to end,
//! with the trainer's pause and inject, a refused forbidden decision, an
//! inject's message stopping the clock, and exact replays of the logs.

mod common;

use pocsim::exercise::{Choice, read_log};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const TUTORIAL: &str = "scenarios/tutorial.toml";
const COURSE: &str = "scenarios/exercise-half-day-course.toml";

/// A tmux session running one command in a fixed-size terminal.
struct Tmux {
    name: String,
}

impl Tmux {
    fn start(name: &str, command: &str) -> Tmux {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "tmux is needed for these tests (.ci/run installs it)");
        let name = format!("pocsim-{name}-{}", std::process::id());
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &name])
            .output();
        // The shell keeps the pane open after the program ends, with its exit code.
        let script = format!("{command}; echo EXIT=$?; sleep 120");
        let st = Command::new("tmux")
            .args(["new-session", "-d", "-s", &name, "-x", "132", "-y", "44"])
            .arg(script)
            .env("TERM", "xterm-256color")
            .status()
            .unwrap();
        assert!(st.success());
        Tmux { name }
    }

    fn keys(&self, keys: &[&str]) {
        let st = Command::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .unwrap();
        assert!(st.success());
    }

    fn text(&self, text: &str) {
        let st = Command::new("tmux")
            .args(["send-keys", "-t", &self.name, "-l", text])
            .status()
            .unwrap();
        assert!(st.success());
    }

    /// The visible screen, or with `history` everything since the start.
    fn screen(&self, history: bool) -> String {
        let mut c = Command::new("tmux");
        c.args(["capture-pane", "-p", "-t", &self.name]);
        if history {
            c.args(["-S", "-100000"]);
        }
        String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
    }

    /// Waits until the screen shows `what`; fails with the screen after `secs`.
    fn wait_for(&self, what: &str, secs: u64) -> String {
        self.wait_for_any(&[what], secs)
    }

    /// Waits until the screen shows one of `whats`; fails with the screen after `secs`.
    fn wait_for_any(&self, whats: &[&str], secs: u64) -> String {
        let t0 = Instant::now();
        loop {
            let s = self.screen(false);
            if whats.iter().any(|w| s.contains(w)) {
                return s;
            }
            if t0.elapsed() > Duration::from_secs(secs) {
                panic!("none of {whats:?} appeared within {secs} s; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(40));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pocsim-term-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_pocsim")
}

/// Replays a log's decisions with the CLI and checks the same decisions and outcome.
fn replays_exactly(log: &Path, scenario: &str, seed: &str, set: &[&str]) {
    let again = log.with_extension("again.json");
    let mut args = vec!["exercise", scenario, "--seed", seed];
    for s in set {
        args.extend(["--set", s]);
    }
    let o = Command::new(bin())
        .args(&args)
        .args(["--decisions", log.to_str().unwrap()])
        .args(["--log", again.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (a, b) = (read_log(log).unwrap(), read_log(&again).unwrap());
    assert_eq!(a.decisions, b.decisions);
    assert!(a.outcome.is_some());
    assert_eq!(a.outcome, b.outcome);
}

#[test]
fn full_screen_exercise_with_a_trainer_inject_and_a_forbidden_option() {
    let d = dir("tui");
    let log = d.join("beta.json");
    let set = "forces.fpus[0].caveats.static_guard_only=true";
    let t = Tmux::start(
        "tui",
        &format!(
            "{} exercise {TUTORIAL} --set '{set}' --team beta --seed 4 --log {} --speed 2",
            bin(),
            log.display()
        ),
    );
    // The trainer starts with the clock stopped, chooses the camp and adds an inject.
    let s = t.wait_for("PAUSED by the trainer", 20);
    assert!(s.contains(" Map ") && s.contains(" Units ") && s.contains("fpu-a"));
    assert!(s.contains("static guard only"), "caveats are shown:\n{s}");
    t.keys(&["Tab", "Down", "i"]);
    t.wait_for("Add an inject", 10);
    t.text("shots near the camp");
    t.keys(&["Enter"]);
    // The inject's incident is reported at once: a decision, still paused.
    t.wait_for("armed attack at IDP camp: DECISION", 10);
    t.wait_for("FORBIDDEN by static_guard_only", 10);
    t.keys(&["Enter"]);
    t.wait_for("Paused by the trainer: the trainer resumes with space", 10);
    // The clock runs; the forbidden option cannot be taken, and the screen says why.
    t.keys(&["Space", "Tab", "1", "Enter"]);
    t.wait_for(
        "Not possible: fpu-a cannot be dispatched: forbidden by static_guard_only",
        10,
    );
    // Asking the capital for a waiver is allowed; the clock then runs on.
    t.keys(&["w"]);
    t.wait_for("waiver requested fpu-a", 10);
    // The capital answers (an urgent request may be refused).
    t.wait_for_any(&["approval granted fpu-a", "approval refused fpu-a"], 30);
    // The trainer ends the session: standard procedure plays the rest.
    t.keys(&["q"]);
    t.wait_for("End the session?", 10);
    t.keys(&["y"]);
    let s = t.wait_for(" OVER ", 30);
    // The last screen sets the team's outcome beside standard procedure's.
    assert!(
        s.contains("civilians harmed (killed)") && s.contains("standard procedure"),
        "{s}"
    );
    t.keys(&["q"]);
    let s = t.wait_for("EXIT=0", 30);
    assert!(s.contains("Protection outcomes"), "{s}");

    let played = read_log(&log).unwrap();
    assert!(matches!(
        &played.decisions[0].choice,
        Choice::Inject { kind, site, text }
            if kind == "armed_attack" && site == "camp" && text == "shots near the camp"
    ));
    assert_eq!(played.decisions[0].incident, None);
    assert!(matches!(&played.decisions[1].choice, Choice::Waiver { unit } if unit == "fpu-a"));
    assert!(played.handed_over_h.is_some());
    assert_eq!(played.overrides, vec![set.to_string()]);
    replays_exactly(&log, TUTORIAL, "4", &[set]);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn full_screen_inject_messages_stop_the_clock_and_hrddp_acts_between_decisions() {
    let d = dir("msg");
    let log = d.join("gamma.json");
    let t = Tmux::start(
        "msg",
        &format!(
            "{} exercise {COURSE} --team gamma --seed 3 --log {} --speed 24",
            bin(),
            log.display()
        ),
    );
    t.wait_for("PAUSED by the trainer", 20);
    t.keys(&["Space"]);
    // Answer every decision with the option under the cursor and read every
    // message, until the allegation against the host police arrives.
    let t0 = Instant::now();
    let allegation = loop {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the allegation never came:\n{}",
            t.screen(false)
        );
        let s = t.screen(false);
        if s.contains("Credible allegations") {
            break s;
        }
        // Enter reads a message, or sends the option under the cursor.
        if s.contains(" INJECT ") || s.contains("DECISION NEEDED") {
            t.keys(&["Enter"]);
        } else if s.contains(" OVER ") {
            panic!("the session ended before the allegation:\n{s}");
        }
        std::thread::sleep(Duration::from_millis(60));
    };
    // The clock stopped at the inject's own time (day 3, 14:24).
    assert!(
        allegation.contains("day 3, 14:24"),
        "the clock did not stop at the message:\n{allegation}"
    );
    t.keys(&["Enter"]);
    // Suspend support to the town's host police, between decisions.
    t.keys(&["Space"]);
    t.wait_for("PAUSED by the trainer", 10);
    t.keys(&["Tab", "Up", "Up", "Up"]);
    t.keys(&["Space", "s"]);
    t.wait_for("SUSPENDED", 10);
    t.keys(&["q", "y"]);
    t.wait_for(" OVER ", 30);
    t.keys(&["q"]);
    t.wait_for("EXIT=0", 30);

    let played = read_log(&log).unwrap();
    let suspend = played
        .decisions
        .iter()
        .find(|d| matches!(&d.choice, Choice::HostSupport { site, supported: false } if site == "town"))
        .expect("the suspension is logged");
    assert!(suspend.time_h >= 62.4 - 1e-9);
    replays_exactly(&log, COURSE, "3", &[]);
    // The review of this session (messages, a choice between decisions) in a browser.
    let review = d.join("review");
    let o = Command::new(bin())
        .args(["review", log.to_str().unwrap(), "--runs", "30", "--out"])
        .arg(&review)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(review.join("review.html")).unwrap();
    assert!(
        html.contains("(between decisions)")
            && html.contains("suspend support to host police at town")
    );
    assert!(
        html.contains("Credible allegations"),
        "the inject and its expected reaction"
    );
    common::browser_check(&review.join("review.html"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn plain_mode_in_a_terminal_stops_at_messages_and_replays_exactly() {
    let d = dir("plain");
    let log = d.join("delta.json");
    let t = Tmux::start(
        "plain",
        &format!(
            "{} exercise {COURSE} --plain --team delta --seed 3 --log {}",
            bin(),
            log.display()
        ),
    );
    let t0 = Instant::now();
    let mut prompts = 0;
    let mut suspended = false;
    loop {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the plain session did not end:\n{}",
            t.screen(false)
        );
        let all = t.screen(true);
        if all.contains("EXIT=") {
            assert!(all.contains("EXIT=0"), "{all}");
            break;
        }
        let lines: Vec<&str> = all.lines().filter(|l| !l.trim().is_empty()).collect();
        let at_prompt = lines.last().is_some_and(|l| l.trim_end() == ">");
        let n = all
            .lines()
            .filter(|l| l.trim_end() == ">" || l.starts_with("> "))
            .count();
        if at_prompt && n > prompts {
            prompts = n;
            let before = lines[lines.len().saturating_sub(3)..].join("\n");
            if before.contains("Not possible") {
                t.text("decline");
                t.keys(&["Enter"]);
            } else if before.contains("The clock is stopped") {
                if all.contains("Credible allegations") && !suspended {
                    suspended = true;
                    t.text("suspend town");
                }
                t.keys(&["Enter"]);
            } else {
                t.text("1");
                t.keys(&["Enter"]);
            }
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    let all = t.screen(true);
    assert!(all.contains("INJECT from Human-rights section") || all.contains("INJECT from"));
    assert!(all.contains("The clock is stopped"), "{all}");
    assert!(suspended, "the allegation reached the trainees");
    eprintln!("{prompts} prompts answered");
    let played = read_log(&log).unwrap();
    assert!(
        played
            .decisions
            .iter()
            .any(|d| d.incident.is_none() && matches!(d.choice, Choice::HostSupport { .. }))
    );
    replays_exactly(&log, COURSE, "3", &[]);
    let _ = std::fs::remove_dir_all(&d);
}
