//! Helpers shared by the integration tests: load a scenario with overrides and
//! run many replications of it with common random numbers.

#![allow(dead_code)]

pub mod classroom;

use pocsim::engine::RunOptions;
use pocsim::{Doctrine, Model, Override, Seed, Summary, load_scenario, run};

/// Master seed shared by paired variants.
pub const MASTER: u64 = 20261122;

pub fn model(path: &str, overrides: &[&str]) -> Model {
    let ovs: Vec<Override> = overrides
        .iter()
        .map(|o| Override::parse(o).expect("override parses"))
        .collect();
    let loaded = load_scenario(path.as_ref(), &ovs).unwrap_or_else(|e| panic!("{e}"));
    let base = load_scenario(path.as_ref(), &[]).unwrap_or_else(|e| panic!("{e}"));
    pocsim::engine::variant_model(&base.scenario, &loaded.scenario)
}

/// Replications 0..n of a scenario variant, all with the master seed.
pub fn runs(path: &str, overrides: &[&str], n: u64) -> Vec<Summary> {
    let m = model(path, overrides);
    (0..n)
        .map(|r| {
            let opts = RunOptions {
                self_check: true,
                ..RunOptions::default()
            };
            run(&m, Seed::new(MASTER, r), &mut Doctrine::default(), opts).summary
        })
        .collect()
}

/// Mean of a metric over replications (NaN values skipped).
pub fn mean(xs: &[Summary], f: impl Fn(&Summary) -> f64) -> f64 {
    let v: Vec<f64> = xs.iter().map(f).filter(|x| x.is_finite()).collect();
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Sum of a metric over replications.
pub fn total(xs: &[Summary], f: impl Fn(&Summary) -> f64) -> f64 {
    xs.iter().map(f).sum()
}

/// Asserts `a > b * (1 + margin)` with a readable message.
pub fn assert_more(what: &str, a: f64, b: f64, margin: f64) {
    assert!(
        a > b * (1.0 + margin),
        "{what}: expected {a:.3} to exceed {b:.3} by more than {:.0}%",
        margin * 100.0
    );
}

pub const TUTORIAL: &str = "scenarios/tutorial.toml";

/// Loads the report in headless Chromium: no console errors, a screenshot that is not blank.
pub fn browser_check(page: &std::path::Path) {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(chromium) = chromium else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (see .ci/run)"
        );
        eprintln!("chromium not installed: browser check skipped (it runs in CI)");
        return;
    };
    let shot = page.with_file_name("report.png");
    let profile = page.with_file_name("chromium-profile");
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            &format!("--user-data-dir={}", profile.display()),
            "--window-size=1200,1600",
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}", std::fs::canonicalize(page).unwrap().display()),
        ])
        .output()
        .expect("chromium runs");
    let log = String::from_utf8_lossy(&out.stderr);
    let console_errors: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("ERROR") || l.contains("Uncaught")))
        .collect();
    assert!(
        console_errors.is_empty(),
        "console errors: {console_errors:?}"
    );
    let png = std::fs::read(&shot)
        .unwrap_or_else(|e| panic!("no screenshot ({e}); chromium said:\n{log}"));
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = &buf[..info.buffer_size()];
    let mut colours = std::collections::HashSet::new();
    for c in px.chunks(info.color_type.samples()) {
        colours.insert(c.to_vec());
        if colours.len() > 50 {
            break;
        }
    }
    assert!(
        colours.len() > 50,
        "the screenshot looks blank ({} colours)",
        colours.len()
    );
}
