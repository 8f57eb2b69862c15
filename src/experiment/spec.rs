//! What an experiment varies: compare variants, sweep grids, design files and
//! experiment files, parsed from the command line or TOML.

use crate::error::Error;
use crate::scenario::Override;
use crate::scenario::overrides::parse_value;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// One variant: a name and the overrides that make it.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantSpec {
    pub name: String,
    pub overrides: Vec<Override>,
}

/// Whether the variants are compared with a baseline or swept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Compare,
    Sweep,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Compare => "compare",
            Kind::Sweep => "sweep",
        }
    }
}

/// A whole experiment before anything is loaded.
#[derive(Debug, Clone)]
pub struct ExperimentSpec {
    pub kind: Kind,
    pub scenario: PathBuf,
    /// Overrides applied to every variant (and the baseline).
    pub base: Vec<Override>,
    /// For `compare`, without the baseline (added when planned).
    pub variants: Vec<VariantSpec>,
    pub runs: u64,
    pub seed: u64,
    /// Metrics for the summary, effects and printed table; empty means all.
    pub metrics: Vec<String>,
    /// Run every variant at this many points drawn from the scenario's
    /// uncertain inputs (`compare --uncertain K`).
    pub uncertain: Option<u64>,
    /// Or run it at the points of a calibration's `posterior.csv`.
    pub posterior: Option<PathBuf>,
    /// Uncertain inputs an experiment file adds to the scenario's, or
    /// replaces (same path), with the file they come from.
    pub uncertainty: Vec<crate::scenario::Uncertain>,
    pub uncertainty_file: Option<String>,
}

/// `name:PATH=VALUE;PATH=VALUE`.
pub fn parse_variant(text: &str) -> Result<VariantSpec, Error> {
    let (name, rest) = text.split_once(':').ok_or_else(|| {
        Error::Usage(format!(
            "variant `{text}` must be NAME:PATH=VALUE (several overrides separated by `;`)"
        ))
    })?;
    let name = name.trim();
    if name.is_empty() || name == "baseline" {
        return Err(Error::Usage(format!(
            "variant `{text}`: a variant needs a name other than `baseline`"
        )));
    }
    let overrides = rest
        .split(';')
        .filter(|s| !s.trim().is_empty())
        .map(|s| Override::parse(s.trim()).map_err(Error::Usage))
        .collect::<Result<Vec<_>, _>>()?;
    if overrides.is_empty() {
        return Err(Error::Usage(format!("variant `{name}` has no override")));
    }
    Ok(VariantSpec {
        name: name.to_string(),
        overrides,
    })
}

/// Splits `a,b,[c,d],"e,f"` at top-level commas.
pub fn split_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut cur = String::new();
    for ch in text.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c)
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(ch);
                cur.push(ch)
            }
            (None, '[' | '{') => {
                depth += 1;
                cur.push(ch)
            }
            (None, ']' | '}') => {
                depth -= 1;
                cur.push(ch)
            }
            (None, ',') if depth == 0 => out.push(std::mem::take(&mut cur).trim().to_string()),
            (None, c) => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// One grid axis: a path and its values.
#[derive(Debug, Clone)]
pub struct Axis {
    pub path: String,
    pub values: Vec<String>,
}

/// `PATH=v1,v2,...`.
pub fn parse_axis(text: &str) -> Result<Axis, Error> {
    let (path, values) = text
        .split_once('=')
        .ok_or_else(|| Error::Usage(format!("grid `{text}` must be PATH=VALUE,VALUE,...")))?;
    let values = split_values(values);
    if values.is_empty() {
        return Err(Error::Usage(format!(
            "grid `{text}` has no values: a grid of zero points runs nothing"
        )));
    }
    for v in &values {
        parse_value(v).map_err(|e| Error::Usage(format!("grid `{}`: {e}", path.trim())))?;
    }
    Ok(Axis {
        path: path.trim().to_string(),
        values,
    })
}

