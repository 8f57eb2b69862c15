//! Charts of what an answer rests on: the Morris mu*–sigma plane with each
//! input labelled, Sobol first-order and total indices as bars with their
//! bootstrap intervals, and a variant's effect in every plausible world.

use super::charts::span;
use super::{colour, err};
use crate::experiment::table::significant;
use crate::sensitivity::Outcome;
use plotters::coord::Shift;
use plotters::prelude::*;

type R = Result<(), String>;

const TITLE: (&str, u32) = ("sans-serif", 22);
const SMALL: (&str, u32) = ("sans-serif", 13);

/// Input names without their common prefixes (`presence.`, `threat_kinds.`).
fn label(path: &str) -> String {
    let s = path
        .strip_prefix("threat_kinds.")
        .or_else(|| path.strip_prefix("presence."))
        .unwrap_or(path);
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(39).collect::<String>())
    } else {
        s.to_string()
    }
}

/// What the indices are of: a metric, or a variant's cost in it.
fn subject(o: &Outcome) -> String {
    let words = crate::metrics::registry::words(&o.metrics[0]).to_lowercase();
    match &o.variant {
        Some(v) => format!("the cost of `{v}` in {words}"),
        None => words,
    }
}

/// The name of the row at `v` on a numeric axis of rows 0, 1, 2... (none
/// between rows).
fn row_name(names: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() < 1e-6 && i >= 0.0 {
        names.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// Morris: mu* (overall influence) against sigma (interactions and
/// non-linearity), one point per input, for the first metric.
pub fn morris_plane<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, o: &Outcome) -> R {
    root.fill(&WHITE).map_err(err)?;
    let idx = &o.morris[0];
    let (x_lo, x_hi) = span(
        0.0,
        idx.iter()
            .map(|m| m.mu_star + m.mu_star_conf)
            .fold(0.0, f64::max),
    );
    let (y_lo, y_hi) = span(
        0.0,
        idx.iter()
            .map(|m| m.sigma)
            .filter(|x| x.is_finite())
            .fold(0.0, f64::max),
    );
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("Morris screening: {} (mu* against sigma)", subject(o)),
            TITLE,
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(x_lo.min(0.0)..x_hi, y_lo.min(0.0)..y_hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("mu* (mean absolute elementary effect: how much the input matters)")
        .y_desc("sigma (spread: interactions, non-linearity, noise)")
        .label_style(SMALL)
        .axis_desc_style(SMALL)
        .draw()
        .map_err(err)?;
    for (name, m) in o.inputs.iter().zip(idx) {
        if !m.mu_star.is_finite() {
            continue;
        }
        let s = if m.sigma.is_finite() { m.sigma } else { 0.0 };
        chart
            .draw_series(std::iter::once(ErrorBar::new_horizontal(
                s,
                m.mu_star - m.mu_star_conf,
                m.mu_star,
                m.mu_star + m.mu_star_conf,
                colour(0).stroke_width(2),
                8,
            )))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Circle::new(
                (m.mu_star, s),
                4,
                colour(0).filled(),
            )))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                label(name),
                (m.mu_star, s),
                SMALL.into_font().color(&BLACK.mix(0.8)),
            )))
            .map_err(err)?;
    }
    Ok(())
}

