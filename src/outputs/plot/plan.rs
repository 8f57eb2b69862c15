//! The planner's charts: the cost-protection front with each candidate's
//! spread over plausible worlds, and what each lever buys per dollar.

use super::charts::{LABEL, SMALL, TITLE, finite, legend, pretty, short, span};
use super::{Rendered, colour, err, write_all};
use crate::error::Error;
use crate::planner::report::{describe, steps};
use crate::planner::{Phase, Plan};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

type R = Result<(), String>;

/// Data of the front chart: every search candidate.
pub struct FrontChart {
    pub title: String,
    pub y_label: String,
    /// (cost $M, mean, p10, p90, feasible, on the front)
    pub points: Vec<(f64, f64, f64, f64, bool, bool)>,
    /// The recommendation: (cost $M, mean, label).
    pub chosen: Option<(f64, f64, String)>,
    /// The target's threshold.
    pub threshold: f64,
}

pub fn front<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &FrontChart) -> R {
    root.fill(&WHITE).map_err(err)?;
    let (xl, xh) = span(
        finite(d.points.iter().map(|p| p.0)).0,
        finite(d.points.iter().map(|p| p.0)).1,
    );
    let (yl, yh) = finite(
        d.points
            .iter()
            .flat_map(|p| [p.1, p.2, p.3])
            .chain([d.threshold]),
    );
    let (yl, yh) = span(yl, yh);
    let mut chart = ChartBuilder::on(root)
        .caption(&d.title, TITLE)
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(xl..xh, yl..yh)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("cost, US$ million a year")
        .y_desc(&d.y_label)
        .label_style(SMALL)
        .axis_desc_style(LABEL)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            vec![(xl, d.threshold), (xh, d.threshold)],
            RED.stroke_width(2),
        ))
        .map_err(err)?
        .label("target")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(2)));
    for p in &d.points {
        let c = if p.4 {
            colour(0)
        } else {
            RGBColor(170, 170, 170)
        };
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(p.0, p.2), (p.0, p.3)],
                c.mix(0.6).stroke_width(1),
            )))
            .map_err(err)?;
    }
    chart
        .draw_series(
            d.points
                .iter()
                .filter(|p| !p.4)
                .map(|p| Circle::new((p.0, p.1), 4, RGBColor(170, 170, 170).filled())),
        )
        .map_err(err)?
        .label("misses a target (bar: 10-90% of worlds)")
        .legend(|(x, y)| Circle::new((x + 10, y), 4, RGBColor(170, 170, 170).filled()));
    chart
        .draw_series(
            d.points
                .iter()
                .filter(|p| p.4)
                .map(|p| Circle::new((p.0, p.1), 4, colour(0).filled())),
        )
        .map_err(err)?
        .label("meets the targets")
        .legend(|(x, y)| Circle::new((x + 10, y), 4, colour(0).filled()));
    let mut f: Vec<(f64, f64)> = d
        .points
        .iter()
        .filter(|p| p.5)
        .map(|p| (p.0, p.1))
        .collect();
    f.sort_by(|a, b| a.0.total_cmp(&b.0));
    chart
        .draw_series(LineSeries::new(f, colour(4).stroke_width(2)))
        .map_err(err)?
        .label("front")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour(4).stroke_width(2)));
    if let Some((x, y, label)) = &d.chosen {
        chart
            .draw_series(std::iter::once(TriangleMarker::new(
                (*x, *y),
                9,
                colour(1).filled(),
            )))
            .map_err(err)?
            .label("recommended")
            .legend(|(x, y)| TriangleMarker::new((x + 10, y), 6, colour(1).filled()));
        chart
            .draw_series(std::iter::once(Text::new(
                short(label, 60),
                (*x, *y),
                SMALL
                    .into_font()
                    .color(&BLACK)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Left,
                        plotters::style::text_anchor::VPos::Top,
                    )),
            )))
            .map_err(err)?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// Data of the per-dollar chart: one bar per lever step that costs more.
pub struct BuyChart {
    pub title: String,
    pub x_label: String,
    /// (label, value per $1 M)
    pub bars: Vec<(String, f64)>,
}

