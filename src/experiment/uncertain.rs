//! Effects across plausible worlds: points drawn from the scenario's declared
//! uncertain inputs (`[[uncertainty]]`), every variant run at every point with
//! the same random streams, and each variant's effect summarised as a
//! distribution over points.
//!
//! A point is a set of values of the uncertain inputs (EMA Workbench's
//! "uncertainties"); the variants are the levers. Points come from a Latin
//! hypercube drawn from the master seed: each input's range is cut into K
//! equally likely strata, each stratum is used once, and the strata are paired
//! across inputs by independent permutations. Common random numbers extend to
//! the parameters: replication r of every variant at point p uses the same
//! streams, so the paired effect at a point is the variant's, not the dice's.

use crate::metrics::registry::lower_is_better;
use crate::rng::{Mechanic, Seed, uniform};
use crate::scenario::uncertain::Drawn;
use crate::scenario::{LoadedScenario, Override, Uncertain, value_at, value_in};
use crate::stats::{paired, quantile_sorted};
use rand::Rng;
use std::fmt::Write as _;

/// Latin hypercube of `k` points in `d` dimensions, a pure function of the seed.
pub fn latin_hypercube(k: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut pts = vec![vec![0.0; d]; k];
    for j in 0..d {
        let mut rng = Seed::new(seed, 0).stream(Mechanic::Design, j as u64);
        let mut perm: Vec<usize> = (0..k).collect();
        for i in (1..k).rev() {
            let r = (rng.next_u64() % (i as u64 + 1)) as usize;
            perm.swap(i, r);
        }
        for (i, p) in pts.iter_mut().enumerate() {
            p[j] = (perm[i] as f64 + uniform(&mut rng)) / k as f64;
        }
    }
    pts
}

/// The uncertain inputs of a scenario, with whether each is an integer field.
pub struct Inputs {
    pub decls: Vec<Uncertain>,
    integer: Vec<bool>,
}

impl Inputs {
    pub fn of(loaded: &LoadedScenario) -> Inputs {
        let decls = loaded.scenario.uncertainty.clone();
        let doc = toml_edit::Document::parse(loaded.source.as_str()).ok();
        let integer = decls
            .iter()
            .map(|u| {
                doc.as_ref()
                    .and_then(|d| value_in(d.as_table(), &u.path))
                    .is_some_and(|v| v.parse::<i64>().is_ok())
            })
            .collect();
        Inputs { decls, integer }
    }

    /// Adds an experiment file's declarations: one with the path of a
    /// scenario's replaces it, others are added.
    pub fn merge(&mut self, extra: &[Uncertain], source: &str) {
        for u in extra {
            let int = value_at(source, &u.path).is_some_and(|v| v.parse::<i64>().is_ok());
            match self.decls.iter().position(|d| d.path == u.path) {
                Some(i) => {
                    self.decls[i] = u.clone();
                    self.integer[i] = int;
                }
                None => {
                    self.decls.push(u.clone());
                    self.integer.push(int);
                }
            }
        }
    }

    /// The file's extreme values at every added declaration keep the
    /// scenario valid (the scenario's own were checked when it loaded).
    pub fn probes(&self, extra: &[Uncertain]) -> Vec<(String, Vec<Override>)> {
        let mut out = Vec::new();
        for u in extra {
            let i = self
                .decls
                .iter()
                .position(|d| d.path == u.path)
                .expect("merged");
            for v in u.probes() {
                let text = v.text(self.integer[i]);
                if let Ok(o) = Override::parse(&format!("{}={text}", u.path)) {
                    out.push((format!("{} = {text}", u.path), vec![o]));
                }
            }
        }
        out
    }

    pub fn paths(&self) -> Vec<String> {
        self.decls.iter().map(|u| u.path.clone()).collect()
    }

    /// The values (as `--set` takes them) at a point of the unit cube.
    pub fn values(&self, u: &[f64]) -> Vec<String> {
        self.decls
            .iter()
            .zip(u)
            .zip(&self.integer)
            .map(|((d, &x), &int)| d.quantile(x).text(int))
            .collect()
    }

    /// Input `j`'s value at quantile `u`, as `--set` takes it.
    pub fn value(&self, j: usize, u: f64) -> String {
        self.decls[j].quantile(u).text(self.integer[j])
    }

