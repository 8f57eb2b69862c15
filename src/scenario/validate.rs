//! Semantic checks of a parsed scenario: ranges, references, reachability, size.
//!
//! Parsing guarantees types; this module guarantees meaning. Each problem
//! carries the field path so the loader can point at its line and column.

use super::types::*;
use std::collections::{BTreeSet, HashMap, VecDeque};

/// One problem with a scenario, by field path.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

/// Bytes of travel-time tables above which a scenario is refused.
const MAX_TABLE_BYTES: f64 = 2.0 * 1024.0 * 1024.0 * 1024.0;
/// Dispatchable elements above which a scenario is refused.
const MAX_ELEMENTS: u64 = 1_000_000;
/// Threat processes (site x kind) above which a scenario is refused.
const MAX_STREAMS: usize = 1_000_000;
/// Expected candidate events above which a scenario is refused.
const MAX_EXPECTED_EVENTS: f64 = 2.0e8;

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }
    /// A finite number in [lo, hi].
    fn range(&mut self, path: impl Into<String>, v: f64, lo: f64, hi: f64) {
        if !v.is_finite() || v < lo || v > hi {
            let expected = if hi == f64::INFINITY {
                format!("a number >= {}", num(lo))
            } else {
                format!("a number from {} to {}", num(lo), num(hi))
            };
            self.push(path, format!("expected {expected}, found {v}"));
        }
    }
    fn positive(&mut self, path: impl Into<String>, v: f64) {
        if !v.is_finite() || v <= 0.0 {
            self.push(path, format!("expected a number > 0, found {v}"));
        }
    }
    fn share(&mut self, path: impl Into<String>, v: f64) {
        self.range(path, v, 0.0, 1.0);
    }
    fn site(&mut self, path: impl Into<String>, id: &str, sites: &HashMap<&str, usize>) {
        if !sites.contains_key(id) {
            let mut known: Vec<&&str> = sites.keys().collect();
            known.sort();
            let list: Vec<String> = known.iter().take(8).map(|s| format!("`{s}`")).collect();
            self.push(
                path,
                format!(
                    "site `{id}` does not exist (sites: {}{})",
                    list.join(", "),
                    if known.len() > 8 { ", ..." } else { "" }
                ),
            );
        }
    }
}

/// Checks a scenario; an empty result means it is valid.
pub fn validate(s: &Scenario) -> Vec<Problem> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    let c = &mut c;
    targets(c, s);
    uncertainty(c, &s.uncertainty);
    clock(c, s);
    let (sites, adj) = geography(c, s);
    let (bases, elements) = forces(c, s, &sites);
    threat_kinds(c, s);
    let load = threats(c, s, &sites);
    effectiveness(c, s);
    mandate(c, s, &sites);
    presence(c, s);
    justice(c, s);
    reporting(c, s);
    tension(c, s);
    trust(c, s);
    host(c, s);
    displacement(c, s);
    let mut reach_needed = load.threatened.clone();
    let escort_events = escorts(c, s, &sites, &mut reach_needed);
    injects(c, s, &sites, &mut reach_needed);
    size(c, s, &load, elements, escort_events);
    reachability(c, s, &bases, &adj, reach_needed);
    std::mem::take(&mut c.problems)
}

/// `[threat_kinds.*]`: each kind's course of events.
fn threat_kinds(c: &mut Checker, s: &Scenario) {
    for (kind, k) in &s.threat_kinds {
        let p = format!("threat_kinds.{}", kind.name());
        c.range(format!("{p}.severity"), k.severity, 0.0, 1.0e6);
        c.positive(format!("{p}.severity_shape"), k.severity_shape);
        c.share(format!("{p}.lethality"), k.lethality);
        c.range(format!("{p}.escalation_h"), k.escalation_h, 0.0, 1.0e4);
        c.positive(format!("{p}.duration_h"), k.duration_h);
        c.range(format!("{p}.force_needed"), k.force_needed, 0.0, 1.0e6);
        c.range(format!("{p}.on_scene_h"), k.on_scene_h, 0.0, 1.0e4);
        c.range(format!("{p}.perpetrators"), k.perpetrators, 0.0, 1.0e4);
        c.range(format!("{p}.report_logit"), k.report_logit, -50.0, 50.0);
        c.range(
            format!("{p}.report_delay_factor"),
            k.report_delay_factor,
            0.0,
            1.0e3,
        );
        c.range(
            format!("{p}.perpetrator_pool"),
            k.perpetrator_pool,
            0.0,
            1.0e6,
        );
        c.range(
            format!("{p}.perpetrators_per_1000"),
            k.perpetrators_per_1000,
            0.0,
            1000.0,
        );
    }
}