/// Sobol: first-order (S1) and total (ST) indices per input, with their
/// 95% bootstrap intervals, for the first metric; largest ST first.
pub fn sobol_bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, o: &Outcome) -> R {
    root.fill(&WHITE).map_err(err)?;
    let mut rows: Vec<(&String, &crate::sensitivity::estimate::SobolIndex)> =
        o.inputs.iter().zip(&o.sobol[0]).collect();
    rows.sort_by(|a, b| a.1.st.total_cmp(&b.1.st));
    let n = rows.len().max(1) as i32;
    let hi = rows
        .iter()
        .flat_map(|(_, s)| [s.st + s.st_conf, s.s1 + s.s1_conf])
        .filter(|x| x.is_finite())
        .fold(1.0, f64::max);
    let lo = rows
        .iter()
        .flat_map(|(_, s)| [s.s1 - s.s1_conf, s.st - s.st_conf])
        .filter(|x| x.is_finite())
        .fold(0.0, f64::min);
    let names: Vec<String> = rows.iter().map(|(p, _)| label(p)).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!(
                "Sobol indices: {} (S1 first order, ST total; 95% bootstrap intervals)",
                subject(o)
            ),
            TITLE,
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(260)
        .build_cartesian_2d(lo..hi, -0.5..(f64::from(n) - 0.5))
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("share of the output's variance")
        .y_labels(n as usize)
        .disable_y_mesh()
        .y_label_formatter(&|v| row_name(&names, *v))
        .label_style(SMALL)
        .axis_desc_style(SMALL)
        .draw()
        .map_err(err)?;
    for (k, (name, c)) in [("S1", colour(0)), ("ST", colour(1))]
        .into_iter()
        .enumerate()
    {
        let offset = if k == 0 { -0.15 } else { 0.15 };
        let pts: Vec<(f64, f64, f64, usize)> = rows
            .iter()
            .enumerate()
            .map(|(i, (_, s))| {
                if k == 0 {
                    (s.s1, s.s1_conf, offset, i)
                } else {
                    (s.st, s.st_conf, offset, i)
                }
            })
            .collect();
        chart
            .draw_series(
                pts.iter()
                    .filter(|p| p.0.is_finite())
                    .map(|&(v, conf, off, i)| {
                        ErrorBar::new_horizontal(
                            i as f64 + off,
                            v - conf,
                            v,
                            v + conf,
                            c.stroke_width(2),
                            8,
                        )
                    }),
            )
            .map_err(err)?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(3)));
    }
    chart
        .configure_series_labels()
        .label_font(SMALL)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(err)
}

/// Each variant's paired effect in every plausible world (one dot per world),
/// with its median and the range that holds in 90% of worlds.
pub fn worlds<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[crate::experiment::uncertain::Robust],
) -> R {
    root.fill(&WHITE).map_err(err)?;
    let n = rows.len().max(1) as f64;
    let all: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.per_world.iter().copied())
        .filter(|x| x.is_finite())
        .chain(std::iter::once(0.0))
        .collect();
    let (lo, hi) = span(
        all.iter().copied().fold(f64::INFINITY, f64::min),
        all.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let names: Vec<String> = rows.iter().map(|r| r.variant.clone()).collect();
    let metric = rows.first().map(|r| r.metric.clone()).unwrap_or_default();
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!(
                "{} in each plausible world: difference from the baseline",
                crate::metrics::registry::words(&metric)
            ),
            TITLE,
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(140)
        .build_cartesian_2d(lo..hi, -0.5..(n - 0.5))
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("paired difference from the baseline, one dot per world (bar: 90% of worlds; circle: median)")
        .y_labels(rows.len().max(1))
        .disable_y_mesh()
        .y_label_formatter(&|v| row_name(&names, *v))
        .label_style(SMALL)
        .axis_desc_style(SMALL)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n - 0.5)],
            BLACK.mix(0.5).stroke_width(1),
        )))
        .map_err(err)?;
    for (i, r) in rows.iter().enumerate() {
        let y = i as f64;
        let k = r.per_world.len().max(1) as f64;
        chart
            .draw_series(
                r.per_world
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.is_finite())
                    .map(|(j, &x)| {
                        // Spread the dots vertically so that they do not hide each other.
                        let dy = 0.3 * ((j as f64 + 0.5) / k - 0.5);
                        Circle::new((x, y + dy), 3, colour(1).mix(0.7).filled())
                    }),
            )
            .map_err(err)?;
        if r.p5_diff.is_finite() {
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    y - 0.3,
                    r.p5_diff,
                    r.median_diff,
                    r.p95_diff,
                    colour(0).stroke_width(3),
                    12,
                )))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// The tornado: the output with one input at a time at its 5% and 95%
