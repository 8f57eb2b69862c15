//! Data for the charts, gathered from an experiment's directory or from one run.
//!
//! Summary statistics come from `runs.csv`. Daily series, response times and
//! per-site harm are not stored per replication (memory stays flat); they are
//! recomputed by re-running the first replications of each variant, which is
//! exact because a run is a pure function of scenario and seed.

use super::Rendered;
use super::charts::*;
use crate::engine::{RunOptions, run};
use crate::error::Error;
use crate::experiment::{self, MANIFEST, Manifest, RUNS, table};
use crate::metrics::RunResult;
use crate::model::Model;
use crate::policy::Doctrine;
use crate::render_chart;
use crate::rng::Seed;
use crate::scenario::{Override, load_scenario_str, value_at};
use crate::stats::quantile_sorted;
use rayon::prelude::*;
use std::path::Path;

/// Replications re-run per variant for series, response times and maps.
pub const SAMPLE: u64 = 200;
/// Variants drawn as separate lines (more would not be readable).
pub const MAX_LINES: usize = 8;

/// The effective scenario of each variant, re-loaded from the experiment directory.
pub fn variant_models(dir: &Path, m: &Manifest) -> Result<Vec<(String, Model, String)>, Error> {
    let file = dir.join(experiment::SCENARIO);
    let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
    // The baseline's calibration and the variants' scenarios at once (each
    // is a file read and checked in full).
    let (base, variants) = rayon::join(
        || -> Result<Model, Error> {
            let base = load_scenario_str(&text, &file.display().to_string(), &[])?;
            Ok(Model::build(&base.scenario).calibrated())
        },
        || {
            m.variants
                .par_iter()
                .map(|v| {
                    let ovs = v
                        .overrides
                        .iter()
                        .map(|o| Override::parse(o).map_err(Error::Usage))
                        .collect::<Result<Vec<_>, _>>()?;
                    let loaded = load_scenario_str(&text, &file.display().to_string(), &ovs)?;
                    if loaded.hash != v.scenario_hash {
                        return Err(Error::Usage(format!(
                            "{}: variant `{}` no longer matches the experiment's scenario hash",
                            file.display(),
                            v.name
                        )));
                    }
                    Ok((
                        v.name.clone(),
                        Model::build(&loaded.scenario),
                        loaded.source,
                    ))
                })
                .collect::<Result<Vec<_>, Error>>()
        },
    );
    let base = base?;
    let mut variants = variants?;
    for (_, model, _) in &mut variants {
        model.reuse_calibration(&base);
    }
    Ok(variants)
}

/// What the first replications of a variant show.
struct Sampled {
    harmed: Vec<Vec<f64>>,
    incidents_true: Vec<Vec<f64>>,
    incidents_reported: Vec<Vec<f64>>,
    response_times: Vec<f64>,
    site_harm: Vec<f64>,
}

fn sample(model: &Model, seed: u64, n: u64) -> Sampled {
    let opts = RunOptions {
        record_site_days: true,
        ..RunOptions::default()
    };
    let results: Vec<RunResult> = {
        use rayon::prelude::*;
        (0..n as usize)
            .into_par_iter()
            .map(|r| {
                run(
                    model,
                    Seed::new(seed, r as u64),
                    &mut Doctrine::default(),
                    opts,
                )
            })
            .collect()
    };
    let days = results.iter().map(|r| r.days.len()).max().unwrap_or(0);
    let mut s = Sampled {
        harmed: vec![Vec::new(); days],
        incidents_true: vec![Vec::new(); days],
        incidents_reported: vec![Vec::new(); days],
        response_times: Vec::new(),
        site_harm: vec![0.0; model.world.len()],
    };
    for r in &results {
        for (d, day) in r.days.iter().enumerate() {
            s.harmed[d].push(f64::from(day.harmed));
            s.incidents_true[d].push(f64::from(day.incidents_true));
            s.incidents_reported[d].push(f64::from(day.incidents_reported));
        }
        s.response_times.extend(&r.response_times_h);
        for row in &r.site_days {
            s.site_harm[row.site] += f64::from(row.harmed) / n as f64;
        }
    }
    s
}