    /// The overrides that set a point's values.
    pub fn overrides(&self, values: &[String]) -> Vec<Override> {
        self.decls
            .iter()
            .zip(values)
            .map(|(d, v)| {
                Override::parse(&format!("{}={v}", d.path))
                    .expect("checked when the scenario loaded")
            })
            .collect()
    }
}

/// The value drawn, as a number where it is one (for charts and summaries).
pub fn numeric(d: &Drawn) -> Option<f64> {
    match d {
        Drawn::Number(x) => Some(*x),
        Drawn::Value(_) => None,
    }
}

/// One variant's effect on one metric across points.
#[derive(Debug, Clone)]
pub struct Robust {
    pub variant: String,
    pub metric: String,
    pub lower_is_better: bool,
    /// Points with a defined effect.
    pub points: usize,
    /// Mean paired difference over points, and its 5%, 50%, 95% quantiles.
    pub mean_diff: f64,
    pub p5_diff: f64,
    pub median_diff: f64,
    pub p95_diff: f64,
    /// 95% t interval of the mean difference over points.
    pub ci_low: f64,
    pub ci_high: f64,
    /// Relative effect (difference / baseline mean at the point): quantiles.
    pub p5_relative: f64,
    pub median_relative: f64,
    pub p95_relative: f64,
    /// Share of points where the variant does worse for civilians.
    pub share_worse: f64,
    /// Share of points where it does worse, or better, beyond the dice: the
    /// paired 95% interval at the point excludes zero.
    pub share_clearly_worse: f64,
    pub share_clearly_better: f64,
    /// The paired effect at each point, in point order (NaN where undefined;
    /// empty when read back from `effects.csv`).
    pub per_world: Vec<f64>,
}

fn share(k: usize, n: usize) -> f64 {
    if n == 0 {
        f64::NAN
    } else {
        k as f64 / n as f64
    }
}

/// Robust effects: `cols[pseudo][k]` are metric k's values by pseudo-variant
/// (`label@point`, in plan order: point-major, baseline first at each point).
pub fn robust_effects(
    labels: &[String],
    n_points: usize,
    metrics: &[String],
    cols: &[Vec<Vec<f64>>],
) -> Vec<Robust> {
    let nv = labels.len();
    let mut out = Vec::new();
    for (vi, label) in labels.iter().enumerate().skip(1) {
        for (k, metric) in metrics.iter().enumerate() {
            let lower = lower_is_better(metric);
            let mut diffs = Vec::with_capacity(n_points);
            let mut per_world = Vec::with_capacity(n_points);
            let mut rel = Vec::with_capacity(n_points);
            let (mut clearly_worse, mut clearly_better) = (0usize, 0usize);
            for p in 0..n_points {
                let base = &cols[p * nv][k];
                let var = &cols[p * nv + vi][k];
                let e = paired(base, var, lower);
                per_world.push(e.mean_diff);
                if !e.mean_diff.is_finite() {
                    continue;
                }
                diffs.push(e.mean_diff);
                // Against the baseline over the same replications.
                if e.relative.is_finite() {
                    rel.push(e.mean_diff / e.baseline_mean.abs());
                }
                let bad = if lower {
                    e.ci_low > 0.0
                } else {
                    e.ci_high < 0.0
                };
                let good = if lower {
                    e.ci_high < 0.0
                } else {
                    e.ci_low > 0.0
                };
                clearly_worse += usize::from(bad);
                clearly_better += usize::from(good);
            }
            let n = diffs.len();
            let m = crate::stats::mean(&diffs);
            let half = crate::stats::half_width(crate::stats::sd(&diffs, m), n);
            let worse = diffs
                .iter()
                .filter(|&&d| if lower { d > 0.0 } else { d < 0.0 })
                .count();
            let mut sorted = diffs.clone();
            sorted.sort_by(f64::total_cmp);
            rel.sort_by(f64::total_cmp);
            out.push(Robust {
                variant: label.clone(),
                metric: metric.clone(),
                lower_is_better: lower,
                points: n,
                mean_diff: m,
                p5_diff: quantile_sorted(&sorted, 0.05),
                median_diff: quantile_sorted(&sorted, 0.5),
                p95_diff: quantile_sorted(&sorted, 0.95),
                ci_low: m - half,
                ci_high: m + half,
                p5_relative: quantile_sorted(&rel, 0.05),
                median_relative: quantile_sorted(&rel, 0.5),
                p95_relative: quantile_sorted(&rel, 0.95),
                share_worse: if n == 0 {
                    f64::NAN
                } else {
                    worse as f64 / n as f64
                },
                share_clearly_worse: share(clearly_worse, n),
                share_clearly_better: share(clearly_better, n),
                per_world,
            });
        }
    }
    out
}