/// quantiles (the others as the file has them), widest first, for the first metric.
pub fn tornado<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, o: &Outcome) -> R {
    root.fill(&WHITE).map_err(err)?;
    let mut rows: Vec<(&String, &crate::sensitivity::Bar)> =
        o.inputs.iter().zip(&o.tornado[0]).collect();
    rows.sort_by(|a, b| a.1.reach().total_cmp(&b.1.reach()));
    let n = rows.len().max(1) as f64;
    let vals: Vec<f64> = rows
        .iter()
        .flat_map(|(_, b)| [b.at_low, b.at_high, b.at_file])
        .filter(|x| x.is_finite())
        .collect();
    let (lo, hi) = span(
        vals.iter().copied().fold(f64::INFINITY, f64::min),
        vals.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let names: Vec<String> = rows.iter().map(|(p, _)| label(p)).collect();
    let centre = rows.first().map_or(f64::NAN, |(_, b)| b.at_file);
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!(
                "One input at a time: {} (5% to 95% of each input)",
                subject(o)
            ),
            TITLE,
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(260)
        .build_cartesian_2d(lo..hi, -0.5..(n - 0.5))
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("output (blue: input at its 5% quantile; orange: at its 95%; line: every input as the file has it)")
        .y_labels(rows.len().max(1))
        .disable_y_mesh()
        .y_label_formatter(&|v| row_name(&names, *v))
        .label_style(SMALL)
        .axis_desc_style(SMALL)
        .draw()
        .map_err(err)?;
    if centre.is_finite() {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(centre, -0.5), (centre, n - 0.5)],
                BLACK.mix(0.6).stroke_width(1),
            )))
            .map_err(err)?;
    }
    for (i, (_, b)) in rows.iter().enumerate() {
        let y = i as f64;
        // The 5% bar in the upper half of the row, the 95% bar in the lower,
        // so that both show when they fall on the same side.
        for (v, c, y0, y1) in [
            (b.at_low, colour(0), y, y + 0.32),
            (b.at_high, colour(1), y - 0.32, y),
        ] {
            if v.is_finite() && centre.is_finite() {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(centre.min(v), y0), (centre.max(v), y1)],
                        c.mix(0.8).filled(),
                    )))
                    .map_err(err)?;
            }
        }
    }
    Ok(())
}

