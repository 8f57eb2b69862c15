//! A validated scenario compiled into indexed, immutable data for the engine.
//!
//! Built once per scenario and shared by every replication (and thread):
//! units expanded from contingents with a `count`, threat processes keyed by
//! stable names, injects resolved to site and kind masks, and for each site
//! and road condition the units sorted by travel time, so that dispatch looks
//! at the nearest units first and stops early.

use crate::rng::name_key;
use crate::scenario::*;
use crate::world::{SiteId, World};

pub use crate::ids::UnitId;

/// What kind of agent a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    Fpu,
    Ipo,
    Specialised(SpecialityKind),
    Host,
    Military,
}

impl UnitKind {
    pub fn name(self) -> &'static str {
        match self {
            UnitKind::Fpu => "fpu",
            UnitKind::Ipo => "ipo",
            UnitKind::Specialised(_) => "specialised",
            UnitKind::Host => "host",
            UnitKind::Military => "military",
        }
    }
    /// UN police (counted in person-days, bound by the police mandate).
    pub fn is_un_police(self) -> bool {
        matches!(
            self,
            UnitKind::Fpu | UnitKind::Ipo | UnitKind::Specialised(_)
        )
    }
}

/// One dispatchable agent.
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: String,
    /// The scenario entry it came from (contingent id; the site for host police).
    pub group: String,
    pub kind: UnitKind,
    pub base: SiteId,
    pub officers: u32,
    pub platoons: u32,
    pub guard_platoons: u32,
    pub vehicles: u32,
    pub vehicles_per_platoon: u32,
    pub women_share: f64,
    pub caveats: Caveats,
    pub arrive_h: f64,
    pub withdraw_h: f64,
    pub effectiveness: CapabilityTable,
    pub coordination_delay_h: f64,
    /// Hours from the order to moving out.
    pub readiness_h: f64,
    /// Hours from the order to moving out while alerted (military units).
    pub alert_readiness_h: Option<f64>,
    pub community_policing: bool,
    pub mentoring: bool,
    /// Has its own transport, needing no vehicles from a pool (military; host police).
    pub mounted: bool,
    /// Shifts of a formed unit's platoons (none: always on standby).
    pub shifts: Option<Shifts>,
}

impl Unit {
    /// A one-platoon unit with no vehicles, caveats or tasks, deployed throughout;
    /// callers set what differs with struct update syntax.
    fn new(
        id: String,
        group: &str,
        kind: UnitKind,
        base: SiteId,
        officers: u32,
        effectiveness: &CapabilityTable,
    ) -> Unit {
        Unit {
            id,
            group: group.to_string(),
            kind,
            base,
            officers,
            platoons: 1,
            guard_platoons: 0,
            vehicles: 0,
            vehicles_per_platoon: 0,
            women_share: 0.0,
            caveats: Caveats::default(),
            arrive_h: 0.0,
            withdraw_h: f64::INFINITY,
            effectiveness: effectiveness.clone(),
            coordination_delay_h: 0.0,
            readiness_h: 0.0,
            alert_readiness_h: None,
            community_policing: false,
            mentoring: false,
            mounted: false,
            shifts: None,
        }
    }

    /// Officers in one platoon.
    pub fn platoon_strength(&self) -> f64 {
        f64::from(self.officers) / f64::from(self.platoons.max(1))
    }
    /// Platoons that can be dispatched (not on static guard).
    pub fn mobile_platoons(&self) -> u32 {
        if self.caveats.static_guard_only {
            0
        } else {
            self.platoons - self.guard_platoons
        }
    }
    /// Draws vehicles from its pool for the platoons that go (police units);
    /// military and host police move with their own means (`mounted`).
    pub fn needs_vehicles(&self) -> bool {
        !matches!(self.kind, UnitKind::Military | UnitKind::Host)
    }
    /// Moves mounted when `need` vehicles are asked of `free` ones.
    pub fn moves_mounted(&self, need: u32, free: u32) -> bool {
        if self.needs_vehicles() {
            need <= free
        } else {
            self.mounted
        }
    }
}

