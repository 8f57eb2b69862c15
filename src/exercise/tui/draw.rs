//! Drawing the full-screen exercise: header, map, sites, reported incidents,
//! units with their caveats, the pending decision, the event feed, and the
//! trainer's windows (inject form, messages, help).

use super::{App, Focus, Modal};
use crate::exercise::{Stop, authority, clock};
use crate::ids::{SiteId, UnitId};
use crate::policy::Status;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::{Canvas, Line as CanvasLine};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, Wrap};

const HELP: &str = "\
Trainees, at a decision (the clock is stopped):
  Up/Down or 1-9   choose an option          Enter   send that unit
  [ ]              fewer or more platoons of the FPU under the cursor (where it may split)
  +                mark a military unit to go in support of the one sent
  w                ask the capital to waive the rule that forbids or delays it
  h                hold: the incident waits until a unit is free
  x                leave the incident unanswered
  Tab, then Up/Down   choose a site;  s   suspend or resume support to its host police (HRDDP)
  o                an order, typed: escort approve [UNIT] | escort refuse | patrol SITE,SITE [with UNIT]
                   | patrol none | talk SITE [via TEAM] | alert UNIT | conditions SITE | suspend/resume SITE

Trainer, at any time:
  space   pause or resume the clock      < >   slower, faster
  i       add an inject at the chosen site (a threat kind and a message)
  q       end the session: standard procedure plays the rest, then the outcome is shown

Press any key to close this help.";

fn status_style(s: Status) -> Style {
    match s {
        Status::Ready => Style::new().fg(Color::Green),
        Status::Delayed(_) => Style::new().fg(Color::Yellow),
        Status::Forbidden(_) => Style::new().fg(Color::Red),
        Status::Busy => Style::new().fg(Color::DarkGray),
    }
}

/// The smallest terminal the full screen fits without cutting names.
pub const MIN_SIZE: (u16, u16) = (100, 30);

pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let text = format!(
            "The exercise needs a terminal of at least {}×{} (this one is {}×{}).\nEnlarge the window, or press q and run it again with --plain.",
            MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
        );
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let model = app.session.model;
    let n_sites = model.world.sites.len() as u16;
    let n_units = model.units.len() as u16;
    let n_options = app.option_lines().len() as u16;
    let [header, top, units, decision, feed, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length((n_sites + 3).clamp(6, 12)),
        Constraint::Length((n_units + 3).min(10)),
        Constraint::Length(if app.outcome.is_some() {
            10
        } else {
            (n_options + 5).clamp(6, 16)
        }),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(f, app, header);
    let [map, sites, incidents] = Layout::horizontal([
        Constraint::Percentage(24),
        Constraint::Percentage(36),
        Constraint::Percentage(40),
    ])
    .areas(top);
    draw_map(f, app, map);
    draw_sites(f, app, sites);
    draw_incidents(f, app, incidents);
    draw_units(f, app, units);
    draw_decision(f, app, decision);
    draw_feed(f, app, feed);
    f.render_widget(
        Paragraph::new(footer_keys(app)).style(Style::new().add_modifier(Modifier::REVERSED)),
        footer,
    );
    draw_modal(f, app, area);
}

