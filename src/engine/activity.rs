//! Routine activity: patrols by the scenario's doctrine and escorts for the
//! mission's civilian components. Both produce presence and activity counts,
//! and both take formed units away from responding.

use super::rules::{Origin, Task};
use super::{EscortRequest, Event, Simulation};
use crate::ids::{PatrolRunId, SiteId, UnitId};
use crate::metrics::EventKind;
use crate::model::UnitKind;
use crate::policy::{Rule, Status};
use crate::rng::{exponential, uniform};
use crate::scenario::PatrolKind;

/// A unit picked for routine work: (unit, platoons, vehicles, travel hours).
pub(super) type Pick = (UnitId, u32, u32, f64);

impl Simulation<'_> {
    /// Schedules the patrol slots of day `d`, spread over daylight.
    pub(crate) fn schedule_patrols(&mut self, d: u32) {
        let p = &self.m.scenario.mandate.patrol;
        if p.doctrine == PatrolKind::None || p.patrols_per_fpu_day <= 0.0 {
            return;
        }
        let fpus = self.active_fpus as f64;
        let per_day = p.patrols_per_fpu_day * fpus;
        let n = ((f64::from(d) + 1.0) * per_day).floor() - (f64::from(d) * per_day).floor();
        if n <= 0.0 {
            return;
        }
        if p.doctrine == PatrolKind::HotSpot {
            // Only the best few sites can be reached by today's patrols: rank those.
            self.plan_hot_spots(3 * n as usize + 8);
        }
        let c = &self.m.scenario.clock;
        let daylight = (c.night_start_h - c.night_end_h).rem_euclid(24.0);
        let daylight = if daylight == 0.0 { 24.0 } else { daylight };
        for k in 0..n as u32 {
            let t = f64::from(d) * 24.0 + c.night_end_h + (f64::from(k) + 0.5) * daylight / n;
            if t < self.horizon {
                self.queue.push(t, Event::PatrolLaunch);
            }
        }
    }

    /// A patrol slot: the first site of the doctrine's list that a formed
    /// unit may and can patrol now, and the nearest such unit (one with a
    /// platoon on standby before one that must call a resting platoon).
    pub(crate) fn on_patrol_launch(&mut self) {
        let Some((site, pick)) = self.patrol_site() else {
            self.summary.patrols_not_staffed += 1;
            log!(
                self,
                EventKind::PatrolNotStaffed,
                None,
                None,
                None,
                String::new()
            );
            return;
        };
        let (u, platoons, vehicles, travel) = pick;
        let ready = self.ready_h(u, platoons);
        self.take_platoons(u, platoons, vehicles, 1);
        // The patrol's presence is an interval on the site, read when a
        // threat is weighed: no events for arriving and leaving.
        let duration = self.m.scenario.mandate.patrol.duration_h;
        let arrive = self.now + ready + travel;
        let end = arrive + duration;
        let run = PatrolRunId::new(self.patrol_runs.len());
        self.patrol_runs.push(super::PatrolRun {
            unit: u,
            site,
            platoons,
            vehicles,
            depart: self.now + ready,
            arrive,
            end,
            travel,
            retasked: false,
        });
        // Patrols that have ended or been re-tasked stay in the list, which
        // `patrol_sources` skips, until it doubles: then they go at once.
        if self.live_patrols.len() >= 2 * self.live_patrols_kept + 16 {
            let now = self.now;
            let runs = &self.patrol_runs;
            self.live_patrols
                .retain(|&r| !runs[r].retasked && now < runs[r].end);
            self.live_patrols_kept = self.live_patrols.len();
        }
        self.live_patrols.push(run);
        let now = self.now;
        let horizon = self.horizon;
        let st = &mut self.sites[site];
        st.patrols.retain(|&(_, e, _)| e > now);
        st.patrols.push((arrive, end, run));
        st.day_patrols += 1;
        if arrive < horizon {
            self.summary.patrols += 1;
            self.summary.patrol_hours += end.min(horizon) - arrive;
        }
        // Presence ends at `end` by the interval above; the next event is the
        // patrol back at its base.
        self.queue.push(end + travel, Event::PatrolReturn(run));
        log!(
            self,
            EventKind::PatrolOut,
            Some(site),
            Some(u),
            None,
            format!("on site from {arrive:.2} h to {end:.2} h")
        );
    }

    /// A patrol is back at its base: its platoons and vehicles are free
    /// (unless it was re-tasked, when the response brings them back).
    pub(crate) fn on_patrol_return(&mut self, run: PatrolRunId) {
        let p = &self.patrol_runs[run];
        if p.retasked {
            return;
        }
        let worked = (p.end - p.depart) + p.travel;
        let (u, platoons, vehicles) = (p.unit, p.platoons, p.vehicles);
        self.on_return(u, platoons, vehicles, f64::from(worked as f32));
    }

    /// A patrol is sent to an incident: its presence ends now and its own
    /// return no longer applies (the response brings it back).
    pub(crate) fn retask_patrol(&mut self, run: PatrolRunId) {
        let now = self.now;
        let p = &mut self.patrol_runs[run];
        p.retasked = true;
        let (site, arrive, end) = (p.site, p.arrive, p.end);
        if let Some(x) = self.sites[site].patrols.iter_mut().find(|x| x.2 == run) {
            x.1 = x.1.min(now);
        }
        // Hours on site it will not spend (counted in full at launch).
        let end_h = end.min(self.horizon);
        let lost = end_h - now.max(arrive).min(end_h);
        if arrive < self.horizon && lost > 0.0 {
            self.summary.patrol_hours -= lost;
        }
        log!(
            self,
            EventKind::PatrolRetasked,
            Some(site),
            Some(self.patrol_runs[run].unit),
            None,
            String::new()
        );
    }

    /// The site and unit of the next patrol slot: the doctrine's list in
    /// order, each site taken by the first unit the rules let go there; a
    /// site nobody may or can patrol now passes the slot to the next.
    fn patrol_site(&mut self) -> Option<(SiteId, Pick)> {
        let m = self.m;
        let p = &m.scenario.mandate.patrol;
        if let Some(o) = self.patrol_orders_today() {
            // The operations centre's plan for today: its sites in order, the
            // first not already patrolled that one of its units may and can patrol.
            return o
                .sites
                .iter()
                .filter(|&&s| self.patrols_present(s) == 0)
                .find_map(|&s| {
                    self.pick_formed_unit_of(s, Task::Patrol, &o.units)
                        .map(|x| (s, x))
                });
        }
        match p.doctrine {
            PatrolKind::None => None,
            PatrolKind::Fixed => {
                let n = m.patrol_sites.len();
                for k in 0..n {
                    let s = m.patrol_sites[(self.patrol_rotation + k) % n];
                    if let Some(pick) = self.pick_formed_unit(s, Task::Patrol) {
                        self.patrol_rotation += k + 1;
                        return Some((s, pick));
                    }
                }
                self.patrol_rotation += 1;
                None
            }
            PatrolKind::HotSpot => {
                // Today's plan, best first: the first site not already
                // patrolled that a unit may and can patrol.
                let pick = |sim: &Self| {
                    sim.hot_plan
                        .iter()
                        .filter(|&&s| sim.patrols_present(s) == 0)
                        .find_map(|&s| sim.pick_formed_unit(s, Task::Patrol).map(|x| (s, x)))
                };
                match pick(self) {
                    None if self.hot_plan_truncated => {
                        // Every ranked site is busy or out of reach: rank them all (rare).
                        self.plan_hot_spots(usize::MAX);
                        pick(self)
                    }
                    found => found,
                }
            }
        }
    }

    /// The hot-spot plan for the day: eligible sites by (1 + tension) x base
    /// threat, highest first, set each morning as an operations centre would
    /// (and so that a patrol slot never scans every site).
    fn plan_hot_spots(&mut self, keep: usize) {
        let m = self.m;
        let mut plan = std::mem::take(&mut self.hot_plan);
        plan.clear();
        let mut scored: Vec<u128> = std::mem::take(&mut self.hot_scores);
        if self.hot_plan_truncated || scored.is_empty() {
            plan.extend(
                m.patrol_eligible
                    .iter()
                    .copied()
                    .filter(|&s| m.site_risk[s] > 0.0),
            );
        } else {
            // The last full ranking holds every eligible site: start from its
            // order, which tension changes only a little from day to day.
            plan.extend(scored.iter().map(|&x| SiteId(x as u32)));
        }
        // Sort keys: the score descending (positive floats order like their
        // bits), then the site ascending: one integer compare each, and no
        // two alike, so the order does not depend on the one started from.
        scored.clear();
        scored.extend(plan.iter().map(|&s| {
            let score = (1.0 + self.tension(s)) * m.site_risk[s];
            debug_assert!(score > 0.0);
            (u128::from(u64::MAX - score.to_bits()) << 64) | u128::from(s.0)
        }));
        self.hot_plan_truncated = scored.len() > keep;
        if self.hot_plan_truncated {
            scored.select_nth_unstable(keep);
            scored.truncate(keep);
            scored.sort_unstable();
        } else {
            sort_nearly_sorted(&mut scored);
        }
        plan.clear();
        plan.extend(scored.iter().map(|&x| SiteId(x as u32)));
        self.hot_plan = plan;
        self.hot_scores = scored;
    }

    /// Nearest formed unit that the rules let do routine work (`task`: a
    /// patrol or an escort) at `site` and that has the platoons for it; a unit
    /// with a platoon on standby comes before one that must call a resting one.
    pub(crate) fn pick_formed_unit(&self, site: SiteId, task: Task) -> Option<Pick> {
        self.pick_formed_unit_of(site, task, &[])
    }

    /// As [`Simulation::pick_formed_unit`], among `only` (none named: any unit).
    fn pick_formed_unit_of(&self, site: SiteId, task: Task, only: &[UnitId]) -> Option<Pick> {
        let m = self.m;
        let table = m.world.table_at(self.now);
        let mut resting: Option<Pick> = None;
        for &(u, drive) in &m.routine_candidates[table][site] {
            if !only.is_empty() && !only.contains(&u) {
                continue;
            }
            let Some(pick) = self.routine_pick(u, site, task, f64::from(drive)) else {
                continue;
            };
            if self.ready_h(u, pick.1) <= self.order_to_move_h(u) {
                return Some(pick);
            }
            resting.get_or_insert(pick);
        }
        resting
    }

    /// Unit `u` for routine work at `site`, if it is a formed unit the rules
    /// let go (by day, for a patrol) with the platoons for it now.
    pub(super) fn pick_unit(&self, u: UnitId, site: SiteId, task: Task) -> Option<Pick> {
        let m = self.m;
        let table = m.world.table_at(self.now);
        let drive = m.candidates[table][site]
            .iter()
            .find(|c| c.0 == u)
            .map_or(f64::INFINITY, |c| f64::from(c.1));
        self.routine_pick(u, site, task, drive)
    }

    /// The pick of unit `u` for routine work at `site`, `drive` hours away by road.
    fn routine_pick(&self, u: UnitId, site: SiteId, task: Task, drive: f64) -> Option<Pick> {
        let m = self.m;
        let table = m.world.table_at(self.now);
        let unit = &m.units[u];
        let st = &self.units[u];
        if unit.kind != UnitKind::Fpu || !st.active || unit.caveats.static_guard_only {
            return None;
        }
        let mobile = unit.platoons - unit.guard_platoons;
        let platoons = if unit.caveats.no_split { mobile } else { 1 };
        if platoons == 0 || st.idle < platoons {
            return None;
        }
        match self.permit(u, task, site, Origin::Base).status {
            Status::Forbidden(_) | Status::Busy => return None,
            // Patrols go by day: a unit that must wait for daylight does not patrol.
            Status::Delayed(Rule::NoNightOps) if task == Task::Patrol => return None,
            _ => {}
        }
        let need_v = platoons * unit.vehicles_per_platoon;
        let (vehicles, travel) = if need_v <= st.vehicles_free {
            (need_v, drive)
        } else {
            (0, m.world.walk_h(table, unit.base, site))
        };
        let travel = if site == unit.base { 0.0 } else { travel };
        travel
            .is_finite()
            .then_some((u, platoons, vehicles, travel))
    }

    /// A civilian component asks for an escort to a site.
    pub(crate) fn on_escort_request(&mut self) {
        let Some(e) = &self.m.scenario.escorts else {
            return;
        };
        let next = self.now + exponential(&mut self.escort_rng, e.requests_per_day / 24.0);
        if next < self.horizon {
            self.queue.push(next, Event::EscortRequest);
        }
        let sites = &self.m.escort_sites;
        let k =
            ((uniform(&mut self.escort_rng) * sites.len() as f64) as usize).min(sites.len() - 1);
        self.request_escort(sites[k], false);
    }

    /// A civilian component asks for an escort to `site` now (the request
    /// process, or an inject); `asked`: the operations centre answers it.
    pub(crate) fn request_escort(&mut self, site: SiteId, asked: bool) {
        let Some(e) = &self.m.scenario.escorts else {
            return;
        };
        let max_wait_h = e.max_wait_h;
        let r = self.escorts.len();
        self.escorts.push(EscortRequest {
            site,
            requested_h: self.now,
            settled: false,
        });
        log!(
            self,
            EventKind::EscortRequested,
            Some(site),
            None,
            None,
            String::new(),
        );
        if asked {
            self.escorts_asked.push(r as u32);
        } else if self.try_escort(r) {
            return;
        } else {
            self.escorts_waiting.push(r as u32);
        }
        let expire = self.now + max_wait_h;
        self.queue.push(expire, Event::EscortExpire(r as u32));
    }

    /// Tries to staff escort request `r`; true if a unit is on its way (or awaiting approval).
    pub(super) fn try_escort(&mut self, r: usize) -> bool {
        let site = self.escorts[r].site;
        let Some(pick) = self.pick_formed_unit(site, Task::Escort) else {
            return false;
        };
        self.staff_escort(r, pick);
        true
    }

    /// Sends `pick` on escort request `r` (after the capital's approval where
    /// a caveat asks for it).
    pub(super) fn staff_escort(&mut self, r: usize, pick: Pick) {
        let (u, platoons, vehicles, travel) = pick;
        let site = self.escorts[r].site;
        let permit = self.permit(u, Task::Escort, site, Origin::Base);
        // Readiness and daylight come before the road.
        let travel = travel + self.ready_h(u, platoons) + self.night_wait_h(u, site, Origin::Base);
        self.take_platoons(u, platoons, vehicles, 1);
        self.escorts[r].settled = true;
        if permit.ask_capital {
            let (delay, granted) = self.ask_capital(u, super::rules::escort_request_key(r), false);
            self.queue.push(
                self.now + delay,
                Event::EscortApproval {
                    request: r as u32,
                    unit: u,
                    granted,
                },
            );
            self.escort_moves.push(super::PendingEscort {
                request: r as u32,
                unit: u,
                platoons,
                vehicles,
                travel_h: travel as f32,
            });
            return;
        }
        self.escort_go(r, u, platoons, vehicles, travel);
    }

    fn escort_go(&mut self, r: usize, u: UnitId, platoons: u32, vehicles: u32, travel: f64) {
        let site = self.escorts[r].site;
        let duration = self
            .m
            .scenario
            .escorts
            .as_ref()
            .map_or(0.0, |e| e.duration_h);
        self.queue.push(
            self.now + travel + duration,
            Event::EscortEnd {
                site,
                unit: u,
                platoons,
                vehicles,
                travel_h: travel as f32,
            },
        );
        log!(
            self,
            EventKind::EscortOut,
            Some(site),
            Some(u),
            None,
            String::new()
        );
    }

    pub(crate) fn on_escort_approval(&mut self, r: usize, u: UnitId, granted: bool) {
        let Some(k) = self
            .escort_moves
            .iter()
            .position(|m| m.request as usize == r && m.unit == u)
        else {
            return;
        };
        let super::PendingEscort {
            platoons,
            vehicles,
            travel_h: travel,
            ..
        } = self.escort_moves.swap_remove(k);
        let max_wait = self
            .m
            .scenario
            .escorts
            .as_ref()
            .map_or(0.0, |e| e.max_wait_h);
        if granted && self.now <= self.escorts[r].requested_h + max_wait {
            self.escort_go(r, u, platoons, vehicles, f64::from(travel));
            return;
        }
        self.summary.escorts_cancelled += 1;
        log!(
            self,
            EventKind::EscortCancelled,
            Some(self.escorts[r].site),
            Some(u),
            None,
            "approval".into(),
        );
        self.on_return(u, platoons, vehicles, 0.0);
    }

    pub(crate) fn on_escort_end(
        &mut self,
        site: SiteId,
        unit: UnitId,
        platoons: u32,
        vehicles: u32,
        travel_h: f32,
    ) {
        self.summary.escorts_done += 1;
        let gain = self.m.scenario.trust.per_escort_visit * (1.0 - self.sites[site].trust);
        self.add_trust(site, gain);
        let duration = self
            .m
            .scenario
            .escorts
            .as_ref()
            .map_or(0.0, |e| e.duration_h);
        self.queue.push(
            self.now + f64::from(travel_h),
            Event::Return {
                unit,
                platoons,
                vehicles,
                worked_h: (duration + 2.0 * f64::from(travel_h)) as f32,
            },
        );
        log!(
            self,
            EventKind::EscortDone,
            Some(site),
            Some(unit),
            None,
            String::new(),
        );
    }

    pub(crate) fn on_escort_expire(&mut self, r: usize) {
        if self.escorts[r].settled {
            return;
        }
        self.escorts[r].settled = true;
        self.escorts_waiting.retain(|&x| x as usize != r);
        let unanswered = self.escorts_asked.iter().any(|&x| x as usize == r);
        self.escorts_asked.retain(|&x| x as usize != r);
        self.summary.escorts_cancelled += 1;
        log!(
            self,
            EventKind::EscortCancelled,
            Some(self.escorts[r].site),
            None,
            None,
            if unanswered {
                "no answer".into()
            } else {
                "no unit free".into()
            },
        );
    }

    /// Offers freed platoons to waiting escort requests, oldest first.
    pub(crate) fn retry_escorts(&mut self) {
        if self.escorts_waiting.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut self.escorts_waiting);
        for r in waiting {
            let r = r as usize;
            if !self.escorts[r].settled && !self.try_escort(r) {
                self.escorts_waiting.push(r as u32);
            }
        }
    }
}

/// Sorts keys that are nearly in order (yesterday's ranking): insertion
/// sort, linear when few keys move, handing over to the library's sort when
/// many do.
fn sort_nearly_sorted(keys: &mut [u128]) {
    let mut moves = 0usize;
    let budget = 8 * keys.len() + 64;
    for i in 1..keys.len() {
        let x = keys[i];
        let mut j = i;
        while j > 0 && keys[j - 1] > x {
            keys[j] = keys[j - 1];
            j -= 1;
        }
        keys[j] = x;
        moves += i - j;
        if moves > budget {
            keys.sort_unstable();
            return;
        }
    }
}