/// What the threat processes put on the engine: how many streams, events a
/// day at the stated rates, and the sites they threaten.
struct ThreatLoad {
    streams: usize,
    events_per_day: f64,
    threatened: BTreeSet<usize>,
}

/// `[[threats]]`: kinds, sites and rates; host police who can abuse need a kind.
fn threats(c: &mut Checker, s: &Scenario, sites: &HashMap<&str, usize>) -> ThreatLoad {
    let mut streams = 0usize;
    let mut expected_events = 0.0;
    let mut threatened: BTreeSet<usize> = BTreeSet::new();
    for (i, t) in s.threats.iter().enumerate() {
        let p = format!("threats[{i}]");
        if !s.threat_kinds.contains_key(&t.kind) {
            c.push(
                format!("{p}.kind"),
                format!(
                    "threat kind `{}` has no entry in [threat_kinds]",
                    t.kind.name()
                ),
            );
        }
        if t.sites.is_empty() {
            c.push(format!("{p}.sites"), "expected at least one site");
        }
        for (j, id) in t.sites.iter().enumerate() {
            c.site(format!("{p}.sites[{j}]"), id, sites);
            if let Some(&x) = sites.get(id.as_str()) {
                let pop = s.geography.sites[x].population.max(0.0);
                let rate = t.rate_per_day.max(0.0) + t.rate_per_1000_day.max(0.0) * pop / 1000.0;
                if rate > 0.0 {
                    threatened.insert(x);
                }
                expected_events += rate;
            }
        }
        c.range(format!("{p}.rate_per_day"), t.rate_per_day, 0.0, 1.0e4);
        c.range(
            format!("{p}.rate_per_1000_day"),
            t.rate_per_1000_day,
            0.0,
            1.0e3,
        );
        if t.rate_per_day > 0.0 && t.rate_per_1000_day > 0.0 {
            c.push(
                format!("{p}.rate_per_1000_day"),
                "expected either `rate_per_day` (per site) or `rate_per_1000_day` (per 1,000 residents), not both",
            );
        }
        streams += t.sites.len();
    }
    let abusive = s
        .forces
        .host_police
        .iter()
        .any(|h| h.integrity < 1.0 && h.officers > 0);
    if abusive
        && s.host.abuse_rate_per_100_day > 0.0
        && !s.threat_kinds.contains_key(&ThreatKind::HostAbuse)
    {
        c.push(
            "threat_kinds",
            "host police with integrity below 1 can abuse civilians: expected a [threat_kinds.host_abuse] entry",
        );
    }

    ThreatLoad {
        streams,
        events_per_day: expected_events,
        threatened,
    }
}

/// `[escorts]`: the civilian component's requests. Returns requests a day;
/// escorted sites must be reachable.
fn escorts(
    c: &mut Checker,
    s: &Scenario,
    sites: &HashMap<&str, usize>,
    reach_needed: &mut BTreeSet<usize>,
) -> f64 {
    let Some(es) = &s.escorts else {
        return 0.0;
    };
    c.range("escorts.requests_per_day", es.requests_per_day, 0.0, 1.0e3);
    c.positive("escorts.duration_h", es.duration_h);
    c.range("escorts.max_wait_h", es.max_wait_h, 0.0, 1.0e4);
    if es.sites.is_empty() && es.requests_per_day > 0.0 {
        c.push("escorts.sites", "expected at least one site");
    }
    for (j, id) in es.sites.iter().enumerate() {
        c.site(format!("escorts.sites[{j}]"), id, sites);
        if let Some(&x) = sites.get(id.as_str()) {
            reach_needed.insert(x);
        }
    }
    es.requests_per_day
}