/// Days in the moving average of daily series (daily counts are too noisy to read).
pub const SMOOTH_DAYS: usize = 7;

/// Each replication's trailing moving average over `SMOOTH_DAYS` days.
fn smooth(per_day: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let reps = per_day.iter().map(Vec::len).min().unwrap_or(0);
    (0..per_day.len())
        .map(|d| {
            let from = d.saturating_sub(SMOOTH_DAYS - 1);
            (0..reps)
                .map(|r| {
                    per_day[from..=d].iter().map(|v| v[r]).sum::<f64>() / (d - from + 1) as f64
                })
                .collect()
        })
        .collect()
}

fn band(name: &str, per_day: &[Vec<f64>]) -> Band {
    let q = |p: f64| -> Vec<f64> {
        per_day
            .iter()
            .map(|v| {
                let mut v = v.clone();
                v.sort_by(f64::total_cmp);
                quantile_sorted(&v, p)
            })
            .collect()
    };
    Band {
        name: name.to_string(),
        median: q(0.5),
        p5: q(0.05),
        p95: q(0.95),
    }
}

fn map_data(model: &Model, values: &[f64], title: &str, metric: &str) -> MapData {
    let w = &model.world;
    let bases: Vec<usize> = model
        .units
        .iter()
        .filter(|u| u.kind.is_un_police() || u.kind == crate::model::UnitKind::Military)
        .map(|u| u.base.index())
        .collect();
    MapData {
        title: title.to_string(),
        metric: metric.to_string(),
        sites: w
            .sites
            .iter()
            .enumerate()
            .map(|(i, s)| MapSite {
                name: s.name.clone(),
                x: s.x_km,
                y: s.y_km,
                population: s.population,
                value: values[i],
                base: bases.contains(&i),
                refuge: s.kind.is_refuge(),
            })
            .collect(),
        roads: w.roads.iter().map(|r| (r.0.index(), r.1.index())).collect(),
    }
}

fn chart_err(e: String) -> Error {
    Error::Usage(e)
}

