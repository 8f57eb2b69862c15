//! `pocsim calibrate`: fits the declared uncertain inputs to the scenario's
//! public figures (`[[scenario.targets]]`) by approximate Bayesian
//! computation, rejection flavour.
//!
//! Prior points are a Latin hypercube over the uncertain inputs (from the
//! seed). At each point the baseline runs `runs` replications (its tension
//! calibrated at that point) and each target's model value is computed as the
//! calibration report computes it. A public figure is a range (`low`..`high`,
//! or the value ±20%), so the distance of a point is the root mean square of
//! how far each target's model value falls outside its range, in half-ranges
//! (0 when every target is inside); points equally far are ordered by the root
//! mean square of (model − value) / half-range. The closest `accept` share of
//! the points is the posterior, equally weighted. `compare --posterior DIR/posterior.csv` then runs the
//! variants over the posterior's points instead of the prior's.

use crate::error::{Error, Located};
use crate::experiment::design_run::{self, Analysis, Finished, Job};
use crate::experiment::table::significant;
use crate::experiment::uncertain::{Inputs, latin_hypercube};
use crate::experiment::{ExecOptions, Manifest};
use crate::outputs::files::{csv_field, write_atomic};
use crate::scenario::{Override, load_scenario_str};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What to fit.
pub struct Spec {
    pub scenario: PathBuf,
    pub base: Vec<Override>,
    /// Prior points.
    pub points: usize,
    /// Replications per point.
    pub runs: u64,
    /// Share of the points kept (the closest).
    pub accept: f64,
    pub seed: u64,
    /// Draw the prior against the posterior into `out/plots`.
    pub plots: bool,
}

impl Spec {
    /// The calibration recorded in a design's manifest (after `merge`, the
    /// scenario as simulated is the directory's `scenario.toml`).
    pub fn from_manifest(dir: &Path, m: &Manifest) -> Result<Spec, Error> {
        let a = m
            .analysis
            .as_ref()
            .ok_or_else(|| Error::Usage(format!("{} holds no calibration", dir.display())))?;
        Ok(Spec {
            scenario: dir.join(crate::experiment::SCENARIO),
            base: Vec::new(),
            points: a.points,
            runs: m.runs,
            accept: a.accept.unwrap_or(0.1),
            seed: m.seed,
            plots: true,
        })
    }
}

/// One prior point: its values, each target's model value, its distance.
pub struct Point {
    pub values: Vec<String>,
    pub model: Vec<f64>,
    /// RMS of how far the targets fall outside their public ranges.
    pub distance: f64,
    /// RMS of the targets' errors from their public values (the tie-break).
    pub to_value: f64,
}

/// The fit.
pub struct Fit {
    pub inputs: Vec<String>,
    pub targets: Vec<crate::scenario::Target>,
    pub points: Vec<Point>,
    /// Indices of the accepted points, closest first.
    pub accepted: Vec<usize>,
}

/// The files a calibration writes besides its evaluations.
const OWN: &[&str] = &["abc.csv", "posterior.csv", "targets.csv"];

