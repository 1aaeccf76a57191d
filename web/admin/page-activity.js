// page-activity.js — what happened: charts from the server's own metrics (requests per
// second, p99 latency, sign-ins and failures per minute; refreshed every 10 s), the
// security log with filters (failed credentials, rate limits, "this wasn't me", refused
// origins and CSRF, secret reads) and the audit log of admin actions.
import { get, query } from './api.js';
import { badge, busy, clear, field, h, section, table, timeEl } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const s = (tag, attrs = {}, ...kids) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  kids.forEach((k) => el.append(k));
  return el;
};
const fmt = (v) => (v === null || v === undefined ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

// A line chart (SVG, styled by class: no inline style) with its summary as its name.
function chart(title, unit, points, series) {
  const W = 360, H = 150, L = 40, B = 20, T = 8, R = 10;
  const t0 = points.length ? Date.parse(points[0].t) : 0, t1 = points.length ? Date.parse(points.at(-1).t) : 1;
  const max = Math.max(1e-9, ...series.flatMap((sr) => points.map((p) => p[sr.key] ?? 0)));
  const top = niceMax(max);
  const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
  const y = (v) => H - B - (v / top) * (H - B - T);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, 'aria-hidden': 'true', focusable: 'false' });
  for (const f of [0, 0.5, 1]) {
    svg.append(s('line', { class: f ? 'grid' : 'axis', x1: L, x2: W - R, y1: y(top * f), y2: y(top * f) }));
    svg.append(s('text', { x: L - 4, y: y(top * f) + 3, 'text-anchor': 'end' }, fmt(top * f)));
  }
  if (points.length) {
    svg.append(s('text', { x: L, y: H - 6 }, new Date(t0).toLocaleTimeString()));
    svg.append(s('text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, new Date(t1).toLocaleTimeString()));
  }
  for (const [i, sr] of series.entries()) {
    const pts = points.filter((p) => p[sr.key] !== null && p[sr.key] !== undefined)
      .map((p) => `${x(Date.parse(p.t)).toFixed(1)},${y(p[sr.key]).toFixed(1)}`);
    if (pts.length > 1) svg.append(s('polyline', { class: `s${i + 1}`, points: pts.join(' ') }));
    for (const p of pts) {
      const [cx, cy] = p.split(',');
      svg.append(s('circle', { class: `d${i + 1}`, cx, cy, r: 2.5 }));
    }
  }
  const now = series.map((sr) => `${sr.label} ${fmt(points.at(-1)?.[sr.key])}`).join(', ');
  const peak = series.map((sr) => `${sr.label} ${fmt(Math.max(0, ...points.map((p) => p[sr.key] ?? 0)))}`).join(', ');
  const minutes = Math.round((t1 - t0) / 60000);
  return h('figure', { class: 'chart card', role: 'img', 'aria-label': `${title} (${unit}) over the last ${minutes} minutes: now ${now}; peak ${peak}.` },
    h('figcaption', {}, h('strong', {}, title), ' ', h('span', { class: 'muted' }, unit)),
    h('p', { class: 'big-number' }, series.map((sr) => fmt(points.at(-1)?.[sr.key])).join(' / ')),
    svg,
    series.length > 1 ? h('p', { class: 'legend' }, series.map((sr, i) => h('span', { class: `k${i + 1}` }, `— ${sr.label}`))) : null);
}

function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

export async function render(root, ctx) {
  root.append(h('h1', {}, 'Activity'));
  const charts = h('div', { class: 'charts' });
  const stamp = h('p', { class: 'muted', 'aria-live': 'off' });
  async function drawCharts() {
    const m = await get('/admin/api/metrics/series');
    const pts = m.points;
    clear(charts,
      chart('Requests per second', 'req/s', pts, [{ key: 'rps', label: 'requests' }]),
      chart('p99 latency', 'ms', pts, [{ key: 'p99_ms', label: 'p99' }]),
      chart('Sign-ins and failures per minute', 'per min', pts, [{ key: 'signins_per_min', label: 'sign-ins' }, { key: 'failures_per_min', label: 'failures' }]));
    stamp.textContent = `This server since it started: ${m.requests_total} requests, ${m.signins_total} sign-ins, ${m.failures_total} failures. One point every ${m.step_s} s; the last hour is kept; each node keeps its own.`;
  }
  await drawCharts();
  const timer = setInterval(() => drawCharts().catch(() => {}), 10000);
  ctx.onLeave(() => clearInterval(timer));
  root.append(section('Server metrics', charts, stamp));
  root.append(await securityLog(), await auditLog(ctx));
}

async function securityLog() {
  const counts = (await get('/admin/api/security-events?limit=1')).counts;
  const event = h('select', {}, h('option', { value: '' }, 'Any event'),
    Object.keys(counts).map((k) => h('option', { value: k }, `${k} (${counts[k]} today)`)));
  const ip = h('input', { autocomplete: 'off', spellcheck: 'false', placeholder: '203.0.113.9' });
  const q = h('input', { type: 'search', autocomplete: 'off', placeholder: 'text in the message' });
  const since = h('input', { type: 'datetime-local' });
  const go = h('button', { type: 'submit' }, 'Filter');
  const out = h('div', { 'aria-live': 'polite' });
  async function load() {
    const r = await get(`/admin/api/security-events${query({
      event: event.value, ip: ip.value.trim(), q: q.value.trim(),
      since: since.value ? new Date(since.value).toISOString() : '', limit: 200,
    })}`);
    clear(out, table('Security events', ['When', 'Event', 'Address', 'What'], r.events.map((e) => [
      timeEl(e.at), badge(e.event, /failed|wrong|refused|rate_limited|not_me|blocked/.test(e.event) ? 'bad' : ''), e.ip || '—', e.message,
    ]), { empty: 'No event matches.' }));
  }
  const form = h('form', { class: 'inline-form', role: 'search', 'aria-label': 'Filter the security log' },
    field('Event', event), field('Address', ip), field('Text', q), field('Since', since), go);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); busy(go, load); });
  await load();
  return section('Security log', h('p', { class: 'muted' },
    Object.entries(counts).map(([k, v]) => `${k}: ${v}`).join(' · ') || 'No security event in the last 24 hours.'), form, out);
}

