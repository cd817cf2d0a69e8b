// The installer's page: live dashboard from Server-Sent Events, everything else from the JSON API.
"use strict";
const csrf = document.querySelector('meta[name="csrf"]').content;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c === null || c === undefined ? "" : c);
  return node;
}

async function api(path, options) {
  const opts = Object.assign({ headers: {} }, options || {});
  if (opts.body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(opts.body);
  }
  if (opts.method && opts.method !== "GET") opts.headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, opts);
  if (response.status === 401) { location.reload(); throw new Error("logged out"); }
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || response.statusText);
  return answer;
}

function when(iso) { return iso ? new Date(iso).toLocaleString() : ""; }
function minutes(s) { return `${Math.floor(s / 60)} min ${s % 60} s`; }

function faultBox(f) {
  return el("div", { class: "fault", "data-fault": f.fault }, el("strong", {}, f.fault), ": ", f.what_to_do, " ",
            el("em", {}, f.how_it_ends));
}

function connectorCard(c) {
  const phases = c.currents_a.map((a, i) => `L${i + 1} ${a.toFixed(1)} A`).join(", ") || "no reading";
  const card = el("div", { class: "connector", id: `connector-${c.id}` },
    el("h3", {}, `Connector ${c.id}: `, el("span", { class: `status ${c.status}`, id: `status-${c.id}` }, c.status)),
    el("p", {}, `Offered ${c.offered_current_a.toFixed(1)} A · power `,
       el("span", { id: `power-${c.id}` }, `${(c.power_w / 1000).toFixed(2)} kW`), ` · ${phases}`));
  if (c.dc) {
    const d = c.dc;
    card.append(el("p", { id: `dc-${c.id}` }, `DC: ${d.state.replace("_", " ")}`,
      d.protocol ? ` · ${d.protocol}` : "", d.ev_soc_pct !== null ? ` · EV at ${d.ev_soc_pct.toFixed(0)} %` : "",
      ` · output ${d.present_voltage_v.toFixed(0)} V ${d.present_current_a.toFixed(1)} A`,
      d.insulation_ohm ? ` · insulation ${(d.insulation_ohm / 1e6).toFixed(1)} MOhm` : "",
      d.slac && d.slac !== "none" ? ` · SLAC ${d.slac.replace("_", " ")}` : ""));
  }
  if (c.hlc) {
    const h = c.hlc;
    card.append(el("p", { id: `hlc-${c.id}` }, h.basic ? "ISO 15118-2 AC: the EV did not match; basic charging"
      : `ISO 15118-2 AC: ${h.ev_stage.replace("_", " ")}`, h.protocol ? ` · ${h.protocol}` : "",
      h.slac && h.slac !== "none" ? ` · SLAC ${h.slac.replace("_", " ")}` : ""));
  }
  if (c.session) {
    card.append(el("p", { id: `session-${c.id}` }, `Session for ${c.session.id_tag}: `,
      el("span", { id: `energy-${c.id}` }, `${(c.session.energy_wh / 1000).toFixed(3)} kWh`),
      ` in ${minutes(c.session.duration_s)}`,
      c.session.cost ? ` · ${c.session.cost.total.toFixed(2)} ${c.session.cost.currency} so far` : ""));
  }
  const limits = el("ul", { class: "limits" });
  for (const l of c.limit_sources) limits.append(el("li", {}, `${l.source}: ${l.limit_a} A (${l.detail})`));
  card.append(el("p", {}, "Limits in force:"), limits);
  for (const f of c.faults) card.append(faultBox(f));
  return card;
}

function showLink(link) {
  const fields = document.getElementById("link-fields");
  const rows = [["CSMS", link.standalone ? "none: standalone (cards on this page)" : link.csms_url], ["Charge point id", link.charge_point_id], ["OCPP", link.version],
    ["Security profile", link.security_profile],
    ["Connected", link.connected ? `yes, since ${when(link.connected_since)}` : "no"],
    ["Last message", link.last_message_at ? when(link.last_message_at) : "none yet"], ["Queued messages", link.queued_messages],
    ["Certificate expires in", link.certificate_expires_in_days === null ? "no client certificate"
      : `${link.certificate_expires_in_days} days`]];
  fields.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));
  document.getElementById("link-errors").replaceChildren(
    ...link.last_errors.map(e => el("li", {}, `${when(e.at)}: ${e.error}`)));
}

