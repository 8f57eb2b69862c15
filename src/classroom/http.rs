//! The classroom's web server: pages and assets served from the binary, a
//! JSON API behind per-page tokens, and server-sent events that tell each
//! page when its state changed. A bad request gets a 4xx with a message:
//! an unknown syndicate 404, a missing or forged token 403, a refused or
//! stale decision 409, malformed JSON 400 or 422, an oversized body 413.

use super::class::{Class, lock, same_token};
use super::view;
use crate::exercise::msel::{Item, parse_time};
use crate::exercise::{Choice, Grade};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::watch;

/// The server's state: the class, and one change signal per page.
pub struct App {
    pub class: Class,
    /// Bumped when anything the white cell sees changes.
    pub white: watch::Sender<u64>,
    /// Per syndicate, bumped when its page changes.
    pub teams: Vec<watch::Sender<u64>>,
    /// Where the class debrief was written, once it has been.
    pub debrief: std::sync::Mutex<Option<std::path::PathBuf>>,
}

impl App {
    pub fn new(class: Class) -> App {
        let teams = class.seats.iter().map(|_| watch::Sender::new(0)).collect();
        App {
            class,
            white: watch::Sender::new(0),
            teams,
            debrief: std::sync::Mutex::new(None),
        }
    }

    /// Tells the pages of these syndicates (and the white cell) to refresh.
    pub fn changed(&self, teams: &[usize]) {
        for &k in teams {
            self.teams[k].send_modify(|v| *v += 1);
        }
        self.white.send_modify(|v| *v += 1);
    }

    fn changed_all(&self) {
        let all: Vec<usize> = (0..self.teams.len()).collect();
        self.changed(&all);
    }

    fn team_index(&self, name: &str) -> Option<usize> {
        self.class.seats.iter().position(|s| s.name == name)
    }

    /// Saves the class file after a change; a failed save is reported to
    /// the white cell, never fatal to the session.
    fn save(&self) -> Result<(), Refusal> {
        self.class.save().map_err(|e| {
            Refusal(
                StatusCode::INSUFFICIENT_STORAGE,
                format!("the class could not be saved: {e}"),
            )
        })
    }
}

/// A refused request: its status and why.
pub struct Refusal(pub StatusCode, pub String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

/// Runs a request's work (a session stepping, a file written and synced)
/// on the blocking pool, so that the server's two async workers stay free to
/// take every other syndicate's requests meanwhile.
async fn off_runtime<R, F>(app: &Arc<App>, work: F) -> Result<R, Refusal>
where
    R: Send + 'static,
    F: FnOnce(&App) -> Result<R, Refusal> + Send + 'static,
{
    let app = app.clone();
    tokio::task::spawn_blocking(move || work(&app))
        .await
        .map_err(|e| {
            Refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the request could not be completed: {e}"),
            )
        })?
}

fn refused(e: String) -> Refusal {
    Refusal(StatusCode::CONFLICT, e)
}

fn bad(e: String) -> Refusal {
    Refusal(StatusCode::UNPROCESSABLE_ENTITY, e)
}

/// A JSON body, or a 4xx saying what is wrong with it.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, Refusal> {
    b.map(|Json(v)| v).map_err(|r| {
        let status = if r.status().is_client_error() {
            r.status()
        } else {
            StatusCode::BAD_REQUEST
        };
        Refusal(status, r.body_text())
    })
}

#[derive(Deserialize)]
pub struct Token {
    token: Option<String>,
}

type Shared = State<Arc<App>>;

fn white_only(app: &App, t: &Token) -> Result<(), Refusal> {
    match &t.token {
        Some(tok) if same_token(tok, &app.class.white_token) => Ok(()),
        _ => Err(Refusal(
            StatusCode::FORBIDDEN,
            "this page needs the white cell's token".to_string(),
        )),
    }
}

