//! Dispatch: the options the operations centre sees, the rules that stand in
//! their way, and what happens when one is chosen (departure, approval from
//! the capital, waivers).
//!
//! Options are found by walking the units nearest-first (a list precomputed
//! per site and road condition) and stopping as soon as no farther unit could
//! arrive before the best dispatchable one: the cost per decision follows the
//! handful of units that matter, not the size of the force.

use super::{Event, Simulation};
use crate::model::{UnitId, UnitKind};
use crate::policy::{IncidentView, ResponseOption, Rule, Status};
use crate::rng::uniform;
use crate::scenario::ThreatKind;

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
    fn platoons_needed(&self, u: UnitId, kind: ThreatKind) -> u32 {
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

    /// Fills `self.situation` for incident `i`.
    pub(crate) fn build_situation(&mut self, i: usize) {
        let m = self.m;
        let mut options = std::mem::take(&mut self.situation.options);
        options.clear();
        let inc = &self.incidents[i];
        let site = inc.site;
        let kind = inc.kind;
        let kp = m.kind(kind);
        let table = m.world.table_at(self.now);
        let night_wait = self.wait_for_day(self.now);
        let min_eff = m.scenario.effectiveness.min_to_offer;
        let mut best_eta = f64::INFINITY;
        // The fastest unit if no caveat applied: (hours, status).
        let mut fastest: Option<(f64, Status)> = None;
        // Whether UN action here is joint, or forbidden by the mandate, is the same for every unit.
        let joint_here = self.joint_at(site);
        let forbidden_here = self.mandate_forbids(site);
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
                        Some((inc, uu, n)) if inc as usize == i && uu == u => n,
                        _ => self.platoons_needed(u, kind),
                    };
                    (want.min(st.idle).max(1), st.idle == 0)
                }
                UnitKind::Host => (1, false),
                _ => (1, st.idle == 0),
            };
            let need_vehicles = platoons * unit.vehicles_per_platoon;
            let mounted = unit.mounted || need_vehicles <= st.vehicles_free;
            let travel = if unit.base == site {
                0.0
            } else if mounted {
                f64::from(drive)
            } else {
                m.world.walk_h(table, unit.base, site)
            };
            if !travel.is_finite() {
                continue;
            }
            let cv = &unit.caveats;
            let un = unit.kind.is_un_police();
            let joint = un && joint_here;
            let away = site != unit.base;
            let mut wait = unit.coordination_delay_h + unit.readiness_h;
            let raw = wait + travel;
            let status = if cv.static_guard_only && away {
                Status::Forbidden(Rule::StaticGuardOnly)
            } else if away
                && cv
                    .allowed_sites
                    .as_ref()
                    .is_some_and(|l| !l.iter().any(|x| *x == m.world.sites[site].id))
            {
                Status::Forbidden(Rule::AllowedSites)
            } else if cv
                .max_distance_km
                .is_some_and(|d| m.world.dist_km(table, unit.base, site) > d)
            {
                Status::Forbidden(Rule::MaxDistance)
            } else if un && forbidden_here {
                Status::Forbidden(Rule::SupportOnlyMandate)
            } else if joint && cv.no_joint_host_ops {
                Status::Forbidden(Rule::NoJointHostOps)
            } else if split_blocked {
                Status::Forbidden(Rule::NoSplit)
            } else if busy {
                Status::Busy
            } else {
                let mut s = Status::Ready;
                if cv.no_night_ops && away && night_wait > 0.0 {
                    wait += night_wait;
                    s = Status::Delayed(Rule::NoNightOps);
                }
                if cv.approval_required && away {
                    wait += cv.approval_delay_h;
                    s = Status::Delayed(Rule::ApprovalRequired);
                }
                s
            };
            let eta = wait + travel;
            if status != Status::Busy && status != Status::Forbidden(Rule::SupportOnlyMandate) {
                match fastest {
                    Some((h, _)) if h <= raw => {}
                    _ => fastest = Some((raw, status)),
                }
            }
            let o = ResponseOption {
                unit: u,
                unit_kind: unit.kind,
                platoons,
                officers: self.officers_sent(u, platoons),
                travel_h: travel,
                mounted,
                wait_h: wait,
                eta_h: eta,
                effectiveness: self.effectiveness(u, kind, platoons),
                joint,
                status,
            };
            if o.dispatchable() {
                best_eta = best_eta.min(eta);
            }
            options.push(o);
        }
        options.sort_by(|a, b| a.eta_h.total_cmp(&b.eta_h).then(a.unit.cmp(&b.unit)));
        if let Some((_, s)) = fastest
            && matches!(s, Status::Forbidden(_) | Status::Delayed(_))
        {
            self.incidents[i].blocked = true;
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

    /// Sends the unit of option `o` to incident `i` (after approval or a waiver if needed).
    pub(crate) fn dispatch(&mut self, i: usize, o: &ResponseOption, waiver: bool) {
        let u = o.unit;
        let unit = &self.m.units[u];
        let vehicles = if o.mounted && !unit.mounted {
            o.platoons * unit.vehicles_per_platoon
        } else {
            0
        };
        if unit.kind != UnitKind::Host {
            let needed = self.platoons_needed(u, self.incidents[i].kind);
            if self.opts.self_check {
                let st = &self.units[u];
                assert!(
                    o.platoons <= st.idle && vehicles <= st.vehicles_free,
                    "unit {} sent {} platoons and {} vehicles with {} and {} free",
                    unit.id,
                    o.platoons,
                    vehicles,
                    st.idle,
                    st.vehicles_free
                );
            }
            let st = &mut self.units[u];
            st.idle -= o.platoons.min(st.idle);
            st.vehicles_free -= vehicles.min(st.vehicles_free);
            if unit.caveats.no_split {
                st.held = o.platoons.saturating_sub(needed);
            }
        }
        self.incidents[i].responders += 1;
        let needs_capital = waiver || o.status == Status::Delayed(Rule::ApprovalRequired);
        if needs_capital {
            // The capital decides after a log-normal delay, and may refuse.
            let cv = &unit.caveats;
            let rng = &mut self.incidents[i].rng;
            let delay = lognormal(rng, cv.approval_delay_h, cv.approval_delay_sd_h);
            let granted = uniform(rng) >= cv.approval_refusal_prob;
            self.summary.approvals_requested += 1;
            self.queue.push(
                self.now + delay,
                Event::Approval {
                    incident: i as u32,
                    unit: u as u32,
                    granted,
                    waiver,
                },
            );
            self.pending_moves
                .push((i as u32, u as u32, o.platoons, vehicles));
            log!(
                self,
                if waiver {
                    "waiver_requested"
                } else {
                    "approval_requested"
                },
                Some(self.incidents[i].site),
                Some(u),
                Some(i),
                String::new(),
            );
            return;
        }
        self.depart(i, u, o.platoons, vehicles, o.wait_h, o.travel_h);
    }

    fn depart(
        &mut self,
        i: usize,
        u: UnitId,
        platoons: u32,
        vehicles: u32,
        wait: f64,
        travel: f64,
    ) {
        self.queue.push(
            self.now + wait + travel,
            Event::Arrive {
                incident: i as u32,
                unit: u as u32,
                platoons,
                vehicles,
                travel_h: travel as f32,
            },
        );
        log!(
            self,
            "dispatch",
            Some(self.incidents[i].site),
            Some(u),
            Some(i),
            format!("{platoons} platoon(s), eta {:.2} h", wait + travel),
        );
    }

    /// The capital has answered: go (re-checking daylight and travel now) or release the unit.
    pub(crate) fn on_approval(&mut self, i: usize, u: UnitId, granted: bool, waiver: bool) {
        let Some(k) = self
            .pending_moves
            .iter()
            .position(|&(pi, pu, _, _)| pi as usize == i && pu as usize == u)
        else {
            return;
        };
        let (_, _, platoons, vehicles) = self.pending_moves.swap_remove(k);
        let site = self.incidents[i].site;
        if granted {
            // The unit goes even if violence is over: to secure the site, help
            // the victims and arrest; the response then counts as late.
            let unit = &self.m.units[u];
            let table = self.m.world.table_at(self.now);
            let travel = if unit.base == site {
                0.0
            } else if vehicles > 0 || unit.mounted || unit.vehicles_per_platoon == 0 {
                self.m.world.drive_h(table, unit.base, site)
            } else {
                self.m.world.walk_h(table, unit.base, site)
            };
            let mut wait = unit.coordination_delay_h + unit.readiness_h;
            if unit.caveats.no_night_ops && !waiver {
                wait += self.wait_for_day(self.now);
            }
            log!(
                self,
                "approval_granted",
                Some(site),
                Some(u),
                Some(i),
                String::new(),
            );
            self.depart(i, u, platoons, vehicles, wait, travel);
            return;
        }
        self.incidents[i].responders -= 1;
        if !granted {
            self.summary.approvals_refused += 1;
            self.incidents[i].blocked = true;
            self.incidents[i].excluded.push(u);
            log!(
                self,
                "approval_refused",
                Some(site),
                Some(u),
                Some(i),
                String::new(),
            );
            if self.now < self.incidents[i].end {
                self.to_decide.push_back(i as u32);
            }
        }
        self.on_return(u, platoons, vehicles);
    }
}

/// Log-normal draw with the given mean and standard deviation (the mean if sd is 0).
fn lognormal(rng: &mut crate::rng::Stream, mean: f64, sd: f64) -> f64 {
    if mean <= 0.0 {
        return 0.0;
    }
    if sd <= 0.0 {
        return mean;
    }
    let s2 = (1.0 + (sd / mean).powi(2)).ln();
    let mu = mean.ln() - s2 / 2.0;
    // Box-Muller from two uniforms.
    let u1 = 1.0 - uniform(rng);
    let u2 = uniform(rng);
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    (mu + s2.sqrt() * z).exp()
}
