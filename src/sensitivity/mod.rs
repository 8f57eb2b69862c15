//! `pocsim sensitivity`: which declared assumptions decide an answer.
//!
//! The scenario's uncertain inputs (`[[uncertainty]]`) span a unit cube; a
//! design (Morris trajectories or Saltelli's scheme for Sobol indices) picks
//! points in it, each input maps its coordinate through its quantile
//! function, and at every point the baseline (and, with `--variant`, the
//! variant) runs `runs` replications with the same random streams (common
//! random numbers across the whole design). The output at a point is the mean
//! of the metric over replications, or with a variant the mean paired effect:
//! the question an analyst has ("which assumptions drive the caveat's
//! cost?"). Replication noise is averaged, not modelled: with few
//! replications per point it inflates Morris' sigma and the Sobol total
//! indices, which the output states.

pub mod design;
pub mod estimate;

use crate::engine::{RunOptions, run};
use crate::error::Error;
use crate::experiment::design_run::{self, Analysis, Finished, Job};
use crate::experiment::table::{metric_names, metric_values};
use crate::experiment::uncertain::Inputs;
use crate::experiment::{ExecOptions, Manifest};
use crate::model::Model;
use crate::outputs::files::{csv_field, write_atomic};
use crate::policy::Doctrine;
use crate::rng::Seed;
use crate::scenario::{Override, ThreatKind, load_scenario_str};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Morris screening or Sobol variance decomposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Morris,
    Sobol,
}