/// `[[injects]]`: windows, sites, escorts and incidents they start.
fn injects(
    c: &mut Checker,
    s: &Scenario,
    sites: &HashMap<&str, usize>,
    reach_needed: &mut BTreeSet<usize>,
) {
    for (i, inj) in s.injects.iter().enumerate() {
        let p = format!("injects[{i}]");
        c.range(format!("{p}.start_day"), inj.start_day, 0.0, 36500.0);
        c.range(format!("{p}.end_day"), inj.end_day, 0.0, 36500.0);
        if inj.end_day <= inj.start_day {
            c.push(format!("{p}.end_day"), "expected end_day after start_day");
        }
        c.range(
            format!("{p}.rate_multiplier"),
            inj.rate_multiplier,
            0.0,
            1.0e3,
        );
        c.range(format!("{p}.tension"), inj.tension, 0.0, 1.0e3);
        c.range(
            format!("{p}.host_abuse_per_day"),
            inj.host_abuse_per_day,
            0.0,
            1.0e3,
        );
        if inj.host_abuse_per_day > 0.0 && inj.sites.is_empty() {
            c.push(
                format!("{p}.sites"),
                "an inject with host_abuse_per_day names the sites whose host police it concerns",
            );
        }
        for (j, id) in inj.sites.iter().enumerate() {
            c.site(format!("{p}.sites[{j}]"), id, sites);
        }
        if inj.escort {
            if inj.sites.len() != 1 {
                c.push(
                    format!("{p}.sites"),
                    "an escort inject needs exactly one site (where the escort goes)",
                );
            }
            if s.escorts.is_none() {
                c.push(
                    format!("{p}.escort"),
                    "an escort inject needs an [escorts] table (duration and longest wait)",
                );
            }
            if let Some(&x) = inj.sites.first().and_then(|id| sites.get(id.as_str())) {
                reach_needed.insert(x);
            }
        }
        if let Some(kind) = inj.incident {
            if inj.sites.len() != 1 {
                c.push(
                    format!("{p}.sites"),
                    "an inject that starts an incident needs exactly one site",
                );
            }
            if !s.threat_kinds.contains_key(&kind) {
                c.push(
                    format!("{p}.incident"),
                    format!(
                        "threat kind `{}` has no entry in [threat_kinds]",
                        kind.name()
                    ),
                );
            }
        }
    }
}

/// Size: refuse a scenario too large to simulate before anything is allocated.
fn size(c: &mut Checker, s: &Scenario, load: &ThreatLoad, elements: u64, escort_events: f64) {
    let n = s.geography.sites.len();
    let streams = load.streams;
    let fpu_units: f64 = s.forces.fpus.iter().map(|f| f64::from(f.count)).sum();
    let expected_events = load.events_per_day
        + s.mandate.patrol.patrols_per_fpu_day * fpu_units
        + s.forces
            .host_police
            .iter()
            .map(|h| {
                // Candidates of the bounding process (integrity 0, full capacity).
                s.host.abuse_rate_per_100_day.max(0.0) * f64::from(h.officers) / 100.0
                    * (1.0 + s.host.abuse_support_gain.max(0.0))
            })
            .sum::<f64>()
        + escort_events;
    let table_bytes = (n as f64).powi(2) * 8.0 * 2.0 * (1.0 + s.geography.seasons.len() as f64);
    if table_bytes > MAX_TABLE_BYTES {
        c.push(
            "geography.sites",
            format!(
                "scenario too large to simulate in memory: {n} sites need {:.1} GiB of travel-time tables (limit {:.0} GiB)",
                table_bytes / 1024f64.powi(3),
                MAX_TABLE_BYTES / 1024f64.powi(3)
            ),
        );
    }
    if elements > MAX_ELEMENTS {
        c.push(
            "forces",
            format!("scenario too large to simulate in memory: {elements} units and platoons (limit {MAX_ELEMENTS})"),
        );
    }
    if streams > MAX_STREAMS {
        c.push(
            "threats",
            format!("scenario too large to simulate in memory: {streams} threat processes (limit {MAX_STREAMS})"),
        );
    }
    let amp = 1.0 + s.tension.amplitude.max(0.0);
    let inj_max = s
        .injects
        .iter()
        .map(|i| i.rate_multiplier)
        .fold(1.0, f64::max);
    let events = expected_events
        * amp
        * inj_max
        * s.displacement.crowding_cap.max(1.0)
        * s.clock.horizon_days;
    if events.is_finite() && events > MAX_EXPECTED_EVENTS {
        c.push(
            "threats",
            format!("scenario too large to simulate: about {events:.1e} events expected (limit {MAX_EXPECTED_EVENTS:.0e}); lower the rates or the horizon"),
        );
    }
}

/// Reachability: every threatened or escorted site must be reachable by road
/// from some unit's base (ignoring seasonal closures). Checked only on an
/// otherwise sound file.
fn reachability(
    c: &mut Checker,
    s: &Scenario,
    bases: &[usize],
    adj: &[Vec<usize>],
    reach_needed: BTreeSet<usize>,
) {
    let n = s.geography.sites.len();
    if c.problems.is_empty() && !bases.is_empty() {
        let mut seen = vec![false; n];
        let mut queue: VecDeque<usize> = bases.iter().copied().collect();
        for &b in bases {
            seen[b] = true;
        }
        while let Some(x) = queue.pop_front() {
            for &y in &adj[x] {
                if !seen[y] {
                    seen[y] = true;
                    queue.push_back(y);
                }
            }
        }
        for x in reach_needed {
            if !seen[x] {
                c.push(
                    format!("geography.sites[{x}]"),
                    format!(
                        "site `{}` is not connected by road to any unit's base, but threats or escorts need a unit to reach it",
                        s.geography.sites[x].id
                    ),
                );
            }
        }
    }
}

