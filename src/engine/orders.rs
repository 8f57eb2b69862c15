//! Orders the operations centre gives besides answering incidents: the
//! answer to an escort request, the day's patrol plan, a dialogue with a
//! crowd's or a community's leaders, alerting the military, and conditions on
//! support to host police after an allegation (HRDDP).
//!
//! Exercises give them (a trainee's choice); runs without a trainee never do,
//! and then everything here is as the standard procedure has it: escorts are
//! staffed by the nearest free formed unit, patrols follow the scenario's
//! doctrine, no dialogue is held unless the mandate says so, the military
//! moves at its usual readiness. Each order is checked against the rules
//! ([`Simulation::permit`]) and refused with a reason, never half applied.

use super::rules::{Origin, Task};
use super::{DecisionError, Event, Simulation};
use crate::ids::{SiteId, UnitId};
use crate::metrics::EventKind;
use crate::model::UnitKind;
use crate::policy::Status;
use crate::rng::{Mechanic, uniform};

/// The day's patrol plan as the operations centre set it.
#[derive(Debug, Clone)]
pub(crate) struct PatrolOrders {
    /// The day (from 0) it holds for.
    pub day: u32,
    /// Sites in order of priority; empty: no patrols today.
    pub sites: Vec<SiteId>,
    /// Formed units that patrol; empty: any.
    pub units: Vec<UnitId>,
}

/// An escort request waiting for the operations centre's answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EscortAsked {
    /// The request's number (in the order requests came).
    pub request: usize,
    pub site: SiteId,
    pub requested_h: f64,
}

fn refused(why: impl Into<String>) -> DecisionError {
    DecisionError::Refused(why.into())
}