async function auditLog(ctx) {
  const q = h('input', { type: 'search', autocomplete: 'off', placeholder: 'webhooks, signing-secret, DELETE…' });
  const mine = h('input', { type: 'checkbox', id: 'audit-project' });
  const go = h('button', { type: 'submit' }, 'Filter');
  const out = h('div', { 'aria-live': 'polite' });
  async function load() {
    const r = await get(`/admin/api/audit${query({ q: q.value.trim(), app_id: mine.checked ? ctx.app : '', limit: 200 })}`);
    clear(out, table('Admin actions', ['When', 'Who', 'Action', 'Project', 'Fields', 'Result'], r.entries.map((e) => [
      timeEl(e.at), `${e.actor || 'unknown'} (${e.via}) · ${e.ip || '—'}`, h('code', {}, e.action), e.app_id || '—',
      e.detail?.fields?.join(', ') || '—',
      e.status === null ? badge('no outcome', 'warn') : badge(String(e.status), e.status < 400 ? 'good' : 'bad'),
    ]), { empty: 'No admin action matches.' }));
  }
  const form = h('form', { class: 'inline-form', role: 'search', 'aria-label': 'Filter the admin actions' },
    field('Text in the action', q), h('div', { class: 'row' }, mine, h('label', { for: mine.id }, 'Only this project')), go);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); busy(go, load); });
  await load();
  return section('Admin actions', h('p', { class: 'muted' }, 'Every change through the admin API, every sign-in to the dashboard and every secret shown: who, from where, what, and how it ended. Values are never kept, only field names.'), form, out);
}