/// Robust effects of every variant on the `wanted` metrics (all if empty),
/// read from `runs.csv`; `names` are the pseudo-variants (`label@point`).
pub fn robust_from_runs(
    path: &std::path::Path,
    names: &[String],
    labels: &[String],
    n_points: usize,
    n_inputs: usize,
    wanted: &[String],
) -> Result<Vec<Robust>, crate::error::Error> {
    use super::table;
    let all = table::read_metric_names(path, n_inputs)?;
    let chosen: Vec<usize> = (0..all.len())
        .filter(|&m| wanted.is_empty() || wanted.iter().any(|w| *w == all[m]))
        .collect();
    let mut out = Vec::new();
    let blocks = table::row_blocks(path)?;
    for batch in chosen.chunks(table::columns_per_pass(path, all.len())) {
        let cols = table::read_columns_in(path, &blocks, names, n_inputs, all.len(), batch)?;
        let ms: Vec<String> = batch.iter().map(|&m| all[m].clone()).collect();
        out.extend(robust_effects(labels, n_points, &ms, &cols));
    }
    // Variant by variant, metrics in column order.
    out.sort_by_key(|r| labels.iter().position(|l| *l == r.variant));
    Ok(out)
}

/// `effects.csv` of an experiment over plausible worlds.
pub fn effects_csv(rs: &[Robust]) -> String {
    use super::table::num;
    let mut s = String::from(
        "variant,metric,better,points,mean_diff,ci95_low,ci95_high,p5_diff,median_diff,p95_diff,p5_relative,median_relative,p95_relative,share_worse,share_clearly_worse,share_clearly_better\n",
    );
    for r in rs {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            crate::outputs::files::csv_field(&r.variant),
            r.metric,
            if r.lower_is_better { "lower" } else { "higher" },
            r.points,
            num(r.mean_diff),
            num(r.ci_low),
            num(r.ci_high),
            num(r.p5_diff),
            num(r.median_diff),
            num(r.p95_diff),
            num(r.p5_relative),
            num(r.median_relative),
            num(r.p95_relative),
            num(r.share_worse),
            num(r.share_clearly_worse),
            num(r.share_clearly_better)
        );
    }
    s
}

/// Reads back `effects.csv` of an experiment over plausible worlds.
pub fn read_effects(path: &std::path::Path) -> Result<Vec<Robust>, crate::error::Error> {
    use crate::error::Error;
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let file = path.display().to_string();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let f = super::table::split_csv(line);
        if f.len() != 16 {
            return Err(Error::input(&file, format!("row {} is malformed", i + 1)));
        }
        let x = |k: usize| super::table::parse_num(&f[k]).unwrap_or(f64::NAN);
        out.push(Robust {
            variant: f[0].clone(),
            metric: f[1].clone(),
            lower_is_better: f[2] == "lower",
            points: f[3].parse().unwrap_or(0),
            mean_diff: x(4),
            ci_low: x(5),
            ci_high: x(6),
            p5_diff: x(7),
            median_diff: x(8),
            p95_diff: x(9),
            p5_relative: x(10),
            median_relative: x(11),
            p95_relative: x(12),
            share_worse: x(13),
            share_clearly_worse: x(14),
            share_clearly_better: x(15),
            per_world: Vec::new(),
        });
    }
    Ok(out)
}

/// `points.csv`: the drawn value of every uncertain input at every point.
pub fn points_csv(paths: &[String], points: &[Vec<String>]) -> String {
    let mut s = String::from("point");
    for p in paths {
        s.push(',');
        s.push_str(&crate::outputs::files::csv_field(p));
    }
    s.push('\n');
    for (i, vals) in points.iter().enumerate() {
        let _ = write!(s, "{i}");
        for v in vals {
            s.push(',');
            s.push_str(&crate::outputs::files::csv_field(v));
        }
        s.push('\n');
    }
    s
}