/// `[[scenario.targets]]`: a known period, a value, a range.
fn targets(c: &mut Checker, s: &Scenario) {
    for (i, t) in s.scenario.targets.iter().enumerate() {
        let p = format!("scenario.targets[{i}]");
        if !["run", "day", "month", "100k_year", "1000_day"].contains(&t.per.as_str()) {
            c.push(
                format!("{p}.per"),
                format!(
                    "expected `run`, `day`, `month`, `100k_year` or `1000_day`, found `{}`",
                    t.per
                ),
            );
        }
        if !t.value.is_finite() {
            c.push(format!("{p}.value"), "expected a number");
        }
        let (lo, hi) = t.range();
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            c.push(
                format!("{p}.high"),
                format!("expected `low` <= `high`, found {lo} and {hi}"),
            );
        }
    }
}

/// `[clock]`.
fn clock(c: &mut Checker, s: &Scenario) {
    c.range(
        "clock.horizon_days",
        s.clock.horizon_days,
        1.0 / 24.0,
        36500.0,
    );
    c.range("clock.night_start_h", s.clock.night_start_h, 0.0, 24.0);
    c.range("clock.night_end_h", s.clock.night_end_h, 0.0, 24.0);
}

/// `[geography]`: speeds, sites, seasons and roads; returns the sites by id
/// and the road graph.
fn geography<'s>(c: &mut Checker, s: &'s Scenario) -> (HashMap<&'s str, usize>, Vec<Vec<usize>>) {
    let sp = &s.geography.speed_kmh;
    c.positive("geography.speed_kmh.paved", sp.paved);
    c.positive("geography.speed_kmh.unpaved", sp.unpaved);
    c.positive("geography.speed_kmh.track", sp.track);
    c.positive("geography.speed_kmh.foot", sp.foot);

    let mut sites: HashMap<&str, usize> = HashMap::new();
    if s.geography.sites.is_empty() {
        c.push("geography.sites", "expected at least one site");
    }
    for (i, site) in s.geography.sites.iter().enumerate() {
        let p = format!("geography.sites[{i}]");
        if site.id.trim().is_empty() {
            c.push(format!("{p}.id"), "expected a non-empty id");
        }
        if sites.insert(site.id.as_str(), i).is_some() {
            c.push(
                format!("{p}.id"),
                format!("duplicate site id `{}`", site.id),
            );
        }
        c.range(format!("{p}.population"), site.population, 0.0, 1.0e9);
        c.range(format!("{p}.radius_km"), site.radius_km, 0.0, 1.0e3);
        c.range(format!("{p}.vulnerability"), site.vulnerability, 0.0, 100.0);
        c.share(format!("{p}.comms"), site.comms);
        c.share(format!("{p}.trust"), site.trust);
        c.range(format!("{p}.x_km"), site.x_km, -1.0e5, 1.0e5);
        c.range(format!("{p}.y_km"), site.y_km, -1.0e5, 1.0e5);
        if let Some(d) = site.design_capacity {
            c.positive(format!("{p}.design_capacity"), d);
        }
    }
    let n = s.geography.sites.len();
    let seasons: BTreeSet<&str> = s
        .geography
        .seasons
        .iter()
        .map(|x| x.name.as_str())
        .collect();
    for (i, se) in s.geography.seasons.iter().enumerate() {
        let p = format!("geography.seasons[{i}]");
        c.range(format!("{p}.start_day"), se.start_day, 0.0, 36500.0);
        c.range(format!("{p}.end_day"), se.end_day, 0.0, 36500.0);
        if se.end_day <= se.start_day {
            c.push(format!("{p}.end_day"), "expected end_day after start_day");
        }
        c.positive(format!("{p}.unpaved_speed_factor"), se.unpaved_speed_factor);
    }
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, r) in s.geography.roads.iter().enumerate() {
        let p = format!("geography.roads[{i}]");
        c.site(format!("{p}.from"), &r.from, &sites);
        c.site(format!("{p}.to"), &r.to, &sites);
        c.positive(format!("{p}.length_km"), r.length_km);
        for (j, name) in r.closed_in.iter().enumerate() {
            if !seasons.contains(name.as_str()) {
                c.push(
                    format!("{p}.closed_in[{j}]"),
                    format!("season `{name}` is not defined in geography.seasons"),
                );
            }
        }
        if let (Some(&a), Some(&b)) = (sites.get(r.from.as_str()), sites.get(r.to.as_str())) {
            adj[a].push(b);
            adj[b].push(a);
        }
    }
    (sites, adj)
}

