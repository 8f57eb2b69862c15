//! `pocsim plan`: the planner finds a known answer, is a pure function of its
//! inputs (threads, resume), and refuses bad input before anything runs.

use std::path::{Path, PathBuf};
use std::process::Command;

fn pocsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("pocsim runs")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pocsim-plan-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

const SCENARIO: &str = "tests/planning/grid.toml";
const LEVERS: &str = "tests/planning/grid-levers.toml";

/// Responses within the target need the approval caveat waived; the patrol
/// hours need two FPUs or more: the cheapest mix meeting both is 2 FPUs with
/// 6 vehicles and the caveat waived.
fn plan(out: &Path, budget: &str, extra: &[&str]) -> std::process::Output {
    plan_for(
        &["responses_within_target_share>=0.97", "patrol_hours>=400"],
        out,
        budget,
        extra,
    )
}

/// A plan of the test grid with these targets.
fn plan_for(targets: &[&str], out: &Path, budget: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["plan", SCENARIO, "--levers", LEVERS];
    for t in targets {
        args.extend(["--target", t]);
    }
    args.extend([
        "--runs",
        "10",
        "--confirm-runs",
        "20",
        "--budget-evals",
        budget,
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--no-plots",
    ]);
    args.extend_from_slice(extra);
    let o = pocsim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// Rows of a CSV as fields (no quoted commas in these tables).
fn rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// The cheapest candidate the search found meeting the targets: (levers, cost).
fn cheapest_feasible(dir: &Path) -> (Vec<String>, f64) {
    let t = rows(&dir.join("plan.csv"));
    let feasible = t[0].iter().position(|c| c == "feasible").unwrap();
    let cost = t[0].iter().position(|c| c == "cost_usd_per_year").unwrap();
    t[1..]
        .iter()
        .filter(|r| r[1] == "search" && r[feasible] == "true")
        .map(|r| (r[3..cost].to_vec(), r[cost].parse::<f64>().unwrap()))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("a feasible candidate")
}

#[test]
fn the_planner_finds_the_cheapest_mix_that_exhaustive_search_finds() {
    // Exhaustive: a budget above the 18 deployments evaluates every one.
    let all = tmp("exhaustive");
    let o = plan(&all, "100", &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("every deployment the levers allow was evaluated"),
        "{text}"
    );
    let searched = rows(&all.join("plan.csv"))
        .iter()
        .filter(|r| r[1] == "search")
        .count();
    assert_eq!(searched, 18);
    let (truth, cost) = cheapest_feasible(&all);
    assert_eq!(
        truth,
        vec!["2", "6", "false"],
        "the known answer changed: {truth:?}"
    );

    // The planner with a budget short of the grid (10 of 18) returns that mix.
    let short = tmp("short");
    let o = plan(&short, "10", &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    let searched = rows(&short.join("plan.csv"))
        .iter()
        .filter(|r| r[1] == "search")
        .count();
    assert!(searched <= 10, "{searched} candidates for a budget of 10");
    // The recommendation is that mix (found by the search or by the steps
    // around its best candidate), at that cost.
    assert!((cost - 5_465_168.0).abs() < 1.0, "{cost}");
    assert!(
        text.contains("**fpu-a count = 2, fpu-a vehicles = 6, fpu-a approval_required = false**"),
        "{text}"
    );
    // The recommendation was confirmed on fresh replications.
    let confirmed = rows(&short.join("plan.csv"))
        .iter()
        .filter(|r| r[1] == "confirm")
        .count();
    assert!(confirmed >= 1);
    // What each lever buys, one step from the recommendation.
    let levers = rows(&short.join("levers.csv"));
    assert!(levers.len() >= 4, "{levers:?}");
}

#[test]
fn a_plan_is_the_same_on_one_thread_or_two_and_after_a_resume() {
    let (a, b) = (tmp("t1"), tmp("t2"));
    plan(&a, "12", &["--threads", "1"]);
    plan(&b, "12", &["--threads", "2"]);
    for f in ["plan.csv", "front.csv", "levers.csv", "recommendation.md"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} depends on the thread count"
        );
    }
    // An interrupted plan: the first five rows and half of the sixth are kept.
    let table = std::fs::read_to_string(b.join("plan.csv")).unwrap();
    let lines: Vec<&str> = table.split_inclusive('\n').collect();
    let mut partial: String = lines[..6].concat();
    partial.push_str(&lines[6][..lines[6].len() / 2]);
    std::fs::write(b.join("plan.partial.csv"), partial).unwrap();
    for f in ["plan.csv", "front.csv", "levers.csv", "recommendation.md"] {
        std::fs::remove_file(b.join(f)).unwrap();
    }
    plan(&b, "12", &["--resume"]);
    for f in ["plan.csv", "front.csv", "levers.csv", "recommendation.md"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs after a resume"
        );
    }
    assert!(!b.join("plan.partial.csv").exists());
}

