//! Bad input gets a clear error: every file under `tests/bad/` must be
//! refused by `pocsim validate` and `pocsim run` with exit code 2, a message
//! naming the file with line and column, and the text its `# expect:` line
//! gives. Bad overrides are refused the same way.

use std::path::Path;
use std::process::Command;

fn pocsim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("pocsim runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_bad_file_gets_its_message() {
    let mut files: Vec<_> = std::fs::read_dir("tests/bad")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "keep at least fifteen bad files");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let expects: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(
            !expects.is_empty(),
            "{} has no `# expect:` line",
            f.display()
        );
        let name = f.to_str().unwrap();
        for cmd in ["validate", "run"] {
            let (code, stdout, stderr) = pocsim(&[cmd, name]);
            assert_eq!(code, 2, "{cmd} {name}: exit code (stderr: {stderr})");
            assert!(stdout.is_empty(), "{cmd} {name}: nothing on stdout");
            assert!(
                !stderr.contains("panicked"),
                "{cmd} {name}: panic: {stderr}"
            );
            let first = stderr.lines().next().unwrap_or("");
            let located = format!("error: {name}:");
            assert!(
                first.starts_with(&located),
                "{name}: message must name the file: {first}"
            );
            let after = &first[located.len()..];
            let mut parts = after.splitn(3, ':');
            let line: usize = parts
                .next()
                .unwrap()
                .parse()
                .unwrap_or_else(|_| panic!("{name}: no line in {first}"));
            let col: usize = parts
                .next()
                .unwrap()
                .parse()
                .unwrap_or_else(|_| panic!("{name}: no column in {first}"));
            assert!(line > 0 && col > 0);
            for e in &expects {
                assert!(stderr.contains(e), "{name}: expected `{e}` in:\n{stderr}");
            }
        }
    }
}

#[test]
fn a_bad_override_is_refused_with_its_path() {
    let t = "scenarios/tutorial.toml";
    let cases: &[(&str, &str)] = &[
        (
            "forces.fpus[5].vehicles=3",
            "override path `forces.fpus[5].vehicles` does not exist in the scenario (no `forces.fpus[5]`)",
        ),
        (
            "forces.fpus[fpu-zz].vehicles=3",
            "(no `forces.fpus[fpu-zz]`)",
        ),
        ("forces.nothing.count=1", "unknown field `nothing`"),
        (
            "forces.fpus[0].vehicles=many",
            "(set by the override forces.fpus[0].vehicles=many)",
        ),
        (
            "forces.fpus[0].women_share=2",
            "forces.fpus[0].women_share: expected a number from 0 to 1, found 2",
        ),
        ("novalue", "must have the form PATH=VALUE"),
        ("forces.fpus[0].vehicles=[1,", "is not a TOML value"),
    ];
    for (ov, msg) in cases {
        let (code, _, stderr) = pocsim(&["validate", t, "--set", ov]);
        assert_eq!(code, 2, "--set {ov}: {stderr}");
        assert!(
            stderr.contains(msg),
            "--set {ov}: expected `{msg}` in {stderr}"
        );
    }
    // By id, nested, and creating an optional key all work.
    let (code, stdout, stderr) = pocsim(&[
        "validate",
        t,
        "--set",
        "forces.fpus[fpu-a].vehicles=16",
        "--set",
        "forces.fpus[0].caveats.max_distance_km=20",
        "--set",
        "mandate.hrddp=suspend",
        "--set",
        "effectiveness.fpu.armed=0.5",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("valid"));
}

#[test]
fn a_missing_file_is_an_error_not_a_panic() {
    let (code, _, stderr) = pocsim(&["run", "scenarios/does-not-exist.toml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("scenarios/does-not-exist.toml"), "{stderr}");
    assert!(Path::new("scenarios/tutorial.toml").exists());
}