impl Simulation<'_> {
    /// Escort requests waiting for the operations centre's answer, oldest first.
    pub fn escorts_asked(&self) -> Vec<EscortAsked> {
        self.escorts_asked
            .iter()
            .map(|&r| EscortAsked {
                request: r as usize,
                site: self.escorts[r as usize].site,
                requested_h: self.escorts[r as usize].requested_h,
            })
            .collect()
    }

    /// Answers escort request `request` (none: the oldest) waiting for the
    /// operations centre: refuse it, or approve it with `unit` (a formed unit
    /// the rules let go and that has the platoons now) or, with none named,
    /// the unit standard procedure would send (the request waits for one if
    /// none is free).
    pub fn answer_escort(
        &mut self,
        request: Option<usize>,
        approve: bool,
        unit: Option<UnitId>,
    ) -> Result<(), DecisionError> {
        let k = match request {
            None if self.escorts_asked.is_empty() => {
                return Err(refused("no escort request is waiting for an answer"));
            }
            None => 0,
            Some(r) => self
                .escorts_asked
                .iter()
                .position(|&x| x as usize == r)
                .ok_or_else(|| {
                    refused(format!("escort request {r} is not waiting for an answer"))
                })?,
        };
        let r = self.escorts_asked[k] as usize;
        let site = self.escorts[r].site;
        if !approve {
            self.escorts_asked.remove(k);
            self.escorts[r].settled = true;
            self.summary.escorts_cancelled += 1;
            log!(
                self,
                EventKind::EscortCancelled,
                Some(site),
                None,
                None,
                "refused by the operations centre".into(),
            );
            return Ok(());
        }
        match unit {
            Some(u) => {
                let pick = self.formed_unit_for(u, site, Task::Escort)?;
                self.escorts_asked.remove(k);
                self.staff_escort(r, pick);
            }
            None => {
                self.escorts_asked.remove(k);
                if !self.try_escort(r) {
                    self.escorts_waiting.push(r as u32);
                }
            }
        }
        Ok(())
    }

    /// Refuses unit `u` unless it is of `kind` (else "ID `not_kind`") and deployed.
    fn deployed_of_kind(
        &self,
        u: UnitId,
        kind: UnitKind,
        not_kind: &str,
    ) -> Result<(), DecisionError> {
        let unit = &self.m.units[u];
        if unit.kind != kind {
            return Err(refused(format!("{} {not_kind}", unit.id)));
        }
        if !self.units[u].active {
            return Err(refused(format!("{} is not deployed now", unit.id)));
        }
        Ok(())
    }

    /// Why `u` cannot take routine work (`task`) at `site` now, or the pick
    /// (unit, platoons, vehicles, travel hours) if it can.
    fn formed_unit_for(
        &self,
        u: UnitId,
        site: SiteId,
        task: Task,
    ) -> Result<super::activity::Pick, DecisionError> {
        let m = self.m;
        let unit = &m.units[u];
        let what = if task == Task::Escort {
            "escorts"
        } else {
            "patrols"
        };
        self.deployed_of_kind(
            u,
            UnitKind::Fpu,
            &format!("is not a formed police unit: only FPU platoons go on {what}"),
        )?;
        match self.permit(u, task, site, Origin::Base).status {
            Status::Forbidden(r) => {
                return Err(refused(format!(
                    "{} may not go to {}: {}",
                    unit.id,
                    m.world.sites[site].name,
                    r.name()
                )));
            }
            Status::Busy => return Err(refused(format!("{} has no platoon free", unit.id))),
            _ => {}
        }
        self.pick_unit(u, site, task).ok_or_else(|| {
            refused(format!(
                "{} has no platoon free to go to {} now",
                unit.id, m.world.sites[site].name
            ))
        })
    }

    /// Sets today's patrol plan: the sites in order of priority (none: no
    /// patrols today) and the formed units that patrol them (none named: any).
    /// It holds until midnight; then the doctrine's plan applies again.
    pub fn set_patrol_plan(
        &mut self,
        sites: Vec<SiteId>,
        units: Vec<UnitId>,
    ) -> Result<(), DecisionError> {
        let m = self.m;
        for &s in &sites {
            if s.index() >= self.sites.len() {
                return Err(DecisionError::NoSuchSite(s));
            }
            if !m.patrol_eligible.contains(&s) {
                return Err(refused(format!(
                    "{} is not a site patrols go to in this scenario",
                    m.world.sites[s].name
                )));
            }
        }
        for &u in &units {
            let unit = &m.units[u];
            if unit.kind != UnitKind::Fpu {
                return Err(refused(format!(
                    "{} is not a formed police unit: only FPU platoons patrol",
                    unit.id
                )));
            }
            if !self.units[u].active || unit.caveats.static_guard_only {
                return Err(refused(format!(
                    "{} cannot patrol: {}",
                    unit.id,
                    if unit.caveats.static_guard_only {
                        "its caveat keeps it on static guard"
                    } else {
                        "it is not deployed now"
                    }
                )));
            }
        }
        let day = (self.now / 24.0).floor() as u32;
        let outcome = if sites.is_empty() {
            "no patrols today".to_string()
        } else {
            sites
                .iter()
                .map(|&s| m.world.sites[s].id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        self.patrol_orders = Some(PatrolOrders { day, sites, units });
        log!(self, EventKind::PatrolPlan, None, None, None, outcome);
        Ok(())
    }

    /// Today's patrol plan, if the operations centre set one.
    pub(crate) fn patrol_orders_today(&self) -> Option<&PatrolOrders> {
        let day = (self.now / 24.0).floor() as u32;
        self.patrol_orders.as_ref().filter(|o| o.day == day)
    }

    /// Holds a dialogue with the leaders of a crowd or a community at `site`,
    /// through IPO team `by` (it goes there and spends `mandate.dialogue_h`
    /// hours) or, with none, the head of the police component by telephone.
    /// Once held, it calms the site's tension by `mandate.dialogue_effect` and
    /// lowers the extra rate of political injects there by as much, for
    /// `mandate.dialogue_lasts_h` hours. A second dialogue at a site before
    /// the first one's effect ends adds nothing and is refused.
    pub fn hold_dialogue(&mut self, site: SiteId, by: Option<UnitId>) -> Result<(), DecisionError> {
        let m = self.m;
        if site.index() >= self.sites.len() {
            return Err(DecisionError::NoSuchSite(site));
        }
        let name = &m.world.sites[site].name;
        if self.sites[site].population < 1.0 {
            return Err(refused(format!("nobody lives at {name} to talk with")));
        }
        if self.sites[site].talks_until > self.now || self.sites[site].talks_planned {
            return Err(refused(format!(
                "a dialogue at {name} is already under way or in effect"
            )));
        }
        let armed = self.incidents.iter().any(|i| {
            i.site == site
                && i.kind == crate::scenario::ThreatKind::ArmedAttack
                && !i.resolved
                && i.reported
        });
        if armed {
            return Err(refused(format!(
                "armed violence is under way at {name}: no dialogue until it is over"
            )));
        }
        let hours = m.scenario.mandate.dialogue_h;
        let Some(u) = by else {
            // The head of component engages leaders in meetings and by
            // telephone: it takes the same hours, and one engagement a day.
            if self.now < self.hopc_free_at {
                return Err(refused(format!(
                    "the head of the police component already engaged leaders today; free again in {:.1} h",
                    self.hopc_free_at - self.now
                )));
            }
            self.hopc_free_at = self.now + 24.0;
            self.sites[site].talks_planned = true;
            self.queue.push(self.now + hours, Event::Dialogue { site });
            log!(
                self,
                EventKind::Dispatch,
                Some(site),
                None,
                None,
                "dialogue by the head of the police component".into(),
            );
            return Ok(());
        };
        let unit = &m.units[u];
        if !matches!(unit.kind, UnitKind::Ipo | UnitKind::Specialised(_)) {
            return Err(refused(format!(
                "{} is not an IPO team: dialogue goes through an IPO team or the head of the police component",
                unit.id
            )));
        }
        if let Status::Forbidden(r) = self.permit(u, Task::Patrol, site, Origin::Base).status {
            return Err(refused(format!(
                "{} may not go to {name}: {}",
                unit.id,
                r.name()
            )));
        }
        let st = &self.units[u];
        if !st.active || st.idle == 0 {
            return Err(refused(format!(
                "{} is not free now (it is answering an incident or not deployed)",
                unit.id
            )));
        }
        let mounted = unit.moves_mounted(unit.vehicles_per_platoon, st.vehicles_free);
        let vehicles = if mounted && unit.needs_vehicles() {
            unit.vehicles_per_platoon
        } else {
            0
        };
        let travel = self.travel_h(unit.base, site, mounted);
        if !travel.is_finite() {
            return Err(refused(format!("{} has no road to {name}", unit.id)));
        }
        let ready = self.ready_h(u, 1);
        self.take_platoons(u, 1, vehicles, 1);
        self.sites[site].talks_planned = true;
        self.queue
            .push(self.now + ready + travel, Event::Dialogue { site });
        self.queue.push(
            self.now + ready + 2.0 * travel + hours,
            Event::Return {
                unit: u,
                platoons: 1,
                vehicles,
                worked_h: (2.0 * travel + hours) as f32,
            },
        );
        log!(
            self,
            EventKind::Dispatch,
            Some(site),
            Some(u),
            None,
            "dialogue".into(),
        );
        Ok(())
    }

    /// A dialogue is held at `site` now.
    pub(crate) fn on_dialogue(&mut self, site: SiteId) {
        let md = &self.m.scenario.mandate;
        let (effect, lasts) = (md.dialogue_effect, md.dialogue_lasts_h);
        let t = self.tension(site);
        self.add_tension(site, -effect * t);
        let st = &mut self.sites[site];
        st.talks_planned = false;
        st.talks_until = self.now + lasts;
        log!(
            self,
            EventKind::Dialogue,
            Some(site),
            None,
            None,
            String::new(),
        );
    }

    /// Alerts military unit `u` (a warning order through the joint
    /// operations centre): for `mandate.alert_h` hours it moves out at its
    /// alert readiness; the police-military coordination delay stays. Refused for a unit that is not military, not
    /// deployed, or already alerted.
    pub fn alert_unit(&mut self, u: UnitId) -> Result<(), DecisionError> {
        self.deployed_of_kind(
            u,
            UnitKind::Military,
            "is not a military unit: only the force's units are alerted",
        )?;
        let unit = &self.m.units[u];
        if self.units[u].alert_until > self.now {
            return Err(refused(format!("{} is already on alert", unit.id)));
        }
        self.units[u].alert_until = self.now + self.m.scenario.mandate.alert_h;
        log!(
            self,
            EventKind::Alerted,
            Some(unit.base),
            Some(u),
            None,
            String::new(),
        );
        Ok(())
    }

    /// Sets conditions on support to the host police at `site` (HRDDP's
    /// mitigating measures) while an allegation there is open: the mission
    /// asks that the officers it names be taken off duty pending
    /// investigation, and support goes on (resuming if it was suspended).
    /// After `host.conditions_delay_h` the host authorities carry the
    /// conditions out with a probability equal to the unit's integrity,
    /// drawn from a stream of its own: then the pattern ends; if not, it goes
    /// on with the mission's support (complicity) until the mission suspends.
    pub fn set_host_conditions(&mut self, site: SiteId) -> Result<(), DecisionError> {
        if site.index() >= self.sites.len() {
            return Err(DecisionError::NoSuchSite(site));
        }
        if self.m.host_at[site].is_none() {
            return Err(DecisionError::NoHostPolice(
                self.m.world.sites[site].name.clone(),
            ));
        }
        if self.m.scenario.mandate.hrddp == crate::scenario::Hrddp::Suspend {
            return Err(refused(
                "the mandate's HRDDP policy suspends all support to host police: there is no support to set conditions on",
            ));
        }
        let name = &self.m.world.sites[site].name;
        if !self.allegation_open(site) {
            return Err(refused(format!(
                "no allegation against the host police at {name} is open: there is nothing to set conditions on"
            )));
        }
        let st = &mut self.sites[site];
        if st.host_conditions {
            return Err(refused(format!(
                "support to the host police at {name} is already on conditions"
            )));
        }
        st.host_conditions = true;
        st.host_supported = true;
        st.host_suspended = false;
        let key = self.conditions_set as u32;
        self.conditions_set += 1;
        let due = self.now + self.m.scenario.host.conditions_delay_h;
        self.queue.push(due, Event::ConditionsDue { site, key });
        log!(
            self,
            EventKind::HostSupportConditioned,
            Some(site),
            None,
            None,
            "asked".into(),
        );
        if let Some(i) = self.awaiting {
            self.build_situation(i);
        }
        Ok(())
    }

    /// An allegation against the host police at `site` is open now (an
    /// inject's pattern of abuse there, within its window).
    pub(crate) fn allegation_open(&self, site: SiteId) -> bool {
        self.m.injects.iter().any(|w| {
            w.host_abuse_per_h > 0.0 && w.sites[site] && self.now >= w.start_h && self.now < w.end_h
        })
    }

    /// The host authorities answer the conditions set at `site`: they carry
    /// them out with a probability equal to the unit's integrity.
    pub(crate) fn on_conditions_due(&mut self, site: SiteId, key: u32) {
        if !self.sites[site].host_conditions || self.sites[site].host_conditions_met {
            return; // suspended meanwhile
        }
        let mut rng = self.seed.stream(
            Mechanic::Conditions,
            crate::rng::mix(u64::from(site.0) << 32 | u64::from(key)),
        );
        let met = uniform(&mut rng) < self.sites[site].host_integrity;
        self.sites[site].host_conditions_met = met;
        log!(
            self,
            EventKind::HostSupportConditioned,
            Some(site),
            None,
            None,
            if met { "met" } else { "not met" }.into(),
        );
    }

    /// Hours from the order to moving out (readiness and coordination) for
    /// unit `u` now: a military unit on alert moves at its alert readiness;
    /// the request still goes through the chain of command (coordination).
    pub(crate) fn order_to_move_h(&self, u: UnitId) -> f64 {
        let unit = &self.m.units[u];
        let readiness = if self.units[u].alert_until > self.now {
            unit.alert_readiness_h.unwrap_or(unit.readiness_h)
        } else {
            unit.readiness_h
        };
        unit.coordination_delay_h + readiness
    }
}