/// Runs (or resumes) the prior into `opts.out` and, once every point is
/// evaluated, writes `abc.csv` (every point), `posterior.csv` (the accepted
/// points with weights and distances), `targets.csv` and the charts.
pub fn calibrate(spec: &Spec, opts: &ExecOptions) -> Result<Finished<Fit>, Error> {
    if spec.points == 0 {
        return Err(Error::Usage("--points must be at least 1".into()));
    }
    if spec.runs == 0 {
        return Err(Error::Usage("--runs must be at least 1".into()));
    }
    if !(spec.accept > 0.0 && spec.accept <= 1.0) {
        return Err(Error::Usage(format!(
            "--accept {}: expected a share in (0, 1]",
            spec.accept
        )));
    }
    let file = spec.scenario.display().to_string();
    let text = std::fs::read_to_string(&spec.scenario).map_err(|e| Error::io(&spec.scenario, e))?;
    crate::scenario::load_scenario(&spec.scenario, &[])?;
    let base = load_scenario_str(&text, &file, &spec.base)?;
    let inputs = Inputs::of(&base);
    if inputs.decls.is_empty() {
        return Err(Error::input(
            &file,
            "declares no [[uncertainty]]: there is nothing to fit",
        ));
    }
    let targets = base.scenario.scenario.targets.clone();
    if targets.is_empty() {
        return Err(Error::input(
            &file,
            "declares no [[scenario.targets]]: there is nothing to fit to",
        ));
    }
    let scale: Vec<f64> = targets
        .iter()
        .map(|t| {
            let (lo, hi) = t.range();
            (hi - lo) / 2.0
        })
        .collect();
    if let Some(k) = scale.iter().position(|s| s.is_nan() || *s <= 0.0) {
        let path = format!("scenario.targets[{k}]");
        return Err(Error::Input(vec![Located {
            file: file.clone(),
            line_col: crate::scenario::locate(&text, &path),
            path: Some(path),
            message: format!(
                "target `{}` has no tolerance: expected `low` < `high` around its value",
                targets[k].metric
            ),
        }]));
    }
    let cube = latin_hypercube(spec.points, inputs.decls.len(), spec.seed);
    let values: Vec<Vec<String>> = cube.iter().map(|u| inputs.values(u)).collect();
    let names: Vec<String> = targets.iter().map(target_name).collect();
    let job = Job {
        kind: crate::experiment::RunKind::Calibrate,
        scenario_file: file.clone(),
        base: &base,
        analysis: Analysis {
            method: "abc-rejection".into(),
            points: spec.points,
            metrics: Vec::new(),
            variant: None,
            second_order: false,
            accept: Some(spec.accept),
            evaluations: values.len(),
        },
        seed: spec.seed,
        runs: spec.runs,
        inputs: inputs.paths(),
        outputs: names,
        values: values.clone(),
        own: OWN,
    };
    let evaluated = design_run::evaluate(&job, opts, |p| {
        let at: Vec<Override> = spec
            .base
            .iter()
            .cloned()
            .chain(inputs.overrides(&values[p]))
            .collect();
        let loaded = load_scenario_str(&text, &file, &at)?;
        let rep =
            crate::outputs::validation_report::report_scenario(&loaded, spec.runs, spec.seed)?;
        Ok(rep.targets.iter().map(|(_, d)| d.mean).collect())
    })?;
    evaluated.then(|models| {
        let points: Vec<Point> = values
            .iter()
            .zip(models)
            .map(|(vals, model)| {
                let n = targets.len() as f64;
                let rms = |f: &dyn Fn(f64, &crate::scenario::Target) -> f64| {
                    let sq: f64 = model
                        .iter()
                        .zip(&targets)
                        .zip(&scale)
                        .map(|((&m, t), s)| (f(m, t) / s).powi(2))
                        .sum();
                    (sq / n).sqrt()
                };
                Point {
                    values: vals.clone(),
                    distance: rms(&|m, t| {
                        let (lo, hi) = t.range();
                        (lo - m).max(m - hi).max(0.0)
                    }),
                    to_value: rms(&|m, t| m - t.value),
                    model,
                }
            })
            .collect();
        let mut order: Vec<usize> = (0..points.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&points[a], &points[b]);
            x.distance
                .total_cmp(&y.distance)
                .then(x.to_value.total_cmp(&y.to_value))
                .then(a.cmp(&b))
        });
        let keep = ((points.len() as f64 * spec.accept).round() as usize).clamp(1, points.len());
        let fit = Fit {
            inputs: inputs.paths(),
            targets: targets.clone(),
            points,
            accepted: order[..keep].to_vec(),
        };
        let out = &opts.out;
        write_atomic(&out.join("abc.csv"), abc_csv(&fit).as_bytes())?;
        write_atomic(&out.join("posterior.csv"), posterior_csv(&fit).as_bytes())?;
        write_atomic(&out.join("targets.csv"), targets_csv(&fit).as_bytes())?;
        if spec.plots {
            let h = (160 + 60 * fit.inputs.len() as u32).max(420);
            let chart = crate::render_chart!(
                "prior-posterior",
                "Prior and posterior",
                (1100, h),
                crate::outputs::plot::sensitivity::prior_posterior,
                &fit
            )
            .map_err(|e| Error::Usage(format!("drawing the charts: {e}")))?;
            crate::outputs::plot::write_all(&out.join("plots"), &[chart])?;
        }
        Ok(fit)
    })
}

fn header(fit: &Fit, tail: &[&str]) -> String {
    let mut s = String::from("point");
    for p in &fit.inputs {
        s.push(',');
        s.push_str(&csv_field(p));
    }
    for t in tail {
        s.push(',');
        s.push_str(t);
    }
    s
}

