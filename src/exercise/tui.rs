//! The full-screen exercise front end: the clock runs on its own (the trainer
//! starts, pauses and speeds it), stops at every decision point and every
//! inject's message, and shows the sites, the reported incidents, the units
//! and the options the rules allow, with forbidden ones and the rule that
//! forbids them. The trainer can add an inject at any moment.
//!
//! The state and its key handling ([`App`]) are separate from drawing
//! (`draw`) and from the terminal loop ([`run`]), so both can be tested.

use super::{Choice, Session, Stop, clock, describe_option};
use crate::policy::Status;
use crate::scenario::ThreatKind;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::time::{Duration, Instant};

mod draw;

/// Which list the arrow keys move in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Options,
    Sites,
}

/// A window over the screen that takes the keys until it is closed.
#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    None,
    /// An inject's message (index into the scenario's injects); Enter closes it.
    Message(usize),
    /// The trainer's inject form: a threat kind (index into the kinds the
    /// scenario models) at the selected site, and a message.
    Inject {
        kind: usize,
        text: String,
    },
    /// The order line: an order typed as in plain mode (escort, patrol
    /// plan, dialogue, alert, host support), Enter to give it.
    Order(String),
    /// End the session now (standard procedure plays the rest)?
    ConfirmEnd,
    Help,
}

/// The exercise as shown on screen.
pub struct App<'m> {
    pub session: Session<'m>,
    /// The trainer has stopped the clock (it starts stopped).
    pub paused: bool,
    /// Simulated hours per second of wall time.
    pub speed: f64,
    pub focus: Focus,
    pub option_cursor: usize,
    /// An option marked to go in military support of the one sent.
    pub support: Option<usize>,
    /// Platoons chosen for the option under the cursor (default: what the threat needs).
    pub platoons: Option<u32>,
    pub site_cursor: usize,
    pub modal: Modal,
    /// Why the last choice was refused, or what the last key did.
    pub notice: Option<String>,
    /// Lines of the event feed, newest last.
    pub feed: Vec<String>,
    events_seen: usize,
    /// Scenario injects whose message is still to be shown, and the time up to
    /// which messages have been queued.
    messages: std::collections::VecDeque<usize>,
    messages_h: f64,
    /// The session is over and the trainees may leave.
    pub quit: bool,
    /// At the end: the team's outcome and standard procedure's on the same seed.
    pub outcome: Option<(crate::metrics::Summary, crate::metrics::Summary)>,
    /// Threat kinds the scenario models (what the trainer may inject).
    kinds: Vec<ThreatKind>,
}

impl<'m> App<'m> {
    pub fn new(session: Session<'m>, speed: f64) -> Self {
        let kinds = ThreatKind::ALL
            .into_iter()
            .filter(|k| session.model.kinds[k.index()].is_some())
            .collect();
        App {
            session,
            paused: true,
            speed,
            focus: Focus::Options,
            option_cursor: 0,
            support: None,
            platoons: None,
            site_cursor: 0,
            modal: Modal::None,
            notice: None,
            feed: Vec::new(),
            events_seen: 0,
            messages: Default::default(),
            messages_h: f64::NEG_INFINITY,
            quit: false,
            outcome: None,
            kinds,
        }
    }

    /// Whether the clock may run now.
    pub fn clock_running(&self) -> bool {
        !self.paused
            && self.modal == Modal::None
            && matches!(self.session.stop(), Stop::Reached | Stop::Message(_))
    }

    /// Lets `wall_s` seconds of wall time pass: the world runs on at the set
    /// speed unless the clock is stopped.
    pub fn tick(&mut self, wall_s: f64) {
        if !self.clock_running() {
            return;
        }
        let limit = self.session.now_h() + wall_s * self.speed;
        let stop = self.session.advance(limit);
        self.pull_feed();
        match stop {
            Stop::Message(_) => {}
            Stop::Decision => self.new_decision(),
            Stop::Done => self.finished(),
            Stop::Reached => {}
        }
    }

