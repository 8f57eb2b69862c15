//! The chart drawings, each generic over the plotters backend so the same code
//! draws the SVG and the PNG. Each takes plain data (see `data.rs`).

use super::{colour, err};
use plotters::coord::Shift;
use plotters::prelude::*;

type R = Result<(), String>;

pub(crate) const TITLE: (&str, u32) = ("sans-serif", 22);
pub(crate) const LABEL: (&str, u32) = ("sans-serif", 15);
pub(crate) const SMALL: (&str, u32) = ("sans-serif", 13);

/// Draws the legend of a chart's labelled series in the house style.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> R {
    chart
        .configure_series_labels()
        .label_font(SMALL)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .position(position)
        .draw()
        .map_err(err)
}

/// A range that is never empty and has a little room.
pub fn span(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if (hi - lo).abs() < 1e-9 {
        let pad = if lo.abs() > 1e-9 { lo.abs() * 0.1 } else { 1.0 };
        (lo - pad, hi + pad)
    } else {
        let pad = (hi - lo) * 0.06;
        (lo - pad, hi + pad)
    }
}

pub(crate) fn finite(xs: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for x in xs.into_iter().filter(|x| x.is_finite()) {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    (lo, hi)
}

/// A metric's name in words, for titles (from the metric registry).
pub fn pretty(metric: &str) -> String {
    crate::metrics::registry::words(metric)
}

/// Truncates a label so that it fits.
pub(crate) fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

// ---- 1. Effects forest plot --------------------------------------------------

/// One panel: a metric and, per variant, the paired difference and its CI.
pub struct ForestPanel {
    pub metric: String,
    pub unit: String,
    pub rows: Vec<(String, f64, f64, f64)>,
}

pub fn effects<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, panels: &[ForestPanel]) -> R {
    root.fill(&WHITE).map_err(err)?;
    let (top, body) = root.split_vertically(40);
    top.titled(
        "Effect of each variant against the baseline (paired difference, 95% CI)",
        TITLE,
    )
    .map_err(err)?;
    let areas = body.split_evenly((panels.len().max(1), 1));
    for (p, area) in panels.iter().zip(areas.iter()) {
        let mut rows = p.rows.clone();
        rows.sort_by(|a, b| a.1.total_cmp(&b.1));
        let n = rows.len().max(1) as i32;
        let (lo, hi) = finite(rows.iter().flat_map(|r| [r.1, r.2, r.3, 0.0]));
        let (lo, hi) = span(lo, hi);
        let names: Vec<String> = rows.iter().map(|r| short(&r.0, 22)).collect();
        let mut chart = ChartBuilder::on(area)
            .caption(pretty(&p.metric), LABEL)
            .margin(8)
            .x_label_area_size(38)
            .y_label_area_size(170)
            .build_cartesian_2d(lo..hi, (0..n - 1).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(format!("difference from baseline ({})", p.unit))
            .y_labels(n as usize)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(SMALL)
            .axis_desc_style(SMALL)
            .draw()
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Last)],
                BLACK.mix(0.5).stroke_width(1),
            )))
            .map_err(err)?;
        for (i, r) in rows.iter().enumerate() {
            if !r.1.is_finite() {
                continue;
            }
            let c = colour(0);
            let y = SegmentValue::CenterOf(i as i32);
            let (l, h) = if r.2.is_finite() {
                (r.2, r.3)
            } else {
                (r.1, r.1)
            };
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    y.clone(),
                    l,
                    r.1,
                    h,
                    c.stroke_width(2),
                    10,
                )))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Circle::new((r.1, y), 5, c.filled())))
                .map_err(err)?;
        }
    }
    Ok(())
}

// ---- 2. Outcome distributions ------------------------------------------------

/// One panel: a metric and its values per variant.
pub struct DistPanel {
    pub metric: String,
    pub unit: String,
    pub groups: Vec<(String, Vec<f64>)>,
}

