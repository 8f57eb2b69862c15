//! The one registry of metrics: each metric's name (a contract: column names,
//! `--metric`, targets), its words for titles and tables, its unit, which way
//! is better for civilians, and how it is read from a run's summary. The
//! summary's scalars, the experiment's columns and effects, the charts and
//! the report all draw from here, so adding a metric is one entry.

use super::{SiteTotals, Summary, ThreatSummary};

/// Which way a metric is better for civilians.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

/// One scalar metric of a run.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub name: &'static str,
    /// In words, for titles and table headers.
    pub words: &'static str,
    /// Unit, for axes ("" for counts over the horizon).
    pub unit: &'static str,
    pub better: Better,
    pub read: fn(&Summary) -> f64,
}

/// One field of the per-threat-kind breakdown (`<kind>.<name>` columns).
#[derive(Debug, Clone, Copy)]
pub struct ThreatMetric {
    pub name: &'static str,
    pub words: &'static str,
    pub better: Better,
    pub read: fn(&ThreatSummary) -> u64,
}

use Better::{Higher, Lower};

macro_rules! m {
    ($name:ident, $words:expr, $unit:expr, $better:expr) => {
        Metric {
            name: stringify!($name),
            words: $words,
            unit: $unit,
            better: $better,
            read: |s| s.$name as f64,
        }
    };
}

/// Every scalar metric, in the order of the tables' columns.
pub const METRICS: &[Metric] = &[
    m!(civilians_killed, "civilians killed", "", Lower),
    m!(civilians_injured, "civilians injured", "", Lower),
    m!(civilians_harmed, "civilians harmed", "", Lower),
    m!(incidents_true, "incidents (all that happened)", "", Lower),
    m!(
        incidents_reported,
        "incidents reported to the mission",
        "",
        Higher
    ),
    m!(
        incidents_known,
        "incidents known (reported, or learned afterwards)",
        "",
        Higher
    ),
    m!(incidents_responded, "incidents responded to", "", Higher),
    m!(
        incidents_responded_un_police,
        "incidents a UN police unit reached",
        "",
        Higher
    ),
    m!(incidents_prevented, "incidents prevented", "", Higher),
    m!(incidents_mitigated, "incidents mitigated", "", Higher),
    m!(incidents_unanswered, "incidents unanswered", "", Lower),
    m!(
        incidents_deterred,
        "threats deterred by presence",
        "",
        Higher
    ),
    m!(
        incidents_displaced,
        "deterred threats moved next door",
        "",
        Lower
    ),
    m!(
        response_time_median_h,
        "median response time (over responses that happened)",
        "hours",
        Lower
    ),
    m!(
        response_time_p90_h,
        "90th percentile of response time",
        "hours",
        Lower
    ),
    m!(
        responses_within_target_share,
        "share of responses within target",
        "share",
        Higher
    ),
    m!(
        reported_answered_within_target_share,
        "share of reported incidents answered within target",
        "share",
        Higher
    ),
    m!(
        responses_blocked_by_caveats,
        "incidents a caveat kept from their best unit",
        "",
        Lower
    ),
    m!(
        responses_blocked_by_mandate,
        "incidents the mandate kept from their best unit",
        "",
        Lower
    ),
    m!(
        attacks_answered_before_violence_share,
        "share of attacks answered before violence",
        "share",
        Higher
    ),
    m!(
        attacks_responded_share,
        "share of reported attacks responded to while under way",
        "share",
        Higher
    ),
    m!(arrests, "arrests", "", Higher),
    m!(
        detainees_handed_over,
        "detainees handed to justice",
        "",
        Higher
    ),
    m!(
        detainees_released,
        "detainees released for want of courts",
        "",
        Lower
    ),
    m!(
        complicity_events,
        "abuses by host units the mission supported",
        "",
        Lower
    ),
    m!(host_abuse_events, "abuses by host police", "", Lower),
    m!(
        crsv_true,
        "conflict-related sexual violence (all)",
        "",
        Lower
    ),
    m!(
        crsv_reported,
        "conflict-related sexual violence reported",
        "",
        Higher
    ),
    m!(patrols, "patrols", "", Higher),
    m!(patrol_hours, "patrol hours", "hours", Higher),
    m!(patrols_not_staffed, "patrols not staffed", "", Lower),
    m!(escorts_done, "escorts done", "", Higher),
    m!(escorts_cancelled, "escorts cancelled", "", Lower),
    m!(
        approvals_requested,
        "approvals asked of capitals",
        "",
        Lower
    ),
    m!(approvals_refused, "approvals refused", "", Lower),
    m!(
        host_capacity_final,
        "host police capacity at the end",
        "index",
        Higher
    ),
    m!(trust_final, "trust at the end", "index", Higher),
    m!(
        displaced_final,
        "people displaced at the end",
        "people",
        Lower
    ),
    m!(person_days, "UN police person-days", "person-days", Lower),
];

