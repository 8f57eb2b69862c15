//! A classroom exercise in the browser: `pocsim classroom` starts one local
//! web server for a white cell (the trainers) and several syndicates (teams of
//! trainees), each running its own session of the same scenario and seed, so
//! that their differences come from their decisions.
//!
//! `class.rs` owns the state (events list, sessions, clocks, saving and
//! resuming), `view.rs` what each page shows, `http.rs` the routes, and
//! `assets/` the pages, served from the binary so the class works offline.

pub mod class;
pub mod http;
pub mod view;

use crate::error::Error;
use crate::exercise::msel;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// A classroom to run: the `pocsim classroom` command's choices.
#[derive(Debug, Clone)]
pub struct Setup {
    pub scenario: PathBuf,
    pub overrides: Vec<crate::Override>,
    pub teams: Vec<String>,
    pub seed: u64,
    pub dir: PathBuf,
    pub bind: String,
    /// An events list that replaces the scenario's injects.
    pub msel: Option<PathBuf>,
    /// Simulated hours per second of every clock, at the start.
    pub speed: f64,
}

/// Checks the syndicates' names: short, distinct, safe in a file name and a URL.
fn check_teams(teams: &[String]) -> Result<(), Error> {
    if teams.is_empty() {
        return Err(Error::Usage(
            "--teams: expected at least one syndicate name".into(),
        ));
    }
    for (k, t) in teams.iter().enumerate() {
        let ok = !t.is_empty()
            && t.len() <= 32
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(Error::Usage(format!(
                "--teams: `{t}` is not a syndicate name; expected letters, digits, - or _ (at most 32)"
            )));
        }
        if teams[..k].contains(t) {
            return Err(Error::Usage(format!("--teams: `{t}` is named twice")));
        }
        if t == "class" || t == "debrief" {
            return Err(Error::Usage(format!("--teams: `{t}` is a reserved name")));
        }
    }
    if teams.len() > 64 {
        return Err(Error::Usage("--teams: at most 64 syndicates".into()));
    }
    Ok(())
}

/// The address others on the network reach this machine at, if it has one.
fn lan_address() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    // Connecting a UDP socket sends nothing; it only picks the route.
    s.connect("192.0.2.1:9").ok()?;
    s.local_addr().ok().map(|a| a.ip())
}

/// Loads the scenario (with its events list), opens the class in `dir`
/// (resuming it if it is there), binds the address and serves until
/// interrupted. Prints the white cell's and each syndicate's address.
pub fn serve(setup: Setup) -> Result<(), Error> {
    check_teams(&setup.teams)?;
    if !(setup.speed.is_finite() && setup.speed > 0.0) {
        return Err(Error::Usage(format!(
            "--speed: expected simulated hours per second above 0, got {}",
            setup.speed
        )));
    }
    let mut loaded = crate::load_scenario(&setup.scenario, &setup.overrides)?;
    let mut items = Vec::new();
    if let Some(file) = &setup.msel {
        items = msel::read_csv(file, &loaded.scenario)?;
        for w in msel::warnings(&items, &loaded.scenario, &file.display().to_string()) {
            eprintln!("warning: {w}");
        }
        msel::apply(&mut loaded, &items);
    }
    let model = crate::experiment::model_of(&setup.scenario, &loaded)?;
    // The model lives as long as the server: the sessions borrow it.
    let model: &'static crate::model::Model = Box::leak(Box::new(model));
    let class = class::Class::open(
        loaded,
        model,
        setup.seed,
        &setup.teams,
        &setup.dir,
        setup.speed,
        items,
    )?;
    let listener = std::net::TcpListener::bind(&setup.bind)
        .map_err(|e| Error::Usage(format!("--bind {}: {e}", setup.bind)))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Usage(format!("--bind {}: {e}", setup.bind)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Usage(format!("--bind {}: {e}", setup.bind)))?;
    let host = if addr.ip().is_unspecified() {
        eprintln!(
            "warning: --bind {} is reachable by anyone on this network, not only the class; the tokens in the addresses are what keep pages apart",
            setup.bind
        );
        lan_address().unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]))
    } else {
        addr.ip()
    };
    let base = format!("http://{}", std::net::SocketAddr::new(host, addr.port()));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "white cell: {base}/white?token={}", class.white_token);
    for s in &class.seats {
        let _ = writeln!(
            out,
            "syndicate {}: {base}/s/{}?token={}",
            s.name, s.name, s.token
        );
    }
    let _ = writeln!(
        out,
        "class saved in {}; stop with Ctrl-C, resume with the same command",
        setup.dir.display()
    );
    let _ = out.flush();
    drop(out);
    let app = Arc::new(http::App::new(class));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("the server could not start: {e}")))?;
    rt.block_on(run(app, listener))
}

/// Serves, and runs the clocks, until Ctrl-C; then saves the class.
async fn run(app: Arc<http::App>, listener: std::net::TcpListener) -> Result<(), Error> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|e| Error::Usage(format!("the server could not start: {e}")))?;
    let ticker = {
        let app = app.clone();
        tokio::spawn(async move {
            const TICK_S: f64 = 0.25;
            let mut every = tokio::time::interval(std::time::Duration::from_secs_f64(TICK_S));
            let mut since_save = 0u32;
            loop {
                every.tick().await;
                let app2 = app.clone();
                let Ok(changed) =
                    tokio::task::spawn_blocking(move || app2.class.tick(TICK_S)).await
                else {
                    continue;
                };
                if !changed.is_empty() {
                    app.changed(&changed);
                    since_save += 1;
                }
                if since_save >= 4 {
                    since_save = 0;
                    let app2 = app.clone();
                    let saved = tokio::task::spawn_blocking(move || app2.class.save()).await;
                    if let Ok(Err(e)) = saved {
                        eprintln!("warning: the class could not be saved: {e}");
                    }
                }
            }
        })
    };
    let router = http::router(app.clone());
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    ticker.abort();
    app.class.save()?;
    served.map_err(|e| Error::Usage(format!("the server stopped: {e}")))
}

/// Writes the class debrief from every syndicate's log into `DIR/debrief/`
/// and returns the HTML page's path.
pub fn debrief(class: &class::Class) -> Result<PathBuf, Error> {
    let logs = class.logs();
    let names: Vec<String> = class
        .seats
        .iter()
        .map(|s| format!("{}.json", s.name))
        .collect();
    let d = crate::exercise::debrief::class_review(&logs, &names, &class.loaded, class.model, 500)?;
    let dir = class.dir.join("debrief");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let html = dir.join("debrief.html");
    crate::outputs::files::write_atomic(
        &html,
        crate::exercise::debrief::class_html(&d).as_bytes(),
    )?;
    crate::outputs::files::write_atomic(
        &dir.join("debrief.md"),
        crate::exercise::debrief::class_markdown(&d).as_bytes(),
    )?;
    Ok(html)
}