pub fn distributions<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, panels: &[DistPanel]) -> R {
    root.fill(&WHITE).map_err(err)?;
    let (top, body) = root.split_vertically(40);
    top.titled(
        "Outcomes per variant (box: quartiles; whiskers: 1.5 IQR)",
        TITLE,
    )
    .map_err(err)?;
    let areas = body.split_evenly((1, panels.len().max(1)));
    for (p, area) in panels.iter().zip(areas.iter()) {
        let n = p.groups.len().max(1) as i32;
        let (lo, hi) = finite(p.groups.iter().flat_map(|g| g.1.iter().copied()));
        let (lo, hi) = span(lo, hi);
        let names: Vec<String> = p.groups.iter().map(|g| short(&g.0, 14)).collect();
        let mut chart = ChartBuilder::on(area)
            .caption(pretty(&p.metric), LABEL)
            .margin(8)
            .x_label_area_size(70)
            .y_label_area_size(60)
            .build_cartesian_2d((0..n - 1).into_segmented(), lo as f32..hi as f32)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n as usize)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .x_label_style(SMALL.into_font().transform(FontTransform::Rotate90))
            .y_desc(&p.unit)
            .label_style(SMALL)
            .axis_desc_style(SMALL)
            .draw()
            .map_err(err)?;
        for (i, g) in p.groups.iter().enumerate() {
            let v: Vec<f64> = g.1.iter().copied().filter(|x| x.is_finite()).collect();
            if v.is_empty() {
                continue;
            }
            let q = Quartiles::new(&v);
            chart
                .draw_series(std::iter::once(
                    Boxplot::new_vertical(SegmentValue::CenterOf(i as i32), &q)
                        .width(24)
                        .whisker_width(0.5)
                        .style(colour(i).stroke_width(2)),
                ))
                .map_err(err)?;
        }
    }
    Ok(())
}

// ---- 3. Time series with bands ---------------------------------------------

/// A daily series: median and 5–95% band across replications.
#[derive(Debug, Clone)]
pub struct Band {
    pub name: String,
    pub median: Vec<f64>,
    pub p5: Vec<f64>,
    pub p95: Vec<f64>,
}

pub struct TsPanel {
    pub title: String,
    pub unit: String,
    pub bands: Vec<Band>,
}

/// Daily series in panels under one title (which says what the lines are).
pub struct TsChart {
    pub title: &'static str,
    pub panels: Vec<TsPanel>,
}

pub fn timeseries<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &TsChart) -> R {
    root.fill(&WHITE).map_err(err)?;
    let (top, body) = root.split_vertically(40);
    top.titled(chart.title, TITLE).map_err(err)?;
    let panels = &chart.panels;
    let areas = body.split_evenly((panels.len().max(1), 1));
    for (p, area) in panels.iter().zip(areas.iter()) {
        let days = p
            .bands
            .iter()
            .map(|b| b.median.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let (_, hi) = finite(
            p.bands
                .iter()
                .flat_map(|b| b.p95.iter().chain(&b.median).copied()),
        );
        let (_, hi) = span(0.0, hi.max(0.0));
        let mut chart = ChartBuilder::on(area)
            .caption(&p.title, LABEL)
            .margin(8)
            .x_label_area_size(38)
            .y_label_area_size(60)
            .build_cartesian_2d(1f64..days as f64 + 0.001, 0f64..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("day")
            .y_desc(&p.unit)
            .label_style(SMALL)
            .axis_desc_style(SMALL)
            .draw()
            .map_err(err)?;
        for (k, b) in p.bands.iter().enumerate() {
            let c = colour(k);
            let mut poly: Vec<(f64, f64)> = b
                .p95
                .iter()
                .enumerate()
                .map(|(d, &v)| (d as f64 + 1.0, v))
                .collect();
            poly.extend(
                b.p5.iter()
                    .enumerate()
                    .rev()
                    .map(|(d, &v)| (d as f64 + 1.0, v)),
            );
            if b.p5 != b.p95 {
                chart
                    .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.12))))
                    .map_err(err)?;
                for edge in [&b.p5, &b.p95] {
                    chart
                        .draw_series(LineSeries::new(
                            edge.iter().enumerate().map(|(d, &v)| (d as f64 + 1.0, v)),
                            c.mix(0.5).stroke_width(1),
                        ))
                        .map_err(err)?;
                }
            }
            chart
                .draw_series(LineSeries::new(
                    b.median
                        .iter()
                        .enumerate()
                        .map(|(d, &v)| (d as f64 + 1.0, v)),
                    c.stroke_width(2 + (k % 2) as u32),
                ))
                .map_err(err)?
                .label(short(&b.name, 30))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
        }
        if p.bands.len() > 1 {
            legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        }
    }
    Ok(())
}

