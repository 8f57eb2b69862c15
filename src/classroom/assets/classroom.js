// Shared by the white cell's and the syndicates' pages: the token, the API,
// live updates (server-sent events), and a few helpers.
"use strict";
const TOKEN = new URLSearchParams(location.search).get("token") || "";
const q = (p) => p + (p.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(TOKEN);
function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
async function getJSON(path) {
  const r = await fetch(q(path), { cache: "no-store" });
  if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error || r.statusText);
  return r.json();
}
// Replaces an element's content only when it changed, so that a live update
// does not swap a button from under a pointer mid-click (or reset a list a
// trainee is choosing from); true if it was redrawn.
const drawn = new Map();
function setHTML(id, html) {
  if (drawn.get(id) === html) return false;
  drawn.set(id, html);
  document.getElementById(id).innerHTML = html;
  return true;
}
// Posts a JSON body; resolves to null on success, or the server's reason.
async function post(path, body) {
  const r = await fetch(q(path), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body ?? {}) });
  if (r.ok) return null;
  const j = await r.json().catch(() => ({}));
  return j.error || r.status + " " + r.statusText;
}
// Calls `refresh` now, on every change the server announces, and (as a safety
// net) every few seconds; never two at once.
function live(eventsPath, refresh) {
  let busy = false, again = false;
  const run = async () => {
    if (busy) { again = true; return; }
    busy = true;
    try { await refresh(); } catch (e) { console.error(e); }
    busy = false;
    if (again) { again = false; run(); }
  };
  // A page left (for another, or kept in the back-forward cache) closes its
  // stream: browsers allow a handful of connections per server, and streams
  // of pages no longer shown would hold them and stall every request.
  let es = null;
  const connect = () => {
    es = new EventSource(q(eventsPath));
    es.addEventListener("update", run);
    es.onerror = () => { es.close(); es = null; setTimeout(connect, 2000); };
  };
  window.addEventListener("pagehide", () => { if (es) { es.close(); es = null; } });
  window.addEventListener("pageshow", (e) => { if (e.persisted && !es) { connect(); run(); } });
  connect();
  setInterval(run, 5000);
  run();
}
// The map of sites and roads, as SVG.
function mapSVG(sites, roads, highlight) {
  if (!sites.length) return "";
  const xs = sites.map((s) => s.x_km), ys = sites.map((s) => s.y_km);
  const minx = Math.min(...xs), maxx = Math.max(...xs), miny = Math.min(...ys), maxy = Math.max(...ys);
  const w = 680, h = 360, pad = 120;
  const sx = (x) => pad + ((x - minx) / Math.max(maxx - minx, 1)) * (w - 2 * pad);
  const sy = (y) => h - pad - ((y - miny) / Math.max(maxy - miny, 1)) * (h - 2 * pad);
  const at = Object.fromEntries(sites.map((s) => [s.id, s]));
  let g = `<svg class="map" viewBox="0 0 ${w} ${h}" role="img" aria-label="map of sites and roads">`;
  for (const r of roads) {
    const a = at[r.from], b = at[r.to];
    if (!a || !b) continue;
    const dash = r.surface === "paved" ? "" : ' stroke-dasharray="6 4"';
    g += `<line x1="${sx(a.x_km)}" y1="${sy(a.y_km)}" x2="${sx(b.x_km)}" y2="${sy(b.y_km)}" stroke="#8a96a3" stroke-width="3"${dash}/>`;
    g += `<text x="${(sx(a.x_km) + sx(b.x_km)) / 2 + 4}" y="${(sy(a.y_km) + sy(b.y_km)) / 2 - 4}" font-size="11" fill="#5b6570">${Math.round(r.km)} km</text>`;
  }
  for (const s of sites) {
    const rad = 8 + Math.sqrt(s.population) / 12;
    const t = Math.min(1, s.tension / 2);
    const fill = `rgb(${Math.round(80 + 175 * t)},${Math.round(160 - 100 * t)},${Math.round(90 - 50 * t)})`;
    const ring = s.id === highlight ? ' stroke="#c0392b" stroke-width="5"' : ' stroke="#12344d" stroke-width="1.5"';
    g += `<circle cx="${sx(s.x_km)}" cy="${sy(s.y_km)}" r="${rad}" fill="${fill}"${ring}><title>${esc(s.name)}: tension ${s.tension.toFixed(2)}</title></circle>`;
    const host = s.host_supported === null ? "" : s.host_supported ? " · host police supported" : " · support SUSPENDED";
    g += `<text x="${sx(s.x_km)}" y="${sy(s.y_km) + rad + 14}" text-anchor="middle" font-size="14" font-weight="bold">${esc(s.name)}</text>`;
    g += `<text x="${sx(s.x_km)}" y="${sy(s.y_km) + rad + 28}" text-anchor="middle" font-size="12" fill="#5b6570">tension ${s.tension.toFixed(2)}${esc(host)}</text>`;
    if (s.open_incidents > 0)
      g += `<text x="${sx(s.x_km) + rad}" y="${sy(s.y_km) - rad}" font-size="16" fill="#c0392b" font-weight="bold">⚠ ${s.open_incidents}</text>`;
  }
  return g + "</svg>";
}