/// Every chart for a finished experiment directory.
/// `known`: the statistics the experiment just computed from its
/// `runs.csv`, if over every metric, so that the table is not read and
/// summarised a second time.
pub fn experiment_charts(dir: &Path, known: Option<&table::Stats>) -> Result<Vec<Rendered>, Error> {
    let m = experiment::read_manifest(dir)?.ok_or_else(|| {
        Error::Usage(format!(
            "{} holds no pocsim experiment (no {MANIFEST})",
            dir.display()
        ))
    })?;
    if m.status != "complete" {
        return Err(Error::Usage(format!(
            "the experiment in {} is not complete (status: {})",
            dir.display(),
            m.status
        )));
    }
    let names: Vec<String> = m.variants.iter().map(|v| v.name.clone()).collect();
    let runs_file = dir.join(RUNS);
    let compare = m.kind == crate::experiment::RunKind::Compare;
    let all_metrics = table::read_metric_names(&runs_file, m.inputs.len())?;
    let stats = match known {
        Some(s) if s.variants == names && s.metrics == all_metrics => s.clone(),
        _ => table::compute(&runs_file, &names, m.inputs.len(), &[], compare)?,
    };
    let models = variant_models(dir, &m)?;
    let idx = |name: &str| all_metrics.iter().position(|x| x == name);
    let col_of = |name: &str| stats.metrics.iter().position(|x| x == name);
    // Each chart is drawn from data it owns: all are drawn at once, in order.
    type Job<'a> = Box<dyn FnOnce() -> Result<Rendered, String> + Send + 'a>;
    let mut jobs: Vec<Job> = Vec::new();
    let horizon = models[0].1.horizon_h / 24.0;
    let per = format!("per {horizon:.0} days");

    // 1. Effects forest plot.
    if compare && names.len() > 1 {
        let panels: Vec<ForestPanel> = [
            ("civilians_harmed", per.as_str()),
            ("civilians_killed", per.as_str()),
            ("incidents_prevented", per.as_str()),
            ("response_time_p90_h", "hours"),
        ]
        .iter()
        .map(|(metric, unit)| ForestPanel {
            metric: metric.to_string(),
            unit: unit.to_string(),
            rows: stats
                .effects
                .iter()
                .filter(|e| e.metric == *metric)
                .map(|e| (e.variant.clone(), e.p.mean_diff, e.p.ci_low, e.p.ci_high))
                .collect(),
        })
        .collect();
        let h = 120 + 60 * (names.len() as u32) * 4;
        jobs.push(Box::new(move || {
            render_chart!(
                "effects",
                "Effects against the baseline",
                (1100, h.max(500)),
                effects,
                &panels
            )
        }));
    }

    // 2. Outcome distributions.
    let wanted = [
        "civilians_harmed",
        "response_time_median_h",
        "incidents_prevented",
    ];
    let which: Vec<usize> = wanted.iter().filter_map(|w| idx(w)).collect();
    let cols = table::read_columns(
        &runs_file,
        &names,
        m.inputs.len(),
        all_metrics.len(),
        &which,
    )?;
    let shown: Vec<usize> = (0..names.len()).take(12).collect();
    let panels: Vec<DistPanel> = which
        .iter()
        .enumerate()
        .map(|(k, &mi)| DistPanel {
            metric: all_metrics[mi].clone(),
            unit: if all_metrics[mi].ends_with("_h") {
                "hours".into()
            } else {
                per.clone()
            },
            groups: shown
                .iter()
                .map(|&v| (names[v].clone(), cols[v][k].clone()))
                .collect(),
        })
        .collect();
    jobs.push(Box::new(move || {
        render_chart!(
            "distributions",
            "Outcome distributions per variant",
            (1200, 560),
            distributions,
            &panels
        )
    }));

    // 3, 4, 6: re-run the first replications.
    let k = m.runs.min(SAMPLE);
    let sampled: Vec<Sampled> = models
        .iter()
        .take(MAX_LINES)
        .map(|(_, model, _)| sample(model, m.seed, k))
        .collect();
    let lines: Vec<&str> = names.iter().take(MAX_LINES).map(String::as_str).collect();
    let ts = TsChart {
        title: "Over the horizon: median and 5–95% band across replications",
        panels: vec![
            TsPanel {
                title: format!("Civilians harmed per day ({SMOOTH_DAYS}-day average)"),
                unit: "civilians harmed".into(),
                bands: lines
                    .iter()
                    .zip(&sampled)
                    .map(|(n, s)| band(n, &smooth(&s.harmed)))
                    .collect(),
            },
            TsPanel {
                title: format!("Incidents per day, true ({SMOOTH_DAYS}-day average)"),
                unit: "true incidents".into(),
                bands: lines
                    .iter()
                    .zip(&sampled)
                    .map(|(n, s)| band(n, &smooth(&s.incidents_true)))
                    .collect(),
            },
            TsPanel {
                title: format!(
                    "Incidents per day, reported to the operations centre ({SMOOTH_DAYS}-day average)"
                ),
                unit: "reported incidents".into(),
                bands: lines
                    .iter()
                    .zip(&sampled)
                    .map(|(n, s)| band(n, &smooth(&s.incidents_reported)))
                    .collect(),
            },
        ],
    };
    jobs.push(Box::new(move || {
        render_chart!(
            "timeseries",
            "Daily harm and incidents",
            (1100, 900),
            timeseries,
            &ts
        )
    }));
    let cdf = Cdf {
        series: lines
            .iter()
            .zip(&sampled)
            .map(|(n, s)| (n.to_string(), s.response_times.clone()))
            .collect(),
        target_h: models[0].1.scenario.mandate.response_target_h,
    };
    jobs.push(Box::new(move || {
        render_chart!(
            "response_cdf",
            "Response times",
            (1000, 600),
            response_cdf,
            &cdf
        )
    }));
    let map = map_data(
        &models[0].1,
        &sampled[0].site_harm,
        &format!("Civilians harmed per site ({}, mean of {k} runs)", names[0]),
        "civilians harmed (mean)",
    );
    jobs.push(Box::new(move || {
        render_chart!(
            "map",
            "Map of the scenario",
            (1100, 800),
            super::charts::map,
            &map
        )
    }));

    // 7. Activity against outcome.
    let (ph, ha) = (col_of("patrol_hours"), col_of("civilians_harmed"));
    if let (Some(ph), Some(ha)) = (ph, ha) {
        let pts = (0..names.len())
            .map(|v| {
                let (x, y) = (&stats.describe[v][ph], &stats.describe[v][ha]);
                (
                    names[v].clone(),
                    x.mean,
                    x.ci_low,
                    x.ci_high,
                    y.mean,
                    y.ci_low,
                    y.ci_high,
                )
            })
            .collect();
        let sc = Scatter {
            title: "Activity is not protection: patrol hours against civilians harmed".into(),
            x_label: format!("patrol hours {per} (mean, 95% CI)"),
            y_label: format!("civilians harmed {per}"),
            points: pts,
            pareto: false,
        };
        jobs.push(Box::new(move || {
            render_chart!(
                "activity",
                "Activity against outcome",
                (1000, 650),
                scatter,
                &sc
            )
        }));
    }

    // 5 and 8: sweeps.
    if !compare {
        let inputs: Vec<Vec<String>> = models
            .iter()
            .map(|(_, _, src)| {
                m.inputs
                    .iter()
                    .map(|p| value_at(src, p).unwrap_or_default())
                    .collect()
            })
            .collect();
        if let Some(ha) = ha {
            if m.inputs.len() == 1 {
                let mut pts: Vec<(f64, f64, f64, f64)> = (0..names.len())
                    .filter_map(|v| {
                        let x: f64 = inputs[v][0].trim_matches('"').parse().ok()?;
                        let d = &stats.describe[v][ha];
                        Some((x, d.mean, d.ci_low, d.ci_high))
                    })
                    .collect();
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                if !pts.is_empty() {
                    let sl = SweepLine {
                        factor: m.inputs[0].clone(),
                        metric: "civilians_harmed".into(),
                        points: pts,
                    };
                    jobs.push(Box::new(move || {
                        render_chart!("sweep", "Sweep", (1000, 600), sweep_line, &sl)
                    }));
                }
            } else if m.inputs.len() >= 2 {
                let mut xs: Vec<String> = Vec::new();
                let mut ys: Vec<String> = Vec::new();
                for i in &inputs {
                    if !xs.contains(&i[0]) {
                        xs.push(i[0].clone());
                    }
                    if !ys.contains(&i[1]) {
                        ys.push(i[1].clone());
                    }
                }
                // With more than two factors, each cell averages over the others.
                let mut sum = vec![vec![0.0; xs.len()]; ys.len()];
                let mut cnt = vec![vec![0.0; xs.len()]; ys.len()];
                for (v, i) in inputs.iter().enumerate() {
                    let (a, b) = (
                        xs.iter().position(|x| *x == i[0]).unwrap(),
                        ys.iter().position(|y| *y == i[1]).unwrap(),
                    );
                    if stats.describe[v][ha].mean.is_finite() {
                        sum[b][a] += stats.describe[v][ha].mean;
                        cnt[b][a] += 1.0;
                    }
                }
                let values = sum
                    .iter()
                    .zip(&cnt)
                    .map(|(s, c)| {
                        s.iter()
                            .zip(c)
                            .map(|(s, c)| if *c > 0.0 { s / c } else { f64::NAN })
                            .collect()
                    })
                    .collect();
                let hm = Heat {
                    x_factor: m.inputs[0].clone(),
                    y_factor: m.inputs[1].clone(),
                    metric: "civilians harmed".into(),
                    xs,
                    ys,
                    values,
                };
                jobs.push(Box::new(move || {
                    render_chart!("sweep", "Sweep", (1000, 700), heatmap, &hm)
                }));
            }
            if let Some(pd) = col_of("person_days") {
                let pts = (0..names.len())
                    .map(|v| {
                        let (x, y) = (&stats.describe[v][pd], &stats.describe[v][ha]);
                        (
                            names[v].clone(),
                            x.mean,
                            f64::NAN,
                            f64::NAN,
                            y.mean,
                            y.ci_low,
                            y.ci_high,
                        )
                    })
                    .collect();
                let sc = Scatter {
                    title: "Cost against protection: person-days against civilians harmed".into(),
                    x_label: "UN police person-days".into(),
                    y_label: format!("civilians harmed {per} (mean, 95% CI)"),
                    points: pts,
                    pareto: true,
                };
                jobs.push(Box::new(move || {
                    render_chart!(
                        "pareto",
                        "Cost against protection",
                        (1000, 650),
                        scatter,
                        &sc
                    )
                }));
            }
        }
    }
    jobs.into_par_iter()
        .map(|draw| draw())
        .collect::<Result<Vec<_>, String>>()
        .map_err(chart_err)
}

