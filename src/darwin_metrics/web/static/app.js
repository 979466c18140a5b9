// darwin-metrics live page: polls /api/snapshot, seeds the charts from /api/history, draws SVG.
// No libraries, no build step. Metric paths follow docs/history.md.
"use strict";

const WINDOW_SECONDS = 3600;
const COLORS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed"];

const CARDS = [
  { id: "cpu", label: "CPU busy", metric: "cpu.percent", unit: "%" },
  { id: "load", label: "load, 1 min", metric: "cpu.load.one", unit: "" },
  { id: "memory", label: "memory used", metric: "memory.used", unit: "B" },
  { id: "swap", label: "swap used", metric: "memory.swap.used", unit: "B" },
  { id: "rx", label: "network in", metric: "interfaces[*].rx_bytes_per_second.sum", unit: "B/s" },
  { id: "tx", label: "network out", metric: "interfaces[*].tx_bytes_per_second.sum", unit: "B/s" },
  { id: "read", label: "disk read", metric: "disks[*].read_bytes_per_second.sum", unit: "B/s" },
  { id: "write", label: "disk write", metric: "disks[*].write_bytes_per_second.sum", unit: "B/s" },
  { id: "temperature", label: "hottest sensor", metric: "temperatures[*].max", unit: "°C" },
  { id: "gpu", label: "GPU busy (max)", metric: "gpus[*].utilization_percent.max", unit: "%" },
  { id: "power", label: "largest power rail", metric: "power[*].watts.max", unit: "W" },
];

const CHARTS = [
  { id: "cpu", title: "CPU busy", unit: "%", max: 100, series: [["cpu.percent", "all CPUs"]] },
  { id: "memory", title: "Memory", unit: "B",
    series: [["memory.used", "used"], ["memory.swap.used", "swap used"]] },
  { id: "network", title: "Network (all interfaces)", unit: "B/s",
    series: [["interfaces[*].rx_bytes_per_second.sum", "in"],
             ["interfaces[*].tx_bytes_per_second.sum", "out"]] },
  { id: "disk", title: "Disk (all devices)", unit: "B/s",
    series: [["disks[*].read_bytes_per_second.sum", "read"],
             ["disks[*].write_bytes_per_second.sum", "write"]] },
  { id: "temperature", title: "Temperature", unit: "°C",
    series: [["temperatures[*].max", "hottest sensor"]] },
  { id: "gpu", title: "GPU busy", unit: "%", max: 100,
    series: [["gpus[*].utilization_percent.max", "busiest GPU"]] },
  { id: "power", title: "Power", unit: "W", series: [["power[*].watts.max", "largest rail"]] },
];

const METRICS = [...new Set([...CARDS.map((c) => c.metric),
  ...CHARTS.flatMap((c) => c.series.map((s) => s[0]))])];

const state = { interval: 1, history: false, data: new Map(), lastTimestamp: null };