    /// The horizon is reached: the outcome for the last screen.
    fn finished(&mut self) {
        if self.outcome.is_none() {
            self.notice = None;
            self.outcome = self.session.outcome_preview();
            self.feed_line("The exercise is over: press q to leave.".into());
        }
    }

    fn new_decision(&mut self) {
        self.focus = Focus::Options;
        self.support = None;
        self.platoons = None;
        self.notice = None;
        // The cursor starts on the first option that can go.
        self.option_cursor = self
            .session
            .situation()
            .and_then(|s| s.options.iter().position(|o| o.dispatchable()))
            .unwrap_or(0);
    }

    /// Queues the messages of injects that began since the last look (those
    /// that start an incident, too) and shows the first.
    fn queue_messages(&mut self) {
        let now = self.session.now_h();
        for (k, i) in self.session.model.injects.iter().enumerate() {
            if i.start_h > self.messages_h && i.start_h <= now && !i.text.is_empty() {
                self.messages.push_back(k);
            }
        }
        self.messages_h = now;
        if self.modal == Modal::None
            && let Some(k) = self.messages.pop_front()
        {
            self.modal = Modal::Message(k);
        }
    }

    fn feed_line(&mut self, line: String) {
        self.feed.push(line);
        if self.feed.len() > 500 {
            self.feed.drain(..100);
        }
    }

    /// New events the operations centre hears of, as lines of the feed.
    fn pull_feed(&mut self) {
        let sim = self.session.sim();
        let lines: Vec<String> = sim.events()[self.events_seen..]
            .iter()
            .filter_map(|e| super::feed_line(sim, e))
            .collect();
        self.events_seen = sim.events().len();
        for l in lines {
            self.feed_line(l);
        }
        self.queue_messages();
    }

    /// Applies a choice, or shows why it cannot be taken.
    fn choose(&mut self, c: Choice) {
        let settles = !c.keeps_pending();
        match self.session.apply(c) {
            Ok(()) => {
                self.notice = None;
                self.pull_feed();
                if settles {
                    self.support = None;
                } else if self.session.stop() == Stop::Decision {
                    // The options may have changed (host support).
                    self.option_cursor = self.option_cursor.min(
                        self.session
                            .situation()
                            .map_or(0, |s| s.options.len().saturating_sub(1)),
                    );
                }
                // An inject's incident may need a decision at once.
                if self.session.stop() != Stop::Decision && !self.session.handed_over() {
                    let stop = self.session.advance(self.session.now_h());
                    self.pull_feed();
                    if stop == Stop::Decision {
                        self.new_decision();
                    }
                }
            }
            Err(e) => self.notice = Some(format!("Not possible: {e}")),
        }
    }

    fn option_unit(&self, k: usize) -> Option<String> {
        let s = self.session.situation()?;
        s.options
            .get(k)
            .map(|o| self.session.model.units[o.unit].id.clone())
    }