let recordedSeen = null;
let pluggedSeen = "";
function showDashboard(d) {
  if (recordedSeen !== null && d.sessions_recorded !== recordedSeen) loadTransactions();  // one more in the history
  recordedSeen = d.sessions_recorded;
  const plugged = d.connectors.map(c => c.cp_state + (c.session ? "+" : "")).join();
  if (plugged !== pluggedSeen) loadSelftest();  // whether it may run depends on what is plugged
  pluggedSeen = plugged;
  document.getElementById("station-faults").replaceChildren(...d.station_faults.map(faultBox));
  document.getElementById("connectors").replaceChildren(...d.connectors.map(connectorCard));
  showLink(d.link);
}

function watch() {
  const source = new EventSource("/api/events");
  source.onmessage = (e) => { document.getElementById("offline").hidden = true; showDashboard(JSON.parse(e.data)); };
  source.addEventListener("logout", () => { source.close(); location.reload(); });
  source.onerror = () => { document.getElementById("offline").hidden = false; };
}

function signedCell(r) {
  // A signing meter's record: verified and equal to what was billed, or why not; the record to download.
  // A Plug & Charge EV's receipts of the meter (ISO 15118-2 MeteringReceipt): how many, to download.
  const parts = [];
  if (r.signed) {
    const ok = r.signed.verified && r.signed.matches;
    parts.push(el("span", {title: r.signed.problem || "the signature holds and matches the billed energy"},
      ok ? "verified " : `not verified: ${r.signed.problem} `,
      el("a", {href: `/api/transactions/${r.local_id}/ocmf`}, "OCMF")));
  }
  const receipts = r.ev_receipts || [];
  if (receipts.length) {
    const last = receipts[receipts.length - 1];
    parts.push(el("a", {href: `/api/transactions/${r.local_id}/receipts`,
                        title: `the EV signed the meter's readings, the last ${last.meter_wh} Wh`},
      ` ${receipts.length} EV receipt${receipts.length > 1 ? "s" : ""}`));
  }
  return el("span", {}, ...parts);
}

let txPage = 0;
async function loadTransactions() {
  const t = await api(`/api/transactions?page=${txPage}&per_page=20`);
  document.getElementById("tx-rows").replaceChildren(...t.transactions.map(r => el("tr", {},
    el("td", {}, when(r.started_at)), el("td", {}, when(r.ended_at)), el("td", {}, String(r.connector_id)),
    el("td", {}, r.id_tag), el("td", {}, (r.energy_wh / 1000).toFixed(3)), el("td", {}, r.stop_reason),
    el("td", {}, r.transaction_id || ""), el("td", {}, signedCell(r)))));
  const pages = Math.max(1, Math.ceil(t.total / t.per_page));
  document.getElementById("tx-page").textContent = `page ${txPage + 1} of ${pages} (${t.total} sessions)`;
  document.getElementById("tx-newer").disabled = txPage === 0;
  document.getElementById("tx-older").disabled = txPage + 1 >= pages;
}

async function loadMeters() {
  const meters = await api("/api/meters");
  document.getElementById("meter-rows").replaceChildren(...meters.map(m => el("tr", {},
    el("td", {}, m.connector === 0 ? "site" : String(m.connector)), el("td", {}, m.online ? "yes" : "no"),
    el("td", {}, m.age_s === null ? "never" : `${m.age_s} s ago`), el("td", {}, m.serial || ""),
    el("td", {}, m.energy_wh === null ? "" : (m.energy_wh / 1000).toFixed(3)))));
}

async function loadFirmware() {
  const f = await api("/api/firmware");
  const last = f.last_update ? `${when(f.last_update.at)}: ${f.last_update.outcome}` : "none recorded";
  const rows = [["Running", f.version], ["Installer", f.installer],
    ["Releases installed", (f.releases || []).join(", ") || "-"], ["Previous (rollback target)", f.previous || "-"],
    ["Last update", last], ["Update under way", f.update_in_progress ? f.update_in_progress.status : "no"]];
  document.getElementById("firmware-fields").replaceChildren(
    ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));
}

