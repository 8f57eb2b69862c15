//! The events list (MSEL) as trainers keep it: one row per inject, read and
//! written as CSV with the columns exercise tools use (order, time, from, to,
//! title, description, expected actions) plus pocsim's own (kind, site,
//! incident, escort). The scenario's injects are its source; a CSV edited in
//! a spreadsheet replaces the injects that carry messages.

use crate::error::{Error, Located};
use crate::scenario::{Inject, LoadedScenario, Scenario, ThreatKind};
use serde::{Deserialize, Serialize};

/// One inject of the events list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Its number in the list, from 1.
    pub order: u32,
    /// When it is due, hours from the start.
    pub time_h: f64,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The actions the white cell expects of the syndicates.
    #[serde(default)]
    pub expected: String,
    /// A threat kind: the inject starts an incident of it at `site`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The inject is a civilian component's request for an escort to `site`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub escort: bool,
}

impl Item {
    /// What the inject does in the world, in a word.
    pub fn kind(&self) -> &'static str {
        if self.incident.is_some() {
            "incident"
        } else if self.escort {
            "escort"
        } else {
            "message"
        }
    }
}

/// The scenario's injects that carry a message, in time order (ties in file
/// order), numbered from 1, each with its index among the scenario's injects.
pub fn items(s: &Scenario) -> Vec<(usize, Item)> {
    let mut v: Vec<(usize, &Inject)> = s
        .injects
        .iter()
        .enumerate()
        .filter(|(_, i)| !i.text.is_empty())
        .collect();
    v.sort_by(|a, b| a.1.start_day.total_cmp(&b.1.start_day));
    v.into_iter()
        .enumerate()
        .map(|(n, (k, i))| {
            let site = (i.incident.is_some() || i.escort)
                .then(|| i.sites.first().cloned())
                .flatten();
            (
                k,
                Item {
                    order: n as u32 + 1,
                    time_h: i.start_day * 24.0,
                    from: i.from.clone(),
                    to: i.to.clone(),
                    title: i.name.clone(),
                    description: i.text.clone(),
                    expected: i.expected.clone(),
                    incident: i.incident.map(|k| k.name().to_string()),
                    site,
                    escort: i.escort,
                },
            )
        })
        .collect()
}

/// The columns of the CSV, in order.
pub const COLUMNS: [&str; 11] = [
    "order",
    "time",
    "from",
    "to",
    "title",
    "description",
    "expected_actions",
    "kind",
    "site",
    "incident",
    "escort",
];

/// A time as trainers write it: `day 2 20:30`.
pub fn day_time(h: f64) -> String {
    let minutes = (h.max(0.0) * 60.0).round() as u64;
    format!(
        "day {} {:02}:{:02}",
        minutes / 1440 + 1,
        (minutes % 1440) / 60,
        minutes % 60
    )
}

/// Reads `day 2 20:30` (day 1 is the first), `day 2` or decimal days from
/// the start (`1.85`), as hours from the start.
pub fn parse_time(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let expected = "expected `day D HH:MM` (day 1 is the first) or days from the start (`1.85`)";
    if let Some(rest) = t.strip_prefix("day").or_else(|| t.strip_prefix("Day")) {
        let mut parts = rest.split_whitespace();
        let day: u32 = parts
            .next()
            .and_then(|d| d.trim_end_matches(',').parse().ok())
            .filter(|d| *d >= 1)
            .ok_or_else(|| format!("`{t}`: {expected}"))?;
        let minutes = match parts.next() {
            None => 0,
            Some(hm) => {
                let (h, m) = hm
                    .split_once(':')
                    .ok_or_else(|| format!("`{t}`: {expected}"))?;
                let h: u32 = h.parse().map_err(|_| format!("`{t}`: {expected}"))?;
                let m: u32 = m.parse().map_err(|_| format!("`{t}`: {expected}"))?;
                if h > 23 || m > 59 {
                    return Err(format!("`{t}`: the hour is 00-23 and the minute 00-59"));
                }
                h * 60 + m
            }
        };
        if parts.next().is_some() {
            return Err(format!("`{t}`: {expected}"));
        }
        return Ok(f64::from(day - 1) * 24.0 + f64::from(minutes) / 60.0);
    }
    match t.parse::<f64>() {
        Ok(d) if d.is_finite() && d >= 0.0 => Ok(d * 24.0),
        _ => Err(format!("`{t}`: {expected}")),
    }
}