    /// Handles one key press.
    pub fn key(&mut self, k: KeyEvent) {
        if k.kind == KeyEventKind::Release {
            return;
        }
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            self.modal = Modal::ConfirmEnd;
            return;
        }
        match self.modal.clone() {
            Modal::Message(_) => {
                if matches!(k.code, KeyCode::Enter | KeyCode::Esc) {
                    self.modal = Modal::None;
                    self.queue_messages();
                }
                return;
            }
            Modal::Help => {
                self.modal = Modal::None;
                return;
            }
            Modal::ConfirmEnd => {
                match k.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => {
                        self.modal = Modal::None;
                        self.session.hand_over();
                    }
                    _ => self.modal = Modal::None,
                }
                return;
            }
            Modal::Order(mut text) => {
                match k.code {
                    KeyCode::Esc => self.modal = Modal::None,
                    KeyCode::Backspace => {
                        text.pop();
                        self.modal = Modal::Order(text);
                    }
                    KeyCode::Char(c) => {
                        if text.chars().count() < 200 {
                            text.push(c);
                        }
                        self.modal = Modal::Order(text);
                    }
                    KeyCode::Enter => match super::orders::parse(&text) {
                        Some(Choice::Inject { .. }) | None => {
                            self.notice =
                                Some(format!("Not an order: {}", super::orders::ORDERS_HELP));
                            self.modal = Modal::Order(text);
                        }
                        Some(c) => {
                            self.modal = Modal::None;
                            self.choose(c);
                        }
                    },
                    _ => self.modal = Modal::Order(text),
                }
                return;
            }
            Modal::Inject { kind, mut text } => {
                match k.code {
                    KeyCode::Esc => self.modal = Modal::None,
                    KeyCode::Up => {
                        self.modal = Modal::Inject {
                            kind: kind.saturating_sub(1),
                            text,
                        }
                    }
                    KeyCode::Down => {
                        self.modal = Modal::Inject {
                            kind: (kind + 1).min(self.kinds.len().saturating_sub(1)),
                            text,
                        }
                    }
                    KeyCode::Backspace => {
                        text.pop();
                        self.modal = Modal::Inject { kind, text };
                    }
                    KeyCode::Char(c) => {
                        if text.chars().count() < 200 {
                            text.push(c);
                        }
                        self.modal = Modal::Inject { kind, text };
                    }
                    KeyCode::Enter => {
                        self.modal = Modal::None;
                        if let Some(&kind) = self.kinds.get(kind) {
                            let site = self.session.model.world.sites[self.site_cursor].id.clone();
                            self.feed_line(format!(
                                "{} TRAINER INJECT: {} at {}{}{}",
                                clock(self.session.now_h()),
                                kind.name().replace('_', " "),
                                site,
                                if text.is_empty() { "" } else { ": " },
                                text
                            ));
                            self.choose(Choice::Inject {
                                kind: kind.name().to_string(),
                                site,
                                text,
                            });
                        }
                    }
                    _ => self.modal = Modal::Inject { kind, text },
                }
                return;
            }
            Modal::None => {}
        }
        if self.session.stop() == Stop::Done {
            if matches!(k.code, KeyCode::Char('q') | KeyCode::Esc | KeyCode::Enter) {
                self.quit = true;
            }
            return;
        }
        // Trainer's keys work at any time.
        match k.code {
            KeyCode::Char(' ') => {
                self.paused = !self.paused;
                self.notice = Some(if self.paused {
                    "The trainer paused the exercise.".into()
                } else {
                    "The clock runs.".into()
                });
                return;
            }
            KeyCode::Char('>') => {
                self.speed = (self.speed * 2.0).min(64.0);
                return;
            }
            KeyCode::Char('<') => {
                self.speed = (self.speed / 2.0).max(1.0 / 64.0);
                return;
            }
            KeyCode::Char('i') => {
                self.modal = Modal::Inject {
                    kind: 0,
                    text: String::new(),
                };
                return;
            }
            KeyCode::Char('?') => {
                self.modal = Modal::Help;
                return;
            }
            KeyCode::Char('o') => {
                self.modal = Modal::Order(String::new());
                return;
            }
            KeyCode::Char('q') => {
                self.modal = Modal::ConfirmEnd;
                return;
            }
            KeyCode::Tab => {
                self.focus = match self.focus {
                    Focus::Options => Focus::Sites,
                    Focus::Sites => Focus::Options,
                };
                return;
            }
            _ => {}
        }
        let n_options = self.session.situation().map_or(0, |s| s.options.len());
        let n_sites = self.session.model.world.sites.len();
        let moves = matches!(
            k.code,
            KeyCode::Up | KeyCode::Down | KeyCode::Char('k' | 'j' | '1'..='9')
        );
        if self.paused && !moves {
            self.notice = Some("Paused by the trainer: the trainer resumes with space.".into());
            return;
        }
        match k.code {
            KeyCode::Up | KeyCode::Char('k') => match self.focus {
                Focus::Options => {
                    self.option_cursor = self.option_cursor.saturating_sub(1);
                    self.platoons = None;
                }
                Focus::Sites => self.site_cursor = self.site_cursor.saturating_sub(1),
            },
            KeyCode::Down | KeyCode::Char('j') => match self.focus {
                Focus::Options => {
                    self.option_cursor = (self.option_cursor + 1).min(n_options.saturating_sub(1));
                    self.platoons = None;
                }
                Focus::Sites => self.site_cursor = (self.site_cursor + 1).min(n_sites - 1),
            },
            KeyCode::Char(c @ '1'..='9') => {
                let k = c as usize - '1' as usize;
                if k < n_options {
                    self.focus = Focus::Options;
                    self.option_cursor = k;
                    self.platoons = None;
                }
            }
            KeyCode::Char('s') => {
                let site = crate::ids::SiteId::new(self.site_cursor);
                match self.session.sim().site_view(site).host_supported {
                    Some(now) => self.choose(Choice::HostSupport {
                        site: self.session.model.world.sites[site].id.clone(),
                        supported: !now,
                    }),
                    None => {
                        self.notice = Some(format!(
                            "There are no host police at {} to support or not.",
                            self.session.model.world.sites[site].name
                        ))
                    }
                }
            }
            _ if self.session.stop() != Stop::Decision => {
                self.notice = Some("No decision is pending: the clock runs to the next one.".into())
            }
            KeyCode::Enter => {
                if let Some(unit) = self.option_unit(self.option_cursor) {
                    let support = self.support.and_then(|k| self.option_unit(k));
                    let platoons = self.platoons;
                    self.choose(Choice::Dispatch {
                        unit,
                        support,
                        platoons,
                    });
                }
            }
            KeyCode::Char(c @ ('[' | ']')) => {
                // Fewer or more platoons for the option under the cursor.
                let o = self
                    .session
                    .situation()
                    .and_then(|s| s.options.get(self.option_cursor));
                let model = self.session.model;
                if let Some(o) = o.filter(|o| model.units[o.unit].platoons < 2) {
                    self.notice = Some(format!(
                        "{} has no platoons to choose from: it goes whole.",
                        model.units[o.unit].id
                    ));
                } else if let Some(o) = o {
                    let now = self.platoons.unwrap_or(o.platoons).max(1);
                    self.platoons = Some(if c == '[' {
                        now.saturating_sub(1).max(1)
                    } else {
                        now + 1
                    });
                }
            }
            KeyCode::Char('+') => {
                let model = self.session.model;
                let military = self
                    .session
                    .situation()
                    .and_then(|s| s.options.get(self.option_cursor))
                    .is_some_and(|o| model.units[o.unit].kind == crate::model::UnitKind::Military);
                if !military {
                    self.notice = Some(
                        "Only a military unit can go in support: move the cursor to one.".into(),
                    );
                    return;
                }
                self.support = if self.support == Some(self.option_cursor) {
                    None
                } else {
                    Some(self.option_cursor)
                };
            }
            KeyCode::Char('w') => {
                if let Some(unit) = self.option_unit(self.option_cursor) {
                    self.choose(Choice::Waiver { unit });
                }
            }
            KeyCode::Char('h') => self.choose(Choice::Wait),
            KeyCode::Char('x') => self.choose(Choice::Decline),
            _ => {}
        }
    }

    /// Option lines as shown, with their status for colouring.
    pub fn option_lines(&self) -> Vec<(String, Status)> {
        self.session.situation().map_or_else(Vec::new, |s| {
            s.options
                .iter()
                .map(|o| (describe_option(self.session.model, s, o), o.status))
                .collect()
        })
    }

    pub fn kinds(&self) -> &[ThreatKind] {
        &self.kinds
    }
}

