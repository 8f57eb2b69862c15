//! The plain, line-by-line exercise front end: works in any terminal, on a
//! projector, or through a pipe (and so in tests).

use super::{Choice, Session, Stop, Trainee, clock, describe_option};
use crate::model::Model;
use crate::policy::Situation;
use std::io::{BufRead, Write};

/// Reads choices from `input` and shows situations on `output`.
pub struct Plain<R, W> {
    pub input: R,
    pub output: W,
    /// Injects up to this time have been shown.
    shown_h: f64,
    /// The input has ended.
    eof: bool,
    /// Events of the feed shown so far.
    events_seen: usize,
}

impl<R: BufRead, W: Write> Plain<R, W> {
    pub fn new(input: R, output: W) -> Self {
        Plain {
            input,
            output,
            shown_h: f64::NEG_INFINITY,
            eof: false,
            events_seen: 0,
        }
    }

    /// Shows the messages of injects that began since the last decision.
    fn show_injects(&mut self, model: &Model, now: f64) {
        for i in &model.scenario.injects {
            let t = i.start_day * 24.0;
            if t > self.shown_h && t <= now && !i.text.is_empty() {
                let _ = writeln!(
                    self.output,
                    "\n[{}] INJECT from {} to {}: {}",
                    clock(t),
                    if i.from.is_empty() { "?" } else { &i.from },
                    if i.to.is_empty() {
                        "operations centre"
                    } else {
                        &i.to
                    },
                    i.text
                );
            }
        }
        self.shown_h = now;
    }
}

const HELP: &str = "Type the number of an option to send that unit (e.g. 2), `2x3` to send three \
of its platoons where it may split, two numbers to add a military unit in support (2+5), `w 3` to ask the capital to waive the rule that forbids option 3, \
`wait` to keep the incident pending until a unit is free, `decline` to leave it unanswered, \
orders at any time: {ORDERS}, \
`inject KIND SITE [TEXT]` (trainer) to start an incident there now, reported at once, \
`pause` (trainer) to hold the session until Enter, \
`doctrine` to hand the rest of the session to standard procedure.";

const BETWEEN_HELP: &str =
    "Press Enter to let the clock run on, or give an order (`orders` lists them).";

const ORDERS_LIST: &str = "Orders: {ORDERS}; or `inject KIND SITE [TEXT]` (trainer).";

/// A help line with the order words in.
fn help(text: &str) -> String {
    text.replace("{ORDERS}", super::orders::ORDERS_HELP)
}

impl<R: BufRead, W: Write> Plain<R, W> {
    fn show(&mut self, model: &Model, s: &Situation) {
        let site = &model.world.sites[s.incident.site];
        let _ = writeln!(
            self.output,
            "\n[{}] {} reported at {} ({}), {} responder(s) already sent. Mandate: {}.",
            clock(s.now_h),
            s.incident.kind.name().replace('_', " "),
            site.name,
            site.id,
            s.incident.responders,
            super::authority(s.authority)
        );
        if s.options.is_empty() {
            let _ = writeln!(self.output, "  No unit can answer this incident.");
        }
        for (k, o) in s.options.iter().enumerate() {
            let _ = writeln!(self.output, "  {}. {}", k + 1, describe_option(model, s, o));
        }
    }
}

impl<R: BufRead, W: Write> Plain<R, W> {
    /// What the operations centre heard since the last prompt (refused
    /// approvals, arrivals, outcomes), as the full screen's feed shows it.
    fn show_feed(&mut self, session: &Session) {
        let sim = session.sim();
        for e in &sim.events()[self.events_seen.min(sim.events().len())..] {
            if let Some(line) = super::feed_line(sim, e) {
                let _ = writeln!(self.output, "  | {line}");
            }
        }
        self.events_seen = sim.events().len();
    }

    fn warn_unsaved(&mut self, session: &Session) {
        if let Some(e) = &session.save_error {
            let _ = writeln!(self.output, "  THE LOG COULD NOT BE SAVED: {e}");
        }
    }

