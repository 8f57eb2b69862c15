//! Experiments: common random numbers, determinism across thread counts,
//! resume after a kill, shard and merge identity, and refusals of bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const T: &str = "scenarios/tutorial.toml";
const APPROVAL: &str = "approval:forces.fpus[0].caveats.approval_required=true";

fn pocsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("pocsim runs")
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pocsim-exp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout {}\nstderr {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn same_results(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        let x = std::fs::read(a.join(f)).unwrap_or_else(|e| panic!("{}: {e}", a.join(f).display()));
        let y = std::fs::read(b.join(f)).unwrap_or_else(|e| panic!("{}: {e}", b.join(f).display()));
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn compare(out: &Path, runs: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "compare",
        T,
        "--variant",
        APPROVAL,
        "--variant",
        "same:forces.fpus[0].vehicles=12",
        "--runs",
        runs,
        "--seed",
        "5",
        "--out",
        s(out),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    pocsim(&args)
}

#[test]
fn an_identical_variant_differs_by_exactly_zero() {
    let d = dir("crn");
    ok(&compare(&d, "60", &[]));
    let effects = std::fs::read_to_string(d.join("effects.csv")).unwrap();
    let mut n = 0;
    for line in effects.lines().filter(|l| l.starts_with("same,")) {
        let f: Vec<&str> = line.split(',').collect();
        // mean_diff, ci95_low, ci95_high are exactly zero (or NA where undefined).
        for v in &f[6..9] {
            assert!(*v == "0" || *v == "NA", "{line}");
        }
        n += 1;
    }
    assert!(n > 30);
    // And the caveat has an effect.
    let harm = effects
        .lines()
        .find(|l| l.starts_with("approval,civilians_harmed,"))
        .unwrap();
    let diff: f64 = harm.split(',').nth(6).unwrap().parse().unwrap();
    assert!(diff > 0.0, "{harm}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn outcomes_by_site_come_with_every_experiment() {
    // Where harm falls: per-site columns in runs.csv, a row per variant,
    // replication and site in sites.csv, and paired effects per site.
    let d = dir("sites");
    ok(&compare(&d, "60", &[]));
    let sites = std::fs::read_to_string(d.join("sites.csv")).unwrap();
    let mut lines = sites.lines();
    assert_eq!(
        lines.next().unwrap(),
        "variant,replication,site,civilians_harmed,civilians_killed,incidents_true,incidents_known,incidents_reported,incidents_responded"
    );
    // 3 variants x 60 replications x 3 sites.
    assert_eq!(lines.count(), 3 * 60 * 3);
    // Per-site harm adds up to the run's harm.
    let runs = std::fs::read_to_string(d.join("runs.csv")).unwrap();
    let head: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let row: Vec<&str> = runs.lines().nth(1).unwrap().split(',').collect();
    let total: f64 = row[col("civilians_harmed")].parse().unwrap();
    let by_site: f64 = ["town", "camp", "village"]
        .iter()
        .map(|s| {
            row[col(&format!("site.{s}.civilians_harmed"))]
                .parse::<f64>()
                .unwrap()
        })
        .sum();
    assert_eq!(total, by_site);
    let effects = std::fs::read_to_string(d.join("effects.csv")).unwrap();
    assert!(
        effects
            .lines()
            .any(|l| l.starts_with("approval,site.village.incidents_responded,higher,"))
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn effects_across_plausible_worlds() {
    // Every variant at every point drawn from the tutorial's [[uncertainty]],
    // with the same random streams: an identical variant differs by exactly
    // zero in every world; the approval caveat raises harm in most of them.
    let d = dir("worlds");
    let o = pocsim(&[
        "compare",
        T,
        "--variant",
        APPROVAL,
        "--variant",
        "same:forces.fpus[0].vehicles=12",
        "--uncertain",
        "8",
        "--runs",
        "30",
        "--seed",
        "5",
        "--out",
        s(&d),
        "--quiet",
        "--no-plots",
    ]);
    ok(&o);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("of plausible worlds `approval` raises civilians harmed"),
        "{out}"
    );
    let points = std::fs::read_to_string(d.join("points.csv")).unwrap();
    assert_eq!(points.lines().count(), 9);
    assert!(points.starts_with("point,reporting.delay_mean_h,"));
    let runs = std::fs::read_to_string(d.join("runs.csv")).unwrap();
    assert!(runs.starts_with("variant,replication,seed_stream,point,reporting.delay_mean_h,"));
    assert_eq!(runs.lines().count(), 1 + 3 * 8 * 30);
    // The drawn values travel with every row of their point.
    let row: Vec<&str> = runs.lines().nth(1).unwrap().split(',').collect();
    let p0: Vec<&str> = points.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[3..3 + p0.len()], p0[..]);
    let effects = std::fs::read_to_string(d.join("effects.csv")).unwrap();
    assert!(effects.starts_with("variant,metric,better,points,mean_diff,ci95_low,ci95_high,"));
    for line in effects.lines().filter(|l| l.starts_with("same,")) {
        let f: Vec<&str> = line.split(',').collect();
        for v in &f[4..10] {
            assert!(*v == "0" || *v == "NA", "{line}");
        }
    }
    let harm = effects
        .lines()
        .find(|l| l.starts_with("approval,civilians_harmed,"))
        .unwrap();
    let share_worse: f64 = harm.split(',').nth(13).unwrap().parse().unwrap();
    assert!(share_worse >= 0.75, "{harm}");
    // Byte-identical on one thread.
    let e = dir("worlds1");
    ok(&pocsim(&[
        "compare",
        T,
        "--variant",
        APPROVAL,
        "--variant",
        "same:forces.fpus[0].vehicles=12",
        "--uncertain",
        "8",
        "--runs",
        "30",
        "--seed",
        "5",
        "--out",
        s(&e),
        "--quiet",
        "--no-plots",
        "--threads",
        "1",
    ]));
    same_results(
        &d,
        &e,
        &["runs.csv", "points.csv", "effects.csv", "summary.csv"],
    );
    // Shards of plausible worlds merge into the single machine's result.
    let shards: Vec<PathBuf> = (1..=2).map(|i| dir(&format!("worlds-shard{i}"))).collect();
    for (i, x) in shards.iter().enumerate() {
        ok(&pocsim(&[
            "compare",
            T,
            "--variant",
            APPROVAL,
            "--variant",
            "same:forces.fpus[0].vehicles=12",
            "--uncertain",
            "8",
            "--runs",
            "30",
            "--seed",
            "5",
            "--out",
            s(x),
            "--quiet",
            "--no-plots",
            "--shard",
            &format!("{}/2", i + 1),
        ]));
    }
    let merged = dir("worlds-merged");
    let o = pocsim(&["merge", s(&merged), s(&shards[0]), s(&shards[1])]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("of plausible worlds"));
    same_results(
        &d,
        &merged,
        &["runs.csv", "points.csv", "effects.csv", "summary.csv"],
    );
    for x in shards.iter().chain([&merged]) {
        let _ = std::fs::remove_dir_all(x);
    }
    // Where the caveat costs most: PRIM over the worlds.
    let o = pocsim(&[
        "discover",
        s(&d),
        "--variant",
        "approval",
        "--metric",
        "civilians_harmed",
        "--above",
        "0",
    ]);
    ok(&o);
    let boxes = std::fs::read_to_string(d.join("discover").join("boxes.csv")).unwrap();
    assert!(
        boxes.starts_with("box,coverage,density,mass,restricted,reporting.delay_mean_h.lower,")
    );
    let o = pocsim(&[
        "discover",
        s(&d),
        "--variant",
        "nope",
        "--metric",
        "civilians_harmed",
        "--above",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    for x in [d, e] {
        let _ = std::fs::remove_dir_all(x);
    }
}

#[test]
fn sensitivity_ranks_the_declared_assumptions() {
    let d = dir("morris");
    let args = |out: &str, threads: &str| {
        vec![
            "sensitivity".to_string(),
            T.into(),
            "--method".into(),
            "morris".into(),
            "--points".into(),
            "6".into(),
            "--runs".into(),
            "4".into(),
            "--variant".into(),
            APPROVAL.into(),
            "--out".into(),
            out.into(),
            "--threads".into(),
            threads.into(),
        ]
    };
    let run = |a: Vec<String>| pocsim(&a.iter().map(String::as_str).collect::<Vec<_>>());
    ok(&run(args(s(&d), "2")));
    let sens = std::fs::read_to_string(d.join("sensitivity.csv")).unwrap();
    assert!(sens.starts_with("metric,names,mu,mu_star,sigma,mu_star_conf\n"));
    // One row per declared input (17 in the tutorial).
    assert_eq!(sens.lines().count(), 1 + 17);
    let tornado = std::fs::read_to_string(d.join("tornado.csv")).unwrap();
    assert!(tornado.starts_with("metric,names,low,high,output_low,output_high,output_file\n"));
    assert_eq!(tornado.lines().count(), 1 + 17);
    assert!(
        d.join("plots").join("tornado.png").exists() && d.join("plots").join("morris.png").exists()
    );
    let design = std::fs::read_to_string(d.join("design.csv")).unwrap();
    // 6 trajectories of 18 points.
    assert_eq!(design.lines().count(), 1 + 6 * 18);
    let e = dir("morris1");
    ok(&run(args(s(&e), "1")));
    same_results(&d, &e, &["sensitivity.csv", "design.csv", "tornado.csv"]);
    // Shards merge into the single machine's analysis.
    let shards: Vec<PathBuf> = (1..=3).map(|i| dir(&format!("morris-shard{i}"))).collect();
    for (i, x) in shards.iter().enumerate() {
        let mut a = args(s(x), "2");
        a.extend([
            "--shard".into(),
            format!("{}/3", i + 1),
            "--no-plots".into(),
        ]);
        ok(&run(a));
        assert!(
            !x.join("sensitivity.csv").exists(),
            "a shard is not analysed"
        );
    }
    let merged = dir("morris-merged");
    ok(&pocsim(&[
        "merge",
        s(&merged),
        s(&shards[1]),
        s(&shards[2]),
        s(&shards[0]),
    ]));
    same_results(
        &d,
        &merged,
        &[
            "evaluations.csv",
            "sensitivity.csv",
            "design.csv",
            "tornado.csv",
        ],
    );
    // An interrupted analysis (half its rows and a torn line) resumes to
    // the same files.
    let r = dir("morris-resumed");
    std::fs::create_dir_all(&r).unwrap();
    let all = std::fs::read_to_string(d.join("evaluations.csv")).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    let mut part = lines[..lines.len() / 2].join("\n");
    part.push('\n');
    part.push_str(&lines[lines.len() / 2][..5]);
    std::fs::write(r.join("evaluations.partial.csv"), part).unwrap();
    let m = std::fs::read_to_string(d.join("manifest.json"))
        .unwrap()
        .replace("\"complete\"", "\"interrupted\"");
    std::fs::write(r.join("manifest.json"), m).unwrap();
    let o = run(args(s(&r), "2"));
    assert_eq!(
        o.status.code(),
        Some(2),
        "an interrupted run needs --resume"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));
    let mut a = args(s(&r), "2");
    a.push("--resume".into());
    ok(&run(a));
    same_results(
        &d,
        &r,
        &[
            "evaluations.csv",
            "sensitivity.csv",
            "design.csv",
            "tornado.csv",
        ],
    );
    assert!(!r.join("evaluations.partial.csv").exists());
    for x in shards.iter().chain([&merged, &r]) {
        let _ = std::fs::remove_dir_all(x);
    }
    // Bad input: exit 2, nothing written.
    let f = dir("morris-bad");
    for bad in [
        vec!["--method", "morris", "--points", "0"],
        vec!["--method", "fast"],
        vec!["--method", "sobol", "--metric", "harm"],
    ] {
        let mut a = vec!["sensitivity", T, "--out", s(&f)];
        a.extend(bad);
        let o = pocsim(&a);
        assert_eq!(o.status.code(), Some(2), "{a:?}");
        assert!(!f.join("sensitivity.csv").exists());
    }
    for x in [d, e, f] {
        let _ = std::fs::remove_dir_all(x);
    }
}

#[test]
fn an_experiment_file_adds_and_replaces_uncertain_inputs() {
    let d = dir("file-worlds");
    std::fs::create_dir_all(&d).unwrap();
    let root = std::env::current_dir().unwrap();
    let file = d.join("worlds.toml");
    let write = |extra: &str| {
        std::fs::write(
            &file,
            format!(
                "scenario = \"{}\"\nruns = 5\nseed = 2\nuncertain = 4\n\n[[variants]]\nname = \"approval\"\nset = [\"forces.fpus[0].caveats.approval_required=true\"]\n\n[[uncertainty]]\npath = \"tension.amplitude\"\ndist = \"uniform\"\nlow = 1.0\nhigh = 1.5\n\n[[uncertainty]]\npath = \"forces.fpus[0].vehicles\"\ndist = \"uniform\"\nlow = 6\n{extra}",
                root.join(T).display()
            ),
        )
        .unwrap()
    };
    write("high = 12\n");
    let out = d.join("out");
    ok(&pocsim(&[
        "experiment",
        s(&file),
        "--out",
        s(&out),
        "--quiet",
        "--no-plots",
    ]));
    let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
    let head: Vec<&str> = points.lines().next().unwrap().split(',').collect();
    let amp = head.iter().position(|h| *h == "tension.amplitude").unwrap();
    let veh = head
        .iter()
        .position(|h| *h == "forces.fpus[0].vehicles")
        .unwrap();
    // 17 from the scenario (one replaced) and one added.
    assert_eq!(head.len(), 1 + 18);
    for line in points.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let a: f64 = f[amp].parse().unwrap();
        assert!((1.0..=1.5).contains(&a), "{line}");
        let v: i64 = f[veh].parse().expect("an integer field gets integers");
        assert!((6..=12).contains(&v), "{line}");
    }
    // A declaration without its parameters is refused where it is written.
    write("");
    let o = pocsim(&[
        "experiment",
        s(&file),
        "--out",
        s(&d.join("bad")),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("worlds.toml:") && err.contains("uncertainty[1].high"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn host_police_are_named_by_their_site_in_overrides() {
    let o = pocsim(&[
        "run",
        T,
        "--seed",
        "1",
        "--json",
        "--set",
        "forces.host_police[town].officers=0",
    ]);
    ok(&o);
    let with = pocsim(&["run", T, "--seed", "1", "--json"]);
    assert_ne!(
        o.stdout, with.stdout,
        "the override changed the host police"
    );
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let (a, b, c) = (dir("t1"), dir("t2"), dir("t3"));
    ok(&compare(&a, "150", &["--threads", "1"]));
    ok(&compare(&b, "150", &["--threads", "2"]));
    ok(&compare(&c, "150", &["--threads", "3"]));
    let files = ["runs.csv", "summary.csv", "effects.csv", "sites.csv"];
    same_results(&a, &b, &files);
    same_results(&a, &c, &files);
    for d in [a, b, c] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn a_killed_run_resumes_to_identical_files() {
    let whole = dir("whole");
    ok(&compare(&whole, "3000", &[]));
    let part = dir("killed");
    let mut killed = 0;
    for k in 0..4 {
        let mut args: Vec<String> = [
            "compare",
            T,
            "--variant",
            APPROVAL,
            "--variant",
            "same:forces.fpus[0].vehicles=12",
            "--runs",
            "3000",
            "--seed",
            "5",
            "--out",
            s(&part),
            "--quiet",
        ]
        .iter()
        .map(|x| x.to_string())
        .collect();
        if k > 0 {
            args.push("--resume".into());
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_pocsim"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(150 + 90 * k));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        let _ = child.wait();
    }
    assert!(
        killed > 0,
        "the run finished before it could be killed: raise --runs"
    );
    ok(&compare(&part, "3000", &["--resume"]));
    same_results(&whole, &part, &["runs.csv", "summary.csv", "effects.csv"]);
    assert!(!part.join("runs.partial.csv").exists());
    let rows = std::fs::read_to_string(part.join("runs.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(rows, 1 + 3 * 3000, "no row lost or duplicated");
    let _ = std::fs::remove_dir_all(&whole);
    let _ = std::fs::remove_dir_all(&part);
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_and_says_how_to_resume() {
    let d = dir("sigint");
    let child = Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args([
            "compare",
            T,
            "--variant",
            APPROVAL,
            "--runs",
            "100000",
            "--seed",
            "5",
            "--out",
            s(&d),
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let pid = child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--resume"), "{err}");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["status"], "interrupted");
    assert!(d.join("runs.partial.csv").exists());
    // Without --resume the interrupted directory is not silently restarted.
    let o = pocsim(&[
        "compare",
        T,
        "--variant",
        APPROVAL,
        "--runs",
        "100000",
        "--seed",
        "5",
        "--out",
        s(&d),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn shards_merge_into_the_single_machine_result() {
    let single = dir("single");
    ok(&compare(&single, "101", &[]));
    let shards: Vec<PathBuf> = (1..=3).map(|i| dir(&format!("shard{i}"))).collect();
    for (i, d) in shards.iter().enumerate() {
        ok(&compare(d, "101", &["--shard", &format!("{}/3", i + 1)]));
    }
    let merged = dir("merged");
    // Shards in any order.
    ok(&pocsim(&[
        "merge",
        s(&merged),
        s(&shards[2]),
        s(&shards[0]),
        s(&shards[1]),
    ]));
    same_results(
        &single,
        &merged,
        &["runs.csv", "summary.csv", "effects.csv", "sites.csv"],
    );

    // Refusals: a missing shard, an overlap, a shard of another seed.
    let o = pocsim(&["merge", s(&dir("m2")), s(&shards[0]), s(&shards[1])]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard 3/3 missing"));
    let o = pocsim(&[
        "merge",
        s(&dir("m3")),
        s(&shards[0]),
        s(&shards[0]),
        s(&shards[1]),
        s(&shards[2]),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("given twice"));
    let other = dir("other-seed");
    ok(&pocsim(&[
        "compare",
        T,
        "--variant",
        APPROVAL,
        "--variant",
        "same:forces.fpus[0].vehicles=12",
        "--runs",
        "101",
        "--seed",
        "6",
        "--out",
        s(&other),
        "--quiet",
        "--shard",
        "3/3",
    ]));
    let o = pocsim(&[
        "merge",
        s(&dir("m4")),
        s(&shards[0]),
        s(&shards[1]),
        s(&other),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("a different seed"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for d in shards.iter().chain([&single, &merged, &other]) {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn sweeps_grids_designs_and_experiment_files_run() {
    let d = dir("sweep");
    ok(&pocsim(&[
        "sweep",
        T,
        "--grid",
        "forces.fpus[0].count=0,1",
        "--grid",
        "mandate.hrddp=\"support\",\"suspend\"",
        "--runs",
        "20",
        "--out",
        s(&d),
        "--quiet",
    ]));
    let runs = std::fs::read_to_string(d.join("runs.csv")).unwrap();
    let head = runs.lines().next().unwrap();
    assert!(
        head.starts_with(
            "variant,replication,seed_stream,forces.fpus[0].count,mandate.hrddp,civilians_killed"
        ),
        "{head}"
    );
    assert_eq!(runs.lines().count(), 1 + 4 * 20);
    assert!(
        runs.contains("count=1 hrddp=suspend,0,1:0,1,\"\"\"suspend\"\"\""),
        "the varied inputs are columns"
    );
    assert!(!d.join("effects.csv").exists());

    let design = d.join("design.csv");
    std::fs::write(
        &design,
        "forces.fpus[0].vehicles,forces.ipo_teams[0].officers\n4,8\n12,20\n",
    )
    .unwrap();
    let d2 = dir("design");
    ok(&pocsim(&[
        "sweep",
        T,
        "--design",
        s(&design),
        "--runs",
        "10",
        "--out",
        s(&d2),
        "--quiet",
    ]));
    assert_eq!(
        std::fs::read_to_string(d2.join("runs.csv"))
            .unwrap()
            .lines()
            .count(),
        1 + 2 * 10
    );

    let exp = d.join("exp.toml");
    std::fs::write(
        &exp,
        format!(
            "scenario = \"{}\"\nruns = 12\nseed = 3\nmetrics = [\"civilians_harmed\", \"incidents_prevented\"]\n\n[[variants]]\nname = \"approval\"\nset = [\"forces.fpus[0].caveats.approval_required=true\"]\n",
            std::fs::canonicalize(T).unwrap().display()
        ),
    )
    .unwrap();
    let d3 = dir("expfile");
    let o = pocsim(&["experiment", s(&exp), "--out", s(&d3), "--quiet"]);
    ok(&o);
    let summary = std::fs::read_to_string(d3.join("summary.csv")).unwrap();
    assert_eq!(
        summary.lines().count(),
        1 + 2 * 2,
        "two variants, two chosen metrics"
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("civilians_harmed"));
    for x in [d, d2, d3] {
        let _ = std::fs::remove_dir_all(x);
    }
}

#[test]
fn bad_experiment_input_is_refused_and_leaves_nothing_behind() {
    let d = dir("bad");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "compare",
                T,
                "--variant",
                "x:forces.fpus[3].vehicles=2",
                "--runs",
                "5",
            ],
            "does not exist",
        ),
        (
            vec![
                "compare",
                T,
                "--variant",
                "x:forces.fpus[0].vehicles=\"many\"",
                "--runs",
                "5",
            ],
            "invalid type",
        ),
        (
            vec![
                "compare",
                T,
                "--variant",
                "x:forces.fpus[0].vehicles=2",
                "--runs",
                "0",
            ],
            "--runs must be at least 1",
        ),
        (
            vec![
                "compare",
                T,
                "--variant",
                "x:forces.fpus[0].vehicles=2",
                "--runs",
                "5",
                "--shard",
                "3/2",
            ],
            "shard `3/2`",
        ),
        (
            vec!["sweep", T, "--grid", "forces.fpus[0].count=", "--runs", "5"],
            "zero points",
        ),
        (
            vec!["compare", T, "--variant", "nooverride", "--runs", "5"],
            "NAME:PATH=VALUE",
        ),
        (
            vec![
                "compare",
                T,
                "--variant",
                "x:forces.fpus[0].vehicles=2",
                "--runs",
                "5",
                "--metrics",
                "happiness",
            ],
            "unknown metric `happiness`",
        ),
    ];
    for (mut args, msg) in cases {
        args.extend_from_slice(&["--out", s(&d), "--quiet"]);
        let o = pocsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(msg), "{args:?}: expected `{msg}` in {err}");
        assert!(!err.contains("panicked"));
        assert!(!d.exists(), "{args:?} left output behind");
    }
    // A directory holding a different experiment is refused unless --force.
    ok(&compare(&d, "5", &[]));
    let before = std::fs::read(d.join("runs.csv")).unwrap();
    let o = pocsim(&[
        "compare",
        T,
        "--variant",
        APPROVAL,
        "--runs",
        "7",
        "--out",
        s(&d),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("different experiment"));
    assert_eq!(
        std::fs::read(d.join("runs.csv")).unwrap(),
        before,
        "earlier results are intact"
    );
    ok(&pocsim(&[
        "compare",
        T,
        "--variant",
        APPROVAL,
        "--runs",
        "7",
        "--out",
        s(&d),
        "--quiet",
        "--force",
    ]));
    // An unwritable place.
    let o = pocsim(&[
        "compare",
        T,
        "--variant",
        APPROVAL,
        "--runs",
        "3",
        "--out",
        "/proc/pocsim-cannot-write",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/proc/pocsim-cannot-write"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let d = dir("quiet");
    let o = pocsim(&[
        "compare",
        T,
        "--variant",
        APPROVAL,
        "--runs",
        "30",
        "--out",
        s(&d),
    ]);
    ok(&o);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_damaged_manifest_is_refused_not_a_panic() {
    // A shard index outside 1..=N (an edited or damaged manifest) is named.
    let d = dir("damaged");
    ok(&compare(&d, "4", &["--no-plots"]));
    let p = d.join("manifest.json");
    let text = std::fs::read_to_string(&p).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&text).unwrap();
    m["shard"]["index"] = serde_json::json!(0);
    std::fs::write(&p, m.to_string()).unwrap();
    let out = dir("damaged-out");
    let o = pocsim(&["merge", s(&out), s(&d)]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("manifest.json: shard: expected I/N with 1 <= I <= N, found 0/1"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn calibration_shards_merge_and_bad_input_is_refused() {
    let args = |out: &Path, extra: &[&str]| {
        let mut a: Vec<String> = [
            "calibrate",
            T,
            "--points",
            "12",
            "--runs",
            "3",
            "--seed",
            "4",
            "--quiet",
            "--out",
        ]
        .iter()
        .map(|x| x.to_string())
        .collect();
        a.push(s(out).into());
        a.extend(extra.iter().map(|x| x.to_string()));
        a
    };
    let run = |a: Vec<String>| pocsim(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let d = dir("abc");
    ok(&run(args(&d, &[])));
    for f in ["posterior.csv", "abc.csv", "targets.csv", "evaluations.csv"] {
        assert!(d.join(f).exists(), "{f}");
    }
    assert!(d.join("plots").join("prior-posterior.png").exists());
    let shards: Vec<PathBuf> = (1..=2).map(|i| dir(&format!("abc-shard{i}"))).collect();
    for (i, x) in shards.iter().enumerate() {
        ok(&run(args(x, &["--shard", &format!("{}/2", i + 1)])));
    }
    let merged = dir("abc-merged");
    ok(&pocsim(&[
        "merge",
        s(&merged),
        s(&shards[0]),
        s(&shards[1]),
    ]));
    same_results(
        &d,
        &merged,
        &["evaluations.csv", "posterior.csv", "abc.csv", "targets.csv"],
    );
    // Bad input: exit 2, a located message, nothing written.
    let bad = dir("abc-bad");
    for (extra, says) in [
        (vec!["--points", "0"], "--points must be at least 1"),
        (vec!["--accept", "1.5"], "expected a share in (0, 1]"),
        (vec!["--set", "tension.nope=1"], "tension.nope"),
    ] {
        let mut a = vec!["calibrate", T, "--out", s(&bad), "--quiet"];
        a.extend(&extra);
        let o = pocsim(&a);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(says),
            "{extra:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!bad.exists(), "{extra:?} wrote into --out");
    }
    // A target without a tolerance is located in its file.
    let text = std::fs::read_to_string(T).unwrap();
    let i = text.find("[[scenario.targets]]").unwrap();
    let no_tol = format!(
        "{}[[scenario.targets]]\nmetric = \"civilians_killed\"\nvalue = 0.0\nlow = 0.0\nhigh = 0.0\nper = \"100k_year\"\nsource = \"test\"\n\n{}",
        &text[..i],
        &text[i..]
    );
    std::fs::create_dir_all(&bad).unwrap();
    let f = bad.join("no-tolerance.toml");
    std::fs::write(&f, &no_tol).unwrap();
    let out = bad.join("out");
    let o = pocsim(&[
        "calibrate",
        s(&f),
        "--points",
        "4",
        "--out",
        s(&out),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let line = no_tol[..i].lines().count() + 1;
    assert!(
        err.contains(&format!("no-tolerance.toml:{line}:")) && err.contains("no tolerance"),
        "{err}"
    );
    assert!(!out.exists());
    for x in shards.iter().chain([&d, &merged, &bad]) {
        let _ = std::fs::remove_dir_all(x);
    }
}

#[test]
fn compare_without_variants_describes_the_baseline_alone() {
    let d = dir("baseline-alone");
    let o = pocsim(&[
        "compare",
        T,
        "--runs",
        "20",
        "--out",
        s(&d),
        "--quiet",
        "--no-plots",
    ]);
    ok(&o);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("the baseline alone"), "{out}");
    assert!(out.contains("civilians_harmed (mean, 95% CI)"), "{out}");
    let summary = std::fs::read_to_string(d.join("summary.csv")).unwrap();
    assert!(summary.lines().skip(1).all(|l| l.starts_with("baseline,")));
    let runs = std::fs::read_to_string(d.join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 1 + 20);
    ok(&pocsim(&["report", s(&d)]));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_run_killed_while_writing_its_first_manifest_can_resume() {
    // The kill left only the half-written manifest of `write_atomic`.
    let d = dir("half-manifest");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join(".manifest.json.tmp-4242"), "{\"pocsim_ver").unwrap();
    ok(&compare(&d, "30", &["--resume"]));
    assert!(d.join("runs.csv").exists());
    assert!(!d.join(".manifest.json.tmp-4242").exists());
    // Anything else is still refused.
    let e = dir("someone-elses");
    std::fs::create_dir_all(&e).unwrap();
    std::fs::write(e.join("notes.txt"), "mine").unwrap();
    let o = compare(&e, "30", &[]);
    assert_eq!(o.status.code(), Some(2));
    for x in [d, e] {
        let _ = std::fs::remove_dir_all(x);
    }
}