/// Runs the full-screen exercise in the terminal until the trainees leave; the
/// terminal is restored however it ends. (The session saves its own log.)
pub fn run(app: &mut App) -> std::io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let result = (|| {
        let mut last = Instant::now();
        while !app.quit {
            terminal.draw(|f| draw::draw(f, app))?;
            if event::poll(Duration::from_millis(50))?
                && let Event::Key(k) = event::read()?
            {
                app.key(k);
            }
            let now = Instant::now();
            app.tick(now.duration_since(last).as_secs_f64());
            last = now;
            if app.session.handed_over() && app.session.stop() != Stop::Done {
                app.paused = false;
                app.session.advance(f64::INFINITY);
                app.feed_line("Standard procedure played the rest of the exercise.".into());
                app.modal = Modal::None;
                app.events_seen = app.session.sim().events().len();
                app.finished();
            }
        }
        Ok(())
    })();
    ratatui::try_restore()?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Seed;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn screen(app: &App, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| draw::draw(f, app)).unwrap();
        let buf = t.backend().buffer();
        let mut s = String::new();
        for y in 0..h {
            for x in 0..w {
                s.push_str(buf[(x, y)].symbol());
            }
            s.push('\n');
        }
        s
    }

    fn press(app: &mut App, code: KeyCode) {
        app.key(KeyEvent::new(code, KeyModifiers::NONE));
    }

    #[test]
    fn every_window_draws_at_any_terminal_size() {
        let text = std::fs::read_to_string("scenarios/exercise-half-day-course.toml").unwrap();
        let loaded = crate::load_scenario_str(&text, "course.toml", &[]).unwrap();
        let model = crate::Model::build(&loaded.scenario).calibrated();
        let mut app = App::new(Session::new(&loaded, &model, Seed::new(3, 0), "t"), 1.0);
        let sizes = [(132, 44), (80, 24), (40, 12), (3, 3)];
        for (w, h) in sizes {
            screen(&app, w, h);
        }
        assert!(screen(&app, 132, 44).contains("PAUSED by the trainer"));
        // Run to the first decision: the clock stops there.
        press(&mut app, KeyCode::Char(' '));
        for _ in 0..1000 {
            app.tick(1.0);
            if app.session.stop() == Stop::Decision {
                break;
            }
            if app.modal != Modal::None {
                press(&mut app, KeyCode::Enter);
            }
        }
        assert_eq!(app.session.stop(), Stop::Decision);
        let now = app.session.now_h();
        app.tick(5.0);
        assert_eq!(
            app.session.now_h(),
            now,
            "the clock runs while a decision is pending"
        );
        let s = screen(&app, 132, 44);
        assert!(
            s.contains("DECISION NEEDED") && s.contains("1. fpu-a"),
            "{s}"
        );
        for modal in [
            Modal::Help,
            Modal::ConfirmEnd,
            Modal::Message(0),
            Modal::Inject {
                kind: 1,
                text: "shots".into(),
            },
        ] {
            app.modal = modal;
            for (w, h) in sizes {
                screen(&app, w, h);
            }
        }
        app.modal = Modal::None;
        // Paused, the trainees' keys are refused; the trainer's work.
        press(&mut app, KeyCode::Char(' '));
        let before = app.session.decisions().len();
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.session.decisions().len(), before);
        assert!(app.notice.as_deref().unwrap_or("").contains("Paused"));
        press(&mut app, KeyCode::Char('i'));
        assert!(matches!(app.modal, Modal::Inject { .. }));
        press(&mut app, KeyCode::Esc);
        press(&mut app, KeyCode::Char(' '));
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.session.decisions().len(), before + 1);
        // To the end under standard procedure: the outcome beside doctrine's.
        app.session.hand_over();
        app.session.advance(f64::INFINITY);
        app.finished();
        let (team, doctrine) = app.outcome.clone().expect("an outcome at the end");
        assert!(team.incidents_true > 0 && doctrine.incidents_true > 0);
        let s = screen(&app, 132, 44);
        assert!(
            s.contains(" OVER ") && s.contains("standard procedure"),
            "{s}"
        );
        screen(&app, 40, 12);
    }
}