// ---- 4. Response-time distribution ------------------------------------------

pub struct Cdf {
    pub series: Vec<(String, Vec<f64>)>,
    pub target_h: f64,
}

pub fn response_cdf<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Cdf) -> R {
    root.fill(&WHITE).map_err(err)?;
    let (_, hi) = finite(
        d.series
            .iter()
            .flat_map(|s| s.1.iter().copied())
            .chain([d.target_h]),
    );
    // Long tails squash the picture: show up to the 98th percentile of all responses.
    let mut all: Vec<f64> = d
        .series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .filter(|x| x.is_finite())
        .collect();
    all.sort_by(f64::total_cmp);
    let cut = if all.is_empty() {
        hi
    } else {
        crate::stats::quantile_sorted(&all, 0.98).max(d.target_h * 1.5)
    };
    let xmax = if cut.is_finite() && cut > 0.0 {
        cut
    } else {
        1.0
    };
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Response times: share of responses arriving within a given time",
            TITLE,
        )
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..xmax, 0f64..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("hours from report to first arrival")
        .y_desc("share of responses (cumulative)")
        .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
        .label_style(SMALL)
        .axis_desc_style(LABEL)
        .draw()
        .map_err(err)?;
    for (k, (name, xs)) in d.series.iter().enumerate() {
        let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len().max(1) as f64;
        let mut pts = vec![(0.0, 0.0)];
        for (i, x) in v.iter().enumerate() {
            let x = x.min(xmax);
            pts.push((x, i as f64 / n));
            pts.push((x, (i + 1) as f64 / n));
        }
        pts.push((xmax, if v.is_empty() { 0.0 } else { 1.0 }));
        let c = colour(k);
        chart
            .draw_series(LineSeries::new(pts, c.stroke_width(2 + (k % 2) as u32)))
            .map_err(err)?
            .label(format!("{} (n={})", short(name, 26), v.len()))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3)));
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(d.target_h, 0.0), (d.target_h, 1.0)],
            RGBColor(120, 120, 120).stroke_width(2),
        )))
        .map_err(err)?
        .label(format!("response target ({} h)", d.target_h))
        .legend(|(x, y)| {
            PathElement::new(
                vec![(x, y), (x + 20, y)],
                RGBColor(120, 120, 120).stroke_width(2),
            )
        });
    legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    Ok(())
}

// ---- 5. Sweeps -------------------------------------------------------------

pub struct SweepLine {
    pub factor: String,
    pub metric: String,
    /// (factor value, mean, ci low, ci high), sorted by factor value.
    pub points: Vec<(f64, f64, f64, f64)>,
}

