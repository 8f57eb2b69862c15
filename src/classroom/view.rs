//! What each page shows, as JSON: a syndicate sees its operations centre
//! (what the centre can know: reported incidents, its units, the messages it
//! received, the pending decision); the white cell sees the events list with
//! the expected actions, every syndicate's state and the ground truth.

use super::class::{Class, Inject, InjectState, Team, lock};
use crate::exercise::{Mark, Message, clock};
use crate::policy::Status;
use serde::Serialize;

#[derive(Serialize)]
pub struct SiteOut {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub x_km: f64,
    pub y_km: f64,
    pub population: f64,
    pub tension: f64,
    pub trust: f64,
    pub host_supported: Option<bool>,
    pub host_conditions: bool,
    pub allegation: bool,
    pub dialogue: bool,
    pub patrols: u32,
    pub open_incidents: u32,
}

#[derive(Serialize)]
pub struct RoadOut {
    pub from: String,
    pub to: String,
    pub km: f64,
    pub surface: String,
}

#[derive(Serialize)]
pub struct UnitOut {
    pub id: String,
    pub kind: String,
    pub base: String,
    pub active: bool,
    pub free: String,
    pub caveats: String,
}

#[derive(Serialize)]
pub struct IncidentOut {
    pub id: usize,
    pub kind: String,
    pub site: String,
    pub reported: String,
    pub responders: u32,
    pub waiting: bool,
}

#[derive(Serialize)]
pub struct OptionOut {
    pub unit: String,
    pub kind: String,
    pub officers: f64,
    pub mounted: bool,
    /// ready, delayed, forbidden or busy.
    pub status: String,
    /// The rule that delays or forbids it.
    pub rule: String,
    pub distance: String,
    pub eta_h: f64,
    pub dispatchable: bool,
    /// Whether a waiver can be asked for it.
    pub waivable: bool,
    /// Shown only when the white cell allows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effectiveness: Option<f64>,
    /// The whole line, as the terminal shows it (without effectiveness).
    pub line: String,
}

#[derive(Serialize)]
pub struct DecisionOut {
    pub incident: usize,
    pub kind: String,
    pub site: String,
    pub site_name: String,
    pub options: Vec<OptionOut>,
}

#[derive(Serialize)]
pub struct OutcomeOut {
    pub harmed: u64,
    pub killed: u64,
    pub standard_procedure_harmed: u64,
    pub standard_procedure_killed: u64,
}

/// A syndicate's page.
#[derive(Serialize)]
pub struct SyndicateView {
    pub team: String,
    pub scenario: String,
    pub clock: String,
    pub now_h: f64,
    pub horizon_h: f64,
    pub running: bool,
    pub speed: f64,
    pub waiting: bool,
    pub hold: Option<u32>,
    pub done: bool,
    pub refusal: Option<String>,
    pub sites: Vec<SiteOut>,
    pub roads: Vec<RoadOut>,
    pub units: Vec<UnitOut>,
    pub incidents: Vec<IncidentOut>,
    pub feed: Vec<String>,
    pub messages: Vec<MessageOut>,
    pub decision: Option<DecisionOut>,
    pub orders: OrdersOut,
    pub decisions_taken: usize,
    pub outcome: Option<OutcomeOut>,
}

/// What the syndicate may order besides answering incidents, and what it has ordered.
#[derive(Serialize)]
pub struct OrdersOut {
    /// Escort requests waiting for an answer, oldest first.
    pub escorts: Vec<EscortOut>,
    /// Sites patrols go to, and today's plan if the syndicate set one.
    pub patrol_sites: Vec<String>,
    pub patrol_plan: Option<String>,
    pub fpus: Vec<String>,
    /// IPO teams that can hold a dialogue (the head of the police component always can).
    pub ipo_teams: Vec<String>,
    /// Military units, and those on alert now.
    pub military: Vec<String>,
    pub alerted: Vec<String>,
}

#[derive(Serialize)]
pub struct EscortOut {
    /// The request's number, to answer it.
    pub request: usize,
    /// Who asked (the sender of the events list's message), if known.
    pub from: String,
    pub site: String,
    pub site_name: String,
    pub since: String,
}

#[derive(Serialize)]
pub struct MessageOut {
    pub order: u32,
    pub clock: String,
    pub from: String,
    pub to: String,
    pub title: String,
    pub text: String,
}