/// `[effectiveness]`: shares.
fn effectiveness(c: &mut Checker, s: &Scenario) {
    let e = &s.effectiveness;
    for (name, t) in [
        ("fpu", &e.fpu),
        ("ipo", &e.ipo),
        ("ipo_crsv_trained", &e.ipo_crsv_trained),
        ("specialised_sgbv", &e.specialised_sgbv),
        ("specialised_other", &e.specialised_other),
        ("host", &e.host),
        ("military", &e.military),
    ] {
        let p = format!("effectiveness.{name}");
        c.share(format!("{p}.public_order"), t.public_order);
        c.share(format!("{p}.armed"), t.armed);
        c.share(format!("{p}.crime"), t.crime);
        c.share(format!("{p}.crsv"), t.crsv);
    }
    c.share("effectiveness.min_to_offer", e.min_to_offer);
}

/// `[mandate]`: shares, the patrol plan and its sites.
fn mandate(c: &mut Checker, s: &Scenario, sites: &HashMap<&str, usize>) {
    let m = &s.mandate;
    c.share(
        "mandate.hrddp_integrity_threshold",
        m.hrddp_integrity_threshold,
    );
    c.range(
        "mandate.justice_capacity_per_week",
        m.justice_capacity_per_week,
        0.0,
        1.0e6,
    );
    c.positive("mandate.response_target_h", m.response_target_h);
    c.share("mandate.arrest_prob", m.arrest_prob);
    c.share("mandate.host_absent_below", m.host_absent_below);
    c.share("mandate.dialogue_effect", m.dialogue_effect);
    c.range("mandate.dialogue_h", m.dialogue_h, 0.0, 1.0e3);
    c.range("mandate.dialogue_lasts_h", m.dialogue_lasts_h, 0.0, 1.0e4);
    c.range("mandate.alert_h", m.alert_h, 0.0, 1.0e4);
    c.range(
        "mandate.patrol.patrols_per_fpu_day",
        m.patrol.patrols_per_fpu_day,
        0.0,
        1000.0,
    );
    c.range("mandate.patrol.duration_h", m.patrol.duration_h, 0.0, 24.0);
    for (j, id) in m.patrol.sites.iter().enumerate() {
        c.site(format!("mandate.patrol.sites[{j}]"), id, sites);
    }
    if m.patrol.doctrine == PatrolKind::Fixed
        && m.patrol.sites.is_empty()
        && m.patrol.patrols_per_fpu_day > 0.0
    {
        c.push(
            "mandate.patrol.sites",
            "a fixed patrol doctrine needs at least one site",
        );
    }
    if m.patrol.doctrine != PatrolKind::None
        && m.patrol.patrols_per_fpu_day > 0.0
        && m.patrol.duration_h <= 0.0
    {
        c.push(
            "mandate.patrol.duration_h",
            "expected a number > 0 when patrols are scheduled",
        );
    }
}

/// `[presence]` and the late-learning part of `[reporting]`.
fn presence(c: &mut Checker, s: &Scenario) {
    let pr = &s.presence;
    for (name, d) in [
        ("patrol_deterrence", &pr.patrol_deterrence),
        ("guard_deterrence", &pr.guard_deterrence),
        ("ipo_deterrence", &pr.ipo_deterrence),
        ("host_deterrence", &pr.host_deterrence),
    ] {
        for (suffix, v) in d.entries() {
            c.share(format!("presence.{name}{suffix}"), v);
        }
    }
    c.share("presence.displacement_share", pr.displacement_share);
    c.range(
        "geography.speed_kmh.in_site",
        s.geography.speed_kmh.in_site,
        0.1,
        1.0e3,
    );
    c.range("presence.military_reach_h", pr.military_reach_h, 0.0, 1.0e3);
    for (k, d) in &pr.military_deterrence {
        c.share(format!("presence.military_deterrence.{}", k.name()), *d);
    }
    if let Some(x) = s.reporting.late_logit_shift {
        c.range("reporting.late_logit_shift", x, -50.0, 50.0);
    }
    c.range(
        "reporting.late_delay_mean_h",
        s.reporting.late_delay_mean_h,
        0.0,
        1.0e5,
    );
}

/// `[justice]`.
fn justice(c: &mut Checker, s: &Scenario) {
    let j = &s.justice;
    c.range("justice.detention_days", j.detention_days, 0.0, 3650.0);
    c.range("justice.replacement_days", j.replacement_days, 0.0, 3650.0);
    c.share("justice.deterrence_max", j.deterrence_max);
    c.range(
        "justice.deterrence_half_life_days",
        j.deterrence_half_life_days,
        0.01,
        3650.0,
    );
}

