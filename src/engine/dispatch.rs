//! Dispatch: the options the operations centre sees, the rules that stand in
//! their way, and what happens when one is chosen (departure, approval from
//! the capital, waivers).
//!
//! Options are found by walking the units nearest-first (a list precomputed
//! per site and road condition) and stopping as soon as no farther unit could
//! arrive before the best dispatchable one: the cost per decision follows the
//! handful of units that matter, not the size of the force.

use super::rules::{Origin, Task};
use super::{Event, PendingMove, Simulation};
use crate::ids::{IncidentId, PatrolRunId, SiteId, UnitId};
use crate::metrics::EventKind;
use crate::model::UnitKind;
use crate::policy::{IncidentView, ResponseOption, Rule, Status};
use crate::scenario::ThreatKind;

/// A patrol out that could answer: (unit, patrol run, where it starts, road hours).
pub(crate) type PatrolSource = (UnitId, PatrolRunId, Origin, f64);

impl Simulation<'_> {
    /// Share of harm a timely response by `platoons` of unit `u` averts.
    pub(crate) fn effectiveness(&self, u: UnitId, kind: ThreatKind, platoons: u32) -> f64 {
        let unit = &self.m.units[u];
        let kp = self.m.kind(kind);
        let mut e = unit.effectiveness.get(kp.capability);
        if unit.kind == UnitKind::Host {
            e *= self.sites[unit.base].host_capacity;
        }
        let officers = self.officers_sent(u, platoons);
        let fit = if kp.force_needed > 0.0 {
            (officers / kp.force_needed).min(1.0)
        } else {
            1.0
        };
        e * fit
    }

    /// Platoons an FPU would send to a threat without a no-split caveat.
    pub(crate) fn platoons_needed(&self, u: UnitId, kind: ThreatKind) -> u32 {
        let unit = &self.m.units[u];
        let mobile = (unit.platoons - unit.guard_platoons).max(1);
        let strength = unit.platoon_strength().max(1.0);
        ((self.m.kind(kind).force_needed / strength).ceil() as u32).clamp(1, mobile)
    }

    fn officers_sent(&self, u: UnitId, platoons: u32) -> f64 {
        let unit = &self.m.units[u];
        match unit.kind {
            UnitKind::Fpu => unit.platoon_strength() * f64::from(platoons),
            _ => f64::from(unit.officers),
        }
    }

    /// Hours from the order to moving out for `platoons` of unit `u`: its
    /// readiness (and coordination delay) or, for a formed unit in shifts, the
    /// resting readiness when fewer platoons are on standby than would go.
    pub(crate) fn ready_h(&self, u: UnitId, platoons: u32) -> f64 {
        let unit = &self.m.units[u];
        let base = self.order_to_move_h(u);
        let Some(sh) = &unit.shifts else {
            return base;
        };
        let st = &self.units[u];
        let mobile = unit.platoons - unit.guard_platoons;
        let fresh = st.rested_at.partition_point(|&t| t <= self.now) as u32;
        // A rota, working platoons included: a day shift and a lighter night
        // shift that together give each platoon its duty hours a day.
        let c = &self.m.scenario.clock;
        let night = super::hours::rem24(c.night_end_h - c.night_start_h);
        let day = 24.0 - night;
        let by_day = f64::from(mobile) * sh.duty_h_per_day / (day + sh.night_share * night);
        let hour = super::hours::rem24(self.now);
        let (share, phase) = if self.is_night(self.now) {
            let into = super::hours::rem24(hour - c.night_start_h);
            (sh.night_share, into / night.max(1e-9))
        } else {
            let into = super::hours::rem24(hour - c.night_end_h);
            (1.0, into / day.max(1e-9))
        };
        // A fractional platoon is on duty for that fraction of the period
        // (its first part), so the rota keeps each platoon's hours on average.
        let x = by_day * share;
        let on_duty = (x.floor() as u32 + u32::from(phase < x.fract())).clamp(1, mobile.max(1));
        let working = mobile.saturating_sub(st.idle);
        let standby = fresh.min(on_duty.saturating_sub(working));
        if platoons <= standby {
            base
        } else {
            unit.coordination_delay_h + sh.resting_readiness_h.max(unit.readiness_h)
        }
    }

    /// Takes platoons and vehicles of unit `u` for a task that needs `needed`
    /// platoons (a no-split unit holds the rest); the most rested go first.
    pub(crate) fn take_platoons(&mut self, u: UnitId, platoons: u32, vehicles: u32, needed: u32) {
        let unit = &self.m.units[u];
        if self.opts.self_check {
            let st = &self.units[u];
            assert!(
                platoons <= st.idle && vehicles <= st.vehicles_free,
                "unit {} sent {} platoons and {} vehicles with {} and {} free",
                unit.id,
                platoons,
                vehicles,
                st.idle,
                st.vehicles_free
            );
        }
        let st = &mut self.units[u];
        st.idle -= platoons.min(st.idle);
        st.vehicles_free -= vehicles.min(st.vehicles_free);
        let n = (platoons as usize).min(st.rested_at.len());
        st.rested_at.drain(..n);
        if unit.caveats.no_split {
            st.held = platoons.saturating_sub(needed);
        }
    }

    /// Hours across incident `i`'s site to where it happens, mounted or on foot.
    fn in_site_h(&self, i: IncidentId, mounted: bool) -> f64 {
        let d = self.incidents[i].in_site_km;
        if d <= 0.0 {
            return 0.0;
        }
        let w = &self.m.world;
        d / if mounted { w.in_site_kmh } else { w.foot_kmh }
    }

    /// Road hours from `from` to `site` now, mounted or on foot.
    pub(super) fn travel_h(&self, from: SiteId, site: SiteId, mounted: bool) -> f64 {
        let w = &self.m.world;
        let table = w.table_at(self.now);
        if from == site {
            0.0
        } else if mounted {
            // As precise as the nearest-first lists, so every path agrees.
            f64::from(w.drive_h(table, from, site) as f32)
        } else {
            w.walk_h(table, from, site)
        }
    }

    /// Where a live patrol is now and the hours it needs to reach `site`
    /// (at once if it is there; en route, the shorter of going on or back).
    fn patrol_travel_h(&self, run: PatrolRunId, site: SiteId) -> (Origin, f64) {
        let p = &self.patrol_runs[run];
        let unit = &self.m.units[p.unit];
        let mounted = unit.moves_mounted(p.platoons * unit.vehicles_per_platoon, p.vehicles);
        let from_patrol_site = self.travel_h(p.site, site, mounted);
        if self.now >= p.arrive {
            let origin = if p.site == site {
                Origin::OnSite
            } else {
                Origin::Patrol
            };
            return (origin, from_patrol_site);
        }
        let from_base = self.travel_h(unit.base, site, mounted);
        if self.now < p.depart {
            // Still being called in at the base: it leaves from there when ready.
            return (Origin::Patrol, (p.depart - self.now) + from_base);
        }
        let on = (p.arrive - self.now) + from_patrol_site;
        let back = (self.now - p.depart) + from_base;
        (Origin::Patrol, on.min(back))
    }

    /// The best live patrol of each unit for an incident at `site`, into `out`.
    fn patrol_sources(&self, site: SiteId, out: &mut Vec<PatrolSource>) {
        out.clear();
        for &run in &self.live_patrols {
            let p = &self.patrol_runs[run];
            if p.retasked || self.now >= p.end || !self.units[p.unit].active {
                continue;
            }
            let (origin, travel) = self.patrol_travel_h(run, site);
            if !travel.is_finite() {
                continue;
            }
            match out.iter_mut().find(|x| x.0 == p.unit) {
                Some(x) if x.3 <= travel => {}
                Some(x) => *x = (p.unit, run, origin, travel),
                None => out.push((p.unit, run, origin, travel)),
            }
        }
    }

    /// Fills `self.situation` for incident `i`.
    pub(crate) fn build_situation(&mut self, i: IncidentId) {
        let m = self.m;
        let mut options = std::mem::take(&mut self.situation.options);
        options.clear();
        let inc = &self.incidents[i];
        let site = inc.site;
        let kind = inc.kind;
        let kp = m.kind(kind);
        let table = m.world.table_at(self.now);
        let min_eff = m.scenario.effectiveness.min_to_offer;
        // The fastest unit if no caveat applied: (hours, status, hours the rules add).
        let mut fastest: Option<(f64, Status, f64)> = None;
        // The fastest unit if neither caveats nor the mandate applied: (hours,
        // forbidden by the mandate).
        let mut fastest_any: Option<(f64, bool)> = None;
        let joint_here = self.joint_at(site);
        // Patrols out can answer too: at once where they are, or re-tasked.
        // The sources stay for `dispatch`, which acts on this situation.
        let mut patrols = std::mem::take(&mut self.situation_patrols);
        self.patrol_sources(site, &mut patrols);
        let mut patrol_options = std::mem::take(&mut self.scratch_patrol_options);
        patrol_options.clear();
        let mut best_eta = f64::INFINITY;
        for &src in &patrols {
            if self.incidents[i].excluded.contains(&src.0) {
                continue;
            }
            let Some(p) = self.patrol_option(i, src) else {
                continue;
            };
            // Without caveats a patrol would leave at once.
            note_fastest(&mut fastest, p.travel_h, p.status, p.wait_h);
            note_fastest_any(&mut fastest_any, p.travel_h, p.status);
            if p.dispatchable() {
                best_eta = best_eta.min(p.eta_h);
                patrol_options.push(p);
            }
        }
        let mut seen_units = std::mem::take(&mut self.scratch_units);
        seen_units.clear();
        for &(u, drive) in &m.candidates[table][site] {
            if !self.opts.list_all_options && f64::from(drive) > best_eta {
                break;
            }
            let unit = &m.units[u];
            let st = &self.units[u];
            if !st.active || inc.excluded.contains(&u) {
                continue;
            }
            let base_eff = unit.effectiveness.get(kp.capability)
                * if unit.kind == UnitKind::Host {
                    self.sites[site].host_capacity
                } else {
                    1.0
                };
            if base_eff < min_eff || base_eff <= 0.0 || unit.officers == 0 {
                continue;
            }
            seen_units.push(u);
            // Platoons that would go, and whether they are free.
            let mobile = unit.platoons - unit.guard_platoons;
            // Under no-split, a partly busy FPU is held back by the caveat, not by
            // a lack of platoons: what would go on a waiver are the free ones.
            let mut split_blocked = false;
            let (platoons, busy) = match unit.kind {
                UnitKind::Fpu if unit.caveats.no_split || unit.caveats.static_guard_only => {
                    if (st.idle > 0 && st.idle < mobile) || (st.idle == 0 && st.held > 0) {
                        split_blocked = true;
                        (st.idle, false)
                    } else {
                        (mobile, st.idle < mobile || mobile == 0)
                    }
                }
                UnitKind::Fpu => {
                    let want = match self.platoon_choice {
                        Some((inc, uu, n)) if inc == i && uu == u => n,
                        _ => self.platoons_needed(u, kind),
                    };
                    (want.min(st.idle).max(1), st.idle == 0)
                }
                UnitKind::Host => (1, false),
                _ => (1, st.idle == 0),
            };
            let need_vehicles = platoons * unit.vehicles_per_platoon;
            let mounted = unit.moves_mounted(need_vehicles, st.vehicles_free);
            let travel = if unit.base == site {
                0.0
            } else if mounted {
                f64::from(drive)
            } else {
                m.world.walk_h(table, unit.base, site)
            } + self.in_site_h(i, mounted);
            if !travel.is_finite() {
                continue;
            }
            let ready = self.ready_h(u, platoons);
            let raw = ready + travel;
            let permit = self.permit(u, Task::Protect, site, Origin::Base);
            let status = match permit.status {
                Status::Forbidden(r) => Status::Forbidden(r),
                _ if split_blocked => Status::Forbidden(Rule::NoSplit),
                _ if busy => Status::Busy,
                s => s,
            };
            let wait = ready + permit.wait_h;
            let eta = wait + travel;
            let waiver_eta_h = self
                .waiver_wait_h(u, status, platoons)
                .map(|h| ready + h + travel);
            note_fastest(&mut fastest, raw, status, permit.wait_h);
            note_fastest_any(&mut fastest_any, raw, status);
            let mut o = ResponseOption {
                unit: u,
                unit_kind: unit.kind,
                platoons,
                officers: self.officers_sent(u, platoons),
                travel_h: travel,
                mounted,
                wait_h: wait,
                eta_h: eta,
                effectiveness: self.effectiveness(u, kind, platoons),
                joint: unit.kind.is_un_police() && joint_here,
                patrol_at: None,
                status,
                waiver_eta_h,
            };
            if let Some(p) = patrol_options.iter().find(|p| p.unit == u)
                && (!o.dispatchable() || p.eta_h < o.eta_h)
            {
                o = p.clone();
            }
            if o.dispatchable() {
                best_eta = best_eta.min(o.eta_h);
            }
            options.push(o);
        }
        // Patrols of units the walk did not reach (their bases are farther).
        for p in &patrol_options {
            if !seen_units.contains(&p.unit) {
                options.push(p.clone());
            }
        }
        self.situation_patrols = patrols;
        self.scratch_patrol_options = patrol_options;
        self.scratch_units = seen_units;
        options.sort_by(|a, b| a.eta_h.total_cmp(&b.eta_h).then(a.unit.cmp(&b.unit)));
        // A caveat cost the incident its best unit when the unit that would have
        // arrived first without caveats was forbidden, or kept waiting by one.
        if let Some((_, s, rule_wait)) = fastest
            && match s {
                Status::Forbidden(_) => true,
                Status::Delayed(_) => rule_wait > 0.0,
                _ => false,
            }
        {
            self.incidents[i].blocked = true;
        }
        // The mandate cost it its best unit (the restrictive reading).
        if let Some((_, true)) = fastest_any {
            self.incidents[i].mandate_blocked = true;
        }
        let inc = &self.incidents[i];
        self.situation.now_h = self.now;
        self.situation.incident = IncidentView {
            id: i,
            kind,
            site,
            reported_at_h: inc.report_h,
            responders: inc.responders,
        };
        self.situation.options = options;
    }

    /// The option of sending a unit's patrol out (`src`) to incident `i`.
    fn patrol_option(&self, i: IncidentId, src: PatrolSource) -> Option<ResponseOption> {
        let (u, run, origin, travel) = src;
        let m = self.m;
        let inc = &self.incidents[i];
        let unit = &m.units[u];
        if unit.effectiveness.get(m.kind(inc.kind).capability)
            < m.scenario.effectiveness.min_to_offer
        {
            return None;
        }
        let p = &self.patrol_runs[run];
        let permit = self.permit(u, Task::Protect, inc.site, origin);
        let wait = permit.wait_h;
        // A patrol in the site is somewhere in it too: it crosses to the scene.
        let mounted = unit.moves_mounted(p.platoons * unit.vehicles_per_platoon, p.vehicles);
        let travel = travel + self.in_site_h(i, mounted);
        Some(ResponseOption {
            unit: u,
            unit_kind: unit.kind,
            platoons: p.platoons,
            officers: self.officers_sent(u, p.platoons),
            travel_h: travel,
            mounted,
            wait_h: wait,
            eta_h: wait + travel,
            effectiveness: self.effectiveness(u, inc.kind, p.platoons),
            joint: unit.kind.is_un_police() && self.joint_at(inc.site),
            patrol_at: Some(if self.now >= p.arrive {
                p.site
            } else {
                unit.base
            }),
            status: permit.status,
            waiver_eta_h: self
                .waiver_wait_h(u, permit.status, p.platoons)
                .map(|h| h + travel),
        })
    }

    /// Sends the unit of option `o` to incident `i`: at once, or after the
    /// capital's answer (a routine approval, or an urgent waiver).
    pub(crate) fn dispatch(&mut self, i: IncidentId, o: &ResponseOption, waiver: bool) {
        let u = o.unit;
        let unit = &self.m.units[u];
        let site = self.incidents[i].site;
        let run = if o.patrol_at.is_some() {
            self.situation_patrols
                .iter()
                .find(|x| x.0 == u)
                .map(|x| x.1)
        } else {
            None
        };
        let (platoons, vehicles, ready) = match run {
            Some(r) => {
                let p = &self.patrol_runs[r];
                let pv = (p.platoons, p.vehicles);
                self.retask_patrol(r);
                (pv.0, pv.1, 0.0)
            }
            None => {
                let vehicles = if o.mounted && unit.needs_vehicles() {
                    o.platoons * unit.vehicles_per_platoon
                } else {
                    0
                };
                let ready = self.ready_h(u, o.platoons);
                if unit.kind != UnitKind::Host {
                    let needed = self.platoons_needed(u, self.incidents[i].kind);
                    self.take_platoons(u, o.platoons, vehicles, needed);
                }
                (o.platoons, vehicles, ready)
            }
        };
        self.incidents[i].responders += 1;
        // The option shows whether the capital must answer first.
        if waiver || o.status == Status::Delayed(Rule::ApprovalRequired) {
            let key = self.incidents[i].key;
            let (delay, granted) = self.ask_capital(u, key, waiver);
            self.queue.push(
                self.now + delay,
                Event::Approval {
                    incident: i,
                    unit: u,
                    granted,
                    waiver,
                },
            );
            self.pending_moves.push(PendingMove {
                incident: i,
                unit: u,
                platoons,
                vehicles,
                ready_h: ready,
                from_patrol: run,
                travel_h: o.travel_h,
            });
            log!(
                self,
                if waiver {
                    EventKind::WaiverRequested
                } else {
                    EventKind::ApprovalRequested
                },
                Some(site),
                Some(u),
                Some(i),
                String::new(),
            );
            return;
        }
        let back = self.way_back_h(u, site, o.mounted);
        self.depart(
            i,
            u,
            platoons,
            vehicles,
            o.wait_h,
            o.travel_h,
            back,
            run.is_some(),
        );
    }

    /// Hours from `site` back to unit `u`'s base.
    fn way_back_h(&self, u: UnitId, site: SiteId, mounted: bool) -> f64 {
        self.travel_h(self.m.units[u].base, site, mounted)
    }

    #[allow(clippy::too_many_arguments)] // one per part of a departure
    fn depart(
        &mut self,
        i: IncidentId,
        u: UnitId,
        platoons: u32,
        vehicles: u32,
        wait: f64,
        travel: f64,
        back: f64,
        from_patrol: bool,
    ) {
        self.queue.push(
            self.now + wait + travel,
            Event::Arrive {
                incident: i,
                unit: u,
                platoons,
                vehicles,
                travel_h: back as f32,
            },
        );
        log!(
            self,
            EventKind::Dispatch,
            Some(self.incidents[i].site),
            Some(u),
            Some(i),
            format!(
                "{platoons} platoon(s), eta {:.2} h{}",
                wait + travel,
                if from_patrol { ", from patrol" } else { "" }
            ),
        );
    }

    /// The capital has answered: go (re-checking daylight and travel now) or release the unit.
    pub(crate) fn on_approval(&mut self, i: IncidentId, u: UnitId, granted: bool, waiver: bool) {
        let Some(k) = self
            .pending_moves
            .iter()
            .position(|p| p.incident == i && p.unit == u)
        else {
            return;
        };
        let pm = self.pending_moves.swap_remove(k);
        let site = self.incidents[i].site;
        let unit = &self.m.units[u];
        let mounted = unit.moves_mounted(pm.platoons * unit.vehicles_per_platoon, pm.vehicles);
        let back = self.way_back_h(u, site, mounted);
        // An answer that comes after the scene is cleared sends no one.
        let cleared = self.incidents[i].end + self.m.kind(self.incidents[i].kind).on_scene_h;
        if granted && self.now > cleared {
            self.incidents[i].responders -= 1;
            log!(
                self,
                EventKind::StoodDown,
                Some(site),
                Some(u),
                Some(i),
                "the capital answered after the scene was cleared".to_string(),
            );
            self.release_pending(u, &pm, mounted);
            return;
        }
        if granted {
            // The unit goes even if violence is over: to secure the site, help
            // the victims and arrest; the response then counts as late.
            let (origin, travel) = match pm.from_patrol {
                Some(_) => (Origin::Patrol, pm.travel_h),
                None => (
                    Origin::Base,
                    self.travel_h(unit.base, site, mounted) + self.in_site_h(i, mounted),
                ),
            };
            // Daylight still binds unless the capital waived the caveats.
            let night = if waiver {
                0.0
            } else {
                self.night_wait_h(u, site, origin)
            };
            log!(
                self,
                EventKind::ApprovalGranted,
                Some(site),
                Some(u),
                Some(i),
                String::new(),
            );
            self.depart(
                i,
                u,
                pm.platoons,
                pm.vehicles,
                pm.ready_h + night,
                travel,
                back,
                pm.from_patrol.is_some(),
            );
            return;
        }
        self.incidents[i].responders -= 1;
        self.incidents[i].blocked = true;
        self.incidents[i].excluded.push(u);
        log!(
            self,
            EventKind::ApprovalRefused,
            Some(site),
            Some(u),
            Some(i),
            String::new(),
        );
        if self.now < self.incidents[i].end {
            self.to_decide.push_back(i);
        }
        self.release_pending(u, &pm, mounted);
    }

    /// Platoons held for the capital's answer go back: a patrol held where it
    /// was returns to base, platoons at base are free again.
    fn release_pending(&mut self, u: UnitId, pm: &PendingMove, mounted: bool) {
        let unit = &self.m.units[u];
        match pm.from_patrol {
            // A patrol held where it was goes back to base.
            Some(r) => {
                let from = self.patrol_runs[r].site;
                let back = self.travel_h(from, unit.base, mounted);
                self.queue.push(
                    self.now + back,
                    Event::Return {
                        unit: u,
                        platoons: pm.platoons,
                        vehicles: pm.vehicles,
                        worked_h: back as f32,
                    },
                );
            }
            None => self.on_return(u, pm.platoons, pm.vehicles, 0.0),
        }
    }
}

/// Keeps the unit that would arrive first if no rule applied, and whether the
/// mandate forbids it. Busy units are not rules.
fn note_fastest_any(fastest: &mut Option<(f64, bool)>, raw: f64, status: Status) {
    if status == Status::Busy {
        return;
    }
    match fastest {
        Some((h, _)) if *h <= raw => {}
        _ => *fastest = Some((raw, status == Status::Forbidden(Rule::SupportOnlyMandate))),
    }
}

/// Keeps the unit that would arrive first if no caveat applied: (hours, its
/// status, hours the rules add). Busy units and the mandate are not caveats.
fn note_fastest(
    fastest: &mut Option<(f64, Status, f64)>,
    raw: f64,
    status: Status,
    rule_wait: f64,
) {
    if status == Status::Busy || status == Status::Forbidden(Rule::SupportOnlyMandate) {
        return;
    }
    match fastest {
        Some((h, _, _)) if *h <= raw => {}
        _ => *fastest = Some((raw, status, rule_wait)),
    }
}