pub fn sweep_line<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &SweepLine) -> R {
    root.fill(&WHITE).map_err(err)?;
    let (xl, xh) = span(
        finite(d.points.iter().map(|p| p.0)).0,
        finite(d.points.iter().map(|p| p.0)).1,
    );
    let (yl, yh) = finite(d.points.iter().flat_map(|p| [p.1, p.2, p.3]));
    let (yl, yh) = span(yl.min(0.0), yh);
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("{} as {} varies (mean, 95% CI)", d.metric, d.factor),
            TITLE,
        )
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(xl..xh, yl..yh)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(&d.factor)
        .y_desc(&d.metric)
        .label_style(SMALL)
        .axis_desc_style(LABEL)
        .draw()
        .map_err(err)?;
    let c = colour(0);
    let mut band: Vec<(f64, f64)> = d
        .points
        .iter()
        .filter(|p| p.3.is_finite())
        .map(|p| (p.0, p.3))
        .collect();
    band.extend(
        d.points
            .iter()
            .rev()
            .filter(|p| p.2.is_finite())
            .map(|p| (p.0, p.2)),
    );
    if band.len() > 2 {
        chart
            .draw_series(std::iter::once(Polygon::new(band, c.mix(0.2))))
            .map_err(err)?;
    }
    chart
        .draw_series(LineSeries::new(
            d.points.iter().map(|p| (p.0, p.1)),
            c.stroke_width(2),
        ))
        .map_err(err)?;
    chart
        .draw_series(
            d.points
                .iter()
                .map(|p| Circle::new((p.0, p.1), 4, c.filled())),
        )
        .map_err(err)?;
    Ok(())
}

pub struct Heat {
    pub x_factor: String,
    pub y_factor: String,
    pub metric: String,
    pub xs: Vec<String>,
    pub ys: Vec<String>,
    /// values[y][x]; NaN where no point.
    pub values: Vec<Vec<f64>>,
}

/// A perceptually ordered colour scale (viridis, by a few stops).
pub fn scale(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    } * 4.0;
    let i = (t.floor() as usize).min(3);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

pub fn heatmap<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Heat) -> R {
    root.fill(&WHITE).map_err(err)?;
    let (lo, hi) = finite(d.values.iter().flatten().copied());
    let (nx, ny) = (d.xs.len().max(1) as i32, d.ys.len().max(1) as i32);
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("Mean {} by {} and {}", d.metric, d.x_factor, d.y_factor),
            TITLE,
        )
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(110)
        .build_cartesian_2d((0..nx - 1).into_segmented(), (0..ny - 1).into_segmented())
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(nx as usize)
        .y_labels(ny as usize)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => {
                d.xs.get(*i as usize)
                    .map(|s| short(s, 12))
                    .unwrap_or_default()
            }
            _ => String::new(),
        })
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => {
                d.ys.get(*i as usize)
                    .map(|s| short(s, 14))
                    .unwrap_or_default()
            }
            _ => String::new(),
        })
        .x_desc(&d.x_factor)
        .y_desc(&d.y_factor)
        .label_style(SMALL)
        .axis_desc_style(LABEL)
        .draw()
        .map_err(err)?;
    for (j, row) in d.values.iter().enumerate() {
        for (i, &v) in row.iter().enumerate() {
            let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            let c = if v.is_finite() {
                scale(t)
            } else {
                RGBColor(230, 230, 230)
            };
            let (i, j) = (i as i32, j as i32);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (SegmentValue::Exact(i), SegmentValue::Exact(j)),
                        (SegmentValue::Exact(i + 1), SegmentValue::Exact(j + 1)),
                    ],
                    c.filled(),
                )))
                .map_err(err)?;
            let text_colour = if t > 0.6 { BLACK } else { WHITE };
            let label = if v.is_finite() {
                format!("{v:.1}")
            } else {
                "–".into()
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    label,
                    (SegmentValue::CenterOf(i), SegmentValue::CenterOf(j)),
                    SMALL.into_font().color(&text_colour).pos(
                        plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Center,
                        ),
                    ),
                )))
                .map_err(err)?;
        }
    }
    Ok(())
}

// ---- 6. Map ----------------------------------------------------------------

pub struct MapSite {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub population: f64,
    pub value: f64,
    pub base: bool,
    pub refuge: bool,
}

pub struct MapData {
    pub title: String,
    pub metric: String,
    pub sites: Vec<MapSite>,
    pub roads: Vec<(usize, usize)>,
}