impl From<&Message> for MessageOut {
    fn from(m: &Message) -> Self {
        MessageOut {
            order: m.order,
            clock: clock(m.time_h),
            from: m.from.clone(),
            to: m.to.clone(),
            title: m.title.clone(),
            text: m.text.clone(),
        }
    }
}

fn status_words(s: Status) -> (String, String) {
    match s {
        Status::Ready => ("ready".into(), String::new()),
        Status::Delayed(r) => ("delayed".into(), r.name().replace('_', " ")),
        Status::Forbidden(r) => ("forbidden".into(), r.name().replace('_', " ")),
        Status::Busy => ("busy".into(), String::new()),
    }
}

/// The orders panel of a syndicate's page.
fn orders(model: &crate::model::Model, sim: &crate::engine::Simulation) -> OrdersOut {
    use crate::model::UnitKind;
    let w = &model.world;
    let ids = |kind: fn(UnitKind) -> bool| -> Vec<String> {
        model
            .units
            .iter()
            .filter(|u| kind(u.kind))
            .map(|u| u.id.clone())
            .collect()
    };
    OrdersOut {
        escorts: sim
            .escorts_asked()
            .into_iter()
            .map(|a| EscortOut {
                request: a.request,
                from: model
                    .injects
                    .iter()
                    .zip(&model.scenario.injects)
                    .find(|(i, _)| {
                        i.escort == Some(a.site) && (i.start_h - a.requested_h).abs() < 1e-6
                    })
                    .map_or_else(String::new, |(_, s)| s.from.clone()),
                site: w.sites[a.site].id.clone(),
                site_name: w.sites[a.site].name.clone(),
                since: clock(a.requested_h),
            })
            .collect(),
        patrol_sites: model
            .patrol_eligible
            .iter()
            .map(|&s| w.sites[s].id.clone())
            .collect(),
        patrol_plan: sim.patrol_plan_today().map(|(sites, units)| {
            let names: Vec<&str> = sites.iter().map(|&s| w.sites[s].id.as_str()).collect();
            let by: Vec<&str> = units.iter().map(|&u| model.units[u].id.as_str()).collect();
            match (names.is_empty(), by.is_empty()) {
                (true, _) => "no patrols today".to_string(),
                (false, true) => names.join(", "),
                (false, false) => format!("{} with {}", names.join(", "), by.join(", ")),
            }
        }),
        fpus: ids(|k| k == UnitKind::Fpu),
        ipo_teams: ids(|k| matches!(k, UnitKind::Ipo | UnitKind::Specialised(_))),
        military: ids(|k| k == UnitKind::Military),
        alerted: model
            .units
            .iter()
            .enumerate()
            .filter(|(k, _)| sim.unit_view(crate::ids::UnitId::new(*k)).alerted)
            .map(|(_, u)| u.id.clone())
            .collect(),
    }
}

