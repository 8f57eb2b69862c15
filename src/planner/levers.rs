//! The levers file: what a planner controls, what it costs, and how a
//! deployment's cost in dollars a year is computed.
//!
//! ```toml
//! [cost]
//! person_month_usd = 1428       # reimbursement per person per month
//! vehicle_year_usd = 20000      # per vehicle per year (an assumption)
//!
//! [[lever]]
//! path = "forces.fpus[fpu-a].count"
//! min = 0
//! max = 3
//!
//! [[lever]]
//! path = "forces.fpus[fpu-a].caveats.approval_required"
//! choices = [true, false]
//! choice_cost_usd = [0, 250000] # negotiating the waiver away
//! ```
//!
//! A lever takes a range (`min`, `max`, `step`) or a list of `choices`
//! (numbers, booleans or site ids); `unit_cost_usd` adds that much a year per
//! unit of a numeric lever's value, `choice_cost_usd` a cost per choice.

use crate::error::{Error, Located};
use crate::model::Model;
use crate::scenario::{Override, load_scenario_str};
use serde::Deserialize;
use std::path::Path;

/// The levers file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    cost: CostFile,
    #[serde(default)]
    lever: Vec<LeverFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CostFile {
    person_month_usd: f64,
    /// Individual police officers are paid by the UN (mission subsistence
    /// allowance), not reimbursed at the contingent rate: their own rate.
    #[serde(default)]
    ipo_person_month_usd: Option<f64>,
    #[serde(default)]
    vehicle_year_usd: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeverFile {
    path: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    step: Option<f64>,
    #[serde(default)]
    choices: Option<Vec<toml::Value>>,
    #[serde(default)]
    unit_cost_usd: f64,
    #[serde(default)]
    choice_cost_usd: Option<Vec<f64>>,
}

/// Prices of the deployment (US$).
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    pub person_month_usd: f64,
    /// Individual police officers' cost per person-month (default: the contingent rate).
    pub ipo_person_month_usd: f64,
    pub vehicle_year_usd: f64,
}

/// One lever: a `--set` path and the values it may take, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Lever {
    pub path: String,
    /// A short name for tables and charts (the path's last parts by default).
    pub name: String,
    /// Values as `--set` takes them.
    pub values: Vec<String>,
    /// Whether the values are ordered numbers (a step moves to a neighbour).
    pub ordinal: bool,
    /// Extra cost a year of each value.
    pub extra_usd: Vec<f64>,
}

impl Lever {
    /// A yes/no lever, such as a caveat kept or waived.
    pub fn is_yes_no(&self) -> bool {
        self.values.len() == 2 && self.values.iter().all(|v| v == "true" || v == "false")
    }
}

/// What the planner controls and what it costs.
#[derive(Debug, Clone, PartialEq)]
pub struct Levers {
    pub prices: Prices,
    pub levers: Vec<Lever>,
}

impl Levers {
    /// How many deployments the levers span.
    pub fn space(&self) -> f64 {
        self.levers.iter().map(|l| l.values.len() as f64).product()
    }

    /// The overrides that set a candidate (one value index per lever).
    pub fn overrides(&self, genes: &[usize]) -> Vec<Override> {
        self.levers
            .iter()
            .zip(genes)
            .map(|(l, &g)| {
                Override::parse(&format!("{}={}", l.path, l.values[g])).expect("checked on reading")
            })
            .collect()
    }

    /// The lever costs of a candidate (beyond personnel and vehicles).
    pub fn extra_usd(&self, genes: &[usize]) -> f64 {
        self.levers
            .iter()
            .zip(genes)
            .map(|(l, &g)| l.extra_usd[g])
            .sum()
    }
}