async function loadSelftest() {
  const t = await api("/api/selftest");
  document.getElementById("selftest-run").disabled = !t.can_run;
  document.getElementById("selftest-why").textContent = t.running ? "running..." : (t.why_not || "");
  const last = t.last;
  document.getElementById("selftest-when").textContent = last
    ? `Last run ${when(last.at)}: ${last.passed ? "all passed" : "some checks FAILED"}` : "Never run on this charger.";
  document.getElementById("selftest-rows").replaceChildren(...(last ? last.rows : []).map(r => el("tr", {},
    el("td", {}, r.where), el("td", {}, r.check), el("td", { class: `result ${r.result}` }, r.result),
    el("td", {}, r.detail))));
}

async function runSelftest() {
  try {
    const answer = await api("/api/selftest", { method: "POST", body: {} });
    document.getElementById("selftest-why").textContent = answer.takes_effect;
  } catch (e) { document.getElementById("selftest-why").textContent = e.message; }
}

async function loadLogs() {
  const l = await api("/api/logs");
  document.getElementById("log-lines").textContent = l.lines.join("\n");
}

async function cardAction(path, options) {
  const result = document.getElementById("cards-result");
  try { await api(path, options); result.textContent = ""; } catch (e) { result.textContent = e.message; }
  loadCards();
}

async function loadCards() {
  const c = await api("/api/cards");
  document.getElementById("cards").hidden = !c.standalone;
  if (!c.standalone) return;
  document.getElementById("free-charging").checked = c.free_charging;
  document.getElementById("card-rows").replaceChildren(...c.cards.map(card => {
    const other = card.status === "Accepted" ? "Blocked" : "Accepted";
    const toggle = el("button", { type: "button" }, card.status === "Accepted" ? "Block" : "Allow");
    toggle.onclick = () => cardAction("/api/cards", { method: "POST", body: { id_tag: card.id_tag, status: other } });
    const remove = el("button", { type: "button" }, "Remove");
    remove.onclick = () => cardAction(`/api/cards/${encodeURIComponent(card.id_tag)}`, { method: "DELETE" });
    return el("tr", { "data-card": card.id_tag }, el("td", {}, card.id_tag), el("td", {}, card.status),
              el("td", {}, toggle, " ", remove));
  }));
}

async function loadSettings() {
  const c = await api("/api/configuration");
  document.getElementById("configuration").textContent = JSON.stringify(c, null, 2);
  const s = await api("/api/settings");
  for (const name of ["csms_url", "charge_point_id", "ocpp_version", "security_profile"]) {
    document.getElementById(name).value = s[name] === null ? "" : String(s[name]);
  }
}

async function saveSettings(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = {};
  for (const [k, v] of form.entries()) if (v !== "") body[k] = k === "security_profile" ? Number(v) : v;
  const result = document.getElementById("settings-result");
  try {
    const answer = await api("/api/settings", { method: "POST", body });
    result.textContent = answer.changed.length ? `Saved: ${answer.changed.join(", ")}; ${answer.takes_effect}.`
      : "Nothing changed.";
    result.className = "";
  } catch (e) { result.textContent = e.message; result.className = "error"; }
}

async function changePassword(event) {
  event.preventDefault();
  const result = document.getElementById("password-result");
  try {
    await api("/api/web-password", { method: "POST", body: {
      current: document.getElementById("pw-current").value, new: document.getElementById("pw-new").value } });
    location.reload();
  } catch (e) { result.textContent = e.message; result.className = "error"; }
}

document.getElementById("logout").onclick = async () => {
  await fetch("/logout", { method: "POST", headers: { "X-CSRF-Token": csrf } });
  location.reload();
};
document.getElementById("tx-newer").onclick = () => { txPage = Math.max(0, txPage - 1); loadTransactions(); };
document.getElementById("tx-older").onclick = () => { txPage += 1; loadTransactions(); };
document.getElementById("settings-form").onsubmit = saveSettings;
document.getElementById("selftest-run").onclick = runSelftest;
document.getElementById("card-form").onsubmit = (event) => {
  event.preventDefault();
  cardAction("/api/cards", { method: "POST", body: { id_tag: document.getElementById("card-id").value } });
};
document.getElementById("free-charging").onchange = (event) =>
  cardAction("/api/free-charging", { method: "POST", body: { on: event.target.checked } });
document.getElementById("log-refresh").onclick = loadLogs;
document.getElementById("password-form").onsubmit = changePassword;
watch();
loadTransactions(); loadMeters(); loadSettings(); loadFirmware(); loadSelftest(); loadLogs(); loadCards();
window.addEventListener("hashchange", () => { loadTransactions(); loadMeters(); loadSelftest(); loadLogs(); });
