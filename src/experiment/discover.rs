//! `pocsim discover`: where in the space of uncertain inputs a variant's
//! effect exceeds a threshold, by the Patient Rule Induction Method (PRIM;
//! Friedman and Fisher 1999, as EMA Workbench uses it for scenario discovery).
//!
//! Each world of a `compare --uncertain` run is a case: its inputs are the
//! drawn values, and it is *of interest* when the variant's paired effect at
//! that world is above the threshold. PRIM starts from the box holding every
//! case and peels, one step at a time, the share `alpha` of the remaining
//! cases from the low or the high end of one input, choosing the peel that
//! most raises the density of cases of interest in the box; it stops when the
//! box would hold fewer than `min_mass` of the cases. Every box of the
//! peeling trajectory is reported with its coverage (the share of all cases of
//! interest inside it), density (the share of its cases that are of interest),
//! mass (its share of all cases) and the inputs it restricts.

/// One box of the peeling trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimBox {
    pub coverage: f64,
    pub density: f64,
    pub mass: f64,
    /// Per input, the box's (lower, upper) limits.
    pub limits: Vec<(f64, f64)>,
}

impl PrimBox {
    /// Inputs whose limits are narrower than the data's range.
    pub fn restricted(&self, full: &PrimBox) -> Vec<usize> {
        self.limits
            .iter()
            .zip(&full.limits)
            .enumerate()
            .filter(|(_, (b, f))| b.0 > f.0 || b.1 < f.1)
            .map(|(i, _)| i)
            .collect()
    }
}

/// The peeling trajectory over cases `x[i]` (one value per input) with
/// `of_interest[i]`; the first box holds every case.
pub fn prim(x: &[Vec<f64>], of_interest: &[bool], alpha: f64, min_mass: f64) -> Vec<PrimBox> {
    let n = x.len();
    let d = x.first().map_or(0, Vec::len);
    let total_y = of_interest.iter().filter(|&&y| y).count().max(1) as f64;
    let mut inside: Vec<usize> = (0..n).collect();
    let full: Vec<(f64, f64)> = (0..d)
        .map(|j| {
            x.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                    (lo.min(r[j]), hi.max(r[j]))
                })
        })
        .collect();
    let describe = |idx: &[usize], limits: Vec<(f64, f64)>| {
        let y = idx.iter().filter(|&&i| of_interest[i]).count() as f64;
        PrimBox {
            coverage: y / total_y,
            density: if idx.is_empty() {
                0.0
            } else {
                y / idx.len() as f64
            },
            mass: idx.len() as f64 / n.max(1) as f64,
            limits,
        }
    };
    let mut limits = full.clone();
    let mut out = vec![describe(&inside, limits.clone())];
    loop {
        // The best peel: (density, cases kept, input, its new limits).
        type Peel = (f64, Vec<usize>, usize, (f64, f64));
        let mut best: Option<Peel> = None;
        for j in 0..d {
            let mut vals: Vec<f64> = inside.iter().map(|&i| x[i][j]).collect();
            vals.sort_by(f64::total_cmp);
            if vals.is_empty() {
                continue;
            }
            let q = |p: f64| crate::stats::quantile_sorted(&vals, p);
            for low_side in [true, false] {
                let cut = if low_side { q(alpha) } else { q(1.0 - alpha) };
                let kept: Vec<usize> = inside
                    .iter()
                    .copied()
                    .filter(|&i| {
                        if low_side {
                            x[i][j] > cut
                        } else {
                            x[i][j] < cut
                        }
                    })
                    .collect();
                if kept.len() == inside.len() || (kept.len() as f64) < min_mass * n as f64 {
                    continue;
                }
                let dens =
                    kept.iter().filter(|&&i| of_interest[i]).count() as f64 / kept.len() as f64;
                let lim = if low_side {
                    (cut, limits[j].1)
                } else {
                    (limits[j].0, cut)
                };
                if best.as_ref().is_none_or(|b| dens > b.0) {
                    best = Some((dens, kept, j, lim));
                }
            }
        }
        let Some((_, kept, j, lim)) = best else {
            break;
        };
        limits[j] = lim;
        inside = kept;
        out.push(describe(&inside, limits.clone()));
        if out.last().is_some_and(|b| b.density >= 1.0) {
            break;
        }
    }
    out
}