/// The syndicate's index, if `t` is its token (the white cell's token opens
/// every syndicate's page too).
fn syndicate_only(app: &App, name: &str, t: &Token) -> Result<usize, Refusal> {
    let k = app.team_index(name).ok_or_else(|| {
        Refusal(
            StatusCode::NOT_FOUND,
            format!("no syndicate `{name}` in this class"),
        )
    })?;
    match &t.token {
        Some(tok)
            if same_token(tok, &app.class.seats[k].token)
                || same_token(tok, &app.class.white_token) =>
        {
            Ok(k)
        }
        _ => Err(Refusal(
            StatusCode::FORBIDDEN,
            format!("this page needs syndicate {name}'s token"),
        )),
    }
}

const SYNDICATE_HTML: &str = include_str!("assets/syndicate.html");
const WHITE_HTML: &str = include_str!("assets/white.html");
const SCRIPT: &str = include_str!("assets/classroom.js");
const STYLE: &str = include_str!("assets/classroom.css");

fn html(body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/white", get(white_page))
        .route("/s/{team}", get(syndicate_page))
        .route(
            "/assets/classroom.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    SCRIPT,
                )
            }),
        )
        .route(
            "/assets/classroom.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE) }),
        )
        .route("/api/white/state", get(white_state))
        .route("/api/white/events", get(white_events))
        .route("/api/white/clock", post(white_clock))
        .route("/api/white/inject", post(white_inject))
        .route("/api/white/edit", post(white_edit))
        .route("/api/white/add", post(white_add))
        .route("/api/white/mark", post(white_mark))
        .route("/api/white/release", post(white_release))
        .route("/api/white/settings", post(white_settings))
        .route("/api/white/debrief", post(white_debrief))
        .route("/debrief", get(debrief_page))
        .route("/api/s/{team}/state", get(team_state))
        .route("/api/s/{team}/events", get(team_events))
        .route("/api/s/{team}/decide", post(team_decide))
        .fallback(|| async { Refusal(StatusCode::NOT_FOUND, "no such page".to_string()) })
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024))
        .with_state(app)
}

async fn index() -> Response {
    (
        StatusCode::FORBIDDEN,
        "Open the address pocsim classroom printed for you: the white cell's, or your syndicate's.",
    )
        .into_response()
}

async fn white_page(State(app): Shared, Query(t): Query<Token>) -> Result<Response, Refusal> {
    white_only(&app, &t)?;
    Ok(html(WHITE_HTML))
}

async fn syndicate_page(
    State(app): Shared,
    Path(team): Path<String>,
    Query(t): Query<Token>,
) -> Result<Response, Refusal> {
    syndicate_only(&app, &team, &t)?;
    Ok(html(SYNDICATE_HTML))
}

async fn white_state(State(app): Shared, Query(t): Query<Token>) -> Result<Response, Refusal> {
    white_only(&app, &t)?;
    let mut v = off_runtime(&app, |app| {
        Ok(serde_json::to_value(view::white(&app.class)).expect("serialises"))
    })
    .await?;
    if let Some(p) = lock(&app.debrief).as_ref() {
        v["debrief"] = serde_json::Value::String(format!(
            "/debrief?token={}&file={}",
            app.class.white_token,
            p.file_name().and_then(|f| f.to_str()).unwrap_or("")
        ));
    }
    Ok(Json(v).into_response())
}