function human(value, unit) {
  if (value === undefined || value === null || !Number.isFinite(value)) return "–";
  if (unit === "B" || unit === "B/s") {
    const prefixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
    let scaled = Math.abs(value);
    let i = 0;
    while (scaled >= 1024 && i < prefixes.length - 1) { scaled /= 1024; i += 1; }
    const sign = value < 0 ? "-" : "";
    return `${sign}${i === 0 ? scaled.toFixed(0) : scaled.toFixed(1)} ${prefixes[i]}${unit}`;
  }
  if (unit === "%" || unit === "°C") return `${value.toFixed(1)} ${unit}`;
  if (unit === "W" || unit === "Hz") {
    for (const [factor, prefix] of [[1e9, "G"], [1e6, "M"], [1e3, "k"]]) {
      if (Math.abs(value) >= factor) return `${(value / factor).toFixed(2)} ${prefix}${unit}`;
    }
    return `${value.toPrecision(3)} ${unit}`;
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function niceMax(value, unit) {
  if (!(value > 0)) return 1;
  const base = unit === "B" || unit === "B/s" ? 1024 : 1000;
  let scale = 1;
  while (value / scale >= base) scale *= base;
  const scaled = value / scale;
  const step = [1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000].find((s) => s >= scaled);
  return (step || scaled) * scale;
}

function el(tag, attrs = {}, text = "") {
  const svg = ["svg", "polyline", "line", "text", "g"].includes(tag);
  const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

function buildPage() {
  const cards = document.getElementById("cards");
  for (const card of CARDS) {
    const box = el("div", { class: "card", id: `card-${card.id}`, hidden: "" });
    box.append(el("div", { class: "label" }, card.label));
    box.append(el("div", { class: "value", id: `value-${card.id}` }, "–"));
    cards.append(box);
  }
  const charts = document.getElementById("charts");
  for (const chart of CHARTS) {
    const box = el("div", { class: "chart", id: `chart-${chart.id}`, hidden: "" });
    box.append(el("h2", {}, chart.title));
    box.append(el("svg", { viewBox: "0 0 600 170", role: "img", "aria-label": chart.title }));
    const legend = el("div", { class: "legend" });
    chart.series.forEach(([, label], i) => {
      const item = el("span");
      item.append(el("i", { style: `background:${COLORS[i % COLORS.length]}` }));
      item.append(document.createTextNode(label));
      legend.append(item);
    });
    box.append(legend);
    charts.append(box);
  }
}

function addPoint(metric, t, v) {
  let points = state.data.get(metric);
  if (!points) { points = []; state.data.set(metric, points); }
  if (points.length && points[points.length - 1][0] >= t) return;
  points.push([t, v]);
  const oldest = t - WINDOW_SECONDS;
  while (points.length && points[0][0] < oldest) points.shift();
}

function segments(points) {
  // Break the line where recording paused: a step over five times the median step.
  if (points.length < 3) return [points];
  const steps = points.slice(1).map((p, i) => p[0] - points[i][0]).sort((a, b) => a - b);
  const limit = 5 * Math.max(steps[Math.floor(steps.length / 2)], state.interval);
  const out = [[points[0]]];
  for (let i = 1; i < points.length; i += 1) {
    if (points[i][0] - points[i - 1][0] > limit) out.push([]);
    out[out.length - 1].push(points[i]);
  }
  return out;
}

function drawChart(chart, now) {
  const box = document.getElementById(`chart-${chart.id}`);
  const svg = box.querySelector("svg");
  const all = chart.series.map(([metric]) => state.data.get(metric) || []);
  const count = all.reduce((n, points) => n + points.length, 0);
  if (!count) return;
  box.hidden = false;
  const left = 70, right = 592, top = 8, bottom = 150;
  const start = now - WINDOW_SECONDS;
  const peak = Math.max(...all.flat().map((p) => p[1]), chart.max || 0);
  const ymax = chart.max && peak <= chart.max ? chart.max : niceMax(peak, chart.unit);
  const x = (t) => left + ((t - start) / WINDOW_SECONDS) * (right - left);
  const y = (v) => bottom - (Math.max(0, v) / ymax) * (bottom - top);
  svg.replaceChildren();
  for (const fraction of [0, 0.5, 1]) {
    const yy = y(ymax * fraction);
    svg.append(el("line", { class: "grid", x1: left, x2: right, y1: yy, y2: yy }));
    svg.append(el("text", { class: "tick", x: left - 6, y: yy + 3, "text-anchor": "end" },
      human(ymax * fraction, chart.unit)));
  }
  for (const [label, at] of [["-60 min", start], ["-30 min", start + 1800], ["now", now]]) {
    svg.append(el("text", { class: "tick", x: x(at), y: 166,
      "text-anchor": at === start ? "start" : at === now ? "end" : "middle" }, label));
  }
  all.forEach((points, i) => {
    for (const part of segments(points)) {
      const coords = part.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      svg.append(el("polyline", { points: coords, stroke: COLORS[i % COLORS.length],
        "data-metric": chart.series[i][0] }));
    }
  });
  svg.setAttribute("data-points", String(count));
}

function render(now) {
  for (const card of CARDS) {
    const points = state.data.get(card.metric);
    if (!points || !points.length) continue;
    document.getElementById(`card-${card.id}`).hidden = false;
    document.getElementById(`value-${card.id}`).textContent =
      human(points[points.length - 1][1], card.unit);
  }
  for (const chart of CHARTS) drawChart(chart, now);
}

async function loadHistory(metric) {
  const url = `/api/history?metric=${encodeURIComponent(metric)}&since=1h`;
  const response = await fetch(url);
  if (!response.ok) return;
  const body = await response.json();
  for (const series of body.series) {
    series.times.forEach((t, i) => addPoint(metric, t, series.values[i]));
  }
}

async function poll() {
  const query = METRICS.map((m) => `metric=${encodeURIComponent(m)}`).join("&");
  try {
    const response = await fetch(`/api/snapshot?${query}`);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = await response.json();
    for (const metric of METRICS) {
      const values = Object.values(body.metrics[metric] || {});
      if (values.length === 1) addPoint(metric, body.timestamp, values[0]);
    }
    if (body.timestamp !== state.lastTimestamp) {
      state.lastTimestamp = body.timestamp;
      document.getElementById("updated").textContent =
        new Date(body.timestamp * 1000).toLocaleTimeString();
    }
    document.getElementById("state").textContent = "live";
    render(body.timestamp);
  } catch (error) {
    document.getElementById("state").textContent = `disconnected (${error.message}), retrying`;
  }
}

async function start() {
  buildPage();
  try {
    const info = await (await fetch("/api/info")).json();
    state.interval = info.interval;
    state.history = info.history;
    document.getElementById("host").textContent = `${info.hostname} (${info.platform})`;
  } catch (error) {
    document.getElementById("state").textContent = `cannot reach the server (${error.message})`;
  }
  if (state.history) await Promise.all(METRICS.map((m) => loadHistory(m).catch(() => null)));
  await poll();
  window.setInterval(poll, Math.max(250, state.interval * 1000));
}

start();
