//! `--set PATH=VALUE` overrides, applied to the TOML document before parsing.
//!
//! PATH is a dotted path into the document; array elements are addressed by
//! index (`forces.fpus[0]`) or by their `id` field (`forces.fpus[fpu-bd]`;
//! host police without an `id` by their `site`: `forces.host_police[town]`).
//! VALUE is a TOML value (`16`, `false`, `"suspend"`); a bare word is taken as
//! a string, so `mandate.hrddp=suspend` works too. The edit keeps the rest of
//! the document as it was (a key added to a table adds one line), so line
//! numbers in later errors stay true.

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

/// One segment of an override or error path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Index(usize),
    Id(String),
}

/// A parsed `PATH=VALUE` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub path: String,
    pub segs: Vec<PathSeg>,
    pub value_text: String,
}

impl Override {
    /// Parses `PATH=VALUE`.
    pub fn parse(text: &str) -> Result<Override, String> {
        let (path, value) = text
            .split_once('=')
            .ok_or_else(|| format!("override `{text}` must have the form PATH=VALUE"))?;
        let path = path.trim();
        let segs = parse_path(path)?;
        Ok(Override {
            path: path.to_string(),
            segs,
            value_text: value.trim().to_string(),
        })
    }

    /// The value as TOML.
    pub fn value(&self) -> Result<Value, String> {
        parse_value(&self.value_text).map_err(|e| format!("override `{}`: value {e}", self.path))
    }
}

/// Parses a TOML value, accepting a bare word as a string.
pub fn parse_value(text: &str) -> Result<Value, String> {
    let doc = format!("v = {text}");
    if let Ok(d) = doc.parse::<DocumentMut>()
        && let Some(v) = d.get("v").and_then(Item::as_value)
    {
        let mut v = v.clone();
        v.decor_mut().clear();
        return Ok(v);
    }
    let bare = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        return Ok(Value::from(text));
    }
    Err(format!("`{text}` is not a TOML value"))
}

/// Splits `a.b[0].c[id]` into segments.
pub fn parse_path(path: &str) -> Result<Vec<PathSeg>, String> {
    let mut segs = Vec::new();
    let bad = || format!("`{path}` is not a valid path (expected e.g. forces.fpus[0].vehicles)");
    if path.is_empty() {
        return Err(bad());
    }
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() && segs.is_empty() {
            return Err(bad());
        }
        if !key.is_empty() {
            segs.push(PathSeg::Key(key.to_string()));
        }
        while !rest.is_empty() {
            if !rest.starts_with('[') {
                return Err(bad());
            }
            let end = rest.find(']').ok_or_else(bad)?;
            let inner = rest[1..end].trim().trim_matches('"');
            if inner.is_empty() {
                return Err(bad());
            }
            segs.push(match inner.parse::<usize>() {
                Ok(i) => PathSeg::Index(i),
                Err(_) => PathSeg::Id(inner.to_string()),
            });
            rest = &rest[end + 1..];
        }
    }
    Ok(segs)
}

/// Applies one override to the document, or says which part of the path is missing.
pub fn apply(doc: &mut DocumentMut, ov: &Override) -> Result<(), String> {
    let value = ov.value()?;
    in_table(doc.as_table_mut(), &ov.segs, 0, value).map_err(|upto| {
        let shown = render(&ov.segs[..=upto.min(ov.segs.len() - 1)]);
        if shown == ov.path {
            format!("override path `{}` does not exist in the scenario", ov.path)
        } else {
            format!(
                "override path `{}` does not exist in the scenario (no `{shown}`)",
                ov.path
            )
        }
    })
}

/// Walks `segs[at..]` from a table; on failure returns the index of the first
/// segment that could not be followed.
fn in_table(t: &mut Table, segs: &[PathSeg], at: usize, value: Value) -> Result<(), usize> {
    let PathSeg::Key(k) = &segs[at] else {
        return Err(at);
    };
    if at + 1 == segs.len() {
        match t.get_mut(k) {
            Some(Item::Value(old)) => {
                let decor = old.decor().clone();
                *old = value;
                *old.decor_mut() = decor;
            }
            Some(_) => return Err(at),
            None => {
                t.insert(k, Item::Value(value));
            }
        }
        return Ok(());
    }
    if t.get(k).is_none() && matches!(segs[at + 1], PathSeg::Key(_)) {
        // An optional sub-table the file leaves out (e.g. `caveats`): create it
        // inline; unknown names are still caught when the document is parsed.
        t.insert(k, Item::Value(Value::InlineTable(InlineTable::new())));
    }
    match (t.get_mut(k), &segs[at + 1]) {
        (Some(Item::Table(sub)), PathSeg::Key(_)) => in_table(sub, segs, at + 1, value),
        (Some(Item::Value(Value::InlineTable(sub))), PathSeg::Key(_)) => {
            in_inline(sub, segs, at + 1, value)
        }
        (Some(Item::ArrayOfTables(arr)), sel @ (PathSeg::Index(_) | PathSeg::Id(_))) => {
            let idx = match sel {
                PathSeg::Index(i) => Some(*i),
                // By `id`, or by `site` for entries named by their site (host police).
                PathSeg::Id(id) => arr
                    .iter()
                    .position(|e| e.get("id").and_then(Item::as_str) == Some(id.as_str()))
                    .or_else(|| {
                        arr.iter().position(|e| {
                            e.get("id").is_none()
                                && e.get("site").and_then(Item::as_str) == Some(id.as_str())
                        })
                    }),
                PathSeg::Key(_) => None,
            };
            let Some(elem) = idx.and_then(|i| arr.get_mut(i)) else {
                return Err(at + 1);
            };
            if at + 2 == segs.len() {
                return Err(at + 1);
            }
            in_table(elem, segs, at + 2, value)
        }
        (Some(Item::Value(Value::Array(arr))), sel @ (PathSeg::Index(_) | PathSeg::Id(_))) => {
            in_array(arr, sel, segs, at + 1, value)
        }
        (None, _) => Err(at),
        _ => Err(at + 1),
    }
}