/// Calibration: each input's prior points (grey) and accepted points
/// (coloured) on its prior range, with their 5–95% ranges, so that an analyst
/// sees which inputs the public figures pin down and which they leave open.
pub fn prior_posterior<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fit: &crate::calibration::Fit,
) -> R {
    root.fill(&WHITE).map_err(err)?;
    let n = fit.inputs.len().max(1) as f64;
    let names: Vec<String> = fit.inputs.iter().map(|p| label(p)).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!(
                "Prior ({} points) and posterior ({} kept)",
                fit.points.len(),
                fit.accepted.len()
            ),
            TITLE,
        )
        .margin(16)
        .margin_right(270)
        .x_label_area_size(44)
        .y_label_area_size(260)
        .build_cartesian_2d(-0.02..1.02, -0.5..(n - 0.5))
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("where in the prior's range (0: lowest drawn, 1: highest); grey: prior points, blue: accepted, bars: 5-95%")
        .x_labels(6)
        .light_line_style(TRANSPARENT)
        .y_labels(fit.inputs.len().max(1))
        .disable_y_mesh()
        .y_label_formatter(&|v| row_name(&names, *v))
        .label_style(SMALL)
        .axis_desc_style(SMALL)
        .draw()
        .map_err(err)?;
    let (px, py) = chart.backend_coord(&(1.02, n - 0.5));
    root.draw(&Text::new(
        "prior 90%  →  posterior 90%",
        (px + 10, py - 18),
        SMALL.into_font(),
    ))
    .map_err(err)?;
    for (j, _) in fit.inputs.iter().enumerate() {
        let y = j as f64;
        let val = |i: usize| fit.points[i].values[j].parse::<f64>().unwrap_or(f64::NAN);
        let prior: Vec<f64> = (0..fit.points.len()).map(val).collect();
        let post: Vec<f64> = fit.accepted.iter().map(|&i| val(i)).collect();
        let lo = prior.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = prior.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !(lo.is_finite() && hi.is_finite()) {
            continue; // a choice among names: no axis
        }
        let w = (hi - lo).max(1e-12);
        let at = |x: f64| (x - lo) / w;
        for (xs, dy, c, r) in [
            (&prior, -0.15, RGBColor(150, 150, 150), 2),
            (&post, 0.15, colour(0), 3),
        ] {
            chart
                .draw_series(
                    xs.iter()
                        .filter(|x| x.is_finite())
                        .map(|&x| Circle::new((at(x), y + dy), r, c.mix(0.5).filled())),
                )
                .map_err(err)?;
            let (_, p5, p95) = crate::calibration::spread(xs);
            if p5.is_finite() {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(at(p5), y + dy), (at(p95), y + dy)],
                        c.stroke_width(3),
                    )))
                    .map_err(err)?;
            }
        }
        let (_, a5, a95) = crate::calibration::spread(&prior);
        let (_, b5, b95) = crate::calibration::spread(&post);
        let (px, py) = chart.backend_coord(&(1.02, y));
        root.draw(&Text::new(
            format!(
                "{} to {}  →  {} to {}",
                significant(a5, 3),
                significant(a95, 3),
                significant(b5, 3),
                significant(b95, 3)
            ),
            (px + 10, py - 7),
            SMALL.into_font(),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// PRIM's peeling trajectory: each box's coverage against its density, the
/// number of inputs it restricts by colour, the chosen box marked with its
/// limits (EMA Workbench's trade-off view).
pub fn prim_tradeoff<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &(
        &[crate::experiment::discover::PrimBox],
        usize,
        &[String],
        String,
    ),
) -> R {
    let (t, chosen, paths, title) = data;
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(root)
        .caption(title.as_str(), TITLE)
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..1.02, 0.0..1.02)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("coverage: share of the worlds of interest inside the box")
        .y_desc("density: share of the box's worlds that are of interest")
        .light_line_style(TRANSPARENT)
        .label_style(SMALL)
        .axis_desc_style(SMALL)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            t.iter()
                .map(|b| (b.coverage, b.density))
                .collect::<Vec<_>>(),
            BLACK.mix(0.3).stroke_width(1),
        )))
        .map_err(err)?;
    let most = t
        .iter()
        .map(|b| b.restricted(&t[0]).len())
        .max()
        .unwrap_or(0);
    for k in 0..=most {
        let pts: Vec<(f64, f64)> = t
            .iter()
            .filter(|b| b.restricted(&t[0]).len() == k)
            .map(|b| (b.coverage, b.density))
            .collect();
        if pts.is_empty() {
            continue;
        }
        chart
            .draw_series(
                pts.into_iter()
                    .map(|p| Circle::new(p, 4, colour(k).filled())),
            )
            .map_err(err)?
            .label(format!(
                "{k} input{} restricted",
                if k == 1 { "" } else { "s" }
            ))
            .legend(move |(x, y)| Circle::new((x, y), 4, colour(k).filled()));
    }
    if let Some(b) = t.get(*chosen) {
        chart
            .draw_series(std::iter::once(Circle::new(
                (b.coverage, b.density),
                9,
                BLACK.stroke_width(2),
            )))
            .map_err(err)?;
        let mut lines = vec![format!(
            "box {chosen}: coverage {:.0}%, density {:.0}%",
            100.0 * b.coverage,
            100.0 * b.density
        )];
        for j in b.restricted(&t[0]) {
            lines.push(format!(
                "{}: {} to {}",
                label(&paths[j]),
                significant(b.limits[j].0, 3),
                significant(b.limits[j].1, 3)
            ));
        }
        for (i, l) in lines.iter().enumerate() {
            chart
                .draw_series(std::iter::once(Text::new(
                    l.clone(),
                    (0.05, 0.30 - 0.04 * i as f64),
                    SMALL.into_font(),
                )))
                .map_err(err)?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .label_font(SMALL)
        .draw()
        .map_err(err)?;
    Ok(())
}