/// A deployment's cost a year: UN police personnel (person-days over the
/// horizon, as persons on average) at the reimbursement rate, their vehicles,
/// and the levers' own costs.
pub fn cost_usd_per_year(model: &Model, prices: &Prices, extra_usd: f64) -> f64 {
    let days = (model.horizon_h / 24.0).max(1e-9);
    let mut personnel = 0.0;
    let mut vehicles = 0.0;
    for u in model.units.iter().filter(|u| u.kind.is_un_police()) {
        let from = u.arrive_h.min(model.horizon_h);
        let to = u.withdraw_h.min(model.horizon_h);
        // Persons on average over the horizon, at their kind's monthly rate.
        let persons = f64::from(u.officers) * (to - from).max(0.0) / 24.0 / days;
        let rate = if u.kind == crate::model::UnitKind::Ipo {
            prices.ipo_person_month_usd
        } else {
            prices.person_month_usd
        };
        personnel += persons * 12.0 * rate;
        vehicles += f64::from(u.vehicles);
    }
    personnel + vehicles * prices.vehicle_year_usd + extra_usd
}

/// Reads and checks a levers file against the scenario (`text`, already
/// loaded with `base` overrides): every path must exist and every value keep
/// the scenario valid. Every problem is reported, located in the levers file.
pub fn read(
    path: &Path,
    scenario_text: &str,
    scenario_file: &str,
    base: &[Override],
) -> Result<Levers, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let file = path.display().to_string();
    let de = toml::Deserializer::parse(&text)
        .map_err(|e| crate::experiment::spec::located(&file, &text, None, &e))?;
    let f: File = serde_path_to_error::deserialize(de).map_err(|e| {
        let p = e.path().to_string();
        crate::experiment::spec::located(&file, &text, Some(p), e.inner())
    })?;
    let mut problems: Vec<Located> = Vec::new();
    let mut problem = |path: String, message: String| {
        problems.push(Located {
            file: file.clone(),
            line_col: crate::scenario::locate(&text, &path),
            path: Some(path),
            message,
        })
    };
    if !(f.cost.person_month_usd.is_finite() && f.cost.person_month_usd > 0.0) {
        problem(
            "cost.person_month_usd".into(),
            format!("expected a cost above 0, got {}", f.cost.person_month_usd),
        );
    }
    if let Some(x) = f.cost.ipo_person_month_usd
        && !(x.is_finite() && x > 0.0)
    {
        problem(
            "cost.ipo_person_month_usd".into(),
            format!("expected a cost above 0, got {x}"),
        );
    }
    if !(f.cost.vehicle_year_usd.is_finite() && f.cost.vehicle_year_usd >= 0.0) {
        problem(
            "cost.vehicle_year_usd".into(),
            format!(
                "expected a cost of 0 or more, got {}",
                f.cost.vehicle_year_usd
            ),
        );
    }
    if f.lever.is_empty() {
        problem("lever".into(), "expected at least one [[lever]]".into());
    }
    let mut levers = Vec::new();
    for (i, l) in f.lever.iter().enumerate() {
        let at = |field: &str| format!("lever[{i}].{field}");
        if levers.iter().any(|x: &Lever| x.path == l.path) {
            problem(at("path"), format!("`{}` is already a lever", l.path));
            continue;
        }
        let (values, ordinal): (Vec<String>, bool) = match (&l.choices, l.min, l.max) {
            (Some(c), None, None) => {
                if c.is_empty() {
                    problem(at("choices"), "expected at least one choice".into());
                    continue;
                }
                let numeric = c
                    .iter()
                    .all(|v| v.as_float().is_some() || v.as_integer().is_some());
                (c.iter().map(toml_text).collect(), numeric)
            }
            (None, Some(lo), Some(hi)) => {
                let step = l.step.unwrap_or(1.0);
                if !(lo.is_finite() && hi.is_finite()) || hi < lo {
                    problem(
                        at("max"),
                        format!("the range is empty: min {lo} is above max {hi}"),
                    );
                    continue;
                }
                if !(step.is_finite() && step > 0.0) {
                    problem(at("step"), format!("expected a step above 0, got {step}"));
                    continue;
                }
                let n = ((hi - lo) / step + 1e-9).floor() as usize + 1;
                if n > 1000 {
                    problem(
                        at("step"),
                        format!("{n} values: expected at most 1,000 (a larger step)"),
                    );
                    continue;
                }
                let integer = lo.fract() == 0.0 && step.fract() == 0.0;
                let vals = (0..n)
                    .map(|k| {
                        let x = lo + k as f64 * step;
                        if integer {
                            format!("{}", x as i64)
                        } else {
                            format!("{x}")
                        }
                    })
                    .collect();
                (vals, true)
            }
            _ => {
                problem(
                    at("path"),
                    "expected either `min` and `max` (with an optional `step`) or `choices`".into(),
                );
                continue;
            }
        };
        let extra_usd: Vec<f64> = match &l.choice_cost_usd {
            Some(c) if c.len() != values.len() => {
                problem(
                    at("choice_cost_usd"),
                    format!(
                        "expected one cost per choice ({}), got {}",
                        values.len(),
                        c.len()
                    ),
                );
                continue;
            }
            Some(c) => c.clone(),
            None => values
                .iter()
                .map(|v| l.unit_cost_usd * v.parse::<f64>().unwrap_or(0.0))
                .collect(),
        };
        if extra_usd.iter().any(|x| !x.is_finite()) || !l.unit_cost_usd.is_finite() {
            problem(at("unit_cost_usd"), "expected finite costs".into());
            continue;
        }
        // Every value must name a field that exists and keep the scenario valid.
        let mut bad = None;
        for v in [values.first(), values.last()].into_iter().flatten() {
            let ov = match Override::parse(&format!("{}={v}", l.path)) {
                Ok(o) => o,
                Err(e) => {
                    bad = Some(e);
                    break;
                }
            };
            let all: Vec<Override> = base.iter().cloned().chain([ov]).collect();
            if let Err(e) = load_scenario_str(scenario_text, scenario_file, &all) {
                bad = Some(format!("{} = {v}: {}", l.path, first_message(&e)));
                break;
            }
        }
        if let Some(e) = bad {
            problem(at("path"), e);
            continue;
        }
        let name = l.name.clone().unwrap_or_else(|| short_name(&l.path));
        levers.push(Lever {
            path: l.path.clone(),
            name,
            values,
            ordinal,
            extra_usd,
        });
    }
    if !problems.is_empty() {
        return Err(Error::Input(problems));
    }
    Ok(Levers {
        prices: Prices {
            person_month_usd: f.cost.person_month_usd,
            ipo_person_month_usd: f
                .cost
                .ipo_person_month_usd
                .unwrap_or(f.cost.person_month_usd),
            vehicle_year_usd: f.cost.vehicle_year_usd,
        },
        levers,
    })
}

/// The first message of an error, on one line.
fn first_message(e: &Error) -> String {
    match e {
        Error::Input(v) => v
            .first()
            .map(|l| match &l.path {
                Some(p) => format!("{p}: {}", l.message),
                None => l.message.clone(),
            })
            .unwrap_or_default(),
        Error::Usage(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A TOML value as `--set` takes it.
fn toml_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// `forces.fpus[fpu-a].caveats.approval_required` -> `fpu-a approval_required`.
fn short_name(path: &str) -> String {
    let ids: Vec<&str> = path
        .split('[')
        .skip(1)
        .filter_map(|x| x.split(']').next())
        .collect();
    let last = path.rsplit('.').next().unwrap_or(path);
    match ids.last() {
        Some(id) if !last.contains('[') => format!("{id} {last}"),
        _ => last.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_keep_the_unit_and_the_field() {
        assert_eq!(short_name("forces.fpus[fpu-a].count"), "fpu-a count");
        assert_eq!(
            short_name("forces.fpus[fpu-a].caveats.approval_required"),
            "fpu-a approval_required"
        );
        assert_eq!(short_name("clock.horizon_days"), "horizon_days");
    }
}