/// The events list as CSV.
pub fn to_csv(items: &[Item]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).expect("writes to memory");
    for i in items {
        w.write_record([
            i.order.to_string(),
            day_time(i.time_h),
            i.from.clone(),
            i.to.clone(),
            i.title.clone(),
            i.description.clone(),
            i.expected.clone(),
            i.kind().to_string(),
            i.site.clone().unwrap_or_default(),
            i.incident.clone().unwrap_or_default(),
            if i.escort { "yes" } else { "" }.to_string(),
        ])
        .expect("writes to memory");
    }
    w.into_inner().expect("writes to memory")
}

/// Reads an events list, checking every row against the scenario; every
/// problem is reported at once, each at its line and column.
pub fn read_csv(path: &std::path::Path, s: &Scenario) -> Result<Vec<Item>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_csv(&text, &path.display().to_string(), s)
}

/// As [`read_csv`], from text; `file` names it in messages.
pub fn parse_csv(text: &str, file: &str, s: &Scenario) -> Result<Vec<Item>, Error> {
    let mut problems: Vec<Located> = Vec::new();
    let at = |line: u64, col: usize, field: &str, message: String| Located {
        file: file.to_string(),
        line_col: Some((line as usize, col)),
        path: Some(field.to_string()),
        message,
    };
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match r.headers() {
        Ok(h) => h
            .iter()
            .map(|c| c.trim().to_lowercase().replace(' ', "_"))
            .collect(),
        Err(e) => {
            return Err(Error::Input(vec![at(
                1,
                1,
                "header",
                format!("not CSV: {e}"),
            )]));
        }
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    for required in ["order", "time", "from", "title", "description"] {
        if col(required).is_none() {
            problems.push(at(
                1,
                1,
                required,
                format!(
                    "the header has no `{required}` column; expected the columns {}",
                    COLUMNS.join(",")
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Input(problems));
    }
    let mut items: Vec<Item> = Vec::new();
    for rec in r.records() {
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(at(line, 1, "row", format!("not CSV: {e}")));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let get = |name: &str| -> String {
            col(name)
                .and_then(|k| rec.get(k))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let column_of = |name: &str| col(name).map_or(1, |k| k + 1);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let order = match get("order").parse::<u32>() {
            Ok(o) if o >= 1 => o,
            _ => {
                problems.push(at(
                    line,
                    column_of("order"),
                    "order",
                    format!("`{}`: expected a whole number from 1", get("order")),
                ));
                continue;
            }
        };
        if items.iter().any(|i| i.order == order) {
            problems.push(at(
                line,
                column_of("order"),
                "order",
                format!("order {order} appears twice; each inject needs its own number"),
            ));
        }
        let time_h = match parse_time(&get("time")) {
            Ok(t) => t,
            Err(e) => {
                problems.push(at(line, column_of("time"), "time", e));
                0.0
            }
        };
        let opt = |v: String| (!v.is_empty()).then_some(v);
        let site = opt(get("site"));
        let incident = opt(get("incident"));
        let escort = match get("escort").to_lowercase().as_str() {
            "" | "no" | "false" | "0" => false,
            "yes" | "true" | "1" => true,
            other => {
                problems.push(at(
                    line,
                    column_of("escort"),
                    "escort",
                    format!("`{other}`: expected yes or empty"),
                ));
                false
            }
        };
        if let Some(k) = &incident
            && !ThreatKind::ALL.iter().any(|t| t.name() == k)
        {
            problems.push(at(
                line,
                column_of("incident"),
                "incident",
                format!(
                    "`{k}` is not a threat kind; expected one of {}",
                    ThreatKind::ALL.map(|k| k.name()).join(", ")
                ),
            ));
        }
        if let Some(id) = &site
            && !s.geography.sites.iter().any(|x| x.id == *id)
        {
            problems.push(at(
                line,
                column_of("site"),
                "site",
                format!(
                    "site `{id}` does not exist; expected one of {}",
                    s.geography
                        .sites
                        .iter()
                        .map(|x| x.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if (incident.is_some() || escort) && site.is_none() {
            problems.push(at(
                line,
                column_of("site"),
                "site",
                "an incident or an escort request needs a site".to_string(),
            ));
        }
        if escort && s.escorts.is_none() {
            problems.push(at(
                line,
                column_of("escort"),
                "escort",
                "the scenario has no [escorts] table to answer escort requests".to_string(),
            ));
        }
        let item = Item {
            order,
            time_h,
            from: get("from"),
            to: get("to"),
            title: get("title"),
            description: get("description"),
            expected: get("expected_actions"),
            incident,
            site,
            escort,
        };
        if item.description.is_empty() {
            problems.push(at(
                line,
                column_of("description"),
                "description",
                "the message the syndicates read is empty".to_string(),
            ));
        }
        let kind = get("kind");
        if !kind.is_empty() && kind != item.kind() {
            problems.push(at(
                line,
                column_of("kind"),
                "kind",
                format!(
                    "`{kind}` does not match the row: it is {} (from the incident and escort columns)",
                    item.kind()
                ),
            ));
        }
        items.push(item);
    }
    if !problems.is_empty() {
        return Err(Error::Input(problems));
    }
    items.sort_by(|a, b| a.time_h.total_cmp(&b.time_h).then(a.order.cmp(&b.order)));
    Ok(items)
}

/// Warnings about an events list: injects after the horizon never happen.
pub fn warnings(items: &[Item], s: &Scenario, file: &str) -> Vec<String> {
    items
        .iter()
        .filter(|i| i.time_h > s.clock.horizon_days * 24.0)
        .map(|i| {
            format!(
                "{file}: inject {} is at {}, after the scenario's horizon ({} days): it never happens",
                i.order,
                day_time(i.time_h),
                s.clock.horizon_days
            )
        })
        .collect()
}

/// Replaces the scenario's injects that carry messages with the events list:
/// a row whose order is an existing inject's keeps that inject's effects on
/// rates and tension (moved with its time); a new order is a new inject. The
/// scenario's hash then covers the list, so logs name what was played.
pub fn apply(loaded: &mut LoadedScenario, list: &[Item]) {
    let existing = items(&loaded.scenario);
    let mut kept: Vec<Inject> = loaded
        .scenario
        .injects
        .iter()
        .filter(|i| i.text.is_empty())
        .cloned()
        .collect();
    for item in list {
        let base = existing
            .iter()
            .find(|(_, e)| e.order == item.order)
            .map(|(k, _)| loaded.scenario.injects[*k].clone());
        let start_day = item.time_h / 24.0;
        let mut inject = match base {
            Some(b) => Inject {
                end_day: start_day + (b.end_day - b.start_day),
                ..b
            },
            None => Inject {
                name: String::new(),
                start_day,
                end_day: start_day + 1.0 / 24.0,
                sites: Vec::new(),
                kinds: Vec::new(),
                rate_multiplier: 1.0,
                tension: 0.0,
                political: false,
                incident: None,
                escort: false,
                host_abuse_per_day: 0.0,
                from: String::new(),
                to: String::new(),
                text: String::new(),
                expected: String::new(),
            },
        };
        inject.name = if item.title.is_empty() {
            format!("inject {}", item.order)
        } else {
            item.title.clone()
        };
        inject.start_day = start_day;
        inject.from = item.from.clone();
        inject.to = item.to.clone();
        inject.text = item.description.clone();
        inject.expected = item.expected.clone();
        inject.incident = item
            .incident
            .as_deref()
            .and_then(|k| ThreatKind::ALL.into_iter().find(|t| t.name() == k));
        inject.escort = item.escort;
        if let Some(site) = &item.site {
            if inject.incident.is_some() || inject.escort {
                inject.sites = vec![site.clone()];
            }
        } else if inject.incident.is_some() || inject.escort {
            inject.sites.clear();
        }
        kept.push(inject);
    }
    loaded.scenario.injects = kept;
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(loaded.source.as_bytes());
    h.update(b"\n# events list\n");
    h.update(to_csv(list));
    loaded.hash = format!("{:x}", h.finalize());
}