pub fn map<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &MapData) -> R {
    root.fill(&WHITE).map_err(err)?;
    let (xl, xh) = finite(d.sites.iter().map(|s| s.x));
    let (yl, yh) = finite(d.sites.iter().map(|s| s.y));
    // Equal scales on both axes, with room for labels.
    let w = (xh - xl).max(yh - yl).max(1.0) * 1.25;
    let (cx, cy) = ((xl + xh) / 2.0, (yl + yh) / 2.0);
    let (vl, vh) = finite(d.sites.iter().map(|s| s.value));
    let pmax = d.sites.iter().map(|s| s.population).fold(1.0, f64::max);
    let (main, legend) = root.split_horizontally(root.dim_in_pixel().0.saturating_sub(190));
    let mut chart = ChartBuilder::on(&main)
        .caption(&d.title, TITLE)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(cx - w / 2.0..cx + w / 2.0, cy - w / 2.0..cy + w / 2.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("km east")
        .y_desc("km north")
        .light_line_style(WHITE.mix(0.0))
        .label_style(SMALL)
        .axis_desc_style(SMALL)
        .draw()
        .map_err(err)?;
    for &(a, b) in &d.roads {
        let (p, q) = (&d.sites[a], &d.sites[b]);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(p.x, p.y), (q.x, q.y)],
                RGBColor(150, 150, 150).stroke_width(2),
            )))
            .map_err(err)?;
    }
    let mut order: Vec<usize> = (0..d.sites.len()).collect();
    order.sort_by(|&a, &b| d.sites[b].value.total_cmp(&d.sites[a].value));
    let mut labelled: Vec<(f64, f64)> = Vec::new();
    for &k in &order {
        let s = &d.sites[k];
        let t = if vh > vl {
            (s.value - vl) / (vh - vl)
        } else {
            0.5
        };
        let r = (6.0 + 30.0 * (s.population / pmax).sqrt()) as i32;
        chart
            .draw_series(std::iter::once(Circle::new(
                (s.x, s.y),
                r,
                scale(t).mix(0.85).filled(),
            )))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Circle::new(
                (s.x, s.y),
                r,
                BLACK.stroke_width(1),
            )))
            .map_err(err)?;
        if s.base {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(s.x, s.y), (s.x, s.y)],
                    BLACK.filled(),
                )))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((s.x, s.y))
                        + Rectangle::new([(-5, -5), (5, 5)], BLACK.filled()),
                ))
                .map_err(err)?;
        }
        if s.refuge {
            chart
                .draw_series(std::iter::once(TriangleMarker::new(
                    (s.x, s.y),
                    8,
                    BLACK.filled(),
                )))
                .map_err(err)?;
        }
        // Label the most harmed sites first; skip labels that would overlap.
        if labelled
            .iter()
            .any(|q| ((q.0 - s.x) / w).abs() < 0.12 && ((q.1 - s.y) / w).abs() < 0.03)
        {
            continue;
        }
        labelled.push((s.x, s.y));
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{} ({:.0})", short(&s.name, 24), s.value),
                (s.x, s.y),
                SMALL
                    .into_font()
                    .color(&BLACK)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Left,
                        plotters::style::text_anchor::VPos::Bottom,
                    )),
            )))
            .map_err(err)?;
    }
    // Legend: colour scale and markers.
    legend
        .draw(&Text::new(short(&d.metric, 24), (10, 60), SMALL))
        .map_err(err)?;
    for k in 0..10 {
        let t = 1.0 - k as f64 / 9.0;
        legend
            .draw(&Rectangle::new(
                [(10, 80 + k * 16), (34, 96 + k * 16)],
                scale(t).filled(),
            ))
            .map_err(err)?;
    }
    legend
        .draw(&Text::new(format!("{vh:.1}"), (40, 80), SMALL))
        .map_err(err)?;
    legend
        .draw(&Text::new(format!("{vl:.1}"), (40, 224), SMALL))
        .map_err(err)?;
    legend
        .draw(&Text::new("circle size: population", (10, 260), SMALL))
        .map_err(err)?;
    legend
        .draw(&Rectangle::new([(12, 285), (22, 295)], BLACK.filled()))
        .map_err(err)?;
    legend
        .draw(&Text::new("unit base", (30, 283), SMALL))
        .map_err(err)?;
    legend
        .draw(&TriangleMarker::new((17, 315), 8, BLACK.filled()))
        .map_err(err)?;
    legend
        .draw(&Text::new("camp / POC site", (30, 308), SMALL))
        .map_err(err)?;
    legend
        .draw(&PathElement::new(
            vec![(10, 335), (26, 335)],
            RGBColor(150, 150, 150).stroke_width(2),
        ))
        .map_err(err)?;
    legend
        .draw(&Text::new("road", (30, 328), SMALL))
        .map_err(err)?;
    Ok(())
}