/// One threat process: a kind at a site with a base rate.
#[derive(Debug, Clone)]
pub struct ThreatProcess {
    pub site: SiteId,
    pub kind: ThreatKind,
    /// Rate at the site's initial population, tension at its baseline.
    pub rate_per_h: f64,
    pub crowding: bool,
    /// Most the people factor may reach (1 where people only leave; the
    /// crowding cap at camps and POC sites, which receive them).
    pub people_cap: f64,
    /// Upper bound of the rate multiplier (tension, injects, crowding): the thinning bound.
    pub max_multiplier: f64,
    /// The bound's part from injects and people, without tension.
    pub base_bound: f64,
    /// Stable key of its random stream.
    pub key: u64,
    /// Active perpetrators behind the stream (0: arrests do not incapacitate it).
    pub pool: f64,
}

/// An inject resolved to masks, in hours.
#[derive(Debug, Clone)]
pub struct InjectWindow {
    pub name: String,
    pub start_h: f64,
    pub end_h: f64,
    pub sites: Vec<bool>,
    pub kinds: [bool; 6],
    /// Rate multiplier after dialogue and engagement.
    pub multiplier: f64,
    /// A political event: dialogue lowers its extra rate.
    pub political: bool,
    /// Rate multiplier while a dialogue the operations centre held at the
    /// site is in effect (`multiplier` when the mandate's dialogue already applies).
    pub after_dialogue: f64,
    /// Extra abuses an hour by host police at its sites (an allegation's pattern).
    pub host_abuse_per_h: f64,
    pub tension: f64,
    /// An incident this inject starts: (kind, site).
    pub incident: Option<(ThreatKind, SiteId)>,
    /// An escort request it makes, to this site.
    pub escort: Option<SiteId>,
    /// The message trainees see (an incident it starts is reported at once).
    pub text: String,
}

impl InjectWindow {
    pub fn applies(&self, site: SiteId, kind: ThreatKind) -> bool {
        self.sites[site] && self.kinds[kind.index()]
    }
}

/// Host police at a site, with its abuse process.
#[derive(Debug, Clone)]
pub struct HostPost {
    pub site: SiteId,
    pub unit: UnitId,
    pub officers: u32,
    pub capacity: f64,
    pub integrity: f64,
    /// Abuse rate per hour at integrity 0 and the initial capacity.
    pub abuse_rate_per_h: f64,
    /// Bound of the abuse rate (thinning): integrity 0, full capacity.
    pub abuse_bound_per_h: f64,
    pub key: u64,
}

/// Deterrence by presence, per threat kind ([`ThreatKind::index`]).
#[derive(Debug, Clone)]
pub struct Deterrence {
    pub patrol: [f64; 6],
    pub guard: [f64; 6],
    pub ipo: [f64; 6],
    pub host: [f64; 6],
    pub military: [f64; 6],
}

/// The compiled scenario.
#[derive(Debug, Clone)]
pub struct Model {
    pub deterrence: Deterrence,
    /// Per unit, the sites its presence covers: a military unit's base and
    /// the sites within `presence.military_reach_h`; others, their base.
    pub cover: Vec<Vec<SiteId>>,
    pub scenario: Scenario,
    pub world: World,
    pub units: Vec<Unit>,
    pub hosts: Vec<HostPost>,
    /// Host post index by site.
    pub host_at: Vec<Option<usize>>,
    pub processes: Vec<ThreatProcess>,
    pub kinds: [Option<ThreatKindParams>; 6],
    pub injects: Vec<InjectWindow>,
    /// `candidates[table][site]`: (unit, hours by vehicle from the unit's base), nearest first.
    pub candidates: Vec<Vec<Vec<(UnitId, f32)>>>,
    /// As `candidates`, only the formed units free to do routine work
    /// (patrols, escorts) somewhere: not bound to static guard.
    pub routine_candidates: Vec<Vec<Vec<(UnitId, f32)>>>,
    pub patrol_sites: Vec<SiteId>,
    /// Sites a hot-spot patrol may choose (the listed ones, or all).
    pub patrol_eligible: Vec<SiteId>,
    /// Base threat rate per day at each site, all kinds (hot-spot ranking).
    pub site_risk: Vec<f64>,
    /// Nearest camp or POC site by road from each site (where people flee).
    pub refuge: Vec<Option<SiteId>>,
    pub escort_sites: Vec<SiteId>,
    pub horizon_h: f64,
    /// Per site, the tension T* its stated rates sustain: where tension
    /// starts (the world did not begin calm), and the level at which the
    /// stated rates hold.
    pub tension_baseline: Vec<f64>,
    /// Per site, 1 / (1 + amplitude · T*/(1 + T*)): tension raises rates
    /// relative to their baseline.
    pub tension_norm: Vec<f64>,
    /// How large a run's growing tables became in earlier runs of this model,
    /// so that the next run reserves them once (never read by the rules).
    pub run_sizes: RunSizes,
}

