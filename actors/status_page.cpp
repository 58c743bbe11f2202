#include "actors/status_page.hpp"

namespace eventrouter {

const std::string_view status_page_html = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>eventrouter status</title>
<link rel="icon" href="data:,">
<style>
  :root { color-scheme: light dark; --muted: #6b7280; --ok: #15803d; --warn: #b45309; --bad: #dc2626;
          --line: #d1d5db80; }
  body { font: 14px/1.45 system-ui, sans-serif; margin: 1.25rem 1.5rem; }
  header { display: flex; gap: 1.5rem; align-items: baseline; flex-wrap: wrap; }
  h1 { font-size: 1.35rem; margin: 0; }
  h2 { font-size: 1.05rem; margin: 1.5rem 0 .4rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { font-weight: 600; white-space: nowrap; }
  .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  .wrap { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 40rem; }
  .muted { color: var(--muted); }
  .state-running, .result-ok { color: var(--ok); }
  .state-restarting, .state-stopped { color: var(--warn); }
  .state-failed, .result-invalid, .result-failed, .bad { color: var(--bad); font-weight: 600; }
  #problem { color: var(--bad); font-weight: 600; }
</style>
</head>
<body>
<header>
  <h1>eventrouter</h1>
  <span>configuration generation <strong id="generation">…</strong></span>
  <span id="updated" class="muted">loading…</span>
  <span id="problem" role="alert"></span>
</header>

<h2>Consumers</h2>
<table id="consumers">
  <thead><tr><th>name</th><th>topic</th><th>group</th><th>state</th><th class="num">delivered</th>
    <th class="num">failed</th><th class="num">rate /s</th><th class="num">lag</th>
    <th class="num">errors in a row</th><th class="num">restarts</th><th>last error</th></tr></thead>
  <tbody></tbody>
</table>

<h2>Routes</h2>
<table id="routes">
  <thead><tr><th>event type</th><th>topic</th><th>key field</th><th>enabled</th></tr></thead>
  <tbody></tbody>
</table>

<h2>Topics</h2>
<table id="topics">
  <thead><tr><th>topic</th><th>routed from</th><th>read by</th></tr></thead>
  <tbody></tbody>
</table>

<h2>Last reloads</h2>
<table id="reloads">
  <thead><tr><th>finished</th><th>trigger</th><th>result</th><th class="num">generation</th>
    <th>changes or errors</th></tr></thead>
  <tbody></tbody>
</table>

<script>
"use strict";
// Everything from the service goes into the page as text (textContent), never as markup.

const refreshMs = 2000;
let previousPoll = new Map();  // consumer name -> { delivered, at }: for rates

function cell(value, className) {
  const td = document.createElement("td");
  td.textContent = value === undefined || value === null || value === "" ? "\u2014" : String(value);
  if (className)
    td.className = className;
  return td;
}

function numberCell(value, extraClass) {
  return cell(value, extraClass ? "num " + extraClass : "num");
}

// Replaces a table's rows: one per item, or one saying there is none.
function fillTable(id, items, cellsOf) {
  const table = document.getElementById(id);
  const rows = items.map(item => {
    const tr = document.createElement("tr");
    tr.append(...cellsOf(item));
    return tr;
  });
  if (rows.length === 0) {
    const none = cell("none", "muted");
    none.colSpan = table.tHead.rows[0].cells.length;
    rows.push(document.createElement("tr"));
    rows[0].append(none);
  }
  table.tBodies[0].replaceChildren(...rows);
}

// Events per second since the previous poll; none on the first poll, or when the counter went
// back (a new service process, or a reload that replaced the consumer).
function rate(consumer, now) {
  const before = previousPoll.get(consumer.name);
  if (!before || consumer.delivered < before.delivered || now <= before.at)
    return null;
  return ((consumer.delivered - before.delivered) * 1000 / (now - before.at)).toFixed(1);
}

function showConsumers(consumers, now) {
  fillTable("consumers", consumers, c => [
    cell(c.name), cell(c.topic), cell(c.group), cell(c.state, "state-" + c.state),
    numberCell(c.delivered), numberCell(c.failed, c.failed > 0 ? "bad" : ""), numberCell(rate(c, now)),
    numberCell(c.lag), numberCell(c.consecutive_errors, c.consecutive_errors > 0 ? "bad" : ""),
    numberCell(c.restarts), cell(c.last_error, "wrap"),
  ]);
  previousPoll = new Map(consumers.map(c => [c.name, { delivered: c.delivered, at: now }]));
}

function showRoutes(routes) {
  fillTable("routes", routes, r => [
    cell(r.event_type), cell(r.full_topic), cell(r.event_key_field),
    cell(r.enabled ? "yes" : "no", r.enabled ? "" : "muted"),
  ]);
}

// Topics routed to and topics read (a dead-letter topic may only be read), with who uses them.
function showTopics(routing, consumers) {
  const names = [...new Set([...routing.topics, ...consumers.map(c => c.topic)])].sort();
  fillTable("topics", names, topic => [
    cell(topic),
    cell(routing.routes.filter(r => r.full_topic === topic && r.enabled).map(r => r.event_type).join("\n"), "wrap"),
    cell(consumers.filter(c => c.topic === topic).map(c => c.name).join("\n"), "wrap"),
  ]);
}

// 2024-01-02T03:04:05.123456+00:00 -> 2024-01-02 03:04:05 UTC
function readableTime(rfc3339) {
  return rfc3339.replace("T", " ").replace(/\.\d+/, "").replace(/(\+00:00|Z)$/, " UTC");
}

function showReloads(reloads) {
  fillTable("reloads", reloads, r => [
    cell(readableTime(r.time)), cell(r.trigger), cell(r.result, "result-" + r.result), numberCell(r.generation),
    cell(r.result === "ok" ? r.changes : (r.details || []).join("\n"), "wrap"),
  ]);
}

async function getJson(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok)
    throw new Error(path + " answered " + response.status);
  return response.json();
}

// The next poll starts once this one ended, so polls never pile up on a slow service.
async function refresh() {
  try {
    // Relative paths: the page also works behind a proxy that serves the service under a path.
    const [routing, status, history] = await Promise.all(["v1/routes", "v1/consumers", "v1/reloads"].map(getJson));
    const now = performance.now();
    document.getElementById("generation").textContent = String(routing.generation);
    showConsumers(status.consumers, now);
    showRoutes(routing.routes);
    showTopics(routing, status.consumers);
    showReloads(history.reloads);
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.getElementById("problem").textContent = "";
  } catch (e) {
    document.getElementById("problem").textContent = "cannot refresh: " + e.message;
  } finally {
    setTimeout(refresh, refreshMs);
  }
}

refresh();
</script>
</body>
</html>
)html";

}  // namespace eventrouter
