//! A generated family of scenarios for benchmarks and scaling tests.
//!
//! `mission(sites, units, days)` lays sites on a square grid 15 km apart joined
//! by roads, spreads threats over them, and deploys `units` dispatchable units
//! (FPUs, IPO teams, military) with host police at every other site. The
//! behavioural parameters are the tutorial's, so the family differs from a
//! shipped scenario only in size.

use std::fmt::Write as _;

const TUTORIAL: &str = include_str!("../scenarios/tutorial.toml");

/// The text of `TUTORIAL` from the line starting with `from` up to (not
/// including) the line starting with `to`.
fn section(from: &str, to: &str) -> &'static str {
    let a = TUTORIAL.find(&format!("\n{from}")).map_or(0, |i| i + 1);
    let b = TUTORIAL[a..]
        .find(&format!("\n{to}"))
        .map_or(TUTORIAL.len(), |i| a + i + 1);
    &TUTORIAL[a..b]
}

/// A scenario with `sites` sites, `units` dispatchable units and `days` days.
pub fn mission(sites: usize, units: usize, days: f64) -> String {
    let sites = sites.max(1);
    let side = (sites as f64).sqrt().ceil() as usize;
    let mut s = String::new();
    let _ = write!(
        s,
        "[scenario]\nname = \"Generated mission: {sites} sites, {units} units, {days} days\"\n\n[clock]\nhorizon_days = {days}\n\n[geography.speed_kmh]\npaved = 50\nunpaved = 25\ntrack = 12\nfoot = 4\n\n"
    );
    for i in 0..sites {
        let (x, y) = ((i % side) as f64 * 15.0, (i / side) as f64 * 15.0);
        let kind = match i % 7 {
            3 => "idp_camp",
            5 => "village",
            0 => "town",
            _ => "village",
        };
        let pop = 2000 + (i * 7919) % 30000;
        let _ = write!(
            s,
            "[[geography.sites]]\nid = \"s{i}\"\nkind = \"{kind}\"\nx_km = {x}\ny_km = {y}\npopulation = {pop}\ncomms = {:.2}\n\n",
            0.3 + 0.7 * ((i * 37) % 10) as f64 / 10.0
        );
    }
    for i in 0..sites {
        let (c, r) = (i % side, i / side);
        if c + 1 < side && i + 1 < sites {
            let _ = write!(
                s,
                "[[geography.roads]]\nfrom = \"s{i}\"\nto = \"s{}\"\nlength_km = 16\nsurface = \"{}\"\n\n",
                i + 1,
                if r % 2 == 0 { "paved" } else { "unpaved" }
            );
        }
        if i + side < sites {
            let _ = write!(
                s,
                "[[geography.roads]]\nfrom = \"s{i}\"\nto = \"s{}\"\nlength_km = 18\nsurface = \"unpaved\"\n\n",
                i + side
            );
        }
    }
    let base = |k: usize| (k * 7) % sites;
    for k in 0..units {
        match k % 5 {
            0 | 1 => {
                let _ = write!(
                    s,
                    "[[forces.fpus]]\nid = \"fpu{k}\"\nofficers = 140\nplatoons = 4\nvehicles = 12\nvehicles_per_platoon = 3\nwomen_share = 0.14\nbase = \"s{}\"\nreadiness_h = 0.5\n\n",
                    base(k)
                );
            }
            2 | 3 => {
                let _ = write!(
                    s,
                    "[[forces.ipo_teams]]\nid = \"ipo{k}\"\nofficers = 8\nwomen_share = 0.1\nsite = \"s{}\"\nvehicles = 2\nreadiness_h = 0.5\ncrsv_trained = true\n\n",
                    base(k)
                );
            }
            _ => {
                let _ = write!(
                    s,
                    "[[forces.military]]\nid = \"mil{k}\"\nbase = \"s{}\"\nstrength = 150\nreadiness_h = 1.0\ncoordination_delay_h = 1.0\n\n",
                    base(k)
                );
            }
        }
    }
    for i in (0..sites).step_by(2) {
        let _ = write!(
            s,
            "[[forces.host_police]]\nsite = \"s{i}\"\nofficers = 40\ncapacity = 0.3\nintegrity = 0.6\nreadiness_h = 1.0\n\n"
        );
    }
    s.push_str(section("[threat_kinds.armed_attack]", "[[threats]]"));
    let all: Vec<String> = (0..sites).map(|i| format!("\"s{i}\"")).collect();
    let camps: Vec<String> = (0..sites)
        .filter(|i| i % 7 == 3)
        .map(|i| format!("\"s{i}\""))
        .collect();
    let _ = write!(
        s,
        "\n[[threats]]\nkind = \"criminal_violence\"\nsites = [{}]\nrate_per_day = 0.15\n\n",
        all.join(", ")
    );
    let _ = write!(
        s,
        "[[threats]]\nkind = \"armed_attack\"\nsites = [{}]\nrate_per_day = 0.01\n\n",
        all.join(", ")
    );
    let _ = write!(
        s,
        "[[threats]]\nkind = \"public_disorder\"\nsites = [{}]\nrate_per_day = 0.02\n\n",
        all.join(", ")
    );
    if !camps.is_empty() {
        let _ = write!(
            s,
            "[[threats]]\nkind = \"crsv\"\nsites = [{}]\nrate_per_day = 0.05\nscales_with_crowding = true\n\n",
            camps.join(", ")
        );
    }
    s.push_str(section("[effectiveness]", "# ---- Mandate"));
    s.push_str("\n[mandate]\nauthority = \"utm\"\nhrddp = \"conditional\"\njustice_capacity_per_week = 5\nresponse_target_h = 2\narrest_prob = 0.4\n\n[mandate.patrol]\ndoctrine = \"hot_spot\"\npatrols_per_fpu_day = 2\nduration_h = 4\n\n");
    s.push_str(section("[presence]", "[escorts]"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_scenarios_are_valid() {
        for (n, u, d) in [(1, 1, 1.0), (50, 30, 180.0), (200, 120, 30.0)] {
            let text = mission(n, u, d);
            crate::scenario::load_scenario_str(&text, "generated", &[])
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
        }
    }
}