/// The robust statement, in words: "in 94% of plausible worlds `approval`
/// raises civilians harmed; median +5.1% (90% of worlds +2.0% to +9.3%)".
pub fn sentence(r: &Robust) -> String {
    if r.points == 0 {
        return format!("`{}`: {} is undefined in every world", r.variant, r.metric);
    }
    let up = r.median_diff > 0.0;
    let share_dir = r
        .points
        .checked_sub(0)
        .map(|_| {
            let worse = r.share_worse;
            // The share of worlds where the effect goes the way of the median.
            let worse_is_up = r.lower_is_better;
            if up == worse_is_up {
                worse
            } else {
                1.0 - worse
            }
        })
        .unwrap_or(f64::NAN);
    let words = crate::metrics::registry::words(&r.metric).to_lowercase();
    let pct = |x: f64| {
        if x.is_finite() {
            format!("{:+.1}%", 100.0 * x)
        } else {
            "n/a".into()
        }
    };
    // The share of worlds where the effect is beyond the dice, in the
    // median's direction.
    let clearly = if up == r.lower_is_better {
        r.share_clearly_worse
    } else {
        r.share_clearly_better
    };
    let open = r.ci_low <= 0.0 && r.ci_high >= 0.0;
    if open && r.share_clearly_worse + r.share_clearly_better < 0.5 {
        return format!(
            "no clear effect of `{}` on {words} across plausible worlds: median {} (90% of worlds {} to {}); beyond the dice in {:.0}% of {} worlds",
            r.variant,
            pct(r.median_relative),
            pct(r.p5_relative),
            pct(r.p95_relative),
            100.0 * (r.share_clearly_worse + r.share_clearly_better),
            r.points
        );
    }
    format!(
        "in {:.0}% of plausible worlds `{}` {} {words} ({:.0}% beyond the dice); median {} (90% of worlds {} to {}; {} worlds)",
        100.0 * share_dir,
        r.variant,
        if up { "raises" } else { "lowers" },
        100.0 * clearly,
        pct(r.median_relative),
        pct(r.p5_relative),
        pct(r.p95_relative),
        r.points
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_does_not_count_the_dice_as_a_direction() {
        // Worlds whose effects are pure noise around zero: most of them
        // "lower" harm by sign, none beyond the dice.
        let noisy: Vec<Vec<Vec<f64>>> = (0..20)
            .flat_map(|p| {
                let base: Vec<f64> = (0..30).map(|r| 100.0 + ((r * 7 + p) % 11) as f64).collect();
                let var: Vec<f64> = base
                    .iter()
                    .enumerate()
                    .map(|(r, b)| b + ((r * 5 + p * 3) % 7) as f64 - 3.0)
                    .collect();
                [vec![base], vec![var]]
            })
            .collect();
        let labels = ["baseline".to_string(), "waive".to_string()];
        let r = &robust_effects(&labels, 20, &["civilians_harmed".to_string()], &noisy)[0];
        assert!(
            r.share_clearly_worse + r.share_clearly_better < 0.5,
            "{r:?}"
        );
        let s = sentence(r);
        assert!(s.starts_with("no clear effect of `waive`"), "{s}");
        // A real effect is said with its share beyond the dice.
        let real: Vec<Vec<Vec<f64>>> = noisy
            .chunks(2)
            .flat_map(|pv| {
                [
                    pv[0].clone(),
                    vec![pv[0][0].iter().map(|b| b + 5.0).collect()],
                ]
            })
            .collect();
        let r = &robust_effects(&labels, 20, &["civilians_harmed".to_string()], &real)[0];
        let s = sentence(r);
        assert!(
            s.contains("`waive` raises civilians harmed (100% beyond the dice)"),
            "{s}"
        );
    }

    #[test]
    fn a_latin_hypercube_uses_every_stratum_once() {
        let k = 20;
        let pts = latin_hypercube(k, 3, 7);
        for j in 0..3 {
            let mut strata: Vec<usize> = pts.iter().map(|p| (p[j] * k as f64) as usize).collect();
            strata.sort();
            assert_eq!(strata, (0..k).collect::<Vec<_>>());
        }
        assert_eq!(pts, latin_hypercube(k, 3, 7));
        assert_ne!(pts, latin_hypercube(k, 3, 8));
    }
}