/// The box to report: the densest with at least `min_coverage` of the cases
/// of interest (the first box if none is denser).
pub fn choose(trajectory: &[PrimBox], min_coverage: f64) -> usize {
    trajectory
        .iter()
        .enumerate()
        .filter(|(_, b)| b.coverage >= min_coverage)
        .max_by(|a, b| a.1.density.total_cmp(&b.1.density).then(b.0.cmp(&a.0)))
        .map_or(0, |(i, _)| i)
}

/// What `pocsim discover` was asked.
pub struct Spec {
    pub dir: std::path::PathBuf,
    pub variant: String,
    pub metric: String,
    pub above: f64,
    pub out: std::path::PathBuf,
    pub alpha: f64,
    pub min_mass: f64,
    pub min_coverage: f64,
    /// Replace an earlier discovery in `out`.
    pub force: bool,
    /// Draw the trade-off chart into `out/plots`.
    pub plots: bool,
}

/// Runs PRIM on a `compare --uncertain` directory; writes `boxes.csv` into
/// `out` and returns the chosen box in words.
pub fn discover(spec: &Spec) -> Result<String, crate::error::Error> {
    use crate::error::Error;
    use std::fmt::Write as _;
    if !(spec.alpha > 0.0 && spec.alpha < 0.5) {
        return Err(Error::Usage(format!(
            "--alpha {}: expected a share in (0, 0.5)",
            spec.alpha
        )));
    }
    let m = super::read_manifest(&spec.dir)?.ok_or_else(|| {
        Error::Usage(format!("{} holds no pocsim experiment", spec.dir.display()))
    })?;
    if m.inputs.first().map(String::as_str) != Some("point") || m.status != "complete" {
        return Err(Error::Usage(format!(
            "{} is not a finished compare over plausible worlds (run compare --uncertain K first)",
            spec.dir.display()
        )));
    }
    let names: Vec<String> = m.variants.iter().map(|v| v.name.clone()).collect();
    let labels: Vec<&str> = names
        .iter()
        .filter_map(|n| n.split_once('@'))
        .map(|(l, _)| l)
        .collect();
    if !labels.contains(&spec.variant.as_str()) || spec.variant == "baseline" {
        return Err(Error::Usage(format!(
            "variant `{}` is not among this experiment's ({})",
            spec.variant,
            m.variants
                .iter()
                .filter_map(|v| v.name.split_once('@'))
                .map(|x| x.0)
                .filter(|l| *l != "baseline")
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let runs = spec.dir.join(super::RUNS);
    let all = super::table::read_metric_names(&runs, m.inputs.len())?;
    let mi = all.iter().position(|x| *x == spec.metric).ok_or_else(|| {
        Error::Usage(format!(
            "unknown metric `{}` (e.g. civilians_harmed)",
            spec.metric
        ))
    })?;
    let cols = super::table::read_columns(&runs, &names, m.inputs.len(), all.len(), &[mi])?;
    // The worlds: drawn values (choices as their order of appearance).
    let points_file = spec.dir.join(super::POINTS);
    let text = std::fs::read_to_string(&points_file).map_err(|e| Error::io(&points_file, e))?;
    let mut lines = text.lines();
    let paths: Vec<String> = super::table::split_csv(lines.next().unwrap_or_default())
        .into_iter()
        .skip(1)
        .collect();
    let raw: Vec<Vec<String>> = lines
        .map(|l| super::table::split_csv(l).into_iter().skip(1).collect())
        .collect();
    let mut codes: Vec<Vec<String>> = vec![Vec::new(); paths.len()];
    let x: Vec<Vec<f64>> = raw
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(j, v)| {
                    v.parse::<f64>().unwrap_or_else(|_| {
                        let c = &mut codes[j];
                        let k = c.iter().position(|x| x == v).unwrap_or_else(|| {
                            c.push(v.clone());
                            c.len() - 1
                        });
                        k as f64
                    })
                })
                .collect()
        })
        .collect();
    // The paired effect at each world.
    let effect: Vec<f64> = (0..x.len())
        .map(|p| {
            let b = names.iter().position(|n| *n == format!("baseline@{p}"));
            let v = names
                .iter()
                .position(|n| *n == format!("{}@{p}", spec.variant));
            match (b, v) {
                (Some(b), Some(v)) => {
                    crate::stats::paired(&cols[b][0], &cols[v][0], true).mean_diff
                }
                _ => f64::NAN,
            }
        })
        .collect();
    let of_interest: Vec<bool> = effect.iter().map(|&e| e > spec.above).collect();
    let hits = of_interest.iter().filter(|&&y| y).count();
    let t = prim(&x, &of_interest, spec.alpha, spec.min_mass);
    let chosen = choose(&t, spec.min_coverage);
    crate::outputs::files::prepare_out_dir(&spec.out, "boxes.csv", spec.force)?;
    let mut csv = String::from("box,coverage,density,mass,restricted");
    for p in &paths {
        let _ = write!(
            csv,
            ",{0}.lower,{0}.upper",
            crate::outputs::files::csv_field(p)
        );
    }
    csv.push('\n');
    for (i, b) in t.iter().enumerate() {
        let r: Vec<&str> = b
            .restricted(&t[0])
            .iter()
            .map(|&j| paths[j].as_str())
            .collect();
        let _ = write!(
            csv,
            "{i},{},{},{},{}",
            super::table::num(b.coverage),
            super::table::num(b.density),
            super::table::num(b.mass),
            crate::outputs::files::csv_field(&r.join(";"))
        );
        for (lo, hi) in &b.limits {
            let _ = write!(
                csv,
                ",{},{}",
                super::table::num(*lo),
                super::table::num(*hi)
            );
        }
        csv.push('\n');
    }
    crate::outputs::files::write_atomic(&spec.out.join("boxes.csv"), csv.as_bytes())?;
    if spec.plots {
        let title = format!(
            "Where `{}` raises {} by more than {}: PRIM's peeling trajectory",
            spec.variant,
            crate::metrics::registry::words(&spec.metric).to_lowercase(),
            spec.above
        );
        let data = (&t[..], chosen, &paths[..], title);
        let chart = crate::render_chart!(
            "prim",
            "PRIM",
            (1100, 760),
            crate::outputs::plot::sensitivity::prim_tradeoff,
            &data
        )
        .map_err(|e| Error::Usage(format!("drawing the charts: {e}")))?;
        crate::outputs::plot::write_all(&spec.out.join("plots"), &[chart])?;
    }
    let b = &t[chosen];
    let mut s = format!(
        "{hits} of {} worlds have `{}` raising {} by more than {} (paired effect).\n",
        x.len(),
        spec.variant,
        spec.metric,
        spec.above
    );
    let _ = writeln!(
        s,
        "PRIM box {chosen} of {} (densest with coverage >= {:.0}%): coverage {:.0}%, density {:.0}%, mass {:.0}%",
        t.len(),
        100.0 * spec.min_coverage,
        100.0 * b.coverage,
        100.0 * b.density,
        100.0 * b.mass
    );
    for j in b.restricted(&t[0]) {
        let _ = writeln!(
            s,
            "  {:<48} {:.3} to {:.3}",
            paths[j], b.limits[j].0, b.limits[j].1
        );
    }
    let _ = write!(
        s,
        "wrote {0}/boxes.csv (the whole peeling trajectory){1}",
        spec.out.display(),
        if spec.plots {
            format!(" and {}/plots/prim.png", spec.out.display())
        } else {
            String::new()
        }
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Mechanic, Seed, uniform};

    #[test]
    fn prim_finds_the_box_where_the_effect_lives() {
        // Of interest where x0 > 0.7 and x1 < 0.3; x2 is irrelevant.
        let mut rng = Seed::new(4, 0).stream(Mechanic::Design, 1);
        let x: Vec<Vec<f64>> = (0..2000)
            .map(|_| (0..3).map(|_| uniform(&mut rng)).collect())
            .collect();
        let y: Vec<bool> = x.iter().map(|r| r[0] > 0.7 && r[1] < 0.3).collect();
        let t = prim(&x, &y, 0.05, 0.03);
        let b = &t[choose(&t, 0.5)];
        assert!(b.density > 0.8, "density {}", b.density);
        assert!(b.limits[0].0 > 0.6 && b.limits[1].1 < 0.4, "{:?}", b.limits);
        let r = b.restricted(&t[0]);
        assert!(r.contains(&0) && r.contains(&1));
    }
}