/// Charts for one run (`pocsim run --plots`).
pub fn run_charts(model: &Model, r: &RunResult) -> Result<Vec<Rendered>, Error> {
    let one = |f: &dyn Fn(&crate::metrics::Day) -> u32| -> Vec<Vec<f64>> {
        r.days.iter().map(|d| vec![f64::from(f(d))]).collect()
    };
    let ts = TsChart {
        title: "Over the horizon: this run, day by day",
        panels: vec![
            TsPanel {
                title: "Civilians harmed per day".into(),
                unit: "civilians harmed".into(),
                bands: vec![band("this run", &one(&|d| d.harmed))],
            },
            TsPanel {
                title: "Incidents per day: true and reported".into(),
                unit: "incidents".into(),
                bands: vec![
                    band("true", &one(&|d| d.incidents_true)),
                    band("reported", &one(&|d| d.incidents_reported)),
                ],
            },
        ],
    };
    let mut charts = vec![
        render_chart!(
            "timeseries",
            "Daily harm and incidents",
            (1100, 700),
            timeseries,
            &ts
        )
        .map_err(chart_err)?,
    ];
    let cdf = Cdf {
        series: vec![("this run".into(), r.response_times_h.clone())],
        target_h: model.scenario.mandate.response_target_h,
    };
    charts.push(
        render_chart!(
            "response_cdf",
            "Response times",
            (1000, 600),
            response_cdf,
            &cdf
        )
        .map_err(chart_err)?,
    );
    let mut harm = vec![0.0; model.world.len()];
    for row in &r.site_days {
        harm[row.site] += f64::from(row.harmed);
    }
    let map = map_data(
        model,
        &harm,
        "Civilians harmed per site (one run)",
        "civilians harmed",
    );
    charts.push(
        render_chart!(
            "map",
            "Map of the scenario",
            (1100, 800),
            super::charts::map,
            &map
        )
        .map_err(chart_err)?,
    );
    Ok(charts)
}

/// The effects on civilians harmed in every plausible world (`compare
/// --uncertain`), as `worlds.png` and `.svg` in `dir/plots`; `None` when the
/// experiment has no such effect.
pub fn write_worlds_chart(
    dir: &Path,
    robust: &[crate::experiment::uncertain::Robust],
) -> Result<Option<std::path::PathBuf>, Error> {
    let harm: Vec<_> = robust
        .iter()
        .filter(|r| r.metric == "civilians_harmed")
        .cloned()
        .collect();
    if harm.is_empty() {
        return Ok(None);
    }
    let h = (200 + 120 * harm.len() as u32).max(420);
    let chart = crate::render_chart!(
        "worlds",
        "Effects in every plausible world",
        (1100, h),
        crate::outputs::plot::sensitivity::worlds,
        &harm[..]
    )
    .map_err(|e| Error::Usage(format!("drawing the charts: {e}")))?;
    let plots = dir.join("plots");
    crate::outputs::plot::write_all(&plots, &[chart])?;
    Ok(Some(plots.join("worlds.png")))
}