fn events(rx: watch::Receiver<u64>) -> Response {
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.changed().await.ok()?;
        let v = *rx.borrow_and_update();
        Some((
            Ok::<_, Infallible>(Event::default().event("update").data(v.to_string())),
            rx,
        ))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

async fn white_events(State(app): Shared, Query(t): Query<Token>) -> Result<Response, Refusal> {
    white_only(&app, &t)?;
    Ok(events(app.white.subscribe()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    action: String,
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    speed: Option<f64>,
}

async fn white_clock(
    State(app): Shared,
    Query(t): Query<Token>,
    b: Result<Json<ClockBody>, JsonRejection>,
) -> Result<Response, Refusal> {
    white_only(&app, &t)?;
    let b = body(b)?;
    if let Some(name) = &b.team
        && app.team_index(name).is_none()
    {
        return Err(Refusal(
            StatusCode::NOT_FOUND,
            format!("no syndicate `{name}`"),
        ));
    }
    off_runtime(&app, move |app| {
        app.class
            .clock(&b.action, b.team.as_deref(), b.speed)
            .map_err(bad)?;
        app.save()
    })
    .await?;
    app.changed_all();
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InjectBody {
    order: u32,
    action: String,
}

async fn white_inject(
    State(app): Shared,
    Query(t): Query<Token>,
    b: Result<Json<InjectBody>, JsonRejection>,
) -> Result<Response, Refusal> {
    white_only(&app, &t)?;
    let b = body(b)?;
    off_runtime(&app, move |app| {
        app.class.set_inject(b.order, &b.action).map_err(refused)?;
        app.save()
    })
    .await?;
    app.changed_all();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An inject as the white cell writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InjectText {
    #[serde(default)]
    order: u32,
    /// `day 2 20:30`, or days from the start; empty: now.
    #[serde(default)]
    time: String,
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    expected: String,
    #[serde(default)]
    incident: Option<String>,
    #[serde(default)]
    site: Option<String>,
    /// One syndicate, or none for all.
    #[serde(default)]
    team: Option<String>,
}

impl InjectText {
    fn item(&self) -> Result<Item, Refusal> {
        let time_h = if self.time.trim().is_empty() {
            f64::NAN
        } else {
            parse_time(&self.time).map_err(|e| bad(format!("time: {e}")))?
        };
        let opt = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        Ok(Item {
            order: self.order,
            time_h,
            from: self.from.clone(),
            to: self.to.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            expected: self.expected.clone(),
            incident: opt(&self.incident),
            site: opt(&self.site),
            escort: false,
        })
    }
}

async fn white_edit(
    State(app): Shared,
    Query(t): Query<Token>,
    b: Result<Json<InjectText>, JsonRejection>,
) -> Result<Response, Refusal> {
    white_only(&app, &t)?;
    let b = body(b)?;
    let item = b.item()?;
    off_runtime(&app, move |app| {
        app.class.edit_inject(b.order, &item).map_err(refused)?;
        app.save()
    })
    .await?;
    app.changed_all();
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn white_add(
    State(app): Shared,
    Query(t): Query<Token>,
    b: Result<Json<InjectText>, JsonRejection>,
) -> Result<Response, Refusal> {
    white_only(&app, &t)?;
    let b = body(b)?;
    let item = b.item()?;
    let team = b.team.as_deref().filter(|t| !t.is_empty());
    if let Some(name) = team
        && app.team_index(name).is_none()
    {
        return Err(Refusal(
            StatusCode::NOT_FOUND,
            format!("no syndicate `{name}`"),
        ));
    }
    let team = team.map(str::to_string);
    let order = off_runtime(&app, move |app| {
        let order = app.class.add_inject(item, team.as_deref()).map_err(bad)?;
        app.save()?;
        Ok(order)
    })
    .await?;
    app.changed_all();
    Ok(Json(serde_json::json!({ "order": order })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkBody {
    team: String,
    order: u32,
    grade: Grade,
    #[serde(default)]
    note: String,
}

async fn white_mark(
    State(app): Shared,
    Query(t): Query<Token>,
    b: Result<Json<MarkBody>, JsonRejection>,
) -> Result<Response, Refusal> {
    white_only(&app, &t)?;
    let b = body(b)?;
    let k = app
        .team_index(&b.team)
        .ok_or_else(|| Refusal(StatusCode::NOT_FOUND, format!("no syndicate `{}`", b.team)))?;
    off_runtime(&app, move |app| {
        app.class
            .mark(&b.team, b.order, b.grade, b.note)
            .map_err(bad)
    })
    .await?;
    app.changed(&[k]);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamBody {
    team: String,
}

async fn white_release(
    State(app): Shared,
    Query(t): Query<Token>,
    b: Result<Json<TeamBody>, JsonRejection>,
) -> Result<Response, Refusal> {
    white_only(&app, &t)?;
    let b = body(b)?;
    let k = app
        .team_index(&b.team)
        .ok_or_else(|| Refusal(StatusCode::NOT_FOUND, format!("no syndicate `{}`", b.team)))?;
    off_runtime(&app, move |app| {
        app.class.release(&b.team).map_err(bad)?;
        app.save()
    })
    .await?;
    app.changed(&[k]);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    show_effectiveness: bool,
}

async fn white_settings(
    State(app): Shared,
    Query(t): Query<Token>,
    b: Result<Json<SettingsBody>, JsonRejection>,
) -> Result<Response, Refusal> {
    white_only(&app, &t)?;
    let b = body(b)?;
    off_runtime(&app, move |app| {
        lock(&app.class.shared).show_effectiveness = b.show_effectiveness;
        app.save()
    })
    .await?;
    app.changed_all();
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn white_debrief(State(app): Shared, Query(t): Query<Token>) -> Result<Response, Refusal> {
    white_only(&app, &t)?;
    let path = off_runtime(&app, |app| {
        super::debrief(&app.class).map_err(|e| refused(e.to_string()))
    })
    .await?;
    *lock(&app.debrief) = Some(path);
    app.changed(&[]);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct DebriefQuery {
    token: Option<String>,
    #[serde(default)]
    file: String,
}

async fn debrief_page(
    State(app): Shared,
    Query(q): Query<DebriefQuery>,
) -> Result<Response, Refusal> {
    white_only(&app, &Token { token: q.token })?;
    let Some(path) = lock(&app.debrief).clone() else {
        return Err(Refusal(
            StatusCode::NOT_FOUND,
            "no debrief yet: press Debrief on the white cell's page".to_string(),
        ));
    };
    let _ = q.file;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Refusal(StatusCode::NOT_FOUND, format!("{}: {e}", path.display())))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], text).into_response())
}

async fn team_state(
    State(app): Shared,
    Path(team): Path<String>,
    Query(t): Query<Token>,
) -> Result<Response, Refusal> {
    let k = syndicate_only(&app, &team, &t)?;
    let v = off_runtime(&app, move |app| {
        let show = lock(&app.class.shared).show_effectiveness;
        let seat = &app.class.seats[k];
        Ok(
            serde_json::to_value(view::syndicate(&app.class, &lock(&seat.team), show))
                .expect("serialises"),
        )
    })
    .await?;
    Ok(Json(v).into_response())
}

async fn team_events(
    State(app): Shared,
    Path(team): Path<String>,
    Query(t): Query<Token>,
) -> Result<Response, Refusal> {
    let k = syndicate_only(&app, &team, &t)?;
    Ok(events(app.teams[k].subscribe()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideBody {
    /// The incident the choice answers (required for a choice that settles
    /// a decision: a stale page's choice is refused, not applied to another).
    #[serde(default)]
    incident: Option<usize>,
    choice: Choice,
}

async fn team_decide(
    State(app): Shared,
    Path(team): Path<String>,
    Query(t): Query<Token>,
    b: Result<Json<DecideBody>, JsonRejection>,
) -> Result<Response, Refusal> {
    let k = syndicate_only(&app, &team, &t)?;
    let b = body(b)?;
    if !b.choice.keeps_pending() && b.incident.is_none() {
        return Err(bad(
            "incident: say which incident the choice answers".to_string()
        ));
    }
    let r = off_runtime(&app, move |app| {
        Ok(app.class.decide(&team, b.incident, b.choice))
    })
    .await?;
    app.changed(&[k]);
    r.map_err(refused)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
