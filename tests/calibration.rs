//! Calibration recovers what the model itself produced: targets computed at a
//! known point are fitted back, the true values inside the posterior's 90%
//! range and the posterior narrower than the prior.

use pocsim::calibration::{Spec, calibrate, spread};
use pocsim::experiment::design_run::Finished;
use pocsim::experiment::{ExecOptions, Shard};
use std::sync::atomic::AtomicBool;

/// The tutorial with two uncertain severities and the given targets.
fn scenario(targets: &[(&str, f64)]) -> String {
    let text = std::fs::read_to_string("scenarios/tutorial.toml").unwrap();
    // Keep the tutorial up to its own uncertain inputs, without its targets.
    let mut s: String = text
        .split("# ---- Uncertain inputs")
        .next()
        .unwrap()
        .to_string();
    while let Some(i) = s.find("[[scenario.targets]]") {
        let j = s[i + 1..].find("\n[").map_or(s.len(), |j| i + 1 + j + 1);
        s.replace_range(i..j, "");
    }
    s.push_str(
        "\n[[uncertainty]]\npath = \"threat_kinds.criminal_violence.severity\"\ndist = \"uniform\"\nlow = 0.6\nhigh = 1.8\n\
         \n[[uncertainty]]\npath = \"threat_kinds.armed_attack.severity\"\ndist = \"uniform\"\nlow = 3.0\nhigh = 9.0\n",
    );
    for (metric, value) in targets {
        s.push_str(&format!(
            "\n[[scenario.targets]]\nmetric = \"{metric}\"\nvalue = {value}\nlow = {}\nhigh = {}\nsource = \"the model at a known point\"\n",
            value * 0.9,
            value * 1.1
        ));
    }
    s
}

#[test]
fn targets_made_by_the_model_are_recovered() {
    let dir = std::env::temp_dir().join(format!("pocsim-abc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let metrics = [
        "criminal_violence.civilians_harmed",
        "armed_attack.civilians_harmed",
    ];
    // The known point is the tutorial's own values: 1.2 and 6.0.
    let probe = scenario(&metrics.map(|m| (m, 1.0)));
    let loaded = pocsim::load_scenario_str(&probe, "probe.toml", &[]).unwrap();
    let known = pocsim::outputs::validation_report::report_scenario(&loaded, 200, 7).unwrap();
    let values: Vec<(&str, f64)> = metrics
        .iter()
        .zip(&known.targets)
        .map(|(m, (_, d))| (*m, d.mean))
        .collect();
    let path = dir.join("fit.toml");
    std::fs::write(&path, scenario(&values)).unwrap();
    let out = dir.join("out");
    let stop = AtomicBool::new(false);
    let opts = ExecOptions {
        out: out.clone(),
        shard: Shard::ALL,
        resume: false,
        force: false,
        progress: false,
        stop: &stop,
        command: String::new(),
    };
    let spec = Spec {
        scenario: path,
        base: Vec::new(),
        points: 150,
        runs: 20,
        accept: 0.1,
        seed: 3,
        plots: true,
    };
    let Finished::Complete(fit) = calibrate(&spec, &opts).unwrap() else {
        panic!("the calibration did not finish");
    };
    assert!(out.join("plots").join("prior-posterior.png").exists());
    assert!(out.join("posterior.csv").exists());
    for (j, truth) in [(0usize, 1.2), (1, 6.0)] {
        let value = |i: usize| fit.points[i].values[j].parse::<f64>().unwrap();
        let prior = spread(&(0..fit.points.len()).map(value).collect::<Vec<_>>());
        let post = spread(&fit.accepted.iter().map(|&i| value(i)).collect::<Vec<_>>());
        assert!(
            post.1 <= truth && truth <= post.2,
            "{}: true {truth} outside the posterior's 90% range {:.3} to {:.3}",
            fit.inputs[j],
            post.1,
            post.2
        );
        assert!(
            post.2 - post.1 < 0.6 * (prior.2 - prior.1),
            "{}: posterior {:.3}-{:.3} not narrower than prior {:.3}-{:.3}",
            fit.inputs[j],
            post.1,
            post.2,
            prior.1,
            prior.2
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