/// The cartesian product of the axes (the first axis varies slowest).
pub fn grid_variants(axes: &[Axis]) -> Result<Vec<VariantSpec>, Error> {
    if axes.is_empty() {
        return Err(Error::Usage(
            "a sweep needs at least one --grid or a --design".into(),
        ));
    }
    let leaf = |p: &str| p.rsplit('.').next().unwrap_or(p).to_string();
    let leaves: Vec<String> = axes.iter().map(|a| leaf(&a.path)).collect();
    let unique = {
        let mut l = leaves.clone();
        l.sort();
        l.dedup();
        l.len() == leaves.len()
    };
    let mut points: Vec<Vec<usize>> = vec![vec![]];
    for a in axes {
        let mut next = Vec::with_capacity(points.len() * a.values.len());
        for p in &points {
            for k in 0..a.values.len() {
                let mut q = p.clone();
                q.push(k);
                next.push(q);
            }
        }
        points = next;
    }
    points
        .into_iter()
        .map(|p| {
            let mut name = Vec::new();
            let mut overrides = Vec::new();
            for (i, &k) in p.iter().enumerate() {
                let a = &axes[i];
                let v = &a.values[k];
                name.push(format!(
                    "{}={}",
                    if unique { &leaves[i] } else { &a.path },
                    v.trim_matches('"')
                ));
                overrides.push(Override::parse(&format!("{}={v}", a.path)).map_err(Error::Usage)?);
            }
            Ok(VariantSpec {
                name: name.join(" "),
                overrides,
            })
        })
        .collect()
}

/// A design file: a CSV whose header names override paths, one row per design point.
pub fn design_variants(path: &Path) -> Result<Vec<VariantSpec>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let file = path.display().to_string();
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(Error::input(
            &file,
            "the design file is empty: expected a header of override paths",
        ));
    };
    let cols = split_values(header);
    if cols.is_empty() {
        return Err(Error::input(&file, "expected a header of override paths"));
    }
    let mut out = Vec::new();
    for (ln, line) in lines {
        let vals = split_values(line);
        if vals.len() != cols.len() {
            return Err(Error::Input(vec![crate::error::Located {
                file: file.clone(),
                line_col: Some((ln + 1, 1)),
                path: None,
                message: format!("expected {} values, found {}", cols.len(), vals.len()),
            }]));
        }
        let overrides = cols
            .iter()
            .zip(&vals)
            .map(|(c, v)| Override::parse(&format!("{}={v}", c.trim())).map_err(Error::Usage))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(VariantSpec {
            name: format!("point{}", out.len() + 1),
            overrides,
        });
    }
    if out.is_empty() {
        return Err(Error::input(
            &file,
            "the design has no rows: a sweep of zero points runs nothing",
        ));
    }
    Ok(out)
}