/// A syndicate's page from its team's state.
pub fn syndicate(class: &Class, team: &Team, show_effectiveness: bool) -> SyndicateView {
    let model = class.model;
    let sim = team.session.sim();
    let w = &model.world;
    let sites = w
        .sites
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let v = sim.site_view(crate::ids::SiteId::new(k));
            SiteOut {
                id: s.id.clone(),
                name: s.name.clone(),
                kind: format!("{:?}", s.kind).to_lowercase(),
                x_km: s.x_km,
                y_km: s.y_km,
                population: v.population.round(),
                tension: v.tension,
                trust: v.trust,
                host_supported: v.host_supported,
                host_conditions: v.host_conditions,
                allegation: v.allegation,
                dialogue: v.dialogue,
                patrols: v.patrols,
                open_incidents: v.open_incidents,
            }
        })
        .collect();
    let roads = w
        .roads
        .iter()
        .map(|(a, b, km, surface)| RoadOut {
            from: w.sites[*a].id.clone(),
            to: w.sites[*b].id.clone(),
            km: *km,
            surface: format!("{surface:?}").to_lowercase(),
        })
        .collect();
    let units = model
        .units
        .iter()
        .enumerate()
        .map(|(k, u)| {
            let v = sim.unit_view(crate::ids::UnitId::new(k));
            UnitOut {
                id: u.id.clone(),
                kind: u.kind.name().to_string(),
                base: w.sites[u.base].id.clone(),
                active: v.active,
                free: if !v.active {
                    "not deployed".into()
                } else if u.platoons > 1 {
                    format!(
                        "{} of {} platoons free, {} vehicles free",
                        v.idle, v.deployable, v.vehicles_free
                    )
                } else if v.idle > 0 {
                    "free".into()
                } else {
                    "busy".into()
                },
                caveats: crate::exercise::caveats_in_words(&u.caveats),
            }
        })
        .collect();
    let incidents = sim
        .open_incidents()
        .into_iter()
        .map(|i| IncidentOut {
            id: i.id.index(),
            kind: i.kind.name().replace('_', " "),
            site: w.sites[i.site].name.clone(),
            reported: clock(i.reported_h),
            responders: i.responders,
            waiting: i.waiting,
        })
        .collect();
    let decision = team.session.situation().map(|s| DecisionOut {
        incident: s.incident.id.index(),
        kind: s.incident.kind.name().replace('_', " "),
        site: w.sites[s.incident.site].id.clone(),
        site_name: w.sites[s.incident.site].name.clone(),
        options: s
            .options
            .iter()
            .map(|o| {
                let (status, rule) = status_words(o.status);
                let line = crate::exercise::describe_option(model, s, o);
                let line = match line.rfind(", effectiveness") {
                    Some(k) if !show_effectiveness => line[..k].to_string(),
                    _ => line,
                };
                OptionOut {
                    unit: model.units[o.unit].id.clone(),
                    kind: model.units[o.unit].kind.name().to_string(),
                    officers: o.officers,
                    mounted: o.mounted,
                    status,
                    rule,
                    // "unit (…): status, where, arrives in …"
                    distance: line
                        .split_once("): ")
                        .and_then(|(_, rest)| rest.split_once(", "))
                        .map(|(_, rest)| rest.split(", arrives").next().unwrap_or_default())
                        .unwrap_or_default()
                        .to_string(),
                    eta_h: o.eta_h,
                    dispatchable: o.dispatchable(),
                    waivable: matches!(o.status, Status::Delayed(_) | Status::Forbidden(_))
                        && model.units[o.unit].caveats.approval_required,
                    effectiveness: show_effectiveness.then_some(o.effectiveness),
                    line,
                }
            })
            .collect(),
    });
    let outcome = team.outcome.as_ref().map(|(t, d)| OutcomeOut {
        harmed: t.civilians_harmed,
        killed: t.civilians_killed,
        standard_procedure_harmed: d.civilians_harmed,
        standard_procedure_killed: d.civilians_killed,
    });
    let feed_from = team.feed.len().saturating_sub(200);
    SyndicateView {
        team: team.name.clone(),
        scenario: class.loaded.scenario.scenario.name.clone(),
        clock: clock(team.session.now_h()),
        now_h: team.session.now_h(),
        horizon_h: model.horizon_h,
        running: team.running,
        speed: team.speed,
        waiting: team.waiting(),
        hold: team.hold,
        done: team.done(),
        refusal: team.refusal.clone(),
        sites,
        roads,
        units,
        incidents,
        feed: team.feed[feed_from..].to_vec(),
        messages: team
            .session
            .log()
            .messages
            .iter()
            .map(MessageOut::from)
            .collect(),
        decision,
        orders: orders(model, sim),
        decisions_taken: team
            .session
            .decisions()
            .iter()
            .filter(|d| !matches!(d.choice, crate::exercise::Choice::Inject { .. }))
            .count(),
        outcome,
    }
}

/// A syndicate as the white cell sees it.
#[derive(Serialize)]
pub struct TeamOut {
    pub name: String,
    /// Its page, for the white cell to look over its shoulder (or project it).
    pub page: String,
    pub clock: String,
    pub now_h: f64,
    pub running: bool,
    pub speed: f64,
    pub waiting: bool,
    /// What it is waiting on, in words.
    pub waiting_on: String,
    pub done: bool,
    pub decisions_taken: usize,
    /// Ground truth the syndicate cannot see.
    pub harmed_so_far: u64,
    pub killed_so_far: u64,
    pub true_incidents: usize,
    pub reported_incidents: usize,
    pub marks: Vec<Mark>,
    pub last_decisions: Vec<String>,
    pub outcome: Option<OutcomeOut>,
}