macro_rules! t {
    ($name:ident, $words:expr, $better:expr) => {
        ThreatMetric {
            name: stringify!($name),
            words: $words,
            better: $better,
            read: |t| t.$name,
        }
    };
}

/// Fields of the per-threat-kind breakdown, in column order.
pub const THREAT_METRICS: &[ThreatMetric] = &[
    t!(incidents_true, "incidents", Lower),
    t!(incidents_reported, "incidents reported", Higher),
    t!(incidents_known, "incidents known", Higher),
    t!(incidents_responded, "incidents responded to", Higher),
    t!(incidents_prevented, "incidents prevented", Higher),
    t!(civilians_harmed, "civilians harmed", Lower),
    t!(civilians_killed, "civilians killed", Lower),
    t!(answered_before_violence, "answered before violence", Higher),
    t!(
        responded_before_end,
        "reported and responded to while under way",
        Higher
    ),
];

/// One outcome per site (`site.<id>.<name>` columns, `sites.csv`).
#[derive(Debug, Clone, Copy)]
pub struct SiteMetric {
    pub name: &'static str,
    pub words: &'static str,
    pub better: Better,
    pub read: fn(&SiteTotals) -> u64,
}

macro_rules! s {
    ($name:ident, $words:expr, $better:expr) => {
        SiteMetric {
            name: stringify!($name),
            words: $words,
            better: $better,
            read: |t| t.$name,
        }
    };
}

/// Outcomes recorded per site, in column order.
pub const SITE_METRICS: &[SiteMetric] = &[
    s!(civilians_harmed, "civilians harmed", Lower),
    s!(civilians_killed, "civilians killed", Lower),
    s!(incidents_true, "incidents", Lower),
    s!(incidents_known, "incidents known", Higher),
    s!(incidents_reported, "incidents reported", Higher),
    s!(incidents_responded, "incidents responded to", Higher),
];

/// Column name of a per-site metric.
pub fn site_column(site: &str, metric: &SiteMetric) -> String {
    format!("site.{site}.{}", metric.name)
}

/// The site and per-site metric of a `site.<id>.<name>` column.
pub fn site_metric(name: &str) -> Option<(&str, &'static SiteMetric)> {
    let rest = name.strip_prefix("site.")?;
    let (site, field) = rest.rsplit_once('.')?;
    SITE_METRICS
        .iter()
        .find(|m| m.name == field)
        .map(|m| (site, m))
}

/// The scalar metric of this name.
pub fn metric(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.name == name)
}

/// The per-kind field of a `<kind>.<field>` name.
pub fn threat_metric(name: &str) -> Option<&'static ThreatMetric> {
    let field = name.split_once('.')?.1;
    THREAT_METRICS.iter().find(|m| m.name == field)
}

/// Whether a smaller value of a metric (scalar or `<kind>.<field>`) is better
/// for civilians; unknown names count as lower-is-better.
pub fn lower_is_better(name: &str) -> bool {
    let better = metric(name)
        .map(|m| m.better)
        .or_else(|| site_metric(name).map(|(_, m)| m.better))
        .or_else(|| threat_metric(name).map(|m| m.better));
    better != Some(Higher)
}

/// A metric's name in words, capitalised, for titles and headers.
pub fn words(name: &str) -> String {
    let w = match (metric(name), name.split_once('.')) {
        (Some(m), _) => m.words.to_string(),
        (None, _) if site_metric(name).is_some() => {
            let (site, m) = site_metric(name).expect("checked");
            format!("{} at {site}", m.words)
        }
        (None, Some((kind, _))) => match threat_metric(name) {
            Some(t) => format!("{} ({})", t.words, kind.replace('_', " ")),
            None => name.replace(['_', '.'], " "),
        },
        (None, None) => name.replace('_', " "),
    };
    let mut w = w;
    if let Some(c) = w.get(0..1) {
        w.replace_range(0..1, &c.to_uppercase());
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_read_what_they_say() {
        for (i, a) in METRICS.iter().enumerate() {
            assert!(
                METRICS[i + 1..].iter().all(|b| b.name != a.name),
                "{}",
                a.name
            );
        }
        let s = Summary {
            civilians_harmed: 7,
            ..Summary::default()
        };
        assert_eq!((metric("civilians_harmed").unwrap().read)(&s), 7.0);
        assert!(lower_is_better("civilians_harmed"));
        assert!(!lower_is_better("crsv.incidents_reported"));
        assert_eq!(
            words("armed_attack.civilians_killed"),
            "Civilians killed (armed attack)"
        );
        assert_eq!(
            words("site.poc.civilians_harmed"),
            "Civilians harmed at poc"
        );
        assert!(!lower_is_better("site.poc.incidents_reported"));
        assert!(lower_is_better("site.poc.civilians_killed"));
    }
}
