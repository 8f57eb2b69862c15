//! Reading a scenario: file, overrides, parsing with located errors, validation.

use super::locate::{line_col, locate};
use super::overrides::{Override, apply};
use super::types::Scenario;
use super::validate::validate;
use crate::error::{Error, Located};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::Path;
use toml_edit::DocumentMut;

/// A validated scenario with the text it came from.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    pub scenario: Scenario,
    /// The file name as given (used in messages and provenance).
    pub file: String,
    /// The document after overrides: what was actually simulated.
    pub source: String,
    /// SHA-256 of `source`, hex: identifies the simulated scenario.
    pub hash: String,
    /// The overrides applied, in order, as `PATH=VALUE`.
    pub overrides: Vec<String>,
}

/// Loads, overrides and validates a scenario file.
pub fn load_scenario(path: &Path, overrides: &[Override]) -> Result<LoadedScenario, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    load_scenario_str(&text, &path.display().to_string(), overrides)
}

/// As [`load_scenario`], from text; `file` names it in messages.
pub fn load_scenario_str(
    text: &str,
    file: &str,
    overrides: &[Override],
) -> Result<LoadedScenario, Error> {
    let source = if overrides.is_empty() {
        text.to_string()
    } else {
        let mut doc: DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| syntax_error(file, text, &e))?;
        for ov in overrides {
            apply(&mut doc, ov).map_err(Error::Usage)?;
        }
        doc.to_string()
    };
    let scenario = parse(&source, file, overrides)?;
    let problems = validate(&scenario);
    if !problems.is_empty() {
        return Err(Error::Input(
            problems
                .into_iter()
                .map(|p| Located {
                    file: file.to_string(),
                    line_col: locate(&source, &p.path),
                    path: Some(p.path),
                    message: p.message,
                })
                .collect(),
        ));
    }
    // The declarations are checked on the file as written; the points that
    // experiments draw from them are inside what that check covered.
    if overrides.is_empty() {
        check_uncertain(&scenario, &source, text, file)?;
    }
    let hash = hex(&Sha256::digest(source.as_bytes()));
    Ok(LoadedScenario {
        scenario,
        file: file.to_string(),
        source,
        hash,
        overrides: overrides
            .iter()
            .map(|o| format!("{}={}", o.path, o.value_text))
            .collect(),
    })
}

fn parse(source: &str, file: &str, overrides: &[Override]) -> Result<Scenario, Error> {
    parse_once(source, file, overrides)
        .map_err(|first| more_problems(source, file, overrides, first))
}

/// After the first bad value, the file's other problems, as a compiler
/// reports them: the bad value is taken out and the rest parsed again (up to
/// 25 times); when the rest parses, its semantic checks run too, except on
/// what was taken out. A problem that only the removal caused (a required
/// field now missing) ends the search.
fn more_problems(source: &str, file: &str, overrides: &[Override], first: Located) -> Error {
    let mut found = vec![first];
    let Ok(mut doc) = source.parse::<DocumentMut>() else {
        return Error::Input(found);
    };
    let mut removed: Vec<String> = Vec::new();
    for _ in 0..25 {
        let Some(path) = found.last().and_then(|l| l.path.clone()) else {
            break;
        };
        // A stand-in of the type the field expects keeps a required field
        // present; otherwise the value is taken out.
        let message = found.last().map(|l| l.message.clone()).unwrap_or_default();
        let stand_in = stand_in_for(&message)
            .and_then(|v| Override::parse(&format!("{path}={v}")).ok())
            .is_some_and(|ov| crate::scenario::overrides::apply(&mut doc, &ov).is_ok());
        if !stand_in && !crate::scenario::overrides::remove(&mut doc, &path) {
            break;
        }
        removed.push(path);
        let text = doc.to_string();
        match parse_once(&text, file, overrides) {
            Ok(scenario) => {
                // Checks of the entry a stand-in or removal touched would
                // judge the stand-in, not the file: they are left out.
                let touched: Vec<&str> = removed
                    .iter()
                    .map(|r| r.rsplit_once('.').map_or(r.as_str(), |(parent, _)| parent))
                    .collect();
                for p in validate(&scenario) {
                    if touched
                        .iter()
                        .any(|t| p.path == *t || p.path.starts_with(&format!("{t}.")))
                    {
                        continue;
                    }
                    found.push(Located {
                        file: file.to_string(),
                        line_col: locate(source, &p.path),
                        path: Some(p.path),
                        message: p.message,
                    });
                }
                break;
            }
            Err(mut next) => {
                // A required field the removal took away, named under its table.
                let missing = next
                    .message
                    .strip_prefix("missing field `")
                    .and_then(|m| m.split('`').next())
                    .map(|f| match &next.path {
                        Some(p) => format!("{p}.{f}"),
                        None => f.to_string(),
                    });
                let caused = missing.is_some_and(|m| removed.contains(&m))
                    || next.path.as_ref().is_some_and(|p| removed.contains(p));
                if caused {
                    break;
                }
                // Lines and columns of the file as written.
                next.line_col = next
                    .path
                    .as_deref()
                    .and_then(|p| locate(source, p))
                    .or(next.line_col);
                found.push(next);
            }
        }
    }
    Error::Input(found)
}

/// A value of the type an "expected ..." message asks for, in TOML.
fn stand_in_for(message: &str) -> Option<&'static str> {
    let expected = message.rsplit("expected ").next()?;
    let t = expected.split([' ', ',', ')']).next().unwrap_or("");
    Some(match t {
        "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" => "1",
        "f32" | "f64" => "1.0",
        "a" if expected.starts_with("a boolean") => "false",
        "a" if expected.starts_with("a string") => "\"\"",
        _ => return None,
    })
}