/// An experiment file (TOML), as checked in next to the scenarios.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    scenario: String,
    runs: u64,
    #[serde(default = "one")]
    seed: u64,
    #[serde(default)]
    out: Option<String>,
    #[serde(default)]
    metrics: Vec<String>,
    #[serde(default)]
    set: Vec<String>,
    #[serde(default)]
    variants: Vec<FileVariant>,
    #[serde(default)]
    grid: Vec<FileAxis>,
    #[serde(default)]
    design: Option<String>,
    /// Points drawn from the scenario's uncertain inputs (compare only).
    #[serde(default)]
    uncertain: Option<u64>,
    /// Uncertain inputs added to the scenario's, or replacing them (same path).
    #[serde(default)]
    uncertainty: Vec<crate::scenario::Uncertain>,
}
fn one() -> u64 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileVariant {
    name: String,
    set: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAxis {
    path: String,
    values: Vec<toml::Value>,
}

/// Reads an experiment file; paths in it are relative to its directory.
/// Returns the spec and the output directory it names, if any.
pub fn read_experiment_file(path: &Path) -> Result<(ExperimentSpec, Option<PathBuf>), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let file = path.display().to_string();
    let de = toml::Deserializer::parse(&text).map_err(|e| located(&file, &text, None, &e))?;
    let f: ExperimentFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let p = e.path().to_string();
        located(&file, &text, Some(p), e.inner())
    })?;
    if !f.uncertainty.is_empty() && f.uncertain.is_none() {
        return Err(Error::input(
            &file,
            "declares [[uncertainty]] but no `uncertain = K`: say how many plausible worlds to draw",
        ));
    }
    let problems = crate::scenario::check_uncertainty(&f.uncertainty);
    if !problems.is_empty() {
        return Err(Error::Input(
            problems
                .into_iter()
                .map(|p| crate::error::Located {
                    file: file.clone(),
                    line_col: crate::scenario::locate(&text, &p.path),
                    path: Some(p.path),
                    message: p.message,
                })
                .collect(),
        ));
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    let base = f
        .set
        .iter()
        .map(|s| Override::parse(s).map_err(Error::Usage))
        .collect::<Result<Vec<_>, _>>()?;
    let modes = usize::from(!f.variants.is_empty())
        + usize::from(!f.grid.is_empty())
        + usize::from(f.design.is_some());
    if modes != 1 {
        return Err(Error::input(
            &file,
            "expected exactly one of [[variants]] (compare), [[grid]] or design (sweep)",
        ));
    }
    let (kind, variants) = if !f.variants.is_empty() {
        let v = f
            .variants
            .iter()
            .map(|v| parse_variant(&format!("{}:{}", v.name, v.set.join(";"))))
            .collect::<Result<Vec<_>, _>>()?;
        (Kind::Compare, v)
    } else if let Some(d) = &f.design {
        (Kind::Sweep, design_variants(&dir.join(d))?)
    } else {
        let axes = f
            .grid
            .iter()
            .map(|a| {
                let vals: Vec<String> = a.values.iter().map(|v| v.to_string()).collect();
                parse_axis(&format!("{}={}", a.path, vals.join(",")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        (Kind::Sweep, grid_variants(&axes)?)
    };
    Ok((
        ExperimentSpec {
            kind,
            scenario: normalise(&dir.join(&f.scenario)),
            base,
            variants,
            runs: f.runs,
            seed: f.seed,
            metrics: f.metrics,
            uncertain: f.uncertain,
            posterior: None,
            uncertainty: f.uncertainty,
            uncertainty_file: Some(file.clone()),
        },
        f.out.map(PathBuf::from),
    ))
}

/// Removes `.` and `dir/..` pairs from a path without touching the disk.
fn normalise(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out.iter().collect()
}

pub(crate) fn located(file: &str, text: &str, path: Option<String>, e: &toml::de::Error) -> Error {
    Error::Input(vec![crate::error::Located {
        file: file.to_string(),
        line_col: e.span().map(|s| crate::scenario::line_col(text, s.start)),
        path: path.filter(|p| p != "."),
        message: e.message().trim().replace('\n', " "),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_at_top_level_commas() {
        assert_eq!(split_values("1, 2,3"), vec!["1", "2", "3"]);
        assert_eq!(
            split_values(r#""support","suspend""#),
            vec![r#""support""#, r#""suspend""#]
        );
        assert_eq!(split_values("[1,2],[3]"), vec!["[1,2]", "[3]"]);
    }

    #[test]
    fn grids_multiply_out() {
        let a = parse_axis("forces.fpus[0].count=1,2").unwrap();
        let b = parse_axis(r#"mandate.hrddp="support","suspend""#).unwrap();
        let v = grid_variants(&[a, b]).unwrap();
        let names: Vec<&str> = v.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "count=1 hrddp=support",
                "count=1 hrddp=suspend",
                "count=2 hrddp=support",
                "count=2 hrddp=suspend"
            ]
        );
        assert!(parse_axis("forces.fpus[0].count=").is_err());
    }

    #[test]
    fn variants_need_a_name_and_overrides() {
        let v = parse_variant("fast:forces.fpus[0].vehicles=16;forces.fpus[0].count=2").unwrap();
        assert_eq!(v.overrides.len(), 2);
        assert!(parse_variant("forces.fpus[0].vehicles=16").is_err());
        assert!(parse_variant("baseline:forces.fpus[0].vehicles=16").is_err());
        assert!(parse_variant("empty:").is_err());
    }
}