fn target_name(t: &crate::scenario::Target) -> String {
    match &t.site {
        Some(site) => format!("{}@{site}/{}", t.metric, t.per),
        None => format!("{}/{}", t.metric, t.per),
    }
}

/// Every prior point with its targets' model values and distance.
fn abc_csv(fit: &Fit) -> String {
    use crate::experiment::table::num;
    let names: Vec<String> = fit.targets.iter().map(target_name).collect();
    let mut tail: Vec<&str> = names.iter().map(String::as_str).collect();
    tail.push("distance");
    tail.push("distance_to_value");
    tail.push("accepted");
    let mut s = header(fit, &tail);
    s.push('\n');
    for (i, p) in fit.points.iter().enumerate() {
        let _ = write!(s, "{i}");
        for v in &p.values {
            let _ = write!(s, ",{}", csv_field(v));
        }
        for m in &p.model {
            let _ = write!(s, ",{}", num(*m));
        }
        let _ = writeln!(
            s,
            ",{},{},{}",
            num(p.distance),
            num(p.to_value),
            fit.accepted.contains(&i)
        );
    }
    s
}

/// The accepted points, closest first, with weights and distances.
fn posterior_csv(fit: &Fit) -> String {
    use crate::experiment::table::num;
    let mut s = header(fit, &["weight", "distance"]);
    s.push('\n');
    let w = 1.0 / fit.accepted.len() as f64;
    for &i in &fit.accepted {
        let p = &fit.points[i];
        let _ = write!(s, "{i}");
        for v in &p.values {
            let _ = write!(s, ",{}", csv_field(v));
        }
        let _ = writeln!(s, ",{},{}", num(w), num(p.distance));
    }
    s
}

/// Each target: its public value and range, and the model's under the prior
/// and the posterior (mean, 5% and 95% over points).
fn targets_csv(fit: &Fit) -> String {
    use crate::experiment::table::num;
    let mut s = String::from(
        "target,value,low,high,prior_mean,prior_p5,prior_p95,posterior_mean,posterior_p5,posterior_p95,posterior_inside\n",
    );
    for (k, t) in fit.targets.iter().enumerate() {
        let (lo, hi) = t.range();
        let prior: Vec<f64> = fit.points.iter().map(|p| p.model[k]).collect();
        let post: Vec<f64> = fit
            .accepted
            .iter()
            .map(|&i| fit.points[i].model[k])
            .collect();
        let (a, b) = (spread(&prior), spread(&post));
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&target_name(t)),
            num(t.value),
            num(lo),
            num(hi),
            num(a.0),
            num(a.1),
            num(a.2),
            num(b.0),
            num(b.1),
            num(b.2),
            num(inside(fit, k))
        );
    }
    s
}

/// The share of the accepted points whose model value of target `k` falls
/// inside the target's public range.
pub fn inside(fit: &Fit, k: usize) -> f64 {
    let (lo, hi) = fit.targets[k].range();
    let n = fit
        .accepted
        .iter()
        .filter(|&&i| (lo..=hi).contains(&fit.points[i].model[k]))
        .count();
    n as f64 / fit.accepted.len().max(1) as f64
}

/// Mean, 5% and 95% quantiles of the finite values.
pub fn spread(x: &[f64]) -> (f64, f64, f64) {
    let mut v: Vec<f64> = x.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    (
        crate::stats::mean(&v),
        crate::stats::quantile_sorted(&v, 0.05),
        crate::stats::quantile_sorted(&v, 0.95),
    )
}

