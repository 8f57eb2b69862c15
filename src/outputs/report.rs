//! `report.html`: one self-contained page (inline SVG and CSS, no scripts, no
//! network) that a reader who never used pocsim can understand.

use crate::error::Error;
use crate::experiment::{self, RUNS, table};
use crate::outputs::plot::Rendered;
use std::fmt::Write as _;
use std::path::Path;

/// A page's head, its title escaped, up to the opening of its body.
pub fn page_head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n",
        esc(title),
        CSS
    )
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(x: f64) -> String {
    if !x.is_finite() {
        "–".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn signed(x: f64) -> String {
    if x.is_finite() && x > 0.0 {
        format!("+{}", num(x))
    } else {
        num(x)
    }
}

/// Builds the report for a finished experiment directory from its charts.
pub fn experiment_report(dir: &Path, charts: &[Rendered]) -> Result<String, Error> {
    let m = experiment::read_manifest(dir)?
        .ok_or_else(|| Error::Usage(format!("{} holds no pocsim experiment", dir.display())))?;
    if m.inputs.first().is_some_and(|c| c == "point") {
        return worlds_report(dir, &m);
    }
    if m.analysis.is_some() {
        return design_report(dir, &m);
    }
    if m.kind == experiment::RunKind::Plan {
        return plan_report(dir, &m);
    }
    let names: Vec<String> = m.variants.iter().map(|v| v.name.clone()).collect();
    let compare = m.kind == experiment::RunKind::Compare;
    let stats = table::compute(&dir.join(RUNS), &names, m.inputs.len(), &[], compare)?;
    let models = crate::outputs::plot::data::variant_models(dir, &m)?;
    let sc = &models[0].1.scenario;
    let days = sc.clock.horizon_days;
    let mut h = page_head(&format!("pocsim: {}", sc.scenario.name));
    let _ = writeln!(
        h,
        "<header><p class=\"kicker\">pocsim report · {} × {} replications</p>",
        if names.len() == 1 {
            "the baseline alone".to_string()
        } else {
            format!("{} of {} variants", m.kind.name(), names.len())
        },
        m.runs
    );
    let _ = writeln!(
        h,
        "<h1>{}</h1>\n<p class=\"lead\">{}</p></header>",
        esc(&sc.scenario.name),
        esc(&sc.scenario.description)
    );

    // Headline in plain words.
    let _ = writeln!(h, "<section><h2>What the simulation says</h2>");
    let harm_col = stats.metrics.iter().position(|x| x == "civilians_harmed");
    if compare && names.len() == 1 {
        let _ = writeln!(
            h,
            "<p>The scenario as written, over {} simulated {:.0}-day periods. Numbers are per {:.0} days: \
             means with 95% confidence intervals; the charts show how they spread from one period to the next.</p>",
            m.runs, days, days
        );
    } else if compare {
        let _ = writeln!(
            h,
            "<p>Each variant was run on the same {} simulated {:.0}-day periods as the baseline (the scenario as written), \
             so the differences below come from the change, not from luck. Numbers are per {:.0} days; \
             the range in brackets is a 95% confidence interval.</p>\n<ul class=\"headline\">",
            m.runs, days, days
        );
        let mut rows: Vec<&table::Effect> = stats
            .effects
            .iter()
            .filter(|e| e.metric == "civilians_harmed")
            .collect();
        rows.sort_by(|a, b| b.p.mean_diff.abs().total_cmp(&a.p.mean_diff.abs()));
        for e in rows {
            let p = &e.p;
            let v = m.variants.iter().find(|v| v.name == e.variant);
            let what = v.map(|v| v.overrides.join("; ")).unwrap_or_default();
            let word = if p.mean_diff > 0.0 { "more" } else { "fewer" };
            let sig = if p.ci_low > 0.0 || p.ci_high < 0.0 {
                ""
            } else {
                " (not distinguishable from no change)"
            };
            let _ = writeln!(
                h,
                "<li><strong>{}</strong> <span class=\"code\">{}</span>: <strong>{} {} civilians harmed</strong> (95% CI {} to {}), {} against the baseline{}; it did better than the baseline in {:.0}% of the paired periods.</li>",
                esc(&e.variant),
                esc(&what),
                num(p.mean_diff.abs()),
                word,
                signed(p.ci_low),
                signed(p.ci_high),
                if p.relative.is_finite() {
                    format!("{:+.1}%", 100.0 * p.relative)
                } else {
                    "–".into()
                },
                sig,
                100.0 * p.share_better
            );
        }
        let _ = writeln!(h, "</ul>");
    } else if let Some(hc) = harm_col {
        let _ = writeln!(
            h,
            "<p>Civilians harmed per {days:.0} days at each point of the sweep (mean and 95% confidence interval over {} runs):</p>",
            m.runs
        );
        let _ = writeln!(
            h,
            "<table><tr><th>point</th><th>civilians harmed</th><th>95% CI</th></tr>"
        );
        for (v, name) in names.iter().enumerate() {
            let d = &stats.describe[v][hc];
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{} to {}</td></tr>",
                esc(name),
                num(d.mean),
                num(d.ci_low),
                num(d.ci_high)
            );
        }
        let _ = writeln!(h, "</table>");
    }
    let _ = writeln!(h, "</section>");

    // The headline table.
    let shown = [
        "civilians_harmed",
        "civilians_killed",
        "incidents_prevented",
        "attacks_responded_share",
        "response_time_p90_h",
        "responses_blocked_by_caveats",
        "patrol_hours",
    ];
    let _ = writeln!(
        h,
        "<section><h2>Key results by variant</h2>\n<table><tr><th>variant</th>"
    );
    for s in shown {
        let _ = write!(
            h,
            "<th>{}</th>",
            esc(&crate::outputs::plot::charts::pretty(s))
        );
    }
    let _ = writeln!(h, "</tr>");
    for (v, name) in names.iter().enumerate() {
        let _ = write!(h, "<tr><td>{}</td>", esc(name));
        for s in shown {
            let cell = stats.metrics.iter().position(|x| x == s).map(|k| {
                let d = &stats.describe[v][k];
                if s.ends_with("_share") {
                    format!("{:.1}%", 100.0 * d.mean)
                } else {
                    num(d.mean)
                }
            });
            let _ = write!(h, "<td>{}</td>", cell.unwrap_or_else(|| "–".into()));
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table></section>");

    // What was varied.
    let _ = writeln!(
        h,
        "<section><h2>What was varied</h2>\n<table><tr><th>variant</th><th>changes to the scenario</th></tr>"
    );
    for v in &m.variants {
        let what = if v.overrides.is_empty() {
            "the scenario as written".to_string()
        } else {
            v.overrides.join("; ")
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"code\">{}</td></tr>",
            esc(&v.name),
            esc(&what)
        );
    }
    let _ = writeln!(h, "</table></section>");

    // Charts.
    let _ = writeln!(h, "<section><h2>Charts</h2>");
    for c in charts {
        let svg = c.svg.trim_start_matches(|ch| ch != '<');
        let svg = match svg.find("<svg") {
            Some(i) => &svg[i..],
            None => svg,
        };
        let _ = writeln!(
            h,
            "<figure><figcaption>{}</figcaption>\n<div class=\"chart\">{}</div></figure>",
            esc(&c.title),
            svg
        );
    }
    let _ = writeln!(h, "</section>");

    // Methods.
    let _ = writeln!(
        h,
        "<section class=\"methods\"><h2>Methods</h2>\n<p>pocsim {} simulated scenario <span class=\"code\">{}</span> (SHA-256 <span class=\"code\">{}</span>) for {:.0} days, {} replications per variant, master seed {}. \
         Replication <em>i</em> of every variant uses the same random streams (common random numbers), derived from the seed and <em>i</em>, and each mechanism draws from its own stream, so differences between variants come from the variants. \
         Means have 95% confidence intervals from Student's t distribution; effects are paired differences (variant minus baseline, replication by replication) with their t interval. \
         Quantiles are R's type 7. Daily series show the median and 5–95% band of a 7-day moving average over the first {} replications, re-run from the same seeds. \
         Started {}, finished {}, on {} threads. The model is described in <span class=\"code\">docs/model.md</span>; its scenarios are models inspired by real settings, most of whose numbers are assumptions.</p></section>",
        esc(&m.pocsim_version),
        esc(&m.scenario_file),
        esc(&m.scenario_hash),
        days,
        m.runs,
        m.seed,
        m.runs.min(crate::outputs::plot::data::SAMPLE),
        esc(&m.started),
        esc(m.finished.as_deref().unwrap_or("–")),
        m.threads
    );
    let _ = writeln!(h, "</body>\n</html>");
    Ok(h)
}

const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#1a1a1a;line-height:1.5}\
li.warn,tr.warn{color:#8a4b00}h1{font-size:1.9em;margin:.2em 0}h2{border-bottom:2px solid #0072B2;padding-bottom:.2em;margin-top:2em}\
.kicker{color:#555;text-transform:uppercase;letter-spacing:.05em;font-size:.85em;margin:0}.lead{font-size:1.15em;color:#333}\
table{border-collapse:collapse;margin:1em 0;font-size:.95em}th,td{border:1px solid #ccc;padding:.35em .6em;text-align:left}th{background:#eef4f9}\
.code{font-family:'DejaVu Sans Mono',monospace;font-size:.9em;background:#f4f4f4;padding:0 .2em}\
ul.headline li{margin:.5em 0}figure{margin:2em 0}figcaption{font-weight:bold;margin-bottom:.5em}\
.chart svg{max-width:100%;height:auto}.methods{color:#333;font-size:.95em}";

/// The report of a comparison over plausible worlds: the robust statement
/// first, then each variant's effects as distributions over worlds.
fn worlds_report(dir: &Path, m: &experiment::Manifest) -> Result<String, Error> {
    use crate::experiment::uncertain;
    let robust = uncertain::read_effects(&dir.join(experiment::EFFECTS))?;
    let points = std::fs::read_to_string(dir.join(experiment::POINTS))
        .map_err(|e| Error::io(dir.join(experiment::POINTS), e))?;
    let paths: Vec<String> = points
        .lines()
        .next()
        .map(|h| table::split_csv(h).into_iter().skip(1).collect())
        .unwrap_or_default();
    let n_points = points.lines().count().saturating_sub(1);
    let mut h = page_head(&format!("pocsim: {}", m.scenario_name));
    let _ = writeln!(
        h,
        "<header><p class=\"kicker\">pocsim report · compare over {n_points} plausible worlds × {} replications</p>\n<h1>{}</h1></header>",
        m.runs,
        esc(&m.scenario_name)
    );
    let _ = writeln!(
        h,
        "<section><h2>What holds across plausible worlds</h2><ul class=\"headline\">"
    );
    for r in robust.iter().filter(|r| r.metric == "civilians_harmed") {
        let _ = writeln!(h, "<li>{}</li>", esc(&uncertain::sentence(r)));
    }
    let _ = writeln!(
        h,
        "</ul><p>A world is one set of values of the inputs the scenario declares uncertain ({}), drawn by a Latin hypercube from the seed. \
         At each world every variant ran the same {} replications as the baseline (common random numbers), so each world gives a paired effect; \
         the table shows how those effects spread over worlds: their mean with a 95% confidence interval, the range that holds in 90% of worlds, \
         the share of worlds where the variant does worse for civilians, and the shares where it does worse or better beyond the dice (the world's own paired 95% interval excludes zero).</p></section>",
        esc(&paths.join(", ")),
        m.runs
    );
    if let Ok(svg) = std::fs::read_to_string(dir.join("plots").join("worlds.svg")) {
        let _ = writeln!(
            h,
            "<section><h2>The effect in every world</h2>\n<figure>{}</figure></section>",
            svg.trim_start_matches(|c| c != '<')
        );
    }
    let _ = writeln!(
        h,
        "<section><h2>Effects across worlds</h2>\n<table><tr><th>variant</th><th>metric</th><th>mean difference (95% CI)</th><th>90% of worlds</th><th>median change</th><th>worse in</th><th>worse beyond the dice</th><th>better beyond the dice</th></tr>"
    );
    for r in robust
        .iter()
        .filter(|r| crate::experiment::text::HEADLINE.contains(&r.metric.as_str()))
    {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{} ({} to {})</td><td>{} to {}</td><td>{}</td><td>{:.0}%</td><td>{:.0}%</td><td>{:.0}%</td></tr>",
            esc(&r.variant),
            esc(&crate::outputs::plot::charts::pretty(&r.metric)),
            signed(r.mean_diff),
            signed(r.ci_low),
            signed(r.ci_high),
            signed(r.p5_diff),
            signed(r.p95_diff),
            if r.median_relative.is_finite() {
                format!("{:+.1}%", 100.0 * r.median_relative)
            } else {
                "–".into()
            },
            100.0 * r.share_worse,
            100.0 * r.share_clearly_worse,
            100.0 * r.share_clearly_better
        );
    }
    let _ = writeln!(
        h,
        "</table><p>\"Beyond the dice\": the world's own paired 95% interval excludes zero. Every metric is in <code>effects.csv</code>; the worlds are in <code>points.csv</code>; every run, with the values of its world, in <code>runs.csv</code>.</p></section>\n</body>\n</html>"
    );
    Ok(h)
}

/// Text with `code` spans, escaped.
fn code_spans(s: &str) -> String {
    esc(s)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<span class=\"code\">{part}</span>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

/// A CSV file of ours as rows of fields (header first).
fn read_rows(path: &Path) -> Result<Vec<Vec<String>>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(text.lines().map(table::split_csv).collect())
}

/// An inline SVG chart from `dir/plots`, if drawn.
fn figure(dir: &Path, name: &str, title: &str) -> String {
    match std::fs::read_to_string(dir.join("plots").join(format!("{name}.svg"))) {
        Ok(svg) => format!(
            "<section><h2>{}</h2>\n<figure>{}</figure></section>\n",
            esc(title),
            svg.trim_start_matches(|c| c != '<')
        ),
        Err(_) => String::new(),
    }
}

/// The page of a plan: the recommendation in words, the front, what each
/// lever buys, and the tables.
fn plan_report(dir: &Path, m: &experiment::Manifest) -> Result<String, Error> {
    use crate::planner::{FRONT, LEVERS, RECOMMENDATION};
    let mut h = page_head(&format!("pocsim plan: {}", m.scenario_name));
    let _ = writeln!(
        h,
        "<header><p class=\"kicker\">pocsim report · force-mix plan · {} candidates evaluated</p>\n<h1>{}</h1></header>",
        m.rows,
        esc(&m.scenario_name)
    );
    let path = dir.join(RECOMMENDATION);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    h.push_str("<section>\n");
    let mut in_list = false;
    for line in text.lines() {
        let line = line.trim_end();
        let bold = |x: &str| {
            code_spans(x)
                .split("**")
                .enumerate()
                .map(|(i, p)| {
                    if i % 2 == 1 {
                        format!("<strong>{p}</strong>")
                    } else {
                        p.to_string()
                    }
                })
                .collect::<String>()
        };
        if let Some(item) = line.strip_prefix("- ") {
            if !in_list {
                h.push_str("<ul>\n");
                in_list = true;
            }
            let _ = writeln!(h, "<li>{}</li>", bold(item));
            continue;
        }
        if in_list {
            h.push_str("</ul>\n");
            in_list = false;
        }
        if let Some(t) = line.strip_prefix("## ") {
            let _ = writeln!(h, "</section>\n<section><h2>{}</h2>", esc(t));
        } else if let Some(t) = line.strip_prefix("# ") {
            let _ = writeln!(h, "<h2>{}</h2>", esc(t));
        } else if !line.is_empty() {
            let _ = writeln!(h, "<p>{}</p>", bold(line));
        }
    }
    if in_list {
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
    h.push_str(&figure(dir, "plan-front", "Cost against protection"));
    h.push_str(&figure(dir, "plan-levers", "What each lever buys"));
    for (file, title) in [
        (FRONT, "The front (non-dominated candidates)"),
        (LEVERS, "Each lever one step from the recommendation"),
    ] {
        let rows = read_rows(&dir.join(file))?;
        if let Some(head) = rows.first() {
            let _ = writeln!(h, "<section><h2>{}</h2>\n<table><tr>", esc(title));
            for c in head {
                let _ = write!(h, "<th>{}</th>", esc(c));
            }
            let _ = writeln!(h, "</tr>");
            for r in rows.iter().skip(1) {
                h.push_str("<tr>");
                for c in r {
                    let shown = match table::parse_num(c) {
                        Some(x) if c.contains('.') => table::significant(x, 4),
                        _ => c.clone(),
                    };
                    let _ = write!(h, "<td>{}</td>", esc(&shown));
                }
                h.push_str("</tr>\n");
            }
            let _ = writeln!(
                h,
                "</table><p>Every candidate is in <code>plan.csv</code>.</p></section>"
            );
        }
    }
    let _ = writeln!(h, "</body>\n</html>");
    Ok(h)
}

/// The page of a sensitivity analysis or a calibration.
fn design_report(dir: &Path, m: &experiment::Manifest) -> Result<String, Error> {
    let a = m.analysis.as_ref().expect("a design");
    let mut h = page_head(&format!("pocsim: {}", m.scenario_name));
    let num_of = |s: &str| table::parse_num(s).unwrap_or(f64::NAN);
    if m.kind == experiment::RunKind::Sensitivity {
        let what = match &a.variant {
            Some(v) => format!(
                "the paired effect of `{}`",
                v.split_once(':').map_or(v.as_str(), |(n, _)| n)
            ),
            None => "the level of each metric".into(),
        };
        let _ = writeln!(
            h,
            "<header><p class=\"kicker\">pocsim report · {} sensitivity of {what} · {} evaluations × {} replications</p>\n<h1>{}</h1></header>",
            esc(&a.method),
            m.rows,
            m.runs,
            esc(&m.scenario_name)
        );
        let o = crate::sensitivity::read_outcome(dir, m)?;
        let _ = writeln!(
            h,
            "<section><h2>Which assumptions decide the answer</h2><ul class=\"headline\">"
        );
        for j in 0..o.metrics.len() {
            let _ = writeln!(
                h,
                "<li>{}</li>",
                code_spans(&crate::sensitivity::headline(&o, j))
            );
            for w in crate::sensitivity::noise_warnings(&o, j) {
                let _ = writeln!(
                    h,
                    "<li class=\"warn\"><strong>Warning:</strong> {}</li>",
                    esc(&w)
                );
            }
        }
        let _ = writeln!(
            h,
            "</ul><p>{} design points and {} one at a time; each runs the same {} replications (common random numbers across the whole design) and takes their mean{}. \
             Replication noise is averaged, not modelled: with few replications per point it inflates Morris' sigma and the Sobol total indices. \
             Morris ranks inputs by mu* (mean absolute elementary effect); the sign of mu says which way an input pushes, and sigma shows interactions or non-linearity. \
             Sobol's S1 is the share of the output's variance an input explains alone, ST the share it explains with its interactions.</p></section>",
            o.evaluations,
            1 + 2 * o.inputs.len(),
            m.runs,
            if a.variant.is_some() {
                " paired effect (variant minus baseline)"
            } else {
                ""
            }
        );
        h.push_str(&figure(dir, "morris", "Morris screening"));
        h.push_str(&figure(dir, "sobol", "Sobol indices"));
        let _ = writeln!(
            h,
            "<section><p>The tornado below moves one input at a time from its 5% to its 95% quantile, the others as the file has them. \
             Each bar is one evaluation of {} replications, so with few replications its bars carry the dice as well as the input; the indices above average over the whole design.</p></section>",
            m.runs
        );
        h.push_str(&figure(dir, "tornado", "One input at a time"));
        let sens = read_rows(&dir.join("sensitivity.csv"))?;
        if let Some(head) = sens.first() {
            let _ = writeln!(h, "<section><h2>The indices</h2>\n<table><tr>");
            for c in head {
                let _ = write!(h, "<th>{}</th>", esc(c));
            }
            let _ = writeln!(h, "</tr>");
            for r in sens.iter().skip(1) {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td class=\"code\">{}</td>",
                    esc(&r[0]),
                    esc(&r[1])
                );
                for c in &r[2..] {
                    let _ = write!(h, "<td>{}</td>", num(num_of(c)));
                }
                let _ = writeln!(h, "</tr>");
            }
            let _ = writeln!(
                h,
                "</table><p>Column names are SALib's; <code>design.csv</code> holds every point and its output, so SALib or R can re-analyse them.</p></section>"
            );
        }
    } else {
        let _ = writeln!(
            h,
            "<header><p class=\"kicker\">pocsim report · calibration ({}) · {} prior points × {} replications</p>\n<h1>{}</h1></header>",
            esc(&a.method),
            m.rows,
            m.runs,
            esc(&m.scenario_name)
        );
        let post = read_rows(&dir.join("posterior.csv"))?;
        let _ = writeln!(
            h,
            "<section><h2>What the public figures say about the assumptions</h2><p>Each prior point (a Latin hypercube over the declared uncertain inputs) ran {} replications; \
             its distance is the root mean square of how far each target falls outside its public range, in half-ranges (0 when all are inside); points equally far are ordered by their errors from the public values. \
             The {} closest points ({:.0}%) are the posterior, equally weighted; <code>compare --posterior {}/posterior.csv</code> runs variants over them.</p></section>",
            m.runs,
            post.len().saturating_sub(1),
            100.0 * a.accept.unwrap_or(0.0),
            esc(&dir.display().to_string())
        );
        h.push_str(&figure(dir, "prior-posterior", "Prior and posterior"));
        let t = read_rows(&dir.join("targets.csv"))?;
        let _ = writeln!(
            h,
            "<section><h2>The targets reproduced</h2>\n<table><tr><th>target</th><th>public value</th><th>public range</th><th>prior (5-95%)</th><th>posterior (5-95%)</th><th>kept points inside the range</th></tr>"
        );
        for r in t.iter().skip(1).filter(|r| r.len() == 11) {
            let share = num_of(&r[10]);
            let _ = writeln!(
                h,
                "<tr{}><td class=\"code\">{}</td><td>{}</td><td>{} to {}</td><td>{} ({} to {})</td><td>{} ({} to {})</td><td>{:.0}%</td></tr>",
                if share < 0.5 { " class=\"warn\"" } else { "" },
                esc(&r[0]),
                num(num_of(&r[1])),
                num(num_of(&r[2])),
                num(num_of(&r[3])),
                num(num_of(&r[4])),
                num(num_of(&r[5])),
                num(num_of(&r[6])),
                num(num_of(&r[7])),
                num(num_of(&r[8])),
                num(num_of(&r[9])),
                100.0 * share
            );
        }
        let _ = writeln!(h, "</table></section>");
    }
    let _ = writeln!(h, "</body>\n</html>");
    Ok(h)
}