/// Capacity hints for a run's growing tables: the largest sizes seen so far.
/// They change how memory is reserved, never a result.
#[derive(Debug, Default)]
pub struct RunSizes {
    pub incidents: std::sync::atomic::AtomicUsize,
    pub patrol_runs: std::sync::atomic::AtomicUsize,
    pub response_times: std::sync::atomic::AtomicUsize,
}

impl RunSizes {
    /// Notes the sizes a run reached.
    pub fn note(&self, incidents: usize, patrol_runs: usize, response_times: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        self.incidents.fetch_max(incidents, Relaxed);
        self.patrol_runs.fetch_max(patrol_runs, Relaxed);
        self.response_times.fetch_max(response_times, Relaxed);
    }

    /// (incidents, patrol runs, response times) to reserve.
    pub fn get(&self) -> (usize, usize, usize) {
        use std::sync::atomic::Ordering::Relaxed;
        (
            self.incidents.load(Relaxed),
            self.patrol_runs.load(Relaxed),
            self.response_times.load(Relaxed),
        )
    }
}

impl Clone for RunSizes {
    fn clone(&self) -> Self {
        let (a, b, c) = self.get();
        RunSizes {
            incidents: a.into(),
            patrol_runs: b.into(),
            response_times: c.into(),
        }
    }
}

