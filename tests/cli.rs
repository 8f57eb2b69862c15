//! The command line as a user meets it: outputs, determinism, refusals.

use std::process::{Command, Stdio};

fn pocsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("pocsim runs")
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pocsim-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn run_writes_identical_files_for_the_same_seed() {
    let (a, b) = (tmp("a"), tmp("b"));
    for d in [&a, &b] {
        let o = pocsim(&[
            "run",
            "scenarios/tutorial.toml",
            "--seed",
            "7",
            "--out",
            d.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for f in ["summary.json", "timeseries.csv", "events.csv"] {
        let x = std::fs::read(a.join(f)).unwrap();
        let y = std::fs::read(b.join(f)).unwrap();
        assert!(!x.is_empty());
        assert_eq!(x, y, "{f} differs between identical runs");
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("summary.json")).unwrap()).unwrap();
    for key in [
        "civilians_killed",
        "civilians_injured",
        "civilians_harmed",
        "incidents_true",
        "incidents_reported",
        "incidents_responded",
        "incidents_prevented",
        "response_time_median_h",
        "response_time_p90_h",
        "responses_within_target_share",
        "responses_blocked_by_caveats",
        "arrests",
        "detainees_handed_over",
        "detainees_released",
        "complicity_events",
        "crsv_true",
        "crsv_reported",
        "patrols",
        "patrol_hours",
        "host_capacity_final",
        "trust_final",
        "person_days",
        "by_threat",
        "scenario_name",
        "scenario_hash",
        "seed",
        "pocsim_version",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    let ts = std::fs::read_to_string(a.join("timeseries.csv")).unwrap();
    assert_eq!(ts.lines().count(), 1 + 90 * 3, "one row per day and site");
    // A different seed into the same directory is refused, and the files are kept.
    let o = pocsim(&[
        "run",
        "scenarios/tutorial.toml",
        "--seed",
        "8",
        "--out",
        a.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(
        std::fs::read(a.join("events.csv")).unwrap(),
        std::fs::read(b.join("events.csv")).unwrap()
    );
    let o = pocsim(&[
        "run",
        "scenarios/tutorial.toml",
        "--seed",
        "8",
        "--out",
        a.to_str().unwrap(),
        "--force",
    ]);
    assert!(o.status.success());
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(["run", "scenarios/tutorial.toml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // like `| head` closing early
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn help_shows_an_example_for_every_subcommand() {
    for sub in [
        "cluster slurm",
        "run",
        "validate",
        "compare",
        "sweep",
        "experiment",
        "merge",
        "validation-report",
        "report",
        "exercise",
        "review",
        "sensitivity",
        "calibrate",
        "discover",
    ] {
        let mut args: Vec<&str> = sub.split(' ').collect();
        args.push("--help");
        let o = pocsim(&args);
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Example"),
            "{sub} --help"
        );
    }
}

#[test]
fn the_validation_report_is_regenerated_by_the_command_it_names() {
    let doc = std::fs::read_to_string("docs/validation.md").unwrap();
    let start = doc
        .find("`pocsim validation-report")
        .expect("the report names its command")
        + 1;
    let end = start + doc[start..].find('`').unwrap();
    let cmd: Vec<&str> = doc[start..end].split_whitespace().skip(1).collect();
    let out = std::env::temp_dir().join(format!("pocsim-validation-{}.md", std::process::id()));
    let mut args = cmd.clone();
    args.extend(["--out", out.to_str().unwrap()]);
    let o = pocsim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let again = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        again, doc,
        "docs/validation.md is stale: regenerate it with the command it names"
    );
    // Every shipped scenario compares itself with at least two public figures,
    // and at least 80% of all targets are within their public range.
    for e in std::fs::read_dir("scenarios").unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.matches("[[scenario.targets]]").count() >= 2,
            "{} has fewer than two targets",
            path.display()
        );
        assert!(
            cmd.contains(&path.to_str().unwrap()),
            "{} is not in the report",
            path.display()
        );
    }
    let line = doc
        .lines()
        .find(|l| l.ends_with(" targets within"))
        .expect("the report ends with `K of N targets within`");
    let words: Vec<&str> = line.split_whitespace().collect();
    let (k, n): (u32, u32) = (words[0].parse().unwrap(), words[2].parse().unwrap());
    assert!(k * 5 >= n * 4, "{line}: fewer than 80%");
    let _ = std::fs::remove_file(out);
}

#[test]
fn the_slurm_script_has_the_array_the_merge_and_the_shard_command() {
    let out = std::env::temp_dir().join(format!("pocsim-slurm-{}", std::process::id()));
    let o = pocsim(&[
        "cluster",
        "slurm",
        "experiments/slurm-smoke.toml",
        "--shards",
        "4",
        "--throttle",
        "2",
        "--time",
        "00:05:00",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    for want in [
        "#SBATCH --array=1-4%2",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --time=00:05:00",
        "--dependency=afterok:",
        "--shard \"$I/$N\" --resume",
        "RAYON_NUM_THREADS",
    ] {
        assert!(s.contains(want), "missing `{want}` in:\n{s}");
    }
    assert!(out.join("logs").is_dir(), "log directory prepared");
    let o = pocsim(&[
        "cluster",
        "slurm",
        "experiments/slurm-smoke.toml",
        "--shards",
        "0",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&out);
}
