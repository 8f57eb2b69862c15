//! Incidents from emergence to resolution: threat generation by thinning,
//! deterrence and displacement of threats, reporting, arrival of responses,
//! arrests and the justice chain, harm, tension, trust and flight.

use super::{Flow, Incident, Simulation};
use crate::ids::{IncidentId, SiteId, UnitId};
use crate::metrics::EventKind;
use crate::model::UnitKind;
use crate::rng::{Stream, binomial, exponential, stochastic_round, uniform};
use crate::scenario::ThreatKind;
use rand::SeedableRng;
use rand_distr::{Distribution, Gamma, Poisson};

impl Simulation<'_> {
    /// Rate multiplier of threat process `p` now: tension relative to the
    /// site's baseline, injects, and the people present.
    pub(crate) fn rate_multiplier(&self, p: usize) -> f64 {
        let proc = &self.m.processes[p];
        let (site, kind) = (proc.site, proc.kind);
        let t = self.tension(site);
        let amp = self.m.scenario.tension.amplitude;
        let mut m = (1.0 + amp * t / (1.0 + t)) * self.m.tension_norm[site];
        let talks = self.sites[site].talks_until > self.now;
        for w in &self.m.injects {
            if self.now >= w.start_h && self.now < w.end_h && w.applies(site, kind) {
                m *= if talks {
                    w.after_dialogue
                } else {
                    w.multiplier
                };
            }
        }
        m * self.people_factor(site, proc.crowding, proc.people_cap)
    }

    /// Whether a threat of `kind` deterred next door can move to `site`:
    /// people live there, and the kind makes sense there (an attack on a POC
    /// site only moves to another POC site; nothing moves into a UN base).
    fn may_displace_to(&self, site: SiteId, kind: ThreatKind) -> bool {
        use crate::scenario::SiteKind;
        let info = &self.m.world.sites[site];
        self.sites[site].population >= 1.0
            && info.kind != SiteKind::Base
            && match kind {
                ThreatKind::PocSiteAttack => info.kind == SiteKind::PocSite,
                ThreatKind::HostAbuse => false,
                _ => true,
            }
    }

    /// Where a threat of `kind` deterred at `site` (presence multiplier
    /// `here`) moves: a neighbour less protected, where it may go, drawn with
    /// `u` in proportion to its people; with that neighbour's multiplier.
    fn displacement_target(
        &self,
        site: SiteId,
        kind: ThreatKind,
        here: f64,
        u: f64,
    ) -> Option<(SiteId, f64)> {
        let open = |nb: &SiteId| {
            self.may_displace_to(*nb, kind) && self.presence_multiplier(*nb, kind) > here
        };
        let people: f64 = self.m.world.neighbours[site]
            .iter()
            .filter(|nb| open(nb))
            .map(|&nb| self.sites[nb].population)
            .sum();
        if people <= 0.0 {
            return None;
        }
        let mut left = u * people;
        let mut last = None;
        for &nb in self.m.world.neighbours[site].iter().filter(|nb| open(nb)) {
            last = Some(nb);
            left -= self.sites[nb].population;
            if left < 0.0 {
                break;
            }
        }
        last.map(|nb| (nb, self.presence_multiplier(nb, kind)))
    }

    /// What arrests do to process `p`'s rate: detained perpetrators are off
    /// the street (a share 1/pool each), and certainty of punishment deters:
    /// the stream's rate falls by `deterrence_max` × the share of its recent
    /// threats that ended in a case handed to justice (both counts fading
    /// with the half-life).
    pub(crate) fn justice_multiplier(&self, p: usize) -> f64 {
        let pool = self.m.processes[p].pool;
        let mut f = if pool > 0.0 {
            (1.0 - f64::from(self.detained[p]) / pool).max(0.0)
        } else {
            1.0
        };
        let (cases, threats) = self.justice_heat[p];
        if cases > 0.0 && threats > 0.0 {
            // Both fade alike, so their ratio needs no decay.
            let certainty = (cases / threats).min(1.0);
            f *= 1.0 - self.m.scenario.justice.deterrence_max * certainty;
        }
        f
    }

    /// Adds `cases` handed to justice and `threats` arisen to stream `p`'s
    /// fading counts.
    fn add_justice_heat(&mut self, p: usize, cases: f64, threats: f64) {
        let j = &self.m.scenario.justice;
        let k = std::f64::consts::LN_2 / (j.deterrence_half_life_days * 24.0);
        let fade = (-(self.now - self.justice_heat_t[p]) * k).exp();
        let h = &mut self.justice_heat[p];
        *h = (h.0 * fade + cases, h.1 * fade + threats);
        self.justice_heat_t[p] = self.now;
    }

    /// Detainees of process `p` leave custody.
    pub(crate) fn on_released(&mut self, p: usize, n: u32) {
        self.detained[p] = self.detained[p].saturating_sub(n);
    }

    /// Threats follow the people present: the site's population over its
    /// initial one (no one there, no threat), times, for streams that scale
    /// with crowding, how far the site is over its design capacity, up to `cap`.
    pub(crate) fn people_factor(&self, site: SiteId, crowding: bool, cap: f64) -> f64 {
        let info = &self.m.world.sites[site];
        if info.population <= 0.0 {
            return 0.0;
        }
        let pop = self.sites[site].population.max(0.0);
        let mut f = pop / info.population;
        if crowding && let Some(d) = info.design_capacity {
            f *= (pop / d).max(1.0) / (info.population / d).max(1.0);
        }
        f.min(cap)
    }

    /// A candidate from process `p`'s bounding process: accept, deter, displace, or drop.
    pub(crate) fn on_threat_candidate(&mut self, p: usize) {
        let proc = &self.m.processes[p];
        let rng = &mut self.threat_rngs[p];
        // A fixed number of draws per candidate keeps variants in step.
        let u_accept = uniform(rng);
        let u_deter = uniform(rng);
        let u_move = uniform(rng);
        let u_deter_there = uniform(rng);
        let incident_seed = rand::Rng::next_u64(rng);
        let bound = proc.rate_per_h * proc.max_multiplier;
        let next = self.now + exponential(rng, bound);
        self.clocks.set(
            p,
            if next < self.horizon {
                next
            } else {
                f64::INFINITY
            },
        );
        let arising = proc.rate_per_h * self.rate_multiplier(p);
        if u_accept * bound < arising {
            // Counted before any deterrence: the stream's own rate.
            self.stream_threats[p] += 1;
            if self.m.scenario.justice.deterrence_max > 0.0 {
                self.add_justice_heat(p, 0.0, 1.0);
            }
        }
        if u_accept * bound >= arising * self.justice_multiplier(p) {
            return;
        }
        let here = self.presence_multiplier(proc.site, proc.kind);
        let mut site = proc.site;
        if u_deter >= here {
            self.summary.incidents_deterred += 1;
            // Part of the deterred threat moves next door: to a neighbour
            // less protected than here, where people are and the threat
            // makes sense, chosen in proportion to the people there; it then
            // meets that site's own deterrence.
            // Crime among the residents of a camp or POC site stays there
            // (deterred, it does not happen); elsewhere a deterred threat
            // may find victims next door, as many as there are people there
            // relative to here, and meets that site's own deterrence.
            let share = self.m.scenario.presence.displacement_share;
            let from_refuge = self.m.world.sites[site].kind.is_refuge();
            let moved = if u_move < share && !from_refuge {
                let here_people = self.sites[site].population.max(1.0);
                self.displacement_target(site, proc.kind, here, u_move / share)
                    .filter(|&(nb, pm)| {
                        let room = (self.sites[nb].population / here_people).min(1.0);
                        u_deter_there < pm * room
                    })
            } else {
                None
            };
            let Some((nb, _)) = moved else {
                log!(
                    self,
                    EventKind::Deterred,
                    Some(site),
                    None,
                    None,
                    proc.kind.name().to_string(),
                );
                return;
            };
            self.summary.incidents_displaced += 1;
            log!(
                self,
                EventKind::Displaced,
                Some(site),
                None,
                None,
                self.m.world.sites[nb].id.clone(),
            );
            site = nb;
        }
        let rng = Stream::seed_from_u64(incident_seed);
        self.new_incident(proc.kind, site, rng, incident_seed, Some(p as u32), false);
    }

    /// Abuse rate of host post `h` now: it follows the unit's integrity and
    /// the means the mission's support lends it, plus the pattern an
    /// allegation describes while it lasts, until the mission sets conditions
    /// on its support (the officers named are taken off duty).
    pub(crate) fn abuse_rate_per_h(&self, h: usize) -> f64 {
        let post = &self.m.hosts[h];
        let st = &self.sites[post.site];
        let means = if st.host_supported {
            1.0 + self.m.scenario.host.abuse_support_gain.max(0.0)
        } else {
            1.0
        };
        let mut alleged = 0.0;
        if !st.host_conditions_met {
            for w in &self.m.injects {
                if w.host_abuse_per_h > 0.0
                    && w.sites[post.site]
                    && self.now >= w.start_h
                    && self.now < w.end_h
                {
                    alleged += w.host_abuse_per_h;
                }
            }
        }
        (post.abuse_rate_per_h * (1.0 - st.host_integrity) + alleged) * means
    }

    /// A candidate abuse by host police (thinning of a bounding process).
    pub(crate) fn on_host_abuse(&mut self, h: usize) {
        let post = &self.m.hosts[h];
        let rng = &mut self.abuse_rngs[h];
        let u_accept = uniform(rng);
        let incident_seed = rand::Rng::next_u64(rng);
        let next = self.now + exponential(rng, post.abuse_bound_per_h);
        if next < self.horizon {
            self.queue.push(next, super::Event::HostAbuse(h as u32));
        }
        if u_accept * post.abuse_bound_per_h >= self.abuse_rate_per_h(h) {
            return;
        }
        let rng = Stream::seed_from_u64(incident_seed);
        self.new_incident(
            ThreatKind::HostAbuse,
            post.site,
            rng,
            incident_seed,
            None,
            false,
        );
    }

    /// A threat becomes an incident: draw its course and whether and when it is reported.
    /// `key` names it for the capital's answers; `process` is the threat
    /// stream it came from; `announced`: reported the moment it starts (an
    /// inject's message).
    pub(crate) fn new_incident(
        &mut self,
        kind: ThreatKind,
        site: SiteId,
        mut rng: Stream,
        key: u64,
        process: Option<u32>,
        announced: bool,
    ) {
        let kp = self.m.kind(kind);
        let info = &self.m.world.sites[site];
        let st = &self.sites[site];
        let esc = if kp.escalation_h > 0.0 {
            exponential(&mut rng, 1.0 / kp.escalation_h)
        } else {
            0.0
        };
        let onset = self.now + esc;
        let end = onset + kp.duration_h;
        let mean = kp.severity * info.vulnerability;
        let lambda = if mean > 0.0 {
            Gamma::new(kp.severity_shape, mean / kp.severity_shape)
                .map(|g| g.sample(&mut rng))
                .unwrap_or(mean)
        } else {
            0.0
        };
        let potential = poisson(&mut rng, lambda).min(st.population.max(0.0).floor() as u64) as u32;
        let perpetrators = poisson(&mut rng, kp.perpetrators) as u32;
        // Anywhere in the site's area, uniformly.
        let in_site_km = info.radius_km * uniform(&mut rng).sqrt();

        // Reporting: log-odds from trust, community policing, host police, comms and,
        // for CRSV, the share of women among police at the site.
        let r = &self.m.scenario.reporting;
        let mut logit =
            kp.report_logit + r.trust_coef * (st.trust - 0.5) + r.comms_coef * (info.comms - 1.0);
        if st.cp_teams > 0 {
            // The first team counts fully, each doubling of teams once more.
            logit += r.ipo_coef * (1.0 + f64::from(st.cp_teams)).log2();
        }
        if self.m.host_at[site].is_some_and(|h| self.m.hosts[h].officers > 0) {
            logit += r.host_coef * st.host_capacity;
        }
        if kind == ThreatKind::Crsv {
            // Women officers posted at the site, or else across the mission.
            let share = if st.un_officers > 0.0 {
                st.un_women / st.un_officers
            } else if self.un_officers > 0.0 {
                self.un_women / self.un_officers
            } else {
                0.0
            };
            logit += r.women_crsv_coef * share;
        }
        let p_report = 1.0 / (1.0 + (-logit).exp());
        let reported = uniform(&mut rng) < p_report || announced;
        let mut delay_mean =
            r.delay_mean_h * (1.0 + (r.no_comms_delay_factor - 1.0) * (1.0 - info.comms));
        if st.cp_teams > 0 {
            delay_mean *= r.ipo_delay_factor;
        }
        delay_mean *= kp.report_delay_factor;
        let delay = exponential(&mut rng, 1.0 / delay_mean.max(1e-9));
        let delay = if announced { 0.0 } else { delay };

        let id = IncidentId::new(self.incidents.len());
        self.incidents.push(Incident {
            kind,
            site,
            onset,
            end,
            potential,
            perpetrators,
            in_site_km,
            reported: false,
            report_h: f64::INFINITY,
            first_arrival: f64::INFINITY,
            mitigation: 0.0,
            responders: 0,
            in_time: false,
            un_arrived: false,
            blocked: false,
            mandate_blocked: false,
            resolved: false,
            host_supported_at_t0: st.host_supported,
            excluded: Vec::new(),
            key,
            process,
            rng,
        });
        self.summary.incidents_true += 1;
        self.threat_stats[kind.index()].incidents_true += 1;
        if kind == ThreatKind::Crsv {
            self.summary.crsv_true += 1;
        }
        self.sites[site].day_true += 1;
        self.sites[site].totals.incidents_true += 1;
        self.sites[site].day_true_kind[kind.index()] += 1;
        log!(
            self,
            EventKind::Incident,
            Some(site),
            None,
            Some(id),
            kind.name().to_string(),
        );
        if reported && self.now + delay < self.horizon {
            self.queue.push(self.now + delay, super::Event::Report(id));
        } else if let Some(shift) = r.late_logit_shift {
            // Known afterwards, or never: from a stream of its own.
            let mut lr = self.seed.stream(crate::rng::Mechanic::Learning, key);
            let p_late = 1.0 / (1.0 + (-(logit + shift)).exp());
            let u = uniform(&mut lr);
            let after = exponential(&mut lr, 1.0 / r.late_delay_mean_h.max(1e-9));
            if u < p_late && end + after < self.horizon {
                self.queue.push(end + after, super::Event::Learned(id));
            }
        }
        if end < self.horizon {
            self.queue.push(end, super::Event::Resolve(id));
        }
    }

    /// The report reaches the operations centre: a decision is needed if it is not too late.
    pub(crate) fn on_report(&mut self, i: IncidentId) {
        let inc = &mut self.incidents[i];
        inc.reported = true;
        inc.report_h = self.now;
        let (kind, site, end) = (inc.kind, inc.site, inc.end);
        self.summary.incidents_reported += 1;
        self.summary.incidents_known += 1;
        self.threat_stats[kind.index()].incidents_reported += 1;
        self.threat_stats[kind.index()].incidents_known += 1;
        if kind == ThreatKind::Crsv {
            self.summary.crsv_reported += 1;
        }
        self.sites[site].day_reported += 1;
        self.sites[site].day_known += 1;
        self.sites[site].totals.incidents_reported += 1;
        self.sites[site].totals.incidents_known += 1;
        log!(
            self,
            EventKind::Report,
            Some(site),
            None,
            Some(i),
            kind.name().to_string()
        );
        if kind != ThreatKind::HostAbuse {
            self.reported_for_target += 1;
        }
        // Abuse by host forces is a matter for HRDDP, not a dispatch.
        if kind != ThreatKind::HostAbuse && self.now < end {
            self.to_decide.push_back(i);
        }
    }

    /// An incident never reported in time becomes known: too late to
    /// prevent, but counted, as the evidence's figures count it.
    pub(crate) fn on_learned(&mut self, i: IncidentId) {
        let (kind, site) = (self.incidents[i].kind, self.incidents[i].site);
        self.summary.incidents_known += 1;
        self.threat_stats[kind.index()].incidents_known += 1;
        self.sites[site].day_known += 1;
        self.sites[site].totals.incidents_known += 1;
        log!(
            self,
            EventKind::Learned,
            Some(site),
            None,
            Some(i),
            kind.name().to_string()
        );
    }

    /// A responding unit arrives: mitigation, arrests, and the way back.
    pub(crate) fn on_arrive(
        &mut self,
        i: IncidentId,
        u: UnitId,
        platoons: u32,
        vehicles: u32,
        travel_h: f64,
    ) {
        let unit = &self.m.units[u];
        let kp = self.m.kind(self.incidents[i].kind);
        let eff = self.effectiveness(u, self.incidents[i].kind, platoons);
        let inc = &mut self.incidents[i];
        let ta = self.now;
        let timeliness = if ta <= inc.onset {
            1.0
        } else {
            (1.0 - (ta - inc.onset) / kp.duration_h).clamp(0.0, 1.0)
        };
        // Responders combine: each averts its share of what remains.
        inc.mitigation = 1.0 - (1.0 - inc.mitigation) * (1.0 - eff * timeliness);
        if ta <= inc.onset {
            inc.in_time = true;
        }
        if unit.kind.is_un_police() && !inc.un_arrived {
            inc.un_arrived = true;
            self.summary.incidents_responded_un_police += 1;
        }
        let first = inc.first_arrival.is_infinite();
        if first {
            inc.first_arrival = ta;
            let rt = ta - inc.report_h;
            self.response_times.push(rt);
            if rt <= self.m.scenario.mandate.response_target_h {
                self.answered_within_target += 1;
            }
            self.summary.incidents_responded += 1;
            let kind = inc.kind;
            self.threat_stats[kind.index()].incidents_responded += 1;
            self.sites[inc.site].totals.incidents_responded += 1;
        }
        let site = inc.site;
        let end = inc.end;
        log!(
            self,
            EventKind::Arrive,
            Some(site),
            Some(u),
            Some(i),
            if ta <= self.incidents[i].onset {
                "before_violence".into()
            } else if ta <= end {
                "during_violence".into()
            } else {
                "after_violence".into()
            },
        );
        if ta <= end {
            self.arrests(i, u, eff);
        }
        let back = self.now + kp.on_scene_h + travel_h;
        if unit.kind != UnitKind::Host {
            self.queue.push(
                back,
                super::Event::Return {
                    unit: u,
                    platoons,
                    vehicles,
                    worked_h: (kp.on_scene_h + 2.0 * travel_h) as f32,
                },
            );
        }
    }

    /// Arrests by the arriving unit or the host police it works with, under the mandate.
    fn arrests(&mut self, i: IncidentId, u: UnitId, eff: f64) {
        let m = self.m;
        let inc = &self.incidents[i];
        if inc.perpetrators == 0 {
            return;
        }
        let site = inc.site;
        let mandate = &m.scenario.mandate;
        let (by_un, by_host) = self.arrest_powers(u, site);
        let p = if by_un {
            mandate.arrest_prob * eff
        } else if by_host {
            mandate.arrest_prob * self.sites[site].host_capacity
        } else {
            0.0
        };
        let inc = &mut self.incidents[i];
        let n = binomial(&mut inc.rng, inc.perpetrators, p);
        if n == 0 {
            return;
        }
        inc.perpetrators -= n;
        self.summary.arrests += u64::from(n);
        // The justice chain receives detainees up to its capacity (a weekly
        // allowance that refills continuously); the rest are released.
        let cap = mandate.justice_capacity_per_week;
        self.justice_tokens =
            (self.justice_tokens + cap * (self.now - self.justice_t) / 168.0).min(cap.max(0.0));
        self.justice_t = self.now;
        let handed = (self.justice_tokens.floor() as u32).min(n);
        self.justice_tokens -= f64::from(handed);
        let released = n - handed;
        if handed > 0
            && let Some(p) = self.incidents[i].process
        {
            // Those handed to justice are off the street while detained, and
            // the cases deter the stream they came from.
            let p = p as usize;
            let j = &m.scenario.justice;
            if j.detention_days > 0.0 {
                self.detained[p] += handed;
                // Off the street until released or replaced by a recruit.
                let mut rate = 1.0 / (j.detention_days * 24.0);
                if j.replacement_days > 0.0 {
                    rate += 1.0 / (j.replacement_days * 24.0);
                }
                let stay = exponential(&mut self.incidents[i].rng, rate);
                self.queue.push(
                    self.now + stay,
                    super::Event::Released {
                        process: p as u32,
                        n: handed,
                    },
                );
            }
            if j.deterrence_max > 0.0 {
                self.add_justice_heat(p, f64::from(handed), 0.0);
            }
        }
        self.summary.detainees_handed_over += u64::from(handed);
        self.summary.detainees_released += u64::from(released);
        if released > 0 {
            let t = &m.scenario.tension;
            self.add_tension(site, t.per_release * f64::from(released));
            self.add_trust(site, -m.scenario.trust.per_impunity * f64::from(released));
        }
        log!(
            self,
            EventKind::Arrests,
            Some(site),
            Some(u),
            Some(i),
            format!("{n} arrested, {handed} handed over, {released} released"),
        );
    }

    /// The incident is over: harm, outcome, tension, trust, flight.
    pub(crate) fn resolve(&mut self, i: IncidentId) {
        let m = self.m;
        let kp = m.kind(self.incidents[i].kind);
        let inc = &mut self.incidents[i];
        if inc.resolved {
            return;
        }
        inc.resolved = true;
        let site = inc.site;
        let kind = inc.kind;
        let pop = self.sites[site].population.max(0.0);
        let u1 = uniform(&mut inc.rng);
        let u2 = uniform(&mut inc.rng);
        let expected = f64::from(inc.potential) * (1.0 - inc.mitigation);
        let harmed = stochastic_round(expected, u1).min(pop.floor() as u64);
        if self.opts.self_check {
            assert!(
                harmed as f64 <= pop,
                "an incident harmed more people than are at its site"
            );
        }
        let killed = stochastic_round(harmed as f64 * kp.lethality, u2).min(harmed);
        let arrived_in_time = inc.first_arrival <= inc.end;
        let inc_reported = inc.reported;
        let prevented = inc.in_time && harmed == 0 && inc.responders > 0;
        let blocked = inc.blocked;
        let mandate_blocked = inc.mandate_blocked;
        let in_time = inc.in_time;
        let supported = inc.host_supported_at_t0;
        let sum = &mut self.summary;
        sum.civilians_harmed += harmed;
        sum.civilians_killed += killed;
        let bt = &mut self.threat_stats[kind.index()];
        bt.civilians_harmed += harmed;
        bt.civilians_killed += killed;
        if in_time {
            bt.answered_before_violence += 1;
        }
        if arrived_in_time && inc_reported {
            bt.responded_before_end += 1;
        }
        if prevented {
            bt.incidents_prevented += 1;
            sum.incidents_prevented += 1;
        } else if arrived_in_time {
            sum.incidents_mitigated += 1;
        } else if kind != ThreatKind::HostAbuse {
            sum.incidents_unanswered += 1;
        }
        if blocked {
            sum.responses_blocked_by_caveats += 1;
        }
        if mandate_blocked {
            sum.responses_blocked_by_mandate += 1;
        }
        let st = &mut self.sites[site];
        st.day_harmed += harmed as u32;
        st.totals.civilians_harmed += harmed;
        st.totals.civilians_killed += killed;
        st.day_harmed_kind[kind.index()] += harmed as u32;
        st.day_killed += killed as u32;
        st.population = (st.population - killed as f64).max(0.0);

        let tp = &m.scenario.tension;
        let tr = &m.scenario.trust;
        let mut dt = tp.per_harmed * harmed as f64;
        if !arrived_in_time {
            dt += tp.per_unanswered;
        }
        if prevented {
            dt -= tp.per_prevented;
        }
        let mut dtrust = -tr.per_harmed_per_1000 * harmed as f64 / (pop / 1000.0).max(1.0);
        if arrived_in_time && kind != ThreatKind::HostAbuse {
            dtrust += tr.per_protected * (1.0 - self.sites[site].trust);
        }
        if kind == ThreatKind::HostAbuse {
            self.summary.host_abuse_events += 1;
            dt += tp.per_abuse;
            dtrust -= tr.per_abuse;
            if supported {
                self.summary.complicity_events += 1;
                dtrust -= tr.per_complicity;
            }
        } else if !arrived_in_time {
            dtrust -= tr.per_impunity;
        }
        self.add_tension(site, dt);
        self.add_trust(site, dtrust);
        let outcome = if prevented {
            "prevented"
        } else if arrived_in_time {
            "mitigated"
        } else {
            "unanswered"
        };
        log!(
            self,
            EventKind::Resolve,
            Some(site),
            None,
            Some(i),
            format!("{outcome}; harmed {harmed}, killed {killed}"),
        );
        if harmed > 0 {
            self.sites[site].last_harm_h = self.now;
            self.flee(site, harmed as f64);
        }
    }

    /// People flee a site with recent harm toward the nearest camp or POC site.
    fn flee(&mut self, origin: SiteId, harmed: f64) {
        let d = &self.m.scenario.displacement;
        let info = &self.m.world.sites[origin];
        if info.kind.is_refuge() {
            return;
        }
        let pop = self.sites[origin].population;
        let n = (harmed * d.flee_per_harmed).min(pop * d.max_share).floor();
        if n <= 0.0 {
            return;
        }
        let refuge = self.m.refuge[origin];
        self.sites[origin].population -= n;
        if let Some(r) = refuge {
            self.sites[r].population += n;
        }
        match self
            .flows
            .iter_mut()
            .find(|f| f.origin == origin && f.refuge == refuge)
        {
            Some(f) => f.people += n,
            None => self.flows.push(Flow {
                origin,
                refuge,
                people: n,
            }),
        }
        log!(
            self,
            EventKind::Flight,
            Some(origin),
            None,
            None,
            format!("{n} people")
        );
    }
}

/// Poisson draw; 0 for a zero or invalid mean.
fn poisson(rng: &mut Stream, lambda: f64) -> u64 {
    if lambda <= 0.0 || !lambda.is_finite() {
        return 0;
    }
    Poisson::new(lambda)
        .map(|p| p.sample(rng) as u64)
        .unwrap_or(0)
}