/// `[reporting]`.
fn reporting(c: &mut Checker, s: &Scenario) {
    let r = &s.reporting;
    for (name, v) in [
        ("trust_coef", r.trust_coef),
        ("ipo_coef", r.ipo_coef),
        ("host_coef", r.host_coef),
        ("comms_coef", r.comms_coef),
        ("women_crsv_coef", r.women_crsv_coef),
    ] {
        c.range(format!("reporting.{name}"), v, -50.0, 50.0);
    }
    c.positive("reporting.delay_mean_h", r.delay_mean_h);
    c.range(
        "reporting.no_comms_delay_factor",
        r.no_comms_delay_factor,
        0.0,
        1.0e4,
    );
    c.range("reporting.ipo_delay_factor", r.ipo_delay_factor, 0.0, 1.0e4);
}

/// `[tension]`.
fn tension(c: &mut Checker, s: &Scenario) {
    let t = &s.tension;
    // A vanishing half-life makes the decay rate infinite (and tension NaN).
    c.range("tension.half_life_days", t.half_life_days, 0.01, 36500.0);
    c.range("tension.amplitude", t.amplitude, 0.0, 1.0e3);
    for (name, v) in [
        ("per_unanswered", t.per_unanswered),
        ("per_harmed", t.per_harmed),
        ("per_release", t.per_release),
        ("per_abuse", t.per_abuse),
        ("per_prevented", t.per_prevented),
    ] {
        c.range(format!("tension.{name}"), v, 0.0, 1.0e3);
    }
}

/// `[trust]`.
fn trust(c: &mut Checker, s: &Scenario) {
    let tr = &s.trust;
    for (name, v) in [
        ("community_policing_per_day", tr.community_policing_per_day),
        ("per_protected", tr.per_protected),
        ("per_harmed_per_1000", tr.per_harmed_per_1000),
        ("per_abuse", tr.per_abuse),
        ("per_complicity", tr.per_complicity),
        ("per_impunity", tr.per_impunity),
        ("per_escort_visit", tr.per_escort_visit),
    ] {
        c.share(format!("trust.{name}"), v);
    }
}

/// `[host]`.
fn host(c: &mut Checker, s: &Scenario) {
    let h = &s.host;
    c.range(
        "host.mentoring_gain_per_officer_day",
        h.mentoring_gain_per_officer_day,
        0.0,
        1.0,
    );
    c.share("host.support_gain_per_day", h.support_gain_per_day);
    c.share("host.decay_per_day", h.decay_per_day);
    c.share("host.sustained_share", h.sustained_share);
    c.share("host.mitigation_gain_per_day", h.mitigation_gain_per_day);
    c.range("host.abuse_support_gain", h.abuse_support_gain, 0.0, 100.0);
    c.range("host.conditions_delay_h", h.conditions_delay_h, 0.0, 1.0e4);
    c.range(
        "host.abuse_rate_per_100_day",
        h.abuse_rate_per_100_day,
        0.0,
        1.0e3,
    );
}

/// `[displacement]`.
fn displacement(c: &mut Checker, s: &Scenario) {
    let d = &s.displacement;
    c.range(
        "displacement.flee_per_harmed",
        d.flee_per_harmed,
        0.0,
        1.0e6,
    );
    c.share("displacement.max_share", d.max_share);
    c.range("displacement.calm_days", d.calm_days, 0.0, 36500.0);
    c.share("displacement.return_share_per_day", d.return_share_per_day);
    c.range("displacement.crowding_cap", d.crowding_cap, 1.0, 1.0e3);
}