impl Method {
    pub fn parse(s: &str) -> Result<Method, Error> {
        match s {
            "morris" => Ok(Method::Morris),
            "sobol" => Ok(Method::Sobol),
            m => Err(Error::Usage(format!(
                "--method `{m}`: expected morris or sobol"
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Method::Morris => "morris",
            Method::Sobol => "sobol",
        }
    }
}

/// What to analyse.
pub struct Spec {
    pub scenario: PathBuf,
    pub base: Vec<Override>,
    pub method: Method,
    /// Sobol: also the second-order indices (N(2k+2) points instead of N(k+2)).
    pub second_order: bool,
    /// Metrics analysed (default: civilians harmed).
    pub metrics: Vec<String>,
    /// `NAME:PATH=VALUE[;...]`: analyse this variant's paired effect.
    pub variant: Option<String>,
    /// Morris: trajectories; Sobol: the base sample size N.
    pub points: usize,
    pub runs: u64,
    pub seed: u64,
    /// Draw the charts into `out/plots`.
    pub plots: bool,
}

impl Spec {
    /// The analysis recorded in a design's manifest (after `merge`, the
    /// scenario as simulated is the directory's `scenario.toml`).
    pub fn from_manifest(dir: &std::path::Path, m: &Manifest) -> Result<Spec, Error> {
        let a = m.analysis.as_ref().ok_or_else(|| {
            Error::Usage(format!("{} holds no sensitivity analysis", dir.display()))
        })?;
        Ok(Spec {
            scenario: dir.join(crate::experiment::SCENARIO),
            base: Vec::new(),
            method: Method::parse(&a.method)?,
            second_order: a.second_order,
            metrics: a.metrics.clone(),
            variant: a.variant.clone(),
            points: a.points,
            runs: m.runs,
            seed: m.seed,
            plots: true,
        })
    }
}

/// The charts of an analysis: the Morris plane or the Sobol bars.
pub fn charts(o: &Outcome) -> Result<Vec<crate::outputs::plot::Rendered>, Error> {
    let h = (160 + 34 * o.inputs.len() as u32).max(520);
    let chart_err = |e: String| Error::Usage(format!("drawing the charts: {e}"));
    let mut out = Vec::new();
    if !o.tornado.is_empty() {
        out.push(
            crate::render_chart!(
                "tornado",
                "One input at a time",
                (1100, h),
                crate::outputs::plot::sensitivity::tornado,
                o
            )
            .map_err(chart_err)?,
        );
    }
    if !o.morris.is_empty() {
        out.push(
            crate::render_chart!(
                "morris",
                "Morris screening",
                (1100, 700),
                crate::outputs::plot::sensitivity::morris_plane,
                o
            )
            .map_err(chart_err)?,
        );
    }
    if !o.sobol.is_empty() {
        out.push(
            crate::render_chart!(
                "sobol",
                "Sobol indices",
                (1100, h),
                crate::outputs::plot::sensitivity::sobol_bars,
                o
            )
            .map_err(chart_err)?,
        );
    }
    Ok(out)
}

/// Morris grid levels.
const LEVELS: usize = 4;

/// The indices of every input for every metric.
pub struct Outcome {
    pub inputs: Vec<String>,
    pub metrics: Vec<String>,
    pub morris: Vec<Vec<estimate::MorrisIndex>>,
    pub sobol: Vec<Vec<estimate::SobolIndex>>,
    /// Second-order Sobol indices, per metric and pair of inputs.
    pub sobol2: Vec<Vec<estimate::SobolPair>>,
    /// One input at a time, per metric and input.
    pub tornado: Vec<Vec<Bar>>,
    /// The variant whose paired effect is analysed.
    pub variant: Option<String>,
    pub evaluations: usize,
}

/// One input moved alone from its 5% to its 95% quantile.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub low: String,
    pub high: String,
    pub at_low: f64,
    pub at_high: f64,
    /// The output with every input as the file has it.
    pub at_file: f64,
}

impl Bar {
    /// How far the input moves the output from its value with every input as
    /// the file has it, at either end (what orders the tornado).
    pub fn reach(&self) -> f64 {
        let d = |x: f64| {
            if x.is_finite() {
                (x - self.at_file).abs()
            } else {
                0.0
            }
        };
        d(self.at_low).max(d(self.at_high))
    }
}

/// `tornado.csv`: the output with one input at a time at its 5% and 95%
/// quantiles, the others as the file has them.
fn tornado_csv(o: &Outcome) -> String {
    use crate::experiment::table::num;
    let mut s = String::from("metric,names,low,high,output_low,output_high,output_file\n");
    for (m, bars) in o.metrics.iter().zip(&o.tornado) {
        for (name, b) in o.inputs.iter().zip(bars) {
            let _ = writeln!(
                s,
                "{m},{},{},{},{},{},{}",
                csv_field(name),
                csv_field(&b.low),
                csv_field(&b.high),
                num(b.at_low),
                num(b.at_high),
                num(b.at_file)
            );
        }
    }
    s
}

/// The files an analysis writes besides its evaluations.
const OWN: &[&str] = &[
    "design.csv",
    "sensitivity.csv",
    "sensitivity-s2.csv",
    "tornado.csv",
];

/// Runs (or resumes) the design into `opts.out` and, once every point is
/// evaluated, writes `design.csv`, `sensitivity.csv` (and `sensitivity-s2.csv`),
/// `tornado.csv` and the charts.
pub fn analyse(spec: &Spec, opts: &ExecOptions) -> Result<Finished<Outcome>, Error> {
    if spec.points == 0 {
        return Err(Error::Usage("--points must be at least 1".into()));
    }
    if spec.runs == 0 {
        return Err(Error::Usage("--runs must be at least 1".into()));
    }
    if spec.second_order && spec.method != Method::Sobol {
        return Err(Error::Usage(
            "--second-order is a Sobol index: add --method sobol".into(),
        ));
    }
    let variant = spec
        .variant
        .as_deref()
        .map(crate::experiment::spec::parse_variant)
        .transpose()?;
    let file = spec.scenario.display().to_string();
    let text = std::fs::read_to_string(&spec.scenario).map_err(|e| Error::io(&spec.scenario, e))?;
    // The declarations are checked once, on the file as written.
    crate::scenario::load_scenario(&spec.scenario, &[])?;
    let base = load_scenario_str(&text, &file, &spec.base)?;
    let inputs = Inputs::of(&base);
    let k = inputs.decls.len();
    if k == 0 {
        return Err(Error::input(
            &file,
            "declares no [[uncertainty]]: there is nothing to analyse",
        ));
    }
    let model0 = Model::build(&base.scenario);
    let kinds: Vec<ThreatKind> = ThreatKind::ALL
        .into_iter()
        .filter(|x| model0.kinds[x.index()].is_some())
        .collect();
    let names = metric_names(&kinds, &[]);
    let metrics = if spec.metrics.is_empty() {
        vec!["civilians_harmed".to_string()]
    } else {
        spec.metrics.clone()
    };
    let cols: Vec<usize> = metrics
        .iter()
        .map(|m| {
            names.iter().position(|n| n == m).ok_or_else(|| {
                Error::Usage(format!(
                    "unknown metric `{m}` (e.g. civilians_harmed, civilians_killed)"
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    if let Some(v) = &variant {
        // A variant that cannot load is refused before anything runs.
        let all: Vec<_> = spec.base.iter().chain(&v.overrides).cloned().collect();
        load_scenario_str(&text, &file, &all)?;
    }

    // The design, in the unit cube, then the one-at-a-time points of the
    // tornado: every input as the file has it, then each input at its 5% and
    // 95% quantiles.
    let (rows, trajectories) = match spec.method {
        Method::Morris => {
            let t = design::morris(spec.points, k, LEVELS, spec.seed);
            let rows: Vec<Vec<f64>> = t.iter().flat_map(|(p, _)| p.iter().cloned()).collect();
            (rows, Some(t))
        }
        Method::Sobol => (
            design::saltelli(spec.points, k, spec.second_order, spec.seed),
            None,
        ),
    };
    let mut values: Vec<Vec<String>> = rows.iter().map(|u| inputs.values(u)).collect();
    let n_design = values.len();
    let file_vals: Vec<String> = inputs
        .decls
        .iter()
        .enumerate()
        .map(|(j, d)| {
            crate::scenario::value_at(&base.source, &d.path).unwrap_or_else(|| inputs.value(j, 0.5))
        })
        .collect();
    values.push(file_vals.clone());
    for j in 0..k {
        for u in [0.05, 0.95] {
            let mut v = file_vals.clone();
            v[j] = inputs.value(j, u);
            values.push(v);
        }
    }
    let job = Job {
        kind: crate::experiment::RunKind::Sensitivity,
        scenario_file: file.clone(),
        base: &base,
        analysis: Analysis {
            method: spec.method.name().into(),
            points: spec.points,
            metrics: metrics.clone(),
            variant: spec.variant.clone(),
            second_order: spec.second_order,
            accept: None,
            evaluations: values.len(),
        },
        seed: spec.seed,
        runs: spec.runs,
        inputs: inputs.paths(),
        outputs: metrics.clone(),
        values: values.clone(),
        own: OWN,
    };

    // Every point: the baseline (and variant) over the same replications.
    let evaluate = |p: usize| -> Result<Vec<f64>, Error> {
        let at: Vec<Override> = spec
            .base
            .iter()
            .cloned()
            .chain(inputs.overrides(&values[p]))
            .collect();
        let loaded = load_scenario_str(&text, &file, &at)?;
        let base_model = Model::build(&loaded.scenario).calibrated();
        let var_model = match &variant {
            Some(v) => {
                let all: Vec<_> = at.iter().chain(&v.overrides).cloned().collect();
                let mut m = Model::build(&load_scenario_str(&text, &file, &all)?.scenario);
                m.reuse_calibration(&base_model);
                Some(m)
            }
            None => None,
        };
        let mut sum = vec![0.0; cols.len()];
        let mut n = vec![0u32; cols.len()];
        for r in 0..spec.runs {
            let seed = Seed::new(spec.seed, r);
            let value = |m: &Model| {
                let res = run(m, seed, &mut Doctrine::default(), RunOptions::default());
                metric_values(&res.summary, &kinds, &[])
            };
            let b = value(&base_model);
            let v = var_model.as_ref().map(value);
            for (j, &c) in cols.iter().enumerate() {
                let x = match &v {
                    Some(v) => v[c] - b[c],
                    None => b[c],
                };
                if x.is_finite() {
                    sum[j] += x;
                    n[j] += 1;
                }
            }
        }
        Ok(sum
            .iter()
            .zip(&n)
            .map(|(s, &c)| if c > 0 { s / f64::from(c) } else { f64::NAN })
            .collect())
    };
    let evaluated = design_run::evaluate(&job, opts, evaluate)?;
    evaluated.then(|all| {
        let (outputs, oat_out) = all.split_at(n_design);
        let oat = &values[n_design..];
        let tornado: Vec<Vec<Bar>> = (0..cols.len())
            .map(|m| {
                (0..k)
                    .map(|j| Bar {
                        low: oat[1 + 2 * j][j].clone(),
                        high: oat[2 + 2 * j][j].clone(),
                        at_low: oat_out[1 + 2 * j][m],
                        at_high: oat_out[2 + 2 * j][m],
                        at_file: oat_out[0][m],
                    })
                    .collect()
            })
            .collect();

        // The indices, metric by metric.
        let delta = LEVELS as f64 / (2.0 * (LEVELS as f64 - 1.0));
        let mut morris = Vec::new();
        let mut sobol = Vec::new();
        let mut sobol2 = Vec::new();
        for j in 0..metrics.len() {
            let y: Vec<f64> = outputs.iter().map(|o| o[j]).collect();
            match &trajectories {
                Some(t) => {
                    let ys: Vec<Vec<f64>> = y.chunks(k + 1).map(<[f64]>::to_vec).collect();
                    let order: Vec<Vec<usize>> = t.iter().map(|(_, o)| o.clone()).collect();
                    morris.push(estimate::morris(&ys, &order, k, delta, spec.seed));
                }
                None => {
                    sobol.push(estimate::sobol(&y, spec.points, k, spec.seed));
                    if spec.second_order {
                        sobol2.push(estimate::sobol_second_order(&y, spec.points, k, spec.seed));
                    }
                }
            }
        }
        let outcome = Outcome {
            inputs: inputs.paths(),
            metrics: metrics.clone(),
            morris,
            sobol,
            sobol2,
            tornado,
            variant: variant.as_ref().map(|v| v.name.clone()),
            evaluations: n_design,
        };
        let out = &opts.out;
        write_atomic(&out.join("tornado.csv"), tornado_csv(&outcome).as_bytes())?;
        write_atomic(
            &out.join("design.csv"),
            design_csv(&outcome, &values[..n_design], outputs).as_bytes(),
        )?;
        write_atomic(
            &out.join("sensitivity.csv"),
            sensitivity_csv(&outcome).as_bytes(),
        )?;
        if spec.second_order {
            write_atomic(
                &out.join("sensitivity-s2.csv"),
                second_order_csv(&outcome).as_bytes(),
            )?;
        }
        if spec.plots {
            crate::outputs::plot::write_all(&out.join("plots"), &charts(&outcome)?)?;
        }
        Ok(outcome)
    })
}

/// `sensitivity-s2.csv`: the second-order Sobol index of every pair of inputs.
fn second_order_csv(o: &Outcome) -> String {
    use crate::experiment::table::num;
    let mut s = String::from("metric,names_1,names_2,S2,S2_conf\n");
    for (m, pairs) in o.metrics.iter().zip(&o.sobol2) {
        for p in pairs {
            let _ = writeln!(
                s,
                "{m},{},{},{},{}",
                csv_field(&o.inputs[p.i]),
                csv_field(&o.inputs[p.j]),
                num(p.s2),
                num(p.s2_conf)
            );
        }
    }
    s
}

/// `design.csv`: every point's values and outputs (for SALib or R).
fn design_csv(o: &Outcome, values: &[Vec<String>], outputs: &[Vec<f64>]) -> String {
    let mut s = String::from("point");
    for p in o.inputs.iter().chain(&o.metrics) {
        s.push(',');
        s.push_str(&csv_field(p));
    }
    s.push('\n');
    for (i, (v, y)) in values.iter().zip(outputs).enumerate() {
        let _ = write!(s, "{i}");
        for x in v {
            s.push(',');
            s.push_str(&csv_field(x));
        }
        for x in y {
            s.push(',');
            s.push_str(&crate::experiment::table::num(*x));
        }
        s.push('\n');
    }
    s
}

/// `sensitivity.csv`, with SALib's column names.
fn sensitivity_csv(o: &Outcome) -> String {
    use crate::experiment::table::num;
    let mut s = String::new();
    if !o.morris.is_empty() {
        s.push_str("metric,names,mu,mu_star,sigma,mu_star_conf\n");
        for (m, idx) in o.metrics.iter().zip(&o.morris) {
            for (name, x) in o.inputs.iter().zip(idx) {
                let _ = writeln!(
                    s,
                    "{m},{},{},{},{},{}",
                    csv_field(name),
                    num(x.mu),
                    num(x.mu_star),
                    num(x.sigma),
                    num(x.mu_star_conf)
                );
            }
        }
    } else {
        s.push_str("metric,names,S1,S1_conf,ST,ST_conf\n");
        for (m, idx) in o.metrics.iter().zip(&o.sobol) {
            for (name, x) in o.inputs.iter().zip(idx) {
                let _ = writeln!(
                    s,
                    "{m},{},{},{},{},{}",
                    csv_field(name),
                    num(x.s1),
                    num(x.s1_conf),
                    num(x.st),
                    num(x.st_conf)
                );
            }
        }
    }
    s
}

/// The indices as a terminal table, most influential input first.
pub fn render(o: &Outcome, runs: u64) -> String {
    let mut s = String::new();
    for (j, m) in o.metrics.iter().enumerate() {
        let words = crate::metrics::registry::words(m);
        let what = match &o.variant {
            Some(v) => format!("The effect of `{v}` on {}", words.to_lowercase()),
            None => words.to_string(),
        };
        let _ = writeln!(
            s,
            "{what}: {} design points and {} one at a time, {runs} replications each (the same streams at every point)",
            o.evaluations,
            1 + 2 * o.inputs.len()
        );
        if let Some(idx) = o.morris.get(j) {
            let mut rows: Vec<(&String, &estimate::MorrisIndex)> =
                o.inputs.iter().zip(idx).collect();
            rows.sort_by(|a, b| b.1.mu_star.total_cmp(&a.1.mu_star));
            let _ = writeln!(
                s,
                "  {:<48} {:>10} {:>10} {:>10} {:>10}",
                "input", "mu*", "± (95%)", "mu", "sigma"
            );
            for (n, x) in rows {
                let _ = writeln!(
                    s,
                    "  {:<48} {:>10.3} {:>10.3} {:>10.3} {:>10.3}",
                    n, x.mu_star, x.mu_star_conf, x.mu, x.sigma
                );
            }
        }
        if let Some(idx) = o.sobol.get(j) {
            let mut rows: Vec<(&String, &estimate::SobolIndex)> =
                o.inputs.iter().zip(idx).collect();
            rows.sort_by(|a, b| b.1.st.total_cmp(&a.1.st));
            let _ = writeln!(
                s,
                "  {:<48} {:>8} {:>8} {:>8} {:>8}",
                "input", "S1", "±", "ST", "±"
            );
            for (n, x) in rows {
                let _ = writeln!(
                    s,
                    "  {:<48} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
                    n, x.s1, x.s1_conf, x.st, x.st_conf
                );
            }
        }
        let _ = writeln!(s, "  {}", headline(o, j));
        for w in noise_warnings(o, j) {
            let _ = writeln!(s, "  warning: {w}");
        }
        s.push('\n');
    }
    s
}

/// Warnings that replication noise, not the inputs, drives the indices of
/// metric `j`: Sobol total indices that sum far above 1 or first-order
/// intervals wider than the indices; Morris mu* intervals as wide as the top
/// inputs' mu*.
pub fn noise_warnings(o: &Outcome, j: usize) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(idx) = o.sobol.get(j) {
        let total: f64 = idx.iter().map(|x| x.st).filter(|x| x.is_finite()).sum();
        let widest = idx.iter().map(|x| x.s1_conf).fold(0.0, f64::max);
        let top = idx.iter().map(|x| x.s1.abs()).fold(0.0, f64::max);
        if total > 1.2 || widest > top {
            out.push(format!(
                "replication noise dominates these indices (the ST sum to {total:.2}, which exceeds 1 only through noise or strong interactions; S1 intervals up to ±{widest:.2}): raise --runs, then --points"
            ));
        }
    }
    if let Some(idx) = o.morris.get(j) {
        let mut top: Vec<&estimate::MorrisIndex> = idx.iter().collect();
        top.sort_by(|a, b| b.mu_star.total_cmp(&a.mu_star));
        let wide = top
            .iter()
            .take(3)
            .filter(|x| x.mu_star_conf > 0.5 * x.mu_star)
            .count();
        if wide > 0 {
            out.push(format!(
                "{wide} of the top 3 inputs have mu* intervals wider than half their mu*: their order may change with more trajectories (--points) or replications (--runs)"
            ));
        }
    }
    out
}

/// The answer in words for metric `j`: the inputs that decide it, by mu*
/// (with the direction of mu) or by ST.
pub fn headline(o: &Outcome, j: usize) -> String {
    let what = match &o.variant {
        Some(v) => format!(
            "the cost of `{v}` in {}",
            crate::metrics::registry::words(&o.metrics[j]).to_lowercase()
        ),
        None => crate::metrics::registry::words(&o.metrics[j]).to_lowercase(),
    };
    let mut parts = Vec::new();
    if let Some(idx) = o.morris.get(j) {
        let mut rows: Vec<(&String, &estimate::MorrisIndex)> = o.inputs.iter().zip(idx).collect();
        rows.sort_by(|a, b| b.1.mu_star.total_cmp(&a.1.mu_star));
        for (n, x) in rows.iter().take(3) {
            let dir = if x.mu.abs() < 0.5 * x.mu_star {
                "either way, depending on the others"
            } else if x.mu > 0.0 {
                "raising it raises it"
            } else {
                "raising it lowers it"
            };
            parts.push(format!(
                "`{n}` (mu* {:.2} ± {:.2}; {dir})",
                x.mu_star, x.mu_star_conf
            ));
        }
        return format!(
            "By Morris screening, the inputs that move {what} most are {}.",
            parts.join(", ")
        );
    }
    if let Some(idx) = o.sobol.get(j) {
        let mut rows: Vec<(&String, &estimate::SobolIndex)> = o.inputs.iter().zip(idx).collect();
        rows.sort_by(|a, b| b.1.st.total_cmp(&a.1.st));
        for (n, x) in rows.iter().take(3) {
            parts.push(format!(
                "`{n}` ({:.0}% of the variance alone, {:.0}% with its interactions)",
                100.0 * x.s1,
                100.0 * x.st
            ));
        }
        return format!(
            "By Sobol indices, the inputs that decide {what} most are {}.",
            parts.join(", ")
        );
    }
    String::new()
}

/// Reads an analysis back from its directory (`sensitivity.csv`,
/// `tornado.csv` and the manifest), for the report.
pub fn read_outcome(dir: &std::path::Path, m: &Manifest) -> Result<Outcome, Error> {
    use crate::experiment::table::{parse_num, split_csv};
    let read = |name: &str| -> Result<Vec<Vec<String>>, Error> {
        let p = dir.join(name);
        let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        Ok(text.lines().skip(1).map(split_csv).collect())
    };
    let x = |r: &[String], k: usize| r.get(k).and_then(|v| parse_num(v)).unwrap_or(f64::NAN);
    let a = m.analysis.as_ref();
    let mut o = Outcome {
        inputs: Vec::new(),
        metrics: Vec::new(),
        morris: Vec::new(),
        sobol: Vec::new(),
        sobol2: Vec::new(),
        tornado: Vec::new(),
        variant: a
            .and_then(|a| a.variant.as_deref())
            .map(|v| v.split_once(':').map_or(v, |(n, _)| n).to_string()),
        evaluations: m.rows as usize - (1 + 2 * m.inputs.len()),
    };
    let morris = a.is_some_and(|a| a.method == "morris");
    for r in read("sensitivity.csv")? {
        if r.len() < 6 {
            continue;
        }
        if !o.metrics.contains(&r[0]) {
            o.metrics.push(r[0].clone());
            o.morris.push(Vec::new());
            o.sobol.push(Vec::new());
            o.tornado.push(Vec::new());
        }
        let j = o.metrics.len() - 1;
        if j == 0 {
            o.inputs.push(r[1].clone());
        }
        if morris {
            o.morris[j].push(estimate::MorrisIndex {
                mu: x(&r, 2),
                mu_star: x(&r, 3),
                sigma: x(&r, 4),
                mu_star_conf: x(&r, 5),
            });
        } else {
            o.sobol[j].push(estimate::SobolIndex {
                s1: x(&r, 2),
                s1_conf: x(&r, 3),
                st: x(&r, 4),
                st_conf: x(&r, 5),
            });
        }
    }
    if morris {
        o.sobol.clear();
    } else {
        o.morris.clear();
    }
    for r in read("tornado.csv")? {
        if let Some(j) = o.metrics.iter().position(|mm| r.first() == Some(mm)) {
            o.tornado[j].push(Bar {
                low: r.get(2).cloned().unwrap_or_default(),
                high: r.get(3).cloned().unwrap_or_default(),
                at_low: x(&r, 4),
                at_high: x(&r, 5),
                at_file: x(&r, 6),
            });
        }
    }
    Ok(o)
}