#[derive(Serialize)]
pub struct InjectOut {
    pub order: u32,
    pub clock: String,
    pub time_h: f64,
    pub from: String,
    pub to: String,
    pub title: String,
    pub text: String,
    pub expected: String,
    pub kind: String,
    pub site: Option<String>,
    pub incident: Option<String>,
    pub state: InjectState,
    pub teams: Vec<String>,
    pub delivered: Vec<String>,
    pub added: bool,
}

impl From<&Inject> for InjectOut {
    fn from(i: &Inject) -> Self {
        InjectOut {
            order: i.item.order,
            clock: clock(i.item.time_h),
            time_h: i.item.time_h,
            from: i.item.from.clone(),
            to: i.item.to.clone(),
            title: i.item.title.clone(),
            text: i.item.description.clone(),
            expected: i.item.expected.clone(),
            kind: i.item.kind().to_string(),
            site: i.item.site.clone(),
            incident: i.item.incident.clone(),
            state: i.state,
            teams: i.teams.clone(),
            delivered: i.delivered.clone(),
            added: i.scenario_inject.is_none(),
        }
    }
}

/// The white cell's page.
#[derive(Serialize)]
pub struct WhiteView {
    pub scenario: String,
    pub seed: u64,
    pub show_effectiveness: bool,
    pub sites: Vec<String>,
    pub threat_kinds: Vec<String>,
    pub injects: Vec<InjectOut>,
    pub teams: Vec<TeamOut>,
    pub all_done: bool,
}

pub fn white(class: &Class) -> WhiteView {
    let shared = lock(&class.shared);
    let injects = shared.injects.iter().map(InjectOut::from).collect();
    let show_effectiveness = shared.show_effectiveness;
    drop(shared);
    let teams: Vec<TeamOut> = class
        .seats
        .iter()
        .map(|seat| {
            let t = lock(&seat.team);
            let sim = t.session.sim();
            let truth = sim.tally_so_far();
            let decisions = t.session.decisions();
            TeamOut {
                name: seat.name.clone(),
                page: format!("/s/{}?token={}", seat.name, seat.token),
                clock: clock(t.session.now_h()),
                now_h: t.session.now_h(),
                running: t.running,
                speed: t.speed,
                waiting: t.waiting(),
                waiting_on: match (t.session.situation(), t.hold) {
                    (Some(s), _) => format!(
                        "a decision: {} at {}",
                        s.incident.kind.name().replace('_', " "),
                        class.model.world.sites[s.incident.site].name
                    ),
                    (None, Some(o)) => format!("an answer to inject {o}"),
                    _ => String::new(),
                },
                done: t.done(),
                decisions_taken: decisions
                    .iter()
                    .filter(|d| !matches!(d.choice, crate::exercise::Choice::Inject { .. }))
                    .count(),
                harmed_so_far: truth.civilians_harmed,
                killed_so_far: truth.civilians_killed,
                true_incidents: truth.incidents_true as usize,
                reported_incidents: truth.incidents_reported as usize,
                marks: t.session.log().marks.clone(),
                last_decisions: decisions
                    .iter()
                    .rev()
                    .take(5)
                    .map(|d| {
                        // An incident's decision names the incident.
                        let about = if d.incident.is_some() && !d.choice.keeps_pending() {
                            format!(" ({} at {})", d.kind.replace('_', " "), d.site)
                        } else {
                            String::new()
                        };
                        format!(
                            "{} {}{about}",
                            clock(d.time_h),
                            crate::exercise::review::describe(&d.choice)
                        )
                    })
                    .collect(),
                outcome: t.outcome.as_ref().map(|(a, b)| OutcomeOut {
                    harmed: a.civilians_harmed,
                    killed: a.civilians_killed,
                    standard_procedure_harmed: b.civilians_harmed,
                    standard_procedure_killed: b.civilians_killed,
                }),
            }
        })
        .collect();
    WhiteView {
        scenario: class.loaded.scenario.scenario.name.clone(),
        seed: class.seed,
        show_effectiveness,
        sites: class
            .model
            .world
            .sites
            .iter()
            .map(|s| s.id.clone())
            .collect(),
        threat_kinds: crate::scenario::ThreatKind::ALL
            .iter()
            .map(|k| k.name().to_string())
            .collect(),
        injects,
        all_done: teams.iter().all(|t| t.done),
        teams,
    }
}