/// `[forces]`: every unit's id, base, strength, caveats and shifts; returns
/// the bases (for reachability) and the number of units and platoons (for
/// the size check).
fn forces(c: &mut Checker, s: &Scenario, sites: &HashMap<&str, usize>) -> (Vec<usize>, u64) {
    let mut unit_ids: HashMap<String, String> = HashMap::new();
    let mut bases: Vec<usize> = Vec::new();
    let mut elements: u64 = 0;
    let mut id_check = |c: &mut Checker, id: &str, p: String| {
        if id.trim().is_empty() {
            c.push(p.clone(), "expected a non-empty id");
        }
        if let Some(prev) = unit_ids.insert(id.to_string(), p.clone()) {
            c.push(p, format!("duplicate unit id `{id}` (also at {prev})"));
        }
    };
    for (i, f) in s.forces.fpus.iter().enumerate() {
        let p = format!("forces.fpus[{i}]");
        c.range(format!("{p}.readiness_h"), f.readiness_h, 0.0, 1.0e4);
        id_check(c, &f.id, format!("{p}.id"));
        c.site(format!("{p}.base"), &f.base, sites);
        c.share(format!("{p}.women_share"), f.women_share);
        if f.count > 0 && f.officers == 0 {
            c.push(format!("{p}.officers"), "expected at least 1 officer");
        }
        if f.platoons == 0 {
            c.push(format!("{p}.platoons"), "expected at least 1 platoon");
        }
        if f.officers > 0 && f.platoons > f.officers {
            c.push(
                format!("{p}.platoons"),
                "expected no more platoons than officers",
            );
        }
        if f.guard_platoons > f.platoons {
            c.push(
                format!("{p}.guard_platoons"),
                format!("expected at most {} (the unit's platoons)", f.platoons),
            );
        }
        c.range(format!("{p}.arrive_day"), f.arrive_day, 0.0, 36500.0);
        if let Some(w) = f.withdraw_day {
            c.range(format!("{p}.withdraw_day"), w, f.arrive_day, 36500.0);
        }
        caveats(c, &format!("{p}.caveats"), &f.caveats, sites);
        if let Some(sh) = &f.shifts {
            let p = format!("{p}.shifts");
            c.range(format!("{p}.duty_h_per_day"), sh.duty_h_per_day, 1.0, 24.0);
            c.range(format!("{p}.rest_h"), sh.rest_h, 0.0, 1.0e3);
            c.range(format!("{p}.night_share"), sh.night_share, 0.0, 1.0);
            c.range(
                format!("{p}.resting_readiness_h"),
                sh.resting_readiness_h,
                0.0,
                1.0e3,
            );
        }
        elements += u64::from(f.count) * u64::from(f.platoons.max(1));
        if let Some(&b) = sites.get(f.base.as_str())
            && f.count > 0
        {
            bases.push(b);
        }
    }
    for (i, t) in s.forces.ipo_teams.iter().enumerate() {
        let p = format!("forces.ipo_teams[{i}]");
        c.range(format!("{p}.readiness_h"), t.readiness_h, 0.0, 1.0e4);
        id_check(c, &t.id, format!("{p}.id"));
        c.site(format!("{p}.site"), &t.site, sites);
        c.share(format!("{p}.women_share"), t.women_share);
        if t.count > 0 && t.officers == 0 {
            c.push(format!("{p}.officers"), "expected at least 1 officer");
        }
        c.range(format!("{p}.arrive_day"), t.arrive_day, 0.0, 36500.0);
        if let Some(w) = t.withdraw_day {
            c.range(format!("{p}.withdraw_day"), w, t.arrive_day, 36500.0);
        }
        elements += u64::from(t.count);
        if let Some(&b) = sites.get(t.site.as_str())
            && t.count > 0
        {
            bases.push(b);
        }
    }
    for (i, t) in s.forces.specialised_teams.iter().enumerate() {
        let p = format!("forces.specialised_teams[{i}]");
        c.range(format!("{p}.readiness_h"), t.readiness_h, 0.0, 1.0e4);
        id_check(c, &t.id, format!("{p}.id"));
        c.site(format!("{p}.base"), &t.base, sites);
        c.share(format!("{p}.women_share"), t.women_share);
        if t.officers == 0 {
            c.push(format!("{p}.officers"), "expected at least 1 officer");
        }
        c.range(format!("{p}.arrive_day"), t.arrive_day, 0.0, 36500.0);
        if let Some(w) = t.withdraw_day {
            c.range(format!("{p}.withdraw_day"), w, t.arrive_day, 36500.0);
        }
        elements += 1;
        if let Some(&b) = sites.get(t.base.as_str()) {
            bases.push(b);
        }
    }
    let mut host_sites: HashMap<&str, usize> = HashMap::new();
    for (i, h) in s.forces.host_police.iter().enumerate() {
        let p = format!("forces.host_police[{i}]");
        c.range(format!("{p}.readiness_h"), h.readiness_h, 0.0, 1.0e4);
        c.site(format!("{p}.site"), &h.site, sites);
        if let Some(prev) = host_sites.insert(h.site.as_str(), i) {
            c.push(
                format!("{p}.site"),
                format!(
                    "host police for site `{}` already given at forces.host_police[{prev}]",
                    h.site
                ),
            );
        }
        c.share(format!("{p}.capacity"), h.capacity);
        c.share(format!("{p}.integrity"), h.integrity);
        elements += 1;
    }
    for (i, m) in s.forces.military.iter().enumerate() {
        let p = format!("forces.military[{i}]");
        c.range(format!("{p}.readiness_h"), m.readiness_h, 0.0, 1.0e4);
        if let Some(a) = m.alert_readiness_h {
            c.range(format!("{p}.alert_readiness_h"), a, 0.0, 1.0e4);
        }
        id_check(c, &m.id, format!("{p}.id"));
        c.site(format!("{p}.base"), &m.base, sites);
        if m.count > 0 && m.strength == 0 {
            c.push(format!("{p}.strength"), "expected at least 1 soldier");
        }
        c.range(
            format!("{p}.coordination_delay_h"),
            m.coordination_delay_h,
            0.0,
            1.0e4,
        );
        elements += u64::from(m.count);
        if let Some(&b) = sites.get(m.base.as_str())
            && m.count > 0
        {
            bases.push(b);
        }
    }
    (bases, elements)
}