fn draw_header(f: &mut Frame, app: &App, area: Rect) {
    let s = &app.session;
    let state = match s.stop() {
        Stop::Done => Span::styled(" OVER ", Style::new().bg(Color::Blue).fg(Color::White)),
        _ if app.paused => Span::styled(
            " PAUSED by the trainer ",
            Style::new().bg(Color::Yellow).fg(Color::Black),
        ),
        Stop::Decision => Span::styled(
            " DECISION NEEDED ",
            Style::new().bg(Color::Red).fg(Color::White),
        ),
        Stop::Message(_) => Span::styled(" MESSAGE ", Style::new().bg(Color::Magenta)),
        Stop::Reached => Span::styled(" RUNNING ", Style::new().bg(Color::Green).fg(Color::Black)),
    };
    // What matters most comes first, so that a narrow terminal cuts the rest.
    let line = Line::from(vec![
        state,
        Span::styled(
            format!(" {} ", clock(s.now_h())),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!("· {} h/s ", app.speed)),
        Span::raw(if s.handed_over() {
            "· handed over to standard procedure "
        } else {
            ""
        }),
        Span::styled(
            format!("· {} ", s.model.scenario.scenario.name),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(
            "· team {} · seed {} · pocsim exercise",
            s.team(),
            s.seed()
        )),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

fn draw_map(f: &mut Frame, app: &App, area: Rect) {
    let w = &app.session.model.world;
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for s in &w.sites {
        x0 = x0.min(s.x_km);
        x1 = x1.max(s.x_km);
        y0 = y0.min(s.y_km);
        y1 = y1.max(s.y_km);
    }
    let pad_x = ((x1 - x0) * 0.15).max(2.0);
    // Labels run to the right of their site: leave them room.
    let label_room = (x1 - x0 + 2.0 * pad_x) * 0.35;
    let pad_y = ((y1 - y0) * 0.15).max(2.0);
    let sim = app.session.sim();
    let canvas = Canvas::default()
        .block(Block::bordered().title(" Map "))
        .marker(Marker::Braille)
        .x_bounds([x0 - pad_x, x1 + pad_x + label_room])
        .y_bounds([y0 - pad_y, y1 + pad_y])
        .paint(|ctx| {
            for &(a, b, _, _) in &w.roads {
                let (a, b) = (&w.sites[a], &w.sites[b]);
                ctx.draw(&CanvasLine {
                    x1: a.x_km,
                    y1: a.y_km,
                    x2: b.x_km,
                    y2: b.y_km,
                    color: Color::DarkGray,
                });
            }
            ctx.layer();
            for (i, s) in w.sites.iter().enumerate() {
                let v = sim.site_view(SiteId::new(i));
                let style = if v.open_incidents > 0 {
                    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
                } else if i == app.site_cursor {
                    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
                } else {
                    Style::new().fg(Color::White)
                };
                ctx.print(s.x_km, s.y_km, Span::styled(format!("●{}", s.id), style));
            }
        });
    f.render_widget(canvas, area);
}

fn draw_sites(f: &mut Frame, app: &App, area: Rect) {
    let sim = app.session.sim();
    let rows = app
        .session
        .model
        .world
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let v = sim.site_view(SiteId::new(i));
            let host = match v.host_supported {
                Some(true) => Cell::from("supported"),
                Some(false) => Cell::from("SUSPENDED").style(Style::new().fg(Color::Yellow)),
                None => Cell::from("-"),
            };
            let open = if v.open_incidents > 0 {
                Cell::from(v.open_incidents.to_string()).style(Style::new().fg(Color::Red))
            } else {
                Cell::from("")
            };
            let row = Row::new(vec![
                Cell::from(s.id.clone()),
                Cell::from(format!("{:.0}", v.population)),
                Cell::from(format!("{:.1}", v.tension)),
                host,
                Cell::from(if v.patrols > 0 {
                    v.patrols.to_string()
                } else {
                    String::new()
                }),
                open,
            ]);
            if i == app.site_cursor && app.focus == Focus::Sites {
                row.style(Style::new().add_modifier(Modifier::REVERSED))
            } else if i == app.site_cursor {
                row.style(Style::new().add_modifier(Modifier::UNDERLINED))
            } else {
                row
            }
        });
    let t = Table::new(
        rows,
        [
            Constraint::Fill(1),
            Constraint::Length(6),
            Constraint::Length(5),
            Constraint::Length(9),
            Constraint::Length(5),
            Constraint::Length(4),
        ],
    )
    .header(
        Row::new(["site", "people", "tens.", "host pol.", "patr.", "open"])
            .style(Style::new().add_modifier(Modifier::BOLD)),
    )
    .block(Block::bordered().title(if app.focus == Focus::Sites {
        " Sites (Tab: back to options; s: HRDDP; i: inject here) "
    } else {
        " Sites (Tab to choose) "
    }));
    f.render_widget(t, area);
}

fn draw_incidents(f: &mut Frame, app: &App, area: Rect) {
    let model = app.session.model;
    let pending = app.session.situation().map(|s| s.incident.id);
    let lines: Vec<Line> = app
        .session
        .sim()
        .open_incidents()
        .iter()
        .map(|i| {
            let state = if Some(i.id) == pending {
                "DECISION".to_string()
            } else if i.first_arrival_h.is_some() {
                format!("{} on scene", i.responders)
            } else if i.responders > 0 {
                format!("{} on the way", i.responders)
            } else if i.waiting {
                "waiting for a unit".to_string()
            } else {
                "no response".to_string()
            };
            let style = if Some(i.id) == pending {
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
            } else {
                Style::new()
            };
            Line::styled(
                format!(
                    "{} {} at {}: {}",
                    &clock(i.reported_h)[7..],
                    i.kind.name().replace('_', " "),
                    model.world.sites[i.site].name,
                    state
                ),
                style,
            )
        })
        .collect();
    let empty = lines.is_empty();
    f.render_widget(
        Paragraph::new(if empty {
            vec![Line::from("none reported")]
        } else {
            lines
        })
        .block(Block::bordered().title(" Incidents reported and open ")),
        area,
    );
}

fn draw_units(f: &mut Frame, app: &App, area: Rect) {
    let model = app.session.model;
    let sim = app.session.sim();
    let rows = model.units.iter().enumerate().map(|(u, unit)| {
        let v = sim.unit_view(UnitId::new(u));
        let state = if !v.active {
            Cell::from("not deployed").style(Style::new().fg(Color::DarkGray))
        } else {
            let style = if v.idle == 0 && v.deployable > 0 {
                Style::new().fg(Color::Yellow)
            } else {
                Style::new()
            };
            Cell::from(format!(
                "{} of {} platoons free, {} vehicles",
                v.idle, v.deployable, v.vehicles_free
            ))
            .style(style)
        };
        Row::new(vec![
            Cell::from(unit.id.clone()),
            Cell::from(unit.kind.name()),
            Cell::from(model.world.sites[unit.base].name.clone()),
            state,
            Cell::from(crate::exercise::caveats_in_words(&unit.caveats)),
        ])
    });
    let t = Table::new(
        rows,
        [
            Constraint::Length(12),
            Constraint::Length(9),
            Constraint::Length(16),
            Constraint::Length(34),
            Constraint::Fill(1),
        ],
    )
    .header(
        Row::new(["unit", "kind", "base", "state", "caveats"])
            .style(Style::new().add_modifier(Modifier::BOLD)),
    )
    .block(Block::bordered().title(" Units "));
    f.render_widget(t, area);
}

fn draw_decision(f: &mut Frame, app: &App, area: Rect) {
    let model = app.session.model;
    let mut lines: Vec<Line> = Vec::new();
    let title = match app.session.situation() {
        Some(s) => {
            let site = &model.world.sites[s.incident.site];
            lines.push(Line::from(format!(
                "{} reported at {} ({}) at {}; {} responder(s) already sent. Mandate: {}.",
                s.incident.kind.name().replace('_', " "),
                site.name,
                site.id,
                clock(s.incident.reported_at_h),
                s.incident.responders,
                authority(s.authority)
            )));
            if s.options.is_empty() {
                lines.push(Line::from(
                    "No unit can answer this incident: h to hold, x to leave it.",
                ));
            }
            for (k, (text, status)) in app.option_lines().into_iter().enumerate() {
                let cursor = if k == app.option_cursor && app.focus == Focus::Options {
                    "▶"
                } else {
                    " "
                };
                let support = if app.support == Some(k) { "+" } else { " " };
                let text = match app.platoons {
                    Some(n) if k == app.option_cursor => {
                        format!("{text}  [send {n} platoon(s)]")
                    }
                    _ => text,
                };
                let mut style = status_style(status);
                if k == app.option_cursor {
                    style = style.add_modifier(Modifier::BOLD);
                }
                lines.push(Line::styled(
                    format!("{cursor}{support}{}. {text}", k + 1),
                    style,
                ));
            }
            " Decision: the clock is stopped ".to_string()
        }
        None if app.session.stop() == Stop::Done => {
            if let Some((t, d)) = &app.outcome {
                let pct = |x: f64| {
                    if x.is_finite() {
                        format!("{:.0}%", 100.0 * x)
                    } else {
                        "-".to_string()
                    }
                };
                let rows = [
                    ("", "team".to_string(), "standard procedure".to_string()),
                    (
                        "civilians harmed (killed)",
                        format!("{} ({})", t.civilians_harmed, t.civilians_killed),
                        format!("{} ({})", d.civilians_harmed, d.civilians_killed),
                    ),
                    (
                        "incidents prevented",
                        t.incidents_prevented.to_string(),
                        d.incidents_prevented.to_string(),
                    ),
                    (
                        "reported attacks responded to",
                        pct(t.attacks_responded_share),
                        pct(d.attacks_responded_share),
                    ),
                    (
                        "complicity events",
                        t.complicity_events.to_string(),
                        d.complicity_events.to_string(),
                    ),
                ];
                for (k, (name, a, b)) in rows.iter().enumerate() {
                    let line = format!("{name:<34}{a:>12}   {b:>20}");
                    lines.push(if k == 0 {
                        Line::styled(line, Style::new().add_modifier(Modifier::BOLD))
                    } else {
                        Line::from(line)
                    });
                }
            }
            lines.push(Line::from(
                "Same seed, same luck: the difference is judgement. `pocsim review LOG` shows which decisions mattered.",
            ));
            " Outcome ".to_string()
        }
        None => {
            lines.push(Line::from(if app.paused {
                "The clock is stopped. The trainer starts it with space."
            } else {
                "No decision pending: the clock runs to the next report."
            }));
            " Decision ".to_string()
        }
    };
    if let Some(e) = &app.session.save_error {
        lines.push(Line::styled(
            format!("THE LOG COULD NOT BE SAVED: {e}"),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    if let Some(n) = &app.notice {
        let style = if n.starts_with("Not possible") {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(Color::Yellow)
        };
        lines.push(Line::styled(n.clone(), style));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(title)),
        area,
    );
}

fn draw_feed(f: &mut Frame, app: &App, area: Rect) {
    let n = area.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = app.feed[app.feed.len().saturating_sub(n)..]
        .iter()
        .map(|l| {
            if l.contains("INJECT") {
                Line::styled(l.clone(), Style::new().fg(Color::Magenta))
            } else {
                Line::from(l.clone())
            }
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Events ")),
        area,
    );
}

fn footer_keys(app: &App) -> String {
    if app.session.stop() == Stop::Done {
        " q leave ".into()
    } else if app.session.situation().is_some() && !app.paused {
        " ↑↓/1-9 choose · [ ] platoons · Enter send · + support · w waiver · h hold · x leave · o order · Tab,s HRDDP · space pause · ? help · q end".into()
    } else {
        " space pause/run · < > speed · o order · Tab sites · s HRDDP · i inject · ? help · q end "
            .into()
    }
}

/// A centred rectangle of at most `w` × `h` cells.
fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn draw_modal(f: &mut Frame, app: &App, area: Rect) {
    let model = app.session.model;
    let (title, body, w, h): (&str, Vec<Line>, u16, u16) = match &app.modal {
        Modal::None => return,
        Modal::Help => (" Keys ", HELP.lines().map(Line::from).collect(), 96, 20),
        Modal::Order(text) => {
            let mut v = vec![
                Line::from("Type an order, Enter to give it, Esc to cancel:"),
                Line::from(""),
                Line::from(format!("> {text}▏")),
                Line::from(""),
            ];
            let asked = app.session.sim().escorts_asked();
            if let Some(a) = asked.first() {
                v.push(Line::from(format!(
                    "Escort request to {} since {}: escort approve [UNIT] | escort refuse",
                    model.world.sites[a.site].name,
                    clock(a.requested_h)
                )));
            }
            v.push(Line::from(
                "patrol SITE,SITE [with UNIT] | patrol none | talk SITE [via TEAM] | alert UNIT",
            ));
            v.push(Line::from("conditions SITE | suspend SITE | resume SITE"));
            if let Some(n) = &app.notice
                && n.starts_with("Not")
            {
                v.push(Line::from(""));
                v.push(Line::from(n.clone()));
            }
            let h = v.len() as u16 + 3;
            (" Order ", v, 96, h)
        }
        Modal::ConfirmEnd => (
            " End the session? ",
            vec![
                Line::from("Standard procedure will take every remaining decision"),
                Line::from("and the outcome will be shown. y: end now, any other key: go on."),
            ],
            72,
            4,
        ),
        Modal::Message(k) => {
            let i = &model.scenario.injects[*k];
            let mut v = vec![
                Line::styled(
                    format!(
                        "{} · from {} to {}",
                        clock(i.start_day * 24.0),
                        if i.from.is_empty() { "?" } else { &i.from },
                        if i.to.is_empty() {
                            "operations centre"
                        } else {
                            &i.to
                        }
                    ),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Line::from(""),
                Line::from(i.text.clone()),
                Line::from(""),
                Line::from("The clock is stopped. Enter to go on."),
            ];
            v.shrink_to_fit();
            (" INJECT ", v, 80, 9)
        }
        Modal::Inject { kind, text } => {
            let site = &model.world.sites[app.site_cursor];
            let mut v = vec![
                Line::from(format!(
                    "Trainer's inject at {} ({}), now: choose a threat (↑↓), type a message, Enter to send, Esc to cancel.",
                    site.name, site.id
                )),
                Line::from(""),
            ];
            for (k, t) in app.kinds().iter().enumerate() {
                let style = if k == *kind {
                    Style::new().add_modifier(Modifier::REVERSED)
                } else {
                    Style::new()
                };
                v.push(Line::styled(
                    format!("  {}", t.name().replace('_', " ")),
                    style,
                ));
            }
            v.push(Line::from(""));
            v.push(Line::from(format!("Message: {text}▏")));
            let h = v.len() as u16 + 3;
            (" Add an inject ", v, 84, h)
        }
    };
    let r = centred(area, w, h + 2);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(body).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(title)
                .style(Style::new().bg(Color::Black)),
        ),
        r,
    );
}
