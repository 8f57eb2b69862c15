//! Short human summaries of an experiment for the terminal.

use super::table::{Effect, Stats};

/// Metrics shown on the terminal when the user names none.
pub const HEADLINE: [&str; 8] = [
    "civilians_harmed",
    "civilians_killed",
    "incidents_prevented",
    "response_time_p90_h",
    "attacks_responded_share",
    "responses_blocked_by_caveats",
    "crsv_reported",
    "complicity_events",
];

fn chosen(selected: &[String]) -> Vec<String> {
    if selected.is_empty() {
        HEADLINE.iter().map(|s| s.to_string()).collect()
    } else {
        selected.to_vec()
    }
}

fn f(x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

fn signed(x: f64) -> String {
    if x.is_finite() && x >= 0.0 {
        format!("+{}", f(x))
    } else {
        f(x)
    }
}

/// The effects table, largest relative change first.
pub fn render_effects(effects: &[Effect], selected: &[String]) -> String {
    let metrics = chosen(selected);
    let mut rows: Vec<&Effect> = effects
        .iter()
        .filter(|e| metrics.contains(&e.metric))
        .collect();
    rows.sort_by(|a, b| {
        let ra = if a.p.relative.is_finite() {
            a.p.relative.abs()
        } else {
            0.0
        };
        let rb = if b.p.relative.is_finite() {
            b.p.relative.abs()
        } else {
            0.0
        };
        rb.total_cmp(&ra)
            .then(a.variant.cmp(&b.variant))
            .then(a.metric.cmp(&b.metric))
    });
    let n = effects.first().map_or(0, |e| e.p.n);
    let mut s = format!(
        "Effects against the baseline (paired over {n} replications, 95% confidence intervals)\n\n"
    );
    s.push_str(&format!(
        "{:<20} {:<31} {:>9} {:>9} {:>28} {:>8} {:>9}\n",
        "variant", "metric", "baseline", "variant", "difference (95% CI)", "change", "better in"
    ));
    for e in rows {
        let p = &e.p;
        let ci = format!(
            "{} ({} to {})",
            signed(p.mean_diff),
            signed(p.ci_low),
            signed(p.ci_high)
        );
        let rel = if p.relative.is_finite() {
            format!("{:+.1}%", 100.0 * p.relative)
        } else {
            "-".into()
        };
        let better = if p.share_better.is_finite() {
            format!("{:.0}%", 100.0 * p.share_better)
        } else {
            "-".into()
        };
        s.push_str(&format!(
            "{:<20} {:<31} {:>9} {:>9} {:>28} {:>8} {:>9}\n",
            e.variant,
            e.metric,
            f(p.baseline_mean),
            f(p.variant_mean),
            ci,
            rel,
            better
        ));
    }
    s
}

/// Means with 95% CIs per variant (for sweeps).
pub fn render_summary(st: &Stats, selected: &[String]) -> String {
    let metrics = chosen(selected);
    let mut s = String::new();
    for m in metrics.iter().take(4) {
        let Some(mi) = st.metrics.iter().position(|x| x == m) else {
            continue;
        };
        s.push_str(&format!("{m} (mean, 95% CI)\n"));
        for (vi, name) in st.variants.iter().enumerate() {
            let d = &st.describe[vi][mi];
            s.push_str(&format!(
                "  {:<40} {:>9}  ({} to {})  n={}\n",
                name,
                f(d.mean),
                f(d.ci_low),
                f(d.ci_high),
                d.n
            ));
        }
        s.push('\n');
    }
    s
}

/// Effects across plausible worlds: the robust statement first, then the table.
pub fn render_robust(
    rs: &[super::uncertain::Robust],
    selected: &[String],
    points: usize,
) -> String {
    let metrics = chosen(selected);
    let rows: Vec<&super::uncertain::Robust> =
        rs.iter().filter(|r| metrics.contains(&r.metric)).collect();
    let mut s = format!("Effects across {points} plausible worlds (paired at each world)\n\n");
    for r in rows.iter().filter(|r| r.metric == "civilians_harmed") {
        s.push_str(&format!("  {}\n", super::uncertain::sentence(r)));
    }
    s.push_str(&format!(
        "\n{:<20} {:<31} {:>26} {:>22} {:>8}\n",
        "variant", "metric", "mean difference (95% CI)", "90% of worlds", "worse in"
    ));
    for r in rows {
        s.push_str(&format!(
            "{:<20} {:<31} {:>26} {:>22} {:>7.0}%\n",
            r.variant,
            r.metric,
            format!(
                "{} ({} to {})",
                signed(r.mean_diff),
                signed(r.ci_low),
                signed(r.ci_high)
            ),
            format!("{} to {}", signed(r.p5_diff), signed(r.p95_diff)),
            100.0 * r.share_worse
        ));
    }
    s
}