fn parse_once(source: &str, file: &str, overrides: &[Override]) -> Result<Scenario, Located> {
    let de = toml::Deserializer::parse(source).map_err(|e| toml_error(file, source, None, &e))?;
    serde_path_to_error::deserialize::<_, Scenario>(de).map_err(|e| {
        let path = e.path().to_string();
        let path = (path != "." && !path.is_empty()).then_some(path);
        let mut loc = toml_error(file, source, path.clone(), e.inner());
        // Name the override that brought the bad value or field in (from
        // --set, a variant, or a drawn point).
        if let Some(p) = &path
            && let Some(ov) = overrides.iter().find(|o| {
                o.path == *p
                    || o.path.starts_with(&format!("{p}."))
                    || o.path.starts_with(&format!("{p}["))
            })
        {
            loc.message = format!(
                "{} (set by the override {}={})",
                loc.message, ov.path, ov.value_text
            );
        }
        loc
    })
}

fn toml_error(file: &str, source: &str, path: Option<String>, e: &toml::de::Error) -> Located {
    let message = tidy(e.message());
    // A missing field has no span of its own: point at the table that lacks it.
    let line_col = if message.starts_with("missing field") {
        path.as_deref().and_then(|p| locate(source, p))
    } else {
        None
    }
    .or_else(|| e.span().map(|s| line_col(source, s.start)));
    Located {
        file: file.to_string(),
        line_col,
        path,
        message,
    }
}

fn syntax_error(file: &str, source: &str, e: &toml_edit::TomlError) -> Error {
    Error::Input(vec![Located {
        file: file.to_string(),
        line_col: e.span().map(|s| line_col(source, s.start)),
        path: None,
        message: tidy(e.message()),
    }])
}

/// One line, no trailing full stop: messages are embedded in ours.
fn tidy(m: &str) -> String {
    m.trim()
        .replace('\n', " ")
        .trim_end_matches('.')
        .to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every declared uncertain input names a path that `--set` accepts, and the
/// values its distribution can draw (its extreme quantiles, or each choice)
/// keep the scenario valid.
fn check_uncertain(
    scenario: &Scenario,
    source: &str,
    original: &str,
    file: &str,
) -> Result<(), Error> {
    // One parse of the scenario for every lookup and probe below (each probe
    // edits a copy), rather than one each; the declarations are checked in
    // parallel (each probe parses and checks a whole scenario), their
    // problems kept in the file's order.
    let parsed: Option<DocumentMut> = if scenario.uncertainty.is_empty() {
        None
    } else {
        source.parse().ok()
    };
    let problems: Vec<(String, String)> = scenario
        .uncertainty
        .par_iter()
        .enumerate()
        .filter_map(|(i, u)| uncertain_problem(i, u, parsed.as_ref(), original, file))
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::Input(
        problems
            .into_iter()
            .map(|(path, message)| Located {
                file: file.to_string(),
                line_col: locate(source, &path),
                path: Some(path),
                message,
            })
            .collect(),
    ))
}

/// The problem, if any, with uncertainty declaration `i`: its path is not a
/// value of the scenario, or drawing one of its extremes (`Uncertain::probes`)
/// makes the scenario invalid.
fn uncertain_problem(
    i: usize,
    u: &super::Uncertain,
    parsed: Option<&DocumentMut>,
    original: &str,
    file: &str,
) -> Option<(String, String)> {
    let at = format!("uncertainty[{i}]");
    let value = parsed.and_then(|d| super::value_in(d.as_table(), &u.path));
    let integer = value.as_ref().is_some_and(|v| v.parse::<i64>().is_ok());
    if value.is_none() {
        // An override replaced the table that held it: not drawn here.
        if super::value_at(original, &u.path).is_some() {
            return None;
        }
        return Some((
            format!("{at}.path"),
            format!(
                "`{}` is not a value of this scenario (expected a path that --set accepts, e.g. tension.amplitude)",
                u.path
            ),
        ));
    }
    for (k, v) in u.probes().into_iter().enumerate() {
        let text = v.text(integer);
        let ov = match Override::parse(&format!("{}={text}", u.path)) {
            Ok(o) => o,
            Err(e) => return Some((format!("{at}.path"), e)),
        };
        let mut doc = parsed?.clone();
        if let Err(e) = apply(&mut doc, &ov) {
            return Some((format!("{at}.path"), e));
        }
        let probe = doc.to_string();
        let msg = match parse(&probe, file, std::slice::from_ref(&ov)) {
            Err(Error::Input(locs)) => locs.first().map(|l| l.message.clone()),
            Err(e) => Some(e.to_string()),
            Ok(s) => validate(&s)
                .into_iter()
                .find(|p| p.path != "uncertainty" && !p.path.starts_with("uncertainty["))
                .map(|p| format!("{}: {}", p.path, p.message)),
        };
        if let Some(m) = msg {
            let field = match (u.dist, k) {
                (super::Dist::Choice, _) => "values",
                (super::Dist::Normal | super::Dist::Lognormal, _)
                    if u.low.is_none() && u.high.is_none() =>
                {
                    "sd"
                }
                (_, 0) => "low",
                _ => "high",
            };
            return Some((
                format!("{at}.{field}"),
                format!(
                    "drawing {} = {text} makes the scenario invalid ({m})",
                    u.path
                ),
            ));
        }
    }
    None
}