// ---- 7. Activity against outcome ------------------------------------------------

pub struct Scatter {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// (label, x mean, x lo, x hi, y mean, y lo, y hi)
    pub points: Vec<(String, f64, f64, f64, f64, f64, f64)>,
    /// Join the non-dominated points (lower x and lower y are better).
    pub pareto: bool,
}

pub fn scatter<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Scatter) -> R {
    root.fill(&WHITE).map_err(err)?;
    let (xl, xh) = finite(d.points.iter().flat_map(|p| [p.1, p.2, p.3]));
    let (yl, yh) = finite(d.points.iter().flat_map(|p| [p.4, p.5, p.6]));
    let (xl, xh) = span(xl, xh);
    // Room on the right for the labels of the last points.
    let xh = xh + (xh - xl) * 0.15;
    let (yl, yh) = span(yl, yh);
    let mut front_labels: Vec<String> = Vec::new();
    let mut labelled: Vec<(f64, f64)> = Vec::new();
    let mut chart = ChartBuilder::on(root)
        .caption(&d.title, TITLE)
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(xl..xh, yl..yh)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(&d.x_label)
        .y_desc(&d.y_label)
        .label_style(SMALL)
        .axis_desc_style(LABEL)
        .draw()
        .map_err(err)?;
    if d.pareto {
        let mut pts: Vec<(f64, f64)> = d
            .points
            .iter()
            .map(|p| (p.1, p.4))
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut front = Vec::new();
        let mut best = f64::INFINITY;
        for p in pts {
            if p.1 < best {
                best = p.1;
                front.push(p);
                if let Some(q) = d.points.iter().find(|q| q.1 == p.0 && q.4 == p.1) {
                    front_labels.push(q.0.clone());
                }
            }
        }
        chart
            .draw_series(LineSeries::new(front, colour(4).stroke_width(2)))
            .map_err(err)?
            .label("non-dominated (Pareto front)")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour(4).stroke_width(2))
            });
    }
    for (k, p) in d.points.iter().enumerate() {
        let c = colour(if d.pareto { 0 } else { k });
        if p.2.is_finite() && p.3.is_finite() {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(p.2, p.4), (p.3, p.4)],
                    c.stroke_width(1),
                )))
                .map_err(err)?;
        }
        if p.5.is_finite() && p.6.is_finite() {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(p.1, p.5), (p.1, p.6)],
                    c.stroke_width(1),
                )))
                .map_err(err)?;
        }
        chart
            .draw_series(std::iter::once(Circle::new((p.1, p.4), 5, c.filled())))
            .map_err(err)?;
        // On a Pareto chart only the non-dominated points are named, and no label
        // is drawn on top of another, to keep it legible.
        if d.pareto && !front_labels.contains(&p.0) {
            continue;
        }
        let near = |q: &(f64, f64)| {
            ((q.0 - p.1) / (xh - xl)).abs() < 0.08 && ((q.1 - p.4) / (yh - yl)).abs() < 0.05
        };
        if labelled.iter().any(near) {
            continue;
        }
        labelled.push((p.1, p.4));
        chart
            .draw_series(std::iter::once(Text::new(
                short(&p.0, 24),
                (p.1, p.4),
                SMALL
                    .into_font()
                    .color(&BLACK)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Left,
                        plotters::style::text_anchor::VPos::Bottom,
                    )),
            )))
            .map_err(err)?;
    }
    if d.pareto {
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    }
    Ok(())
}