#[test]
fn two_shards_of_one_plan_write_what_one_machine_writes() {
    let (one, shared) = (tmp("one"), tmp("shards"));
    plan(&one, "12", &[]);
    // Two processes at once, on one directory: each evaluates its share of
    // every batch and reads the other's rows.
    let spawn = |k: &str| {
        let out = shared.clone();
        let k = k.to_string();
        std::thread::spawn(move || plan(&out, "12", &["--shard", &k, "--threads", "1"]))
    };
    let (a, b) = (spawn("1/2"), spawn("2/2"));
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert!(
        String::from_utf8_lossy(&b.stdout).contains("shard 2/2:"),
        "{}",
        String::from_utf8_lossy(&b.stdout)
    );
    assert!(String::from_utf8_lossy(&a.stdout).contains("Recommended deployment"));
    for f in ["plan.csv", "front.csv", "levers.csv", "recommendation.md"] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(shared.join(f)).unwrap(),
            "{f} of the shards differs from one machine's"
        );
    }
    // Both shards evaluated candidates; none was evaluated twice.
    let own = |k: u32| rows(&shared.join(format!("shards/{k}/plan.rows.csv"))).len() - 1;
    let (n1, n2) = (own(1), own(2));
    assert!(n1 > 0 && n2 > 0, "{n1} {n2}");
    let evaluated = rows(&one.join("plan.csv")).len() - 1;
    assert!(
        n1 + n2 <= evaluated,
        "{n1} + {n2} rows for {evaluated} evaluations"
    );
    // Re-running a finished shard changes nothing.
    let before = std::fs::read(shared.join("shards/2/plan.rows.csv")).unwrap();
    plan(&shared, "12", &["--shard", "2/2", "--resume"]);
    assert_eq!(
        before,
        std::fs::read(shared.join("shards/2/plan.rows.csv")).unwrap()
    );
}

#[test]
fn what_a_waiver_saves_rests_on_a_confirmed_deployment_either_way() {
    // Patrol hours need two FPUs whatever the caveat: the cheapest mix keeps
    // it, and the planner must also confirm one with it waived before it
    // says what the waiver buys.
    let out = tmp("waiver");
    let o = plan_for(&["patrol_hours>=400"], &out, "12", &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    let t = rows(&out.join("plan.csv"));
    let col = |name: &str| t[0].iter().position(|c| c == name).unwrap();
    let (caveat, feasible) = (
        col("forces.fpus[fpu-a].caveats.approval_required"),
        col("feasible"),
    );
    for kept in ["true", "false"] {
        assert!(
            t[1..]
                .iter()
                .any(|r| r[1] == "confirm" && r[caveat] == kept && r[feasible] == "true"),
            "no confirmed deployment with approval_required = {kept}:\n{text}"
        );
    }
    assert!(
        text.contains("both confirmed on 20 fresh replications"),
        "{text}"
    );
}

fn refused(args: &[&str], expect: &[&str]) {
    let out = tmp("refused");
    let mut all = vec!["plan", SCENARIO];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().unwrap()]);
    let o = pocsim(&all);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected `{e}` in: {err}");
    }
    assert!(!out.exists(), "a refused plan wrote {}", out.display());
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_is_refused_with_its_place_before_anything_runs() {
    let dir = tmp("bad-levers");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let cost = "[cost]\nperson_month_usd = 1428\n\n";
    let missing = write(
        "missing.toml",
        &format!("{cost}[[lever]]\npath = \"forces.fpus[fpu-z].count\"\nmin = 1\nmax = 2\n"),
    );
    refused(
        &["--levers", &missing, "--target", "civilians_killed<=5"],
        &["missing.toml:5:", "lever[0].path", "fpu-z"],
    );
    let empty = write(
        "empty.toml",
        &format!("{cost}[[lever]]\npath = \"forces.fpus[fpu-a].count\"\nmin = 3\nmax = 1\n"),
    );
    refused(
        &["--levers", &empty, "--target", "civilians_killed<=5"],
        &["empty.toml:", "lever[0].max", "the range is empty"],
    );
    refused(
        &["--levers", LEVERS, "--target", "civilians_saved<=5"],
        &["unknown metric `civilians_saved`"],
    );
    for c in ["0", "1", "1.5", "-0.2"] {
        let flag = format!("--confidence={c}");
        refused(
            &["--levers", LEVERS, "--target", "civilians_killed<=5", &flag],
            &["--confidence", "strictly between 0 and 1"],
        );
    }
    refused(
        &["--levers", LEVERS, "--target", "civilians_killed<5"],
        &["expected METRIC<=VALUE"],
    );
}