fn caveats(c: &mut Checker, p: &str, cv: &Caveats, sites: &HashMap<&str, usize>) {
    c.range(
        format!("{p}.approval_delay_h"),
        cv.approval_delay_h,
        0.0,
        1.0e4,
    );
    c.range(
        format!("{p}.approval_delay_sd_h"),
        cv.approval_delay_sd_h,
        0.0,
        1.0e4,
    );
    c.share(
        format!("{p}.approval_refusal_prob"),
        cv.approval_refusal_prob,
    );
    if let Some(x) = cv.urgent_waiver_h {
        c.range(format!("{p}.urgent_waiver_h"), x, 0.0, 1.0e4);
    }
    if let Some(x) = cv.urgent_waiver_sd_h {
        c.range(format!("{p}.urgent_waiver_sd_h"), x, 0.0, 1.0e4);
    }
    if let Some(x) = cv.urgent_refusal_prob {
        c.share(format!("{p}.urgent_refusal_prob"), x);
    }
    if let Some(d) = cv.max_distance_km {
        c.range(format!("{p}.max_distance_km"), d, 0.0, 1.0e5);
    }
    if let Some(list) = &cv.allowed_sites {
        for (j, id) in list.iter().enumerate() {
            c.site(format!("{p}.allowed_sites[{j}]"), id, sites);
        }
    }
}

/// A bound for a message: at most four decimals, no trailing zeros.
fn num(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// The problems of a list of uncertain inputs on their own (an experiment
/// file's, before they meet the scenario).
pub fn check_uncertainty(list: &[Uncertain]) -> Vec<Problem> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    uncertainty(&mut c, list);
    c.problems
}

/// Each uncertain input names a distribution with the parameters it needs
/// (its path and values are checked against the scenario when it loads).
fn uncertainty(c: &mut Checker, list: &[Uncertain]) {
    let mut seen: Vec<&str> = Vec::new();
    for (i, u) in list.iter().enumerate() {
        let p = format!("uncertainty[{i}]");
        if seen.contains(&u.path.as_str()) {
            c.push(
                format!("{p}.path"),
                format!("`{}` is declared uncertain twice", u.path),
            );
        }
        seen.push(&u.path);
        let need = |c: &mut Checker, field: &str, v: Option<f64>| -> f64 {
            match v {
                Some(x) if x.is_finite() => x,
                _ => {
                    c.push(
                        format!("{p}.{field}"),
                        format!("a {} distribution needs `{field}`", u.dist.name()),
                    );
                    f64::NAN
                }
            }
        };
        let bounds = |c: &mut Checker, lo: f64, hi: f64| {
            if lo.is_finite() && hi.is_finite() && lo >= hi {
                c.push(
                    format!("{p}.high"),
                    format!("expected `low` < `high`, found {lo} and {hi}"),
                );
            }
        };
        match u.dist {
            Dist::Uniform => {
                let (lo, hi) = (need(c, "low", u.low), need(c, "high", u.high));
                bounds(c, lo, hi);
            }
            Dist::Triangular => {
                let lo = need(c, "low", u.low);
                let mode = need(c, "mode", u.mode);
                let hi = need(c, "high", u.high);
                bounds(c, lo, hi);
                if mode < lo || mode > hi {
                    c.push(
                        format!("{p}.mode"),
                        format!("expected `mode` between `low` and `high`, found {mode}"),
                    );
                }
            }
            Dist::Normal | Dist::Lognormal => {
                let mean = need(c, "mean", u.mean);
                let sd = need(c, "sd", u.sd);
                if sd <= 0.0 {
                    c.push(
                        format!("{p}.sd"),
                        format!("expected a positive `sd`, found {sd}"),
                    );
                }
                if u.dist == Dist::Lognormal && mean <= 0.0 {
                    c.push(
                        format!("{p}.mean"),
                        format!("a lognormal value has a positive mean, found {mean}"),
                    );
                }
                if let (Some(lo), Some(hi)) = (u.low, u.high) {
                    bounds(c, lo, hi);
                }
            }
            Dist::Beta => {
                for (f, v) in [("alpha", u.alpha), ("beta", u.beta)] {
                    let x = need(c, f, v);
                    if x <= 0.0 {
                        c.push(
                            format!("{p}.{f}"),
                            format!("expected a positive `{f}`, found {x}"),
                        );
                    }
                }
                bounds(c, u.low.unwrap_or(0.0), u.high.unwrap_or(1.0));
            }
            Dist::Choice => {
                if u.values.is_empty() {
                    c.push(
                        format!("{p}.values"),
                        "a choice needs at least one value in `values`",
                    );
                }
            }
        }
    }
}