impl Model {
    /// Compiles a scenario that [`validate`](crate::scenario::validate) accepted.
    pub fn build(s: &Scenario) -> Model {
        let world = World::build(s);
        let site = |id: &str| world.index[id];
        let e = &s.effectiveness;
        let mut units = Vec::new();
        let expand = |id: &str, count: u32, i: u32| {
            if count == 1 {
                id.to_string()
            } else {
                format!("{id}#{}", i + 1)
            }
        };
        let till = |w: Option<f64>| w.map_or(f64::INFINITY, |d| d * 24.0);
        for f in &s.forces.fpus {
            for i in 0..f.count {
                units.push(Unit {
                    platoons: f.platoons,
                    guard_platoons: f.guard_platoons,
                    vehicles: f.vehicles,
                    vehicles_per_platoon: f.vehicles_per_platoon,
                    women_share: f.women_share,
                    caveats: f.caveats.clone(),
                    arrive_h: f.arrive_day * 24.0,
                    withdraw_h: till(f.withdraw_day),
                    readiness_h: f.readiness_h,
                    shifts: f.shifts.clone(),
                    ..Unit::new(
                        expand(&f.id, f.count, i),
                        &f.id,
                        UnitKind::Fpu,
                        site(&f.base),
                        f.officers,
                        &e.fpu,
                    )
                });
            }
        }
        for t in &s.forces.ipo_teams {
            let table = if t.crsv_trained {
                &e.ipo_crsv_trained
            } else {
                &e.ipo
            };
            for i in 0..t.count {
                units.push(Unit {
                    vehicles: t.vehicles,
                    vehicles_per_platoon: 1,
                    women_share: t.women_share,
                    arrive_h: t.arrive_day * 24.0,
                    withdraw_h: till(t.withdraw_day),
                    readiness_h: t.readiness_h,
                    community_policing: t.community_policing,
                    mentoring: t.mentoring,
                    ..Unit::new(
                        expand(&t.id, t.count, i),
                        &t.id,
                        UnitKind::Ipo,
                        site(&t.site),
                        t.officers,
                        table,
                    )
                });
            }
        }
        for t in &s.forces.specialised_teams {
            let table = if t.kind == SpecialityKind::Sgbv {
                &e.specialised_sgbv
            } else {
                &e.specialised_other
            };
            units.push(Unit {
                vehicles: t.vehicles,
                vehicles_per_platoon: 1,
                women_share: t.women_share,
                arrive_h: t.arrive_day * 24.0,
                withdraw_h: till(t.withdraw_day),
                readiness_h: t.readiness_h,
                mentoring: true,
                ..Unit::new(
                    t.id.clone(),
                    &t.id,
                    UnitKind::Specialised(t.kind),
                    site(&t.base),
                    t.officers,
                    table,
                )
            });
        }
        for m in &s.forces.military {
            for i in 0..m.count {
                units.push(Unit {
                    coordination_delay_h: m.coordination_delay_h,
                    readiness_h: m.readiness_h,
                    alert_readiness_h: m.alert_readiness_h,
                    mounted: m.mounted,
                    ..Unit::new(
                        expand(&m.id, m.count, i),
                        &m.id,
                        UnitKind::Military,
                        site(&m.base),
                        m.strength,
                        &e.military,
                    )
                });
            }
        }
        let mut hosts = Vec::new();
        let mut host_at = vec![None; world.len()];
        for h in &s.forces.host_police {
            let sid = site(&h.site);
            host_at[sid] = Some(hosts.len());
            let abuse_rate_per_h =
                s.host.abuse_rate_per_100_day * f64::from(h.officers) / 100.0 / 24.0;
            // Allegations' patterns add to the rate while they last: the bound
            // covers them all at once.
            let alleged_per_h: f64 = s
                .injects
                .iter()
                .filter(|i| i.sites.contains(&h.site))
                .map(|i| i.host_abuse_per_day.max(0.0) / 24.0)
                .sum();
            hosts.push(HostPost {
                site: sid,
                unit: UnitId::new(units.len()),
                officers: h.officers,
                capacity: h.capacity,
                integrity: h.integrity,
                abuse_rate_per_h,
                abuse_bound_per_h: (abuse_rate_per_h + alleged_per_h)
                    * (1.0 + s.host.abuse_support_gain.max(0.0)),
                key: name_key(&["host", &h.site]),
            });
            units.push(Unit {
                readiness_h: h.readiness_h,
                mounted: true,
                ..Unit::new(
                    format!("host@{}", h.site),
                    &h.site,
                    UnitKind::Host,
                    sid,
                    h.officers,
                    &e.host,
                )
            });
        }

        let mut kinds: [Option<ThreatKindParams>; 6] = Default::default();
        for (k, p) in &s.threat_kinds {
            kinds[k.index()] = Some(p.clone());
        }
        let all_sites = vec![true; world.len()];
        let injects: Vec<InjectWindow> = s
            .injects
            .iter()
            .map(|i| {
                let mut sites = if i.sites.is_empty() {
                    all_sites.clone()
                } else {
                    vec![false; world.len()]
                };
                for id in &i.sites {
                    sites[site(id)] = true;
                }
                let mut kinds = [i.kinds.is_empty(); 6];
                for k in &i.kinds {
                    kinds[k.index()] = true;
                }
                let talked = 1.0 + (i.rate_multiplier - 1.0) * (1.0 - s.mandate.dialogue_effect);
                let multiplier = if i.political && s.mandate.dialogue {
                    talked
                } else {
                    i.rate_multiplier
                };
                InjectWindow {
                    name: i.name.clone(),
                    start_h: i.start_day * 24.0,
                    end_h: i.end_day * 24.0,
                    sites,
                    kinds,
                    multiplier,
                    political: i.political,
                    after_dialogue: if i.political { talked } else { multiplier },
                    host_abuse_per_h: i.host_abuse_per_day / 24.0,
                    tension: i.tension,
                    incident: i
                        .incident
                        .and_then(|k| i.sites.first().map(|x| (k, site(x)))),
                    escort: i.sites.first().filter(|_| i.escort).map(|x| site(x)),
                    text: i.text.clone(),
                }
            })
            .collect();

        let mut processes = Vec::new();
        let mut seen: std::collections::HashMap<(SiteId, ThreatKind), u32> = Default::default();
        for t in &s.threats {
            for id in &t.sites {
                let sid = site(id);
                let n = seen.entry((sid, t.kind)).or_insert(0);
                *n += 1;
                // Injects may overlap: the product of all that apply bounds them.
                let inj: f64 = injects
                    .iter()
                    .filter(|w| w.applies(sid, t.kind))
                    .map(|w| w.multiplier.max(1.0))
                    .product();
                let people_cap = if t.scales_with_crowding || world.sites[sid].kind.is_refuge() {
                    s.displacement.crowding_cap.max(1.0)
                } else {
                    1.0
                };
                let per_day = t.rate_per_day
                    + t.rate_per_1000_day * world.sites[sid].population.max(0.0) / 1000.0;
                processes.push(ThreatProcess {
                    site: sid,
                    kind: t.kind,
                    rate_per_h: per_day / 24.0,
                    crowding: t.scales_with_crowding,
                    people_cap,
                    // The tension factor's bound is set with the baseline tension.
                    max_multiplier: inj * people_cap,
                    base_bound: inj * people_cap,
                    key: name_key(&[id, t.kind.name(), &n.to_string()]),
                    pool: s.threat_kinds.get(&t.kind).map_or(0.0, |k| {
                        k.perpetrator_pool
                            + k.perpetrators_per_1000 * world.sites[sid].population.max(0.0)
                                / 1000.0
                    }),
                });
            }
        }

        let mut candidates = Vec::with_capacity(world.tables.len());
        for k in 0..world.tables.len() {
            let mut per_site = Vec::with_capacity(world.len());
            for dst in SiteId::all(world.len()) {
                let mut list: Vec<(UnitId, f32)> = units
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| u.kind != UnitKind::Host || u.base == dst)
                    .map(|(i, u)| (UnitId::new(i), world.drive_h(k, u.base, dst) as f32))
                    .filter(|(_, t)| t.is_finite())
                    .collect();
                list.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                per_site.push(list);
            }
            candidates.push(per_site);
        }
        let routine_candidates = candidates
            .iter()
            .map(|per_site| {
                per_site
                    .iter()
                    .map(|list| {
                        list.iter()
                            .copied()
                            .filter(|&(u, _)| {
                                let unit = &units[u.index()];
                                unit.kind == UnitKind::Fpu && !unit.caveats.static_guard_only
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();

        let patrol_sites: Vec<SiteId> = s.mandate.patrol.sites.iter().map(|x| site(x)).collect();
        let patrol_eligible = if patrol_sites.is_empty() {
            SiteId::all(world.len()).collect()
        } else {
            patrol_sites.clone()
        };
        let tension_baseline = baseline_tension(s, &world, &processes, &hosts);
        let mut site_risk = vec![0.0; world.len()];
        for p in &processes {
            site_risk[p.site] += p.rate_per_h * 24.0;
        }
        let refuge = SiteId::all(world.len())
            .map(|o| {
                SiteId::all(world.len())
                    .filter(|&r| r != o && world.sites[r].kind.is_refuge())
                    .map(|r| (r, world.drive_h(0, o, r)))
                    .filter(|x| x.1.is_finite())
                    .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                    .map(|x| x.0)
            })
            .collect();
        let reach = s.presence.military_reach_h.max(0.0);
        let cover = units
            .iter()
            .map(|u| {
                if u.kind != UnitKind::Military {
                    return vec![u.base];
                }
                // Reach by road in the normal season: by vehicle, or on foot.
                let hours = |x: SiteId| {
                    if u.mounted {
                        world.drive_h(0, u.base, x)
                    } else {
                        world.walk_h(0, u.base, x)
                    }
                };
                SiteId::all(world.len())
                    .filter(|&x| x == u.base || hours(x) <= reach)
                    .collect()
            })
            .collect();
        let pr = &s.presence;
        let mut military = [0.0; 6];
        for (k, d) in &pr.military_deterrence {
            military[k.index()] = *d;
        }
        let deterrence = Deterrence {
            patrol: pr.patrol_deterrence.by_index(),
            guard: pr.guard_deterrence.by_index(),
            ipo: pr.ipo_deterrence.by_index(),
            host: pr.host_deterrence.by_index(),
            military,
        };
        let mut model = Model {
            deterrence,
            cover,
            patrol_eligible,
            site_risk,
            refuge,
            patrol_sites,
            escort_sites: s
                .escorts
                .as_ref()
                .map(|e| e.sites.iter().map(|x| site(x)).collect())
                .unwrap_or_default(),
            horizon_h: s.clock.horizon_days * 24.0,
            tension_baseline: Vec::new(),
            tension_norm: Vec::new(),
            run_sizes: RunSizes::default(),
            scenario: s.clone(),
            world,
            units,
            hosts,
            host_at,
            processes,
            kinds,
            injects,
            candidates,
            routine_candidates,
        };
        model.set_tension_baseline(tension_baseline);
        model
    }

    /// Parameters of a threat kind (present for every kind a process uses).
    pub fn kind(&self, k: ThreatKind) -> &ThreatKindParams {
        self.kinds[k.index()]
            .as_ref()
            .expect("validated: every used threat kind has parameters")
    }

    /// Sets each site's baseline tension T* (where tension starts, and the
    /// level at which the stated rates hold), the tension factor's divisor
    /// and the streams' thinning bounds.
    pub fn set_tension_baseline(&mut self, tension: Vec<f64>) {
        let amp = self.scenario.tension.amplitude.max(0.0);
        let norm: Vec<f64> = tension
            .iter()
            .map(|&t| 1.0 / (1.0 + amp * t / (1.0 + t)))
            .collect();
        for p in &mut self.processes {
            p.max_multiplier = p.base_bound * (1.0 + amp) * norm[p.site];
        }
        self.tension_baseline = tension;
        self.tension_norm = norm;
    }

    /// Things a valid scenario may not mean: listed patrol sites that no
    /// formed unit's caveats let it patrol (their slots pass to other sites;
    /// if no site is left, patrols go unstaffed), and escort destinations no
    /// formed unit may reach (those requests are cancelled).
    pub fn warnings(&self) -> Vec<String> {
        // Road distances as on the normal road table.
        let may = |u: UnitId, site: SiteId| {
            self.units[u].kind == UnitKind::Fpu
                && crate::engine::rules::site_caveat(self, u, site, 0).is_none()
        };
        let unreachable = |sites: &[SiteId]| -> Vec<&str> {
            sites
                .iter()
                .filter(|&&s| !UnitId::all(self.units.len()).any(|u| may(u, s)))
                .map(|&s| self.world.sites[s].id.as_str())
                .collect()
        };
        let mut out = Vec::new();
        let p = &self.scenario.mandate.patrol;
        if p.doctrine != PatrolKind::None && p.patrols_per_fpu_day > 0.0 {
            let listed: Vec<SiteId> = self
                .patrol_eligible
                .iter()
                .copied()
                .filter(|&s| self.site_risk[s] > 0.0 || p.doctrine == PatrolKind::Fixed)
                .collect();
            let out_of_reach = unreachable(&listed);
            if out_of_reach.is_empty() {
                // Every listed site has a unit that may go.
            } else if out_of_reach.len() == listed.len() {
                out.push(format!(
                    "mandate.patrol: no formed unit's caveats let it patrol any listed site ({}): every patrol will go unstaffed",
                    out_of_reach.join(", ")
                ));
            } else {
                out.push(format!(
                    "mandate.patrol: no formed unit's caveats let it patrol {}; their slots go to other listed sites",
                    out_of_reach.join(", ")
                ));
            }
        }
        let escorts = self
            .scenario
            .escorts
            .as_ref()
            .is_some_and(|e| e.requests_per_day > 0.0);
        if escorts {
            let out_of_reach = unreachable(&self.escort_sites);
            if !out_of_reach.is_empty() {
                out.push(format!(
                    "escorts.sites: no formed unit's caveats let it escort to {}: those requests will be cancelled",
                    out_of_reach.join(", ")
                ));
            }
        }
        out
    }

    /// UN police officer-days deployed within the horizon.
    pub fn person_days(&self) -> f64 {
        self.units
            .iter()
            .filter(|u| u.kind.is_un_police())
            .map(|u| {
                let from = u.arrive_h.min(self.horizon_h);
                let to = u.withdraw_h.min(self.horizon_h);
                f64::from(u.officers) * (to - from).max(0.0) / 24.0
            })
            .sum()
    }
}

/// Per site, the tension T* the site's stated rates would sustain: each
/// incident adds `per_unanswered` and `per_harmed` × its mean harm, each abuse
/// `per_abuse`, and tension decays with its half-life (mean life = half-life /
/// ln 2). Dividing the tension factor by its value at T* makes the stated
/// rates the baseline's rates: tension above its usual level raises them,
/// below lowers them.
fn baseline_tension(
    s: &Scenario,
    world: &World,
    processes: &[ThreatProcess],
    hosts: &[HostPost],
) -> Vec<f64> {
    let tp = &s.tension;
    let life_h = tp.half_life_days.max(0.0) * 24.0 / std::f64::consts::LN_2;
    let mut per_h = vec![0.0; world.len()];
    for p in processes {
        let info = &world.sites[p.site];
        let harm = s.threat_kinds.get(&p.kind).map_or(0.0, |k| {
            (k.severity * info.vulnerability).min(info.population.max(0.0))
        });
        per_h[p.site] += p.rate_per_h * (tp.per_unanswered + tp.per_harmed * harm);
    }
    for h in hosts {
        per_h[h.site] += h.abuse_rate_per_h * (1.0 - h.integrity) * tp.per_abuse;
    }
    per_h.iter().map(|&r| (r * life_h).max(0.0)).collect()
}