fn in_inline(t: &mut InlineTable, segs: &[PathSeg], at: usize, value: Value) -> Result<(), usize> {
    let PathSeg::Key(k) = &segs[at] else {
        return Err(at);
    };
    if at + 1 == segs.len() {
        match t.get_mut(k) {
            Some(old) => {
                let decor = old.decor().clone();
                *old = value;
                *old.decor_mut() = decor;
            }
            None => {
                t.insert(k, value);
            }
        }
        return Ok(());
    }
    match (t.get_mut(k), &segs[at + 1]) {
        (Some(Value::InlineTable(sub)), PathSeg::Key(_)) => in_inline(sub, segs, at + 1, value),
        (Some(Value::Array(arr)), sel @ (PathSeg::Index(_) | PathSeg::Id(_))) => {
            in_array(arr, sel, segs, at + 1, value)
        }
        (None, _) => Err(at),
        _ => Err(at + 1),
    }
}

fn in_array(
    arr: &mut Array,
    sel: &PathSeg,
    segs: &[PathSeg],
    at: usize,
    value: Value,
) -> Result<(), usize> {
    let idx = match sel {
        PathSeg::Index(i) => Some(*i),
        PathSeg::Id(id) => {
            let field = |v: &Value, f: &str| {
                v.as_inline_table()
                    .and_then(|t| t.get(f))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            arr.iter()
                .position(|v| field(v, "id").as_deref() == Some(id.as_str()))
                .or_else(|| {
                    arr.iter().position(|v| {
                        field(v, "id").is_none() && field(v, "site").as_deref() == Some(id.as_str())
                    })
                })
        }
        PathSeg::Key(_) => None,
    };
    let Some(i) = idx.filter(|i| *i < arr.len()) else {
        return Err(at);
    };
    if at + 1 == segs.len() {
        let decor = arr.get(i).map(|v| v.decor().clone());
        let mut value = value;
        if let Some(d) = decor {
            *value.decor_mut() = d;
        }
        arr.replace(i, value);
        return Ok(());
    }
    match arr.get_mut(i) {
        Some(Value::InlineTable(t)) => in_inline(t, segs, at + 1, value),
        _ => Err(at + 1),
    }
}

/// Renders segments back to the dotted form.
pub fn render(segs: &[PathSeg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            PathSeg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            PathSeg::Index(i) => s.push_str(&format!("[{i}]")),
            PathSeg::Id(id) => s.push_str(&format!("[{id}]")),
        }
    }
    s
}

/// Removes the item at `path` (keys and numeric indices, as serde names
/// them) from the document; false when there is nothing there. Used to look
/// past one bad value for the file's other problems.
pub fn remove(doc: &mut DocumentMut, path: &str) -> bool {
    let Ok(segs) = parse_path(path) else {
        return false;
    };
    remove_in_table(doc.as_table_mut(), &segs)
}

fn remove_in_table(t: &mut Table, segs: &[PathSeg]) -> bool {
    let Some((PathSeg::Key(k), rest)) = segs.split_first() else {
        return false;
    };
    if rest.is_empty() {
        return t.remove(k).is_some();
    }
    match (t.get_mut(k), &rest[0]) {
        (Some(Item::Table(sub)), PathSeg::Key(_)) => remove_in_table(sub, rest),
        (Some(Item::Value(v)), _) => remove_in_value(v, rest),
        (Some(Item::ArrayOfTables(arr)), PathSeg::Index(i)) => match arr.get_mut(*i) {
            Some(elem) if rest.len() > 1 => remove_in_table(elem, &rest[1..]),
            _ => false,
        },
        _ => false,
    }
}

fn remove_in_value(v: &mut Value, segs: &[PathSeg]) -> bool {
    match (v, segs.split_first()) {
        (Value::InlineTable(t), Some((PathSeg::Key(k), rest))) => {
            if rest.is_empty() {
                t.remove(k).is_some()
            } else {
                t.get_mut(k).is_some_and(|v| remove_in_value(v, rest))
            }
        }
        (Value::Array(a), Some((PathSeg::Index(i), rest))) => {
            if rest.is_empty() {
                if *i < a.len() {
                    a.remove(*i);
                    true
                } else {
                    false
                }
            } else {
                a.get_mut(*i).is_some_and(|v| remove_in_value(v, rest))
            }
        }
        _ => false,
    }
}