    /// Reads one line; `None` at the end of input.
    /// Reads one line; `None` at the end of input. `pause` (the trainer's)
    /// holds the session until Enter, and is not an answer.
    fn read(&mut self) -> Option<String> {
        loop {
            let _ = write!(self.output, "> ");
            let _ = self.output.flush();
            let mut line = String::new();
            if self.input.read_line(&mut line).unwrap_or(0) == 0 {
                self.eof = true;
                let _ = writeln!(
                    self.output,
                    "\n(end of input: standard procedure takes over)"
                );
                return None;
            }
            if line.trim() != "pause" {
                return Some(line.trim().to_string());
            }
            let _ = writeln!(
                self.output,
                "\n  *** PAUSED by the trainer. Press Enter to go on. ***"
            );
            let mut resume = String::new();
            if self.input.read_line(&mut resume).unwrap_or(0) == 0 {
                self.eof = true;
                return None;
            }
            let _ = writeln!(self.output, "  (resumed)");
        }
    }
}

/// Choices that can be taken at any stop: orders, host support and trainer injects.
fn any_time(line: &str) -> Option<Choice> {
    super::orders::parse(line)
}

impl<R: BufRead, W: Write> Trainee for Plain<R, W> {
    fn choose(&mut self, session: &Session, problem: Option<&str>) -> Option<Choice> {
        let model = session.model;
        let s = session.situation()?.clone();
        self.warn_unsaved(session);
        self.show_feed(session);
        if let Some(p) = problem {
            let _ = writeln!(self.output, "  Not possible: {p}");
        } else {
            self.show_injects(model, s.now_h);
            self.show(model, &s);
        }
        loop {
            let line = self.read()?;
            if line == "doctrine" {
                return None;
            }
            if let Some(c) = any_time(&line) {
                return Some(c);
            }
            let unit = |n: &str| -> Option<String> {
                let k: usize = n.trim().parse().ok()?;
                s.options
                    .get(k.checked_sub(1)?)
                    .map(|o| model.units[o.unit].id.clone())
            };
            let mut words = line.split_whitespace();
            let choice = match (words.next(), words.next()) {
                (Some("wait"), None) => Some(Choice::Wait),
                (Some("decline"), None) => Some(Choice::Decline),
                (Some("w"), Some(n)) => unit(n).map(|u| Choice::Waiver { unit: u }),
                (Some(n), None) => {
                    // `2`, `2+5` (military support), `2x3` (three platoons), `2x3+5`.
                    let (main, support) = match n.split_once('+') {
                        Some((a, b)) => (a, Some(b)),
                        None => (n, None),
                    };
                    let (opt, platoons) = match main.split_once('x') {
                        Some((a, p)) => (a, Some(p)),
                        None => (main, None),
                    };
                    // A part that is given but not understood makes the whole invalid.
                    (|| {
                        Some(Choice::Dispatch {
                            unit: unit(opt)?,
                            support: match support {
                                Some(b) => Some(unit(b)?),
                                None => None,
                            },
                            platoons: match platoons {
                                Some(p) => Some(p.parse().ok()?),
                                None => None,
                            },
                        })
                    })()
                }
                _ => None,
            };
            match choice {
                Some(c) => return Some(c),
                None => {
                    let _ = writeln!(self.output, "  {}", help(HELP));
                }
            }
        }
    }

    fn gone(&self) -> bool {
        self.eof
    }

    fn between(&mut self, session: &Session, stop: Stop, problem: Option<&str>) -> Option<Choice> {
        self.warn_unsaved(session);
        self.show_feed(session);
        if let Some(p) = problem {
            let _ = writeln!(self.output, "  Not possible: {p}");
        } else if let Stop::Message(_) = stop {
            self.show_injects(session.model, session.now_h());
            for a in session.sim().escorts_asked() {
                let _ = writeln!(
                    self.output,
                    "  Escort request to {} ({}) waiting for your answer: `escort approve [UNIT]` or `escort refuse`.",
                    session.model.world.sites[a.site].name,
                    clock(a.requested_h)
                );
            }
            let _ = writeln!(
                self.output,
                "  The clock is stopped. {}",
                help(BETWEEN_HELP)
            );
        }
        loop {
            let line = self.read()?;
            if line.is_empty() {
                return None;
            }
            if let Some(c) = any_time(&line) {
                return Some(c);
            }
            // `orders`, or anything else: the full list.
            let _ = writeln!(self.output, "  {}", help(ORDERS_LIST));
        }
    }
}