pub fn buys<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &BuyChart) -> R {
    root.fill(&WHITE).map_err(err)?;
    let (lo, hi) = finite(d.bars.iter().map(|b| b.1).chain([0.0]));
    let (lo, hi) = span(lo, hi);
    // The best buy on top.
    let mut bars = d.bars.clone();
    bars.reverse();
    let n = bars.len().max(1) as i32;
    let names: Vec<String> = bars.iter().map(|b| short(&b.0, 48)).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(&d.title, TITLE)
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(320)
        .build_cartesian_2d(lo..hi, (0..n - 1).into_segmented())
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n as usize)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .x_desc(&d.x_label)
        .label_style(SMALL)
        .axis_desc_style(LABEL)
        .draw()
        .map_err(err)?;
    for (k, b) in bars.iter().enumerate() {
        let c = if b.1 >= 0.0 { colour(0) } else { colour(3) };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(k as i32)),
                    (b.1, SegmentValue::Exact(k as i32 + 1)),
                ],
                c.filled(),
            )))
            .map_err(err)?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Last)],
            BLACK.stroke_width(1),
        )))
        .map_err(err)?;
    Ok(())
}

/// The planner's charts as data.
pub fn charts(plan: &Plan) -> (FrontChart, BuyChart) {
    let t = &plan.targets[0];
    let points = plan
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.phase == Phase::Search)
        .map(|(i, r)| {
            let e = &r.eval.targets[0];
            (
                r.eval.cost / 1e6,
                e.mean,
                e.p10,
                e.p90,
                r.eval.feasible(plan.confidence),
                plan.front.contains(&i),
            )
        })
        .collect();
    let chosen = plan.recommended.map(|i| {
        let r = &plan.rows[i];
        (
            r.eval.cost / 1e6,
            r.eval.targets[0].mean,
            describe(plan, &r.genes),
        )
    });
    let front = FrontChart {
        title: format!(
            "Cost against {} ({} candidates)",
            pretty(&t.metric),
            plan.rows
                .iter()
                .filter(|r| r.phase == Phase::Search)
                .count()
        ),
        y_label: format!("{}, mean over worlds", pretty(&t.metric)),
        points,
        chosen,
        threshold: t.value,
    };
    // A step that saves money is shown the other way round: what the
    // recommendation's own choice buys per dollar (the same ratio).
    let mut bars: Vec<(String, f64)> = steps(plan)
        .into_iter()
        .filter(|s| s.cost_change != 0.0 && s.per_million.is_finite())
        .map(|s| {
            let l = &plan.levers.levers[s.lever];
            let (a, b, tag) = if s.cost_change > 0.0 {
                (s.from, s.to, "")
            } else {
                (s.to, s.from, " (as chosen)")
            };
            (
                format!(
                    "{} {} -> {}{tag}",
                    l.name,
                    crate::planner::report::yes_no(&l.path, l.values[a].trim_matches('"')),
                    crate::planner::report::yes_no(&l.path, l.values[b].trim_matches('"'))
                ),
                s.per_million,
            )
        })
        .collect();
    bars.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    bars.dedup_by(|a, b| a.0 == b.0);
    let verb = match t.op {
        crate::planner::Op::AtMost => "avoided",
        crate::planner::Op::AtLeast => "gained",
    };
    let buy = BuyChart {
        title: "What each lever buys, one step from the recommendation".into(),
        x_label: format!(
            "{} {verb} over {} days per US$1 M a year",
            pretty(&t.metric),
            plan.horizon_days
        ),
        bars,
    };
    (front, buy)
}

/// Draws `plan-front` and `plan-levers` into `dir/plots`.
pub fn write_charts(dir: &Path, plan: &Plan) -> Result<Vec<Rendered>, Error> {
    let (f, b) = charts(plan);
    let h = (180 + 44 * b.bars.len() as u32).max(360);
    let a = crate::render_chart!(
        "plan-front",
        "Cost against protection",
        (1100, 640),
        front,
        &f
    );
    let c = crate::render_chart!("plan-levers", "What each lever buys", (1100, h), buys, &b);
    let out = vec![
        a.map_err(|e| Error::Usage(format!("drawing the charts: {e}")))?,
        c.map_err(|e| Error::Usage(format!("drawing the charts: {e}")))?,
    ];
    write_all(&dir.join("plots"), &out)?;
    Ok(out)
}