/// The fit in words: each input's prior and posterior 90% ranges, each
/// target's public value against the posterior's reproduction.
pub fn render(fit: &Fit) -> String {
    let mut s = format!(
        "Approximate Bayesian computation (rejection): kept the {} closest of {} prior points\n\n",
        fit.accepted.len(),
        fit.points.len()
    );
    let _ = writeln!(
        s,
        "  {:<48} {:>24} {:>24}",
        "input", "prior 90%", "posterior 90%"
    );
    for (j, name) in fit.inputs.iter().enumerate() {
        let num = |i: usize| fit.points[i].values[j].parse::<f64>().unwrap_or(f64::NAN);
        let prior = spread(&(0..fit.points.len()).map(num).collect::<Vec<_>>());
        let post = spread(&fit.accepted.iter().map(|&i| num(i)).collect::<Vec<_>>());
        let _ = writeln!(
            s,
            "  {:<48} {:>24} {:>24}",
            name,
            format!("{:.3} to {:.3}", prior.1, prior.2),
            format!("{:.3} to {:.3}", post.1, post.2)
        );
    }
    let _ = writeln!(
        s,
        "\n  {:<48} {:>22} {:>30} {:>8}",
        "target", "public (range)", "posterior mean (5-95%)", "inside"
    );
    for (k, t) in fit.targets.iter().enumerate() {
        let post = spread(
            &fit.accepted
                .iter()
                .map(|&i| fit.points[i].model[k])
                .collect::<Vec<_>>(),
        );
        let (lo, hi) = t.range();
        let _ = writeln!(
            s,
            "  {:<48} {:>22} {:>30} {:>7.0}%",
            target_name(t),
            format!(
                "{} ({} to {})",
                significant(t.value, 4),
                significant(lo, 4),
                significant(hi, 4)
            ),
            format!(
                "{} ({} to {})",
                significant(post.0, 4),
                significant(post.1, 4),
                significant(post.2, 4)
            ),
            100.0 * inside(fit, k)
        );
    }
    let worst = fit
        .accepted
        .iter()
        .map(|&i| fit.points[i].distance)
        .fold(0.0, f64::max);
    let _ = writeln!(
        s,
        "\n  The largest accepted distance is {worst:.3} half-ranges outside the public ranges (0: every kept point reproduces every target within its range)."
    );
    let missed: Vec<String> = fit
        .targets
        .iter()
        .enumerate()
        .filter(|(k, _)| inside(fit, *k) < 0.5)
        .map(|(_, t)| target_name(t))
        .collect();
    if !missed.is_empty() {
        let _ = writeln!(
            s,
            "  warning: most kept points miss {}: the declared inputs cannot reproduce {} within the public range",
            missed.join(", "),
            if missed.len() == 1 { "it" } else { "them" }
        );
    }
    s
}

/// Reads the points of a `posterior.csv` as drawn values by input path.
pub fn read_posterior(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let file = path.display().to_string();
    let mut lines = text.lines();
    let head = crate::experiment::table::split_csv(
        lines
            .next()
            .ok_or_else(|| Error::input(&file, "is empty"))?,
    );
    if head.first().map(String::as_str) != Some("point")
        || head.len() < 4
        || head[head.len() - 2] != "weight"
    {
        return Err(Error::input(
            &file,
            "is not a pocsim posterior (expected columns point, <inputs>..., weight, distance)",
        ));
    }
    let paths = head[1..head.len() - 2].to_vec();
    let mut pts = Vec::new();
    for (i, l) in lines.enumerate() {
        let f = crate::experiment::table::split_csv(l);
        if f.len() != head.len() {
            return Err(Error::input(&file, format!("row {} is malformed", i + 2)));
        }
        pts.push(f[1..f.len() - 2].to_vec());
    }
    if pts.is_empty() {
        return Err(Error::input(&file, "holds no points"));
    }
    Ok((paths, pts))
}

/// Refuses a posterior fitted to another scenario: every input must be a value
/// of `base`, and the calibration beside it (its `manifest.json`, when there)
/// must name the same scenario.
pub fn check_posterior_fits(
    path: &Path,
    inputs: &[String],
    base: &crate::scenario::LoadedScenario,
) -> Result<(), Error> {
    let file = path.display().to_string();
    for p in inputs {
        if crate::scenario::value_at(&base.source, p).is_none() {
            return Err(Error::input(
                &file,
                format!(
                    "input `{p}` is not a value of {}: this posterior was fitted to another scenario",
                    base.file
                ),
            ));
        }
    }
    let name = &base.scenario.scenario.name;
    if let Some(dir) = path.parent()
        && let Ok(Some(m)) = crate::experiment::read_manifest(dir)
        && m.kind == crate::experiment::RunKind::Calibrate
        && m.scenario_name != *name
    {
        return Err(Error::input(
            &file,
            format!(
                "was fitted to the scenario `{}`, not to `{name}` ({}); calibrate this scenario first",
                m.scenario_name, base.file
            ),
        ));
    }
    Ok(())
}
