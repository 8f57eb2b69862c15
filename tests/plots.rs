//! Charts and the report: they render for edge cases, the PNGs decode at the
//! expected size, the SVGs and the report are well-formed, a failed drawing
//! leaves good files alone, and the report loads in a real headless browser.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const T: &str = "scenarios/tutorial.toml";

fn pocsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("pocsim runs")
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pocsim-plots-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every chart in DIR/plots: PNG decodes at its size, SVG parses as XML.
fn check_plots(d: &Path, expected: &[&str]) {
    let plots = d.join("plots");
    for name in expected {
        let png = std::fs::read(plots.join(format!("{name}.png")))
            .unwrap_or_else(|e| panic!("{name}.png: {e}"));
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder
            .read_info()
            .unwrap_or_else(|e| panic!("{name}.png does not decode: {e}"));
        let info = reader.info();
        assert!(
            info.width >= 600 && info.height >= 400,
            "{name}.png is {}x{}",
            info.width,
            info.height
        );
        let svg = std::fs::read_to_string(plots.join(format!("{name}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{name}.svg is not well-formed: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert_eq!(
            doc.root_element()
                .attribute("width")
                .map(|w| w.parse::<u32>().unwrap()),
            Some(info.width),
            "{name}: SVG and PNG sizes agree"
        );
        // Not a blank picture: text was drawn.
        assert!(
            doc.descendants().any(|n| n.has_tag_name("text")),
            "{name}.svg has no text"
        );
    }
}

#[test]
fn a_comparison_draws_every_chart_and_a_well_formed_report() {
    let d = dir("compare");
    ok(&pocsim(&[
        "compare",
        T,
        "--variant",
        "approval:forces.fpus[0].caveats.approval_required=true",
        "--variant",
        "no-split:forces.fpus[0].caveats.no_split=true",
        "--runs",
        "30",
        "--out",
        d.to_str().unwrap(),
        "--quiet",
    ]));
    check_plots(
        &d,
        &[
            "effects",
            "distributions",
            "timeseries",
            "response_cdf",
            "map",
            "activity",
        ],
    );
    ok(&pocsim(&["report", d.to_str().unwrap()]));
    let html = std::fs::read_to_string(d.join("report.html")).unwrap();
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("report.html is not well-formed: {e}"));
    assert!(doc.descendants().filter(|n| n.has_tag_name("svg")).count() >= 6);
    for forbidden in ["<script", "http://", "https://", "@import", "<link"] {
        let hits: Vec<_> = html
            .match_indices(forbidden)
            .map(|(i, _)| &html[i.saturating_sub(40)..(i + 60).min(html.len())])
            .collect();
        // SVG namespaces are identifiers, not fetched resources.
        let hits: Vec<_> = hits
            .into_iter()
            .filter(|h| !h.contains("www.w3.org"))
            .collect();
        assert!(
            hits.is_empty(),
            "report.html must be self-contained: {hits:?}"
        );
    }
    assert!(html.contains("civilians harmed"));
    assert!(html.contains("Methods"));
    common::browser_check(&d.join("report.html"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn edge_cases_render() {
    // One replication, a sweep of one point, a metric zero everywhere (no complicity here).
    let d = dir("one");
    ok(&pocsim(&[
        "sweep",
        T,
        "--grid",
        "forces.fpus[0].count=1",
        "--runs",
        "1",
        "--out",
        d.to_str().unwrap(),
        "--quiet",
    ]));
    check_plots(
        &d,
        &[
            "distributions",
            "timeseries",
            "response_cdf",
            "map",
            "activity",
            "sweep",
            "pareto",
        ],
    );
    ok(&pocsim(&["report", d.to_str().unwrap()]));
    // A comparison with one variant besides the baseline, one replication, no responses at all.
    let d2 = dir("none");
    ok(&pocsim(&[
        "compare",
        T,
        "--set",
        "forces.fpus[0].count=0",
        "--set",
        "forces.ipo_teams[0].count=0",
        "--set",
        "forces.host_police[0].officers=0",
        "--variant",
        "same:forces.fpus[0].vehicles=12",
        "--runs",
        "1",
        "--out",
        d2.to_str().unwrap(),
        "--quiet",
    ]));
    check_plots(
        &d2,
        &[
            "effects",
            "distributions",
            "timeseries",
            "response_cdf",
            "map",
            "activity",
        ],
    );
    // Two factors: a heatmap.
    let d3 = dir("heat");
    ok(&pocsim(&[
        "sweep",
        T,
        "--grid",
        "forces.fpus[0].count=0,1",
        "--grid",
        "mandate.hrddp=support,suspend",
        "--runs",
        "3",
        "--out",
        d3.to_str().unwrap(),
        "--quiet",
    ]));
    check_plots(&d3, &["sweep", "pareto"]);
    // One run.
    let d4 = dir("run");
    ok(&pocsim(&[
        "run",
        T,
        "--out",
        d4.to_str().unwrap(),
        "--plots",
    ]));
    check_plots(&d4, &["timeseries", "response_cdf", "map"]);
    for x in [d, d2, d3, d4] {
        let _ = std::fs::remove_dir_all(x);
    }
}

#[test]
fn a_failed_drawing_leaves_good_files_alone() {
    use pocsim::outputs::plot::{Rendered, write_all};
    let d = dir("keep");
    let good = Rendered {
        name: "chart".into(),
        title: "t".into(),
        svg: "<svg width=\"1\"/>".into(),
        png: vec![1, 2, 3],
        width: 1,
        height: 1,
    };
    write_all(&d, &[good]).unwrap();
    fn broken<DB: plotters::prelude::DrawingBackend>(
        _: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
        _: &(),
    ) -> Result<(), String> {
        Err("no data".into())
    }
    let r: Result<Rendered, String> = pocsim::render_chart!("chart", "t", (100, 100), broken, &());
    assert!(r.is_err());
    assert_eq!(std::fs::read(d.join("plots").join("chart.png")).ok(), None);
    assert_eq!(std::fs::read(d.join("chart.png")).unwrap(), vec![1, 2, 3]);
    let _ = std::fs::remove_dir_all(&d);
}
