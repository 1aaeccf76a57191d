// page-webhooks.js — seed 000's /wh1: register a webhook endpoint for the project (its
// secret shown once), pick events, rotate, disable, delete; the delivery log with each
// attempt's request headers, body, answer, latency and AuthGate's check of both
// signatures; redeliver. The Live Webhook Tester (page-tester.js) sits on the same page.
import { del, get, patch, post, seg } from './api.js';
import {
  badge, busy, clear, confirmDialog, field, h, say, secretBox, section, table, timeEl, validateAsYouType,
} from './dom.js';
import { tester } from './page-tester.js';

// approved and denied (seed 000); sms.send when the project sends SMS codes through its app (docs/MFA.md)
const EVENTS = ['approved', 'denied', 'sms.send'];

export async function render(root, ctx) {
  const p = ctx.project;
  root.append(h('h1', {}, 'Webhooks'));
  if (!p) {
    root.append(h('p', { class: 'muted' }, 'Create a project first.'));
    return;
  }
  const base = `/admin/api/projects/${seg(p.app_id)}/webhooks`;
  root.append(h('p', { class: 'muted' },
    'AuthGate POSTs each sign-in decision (approved, denied) to these URLs — and sms.send when SMS codes go through your app — signed twice: X-AuthGate-Signature (seed 000) and the Standard Webhooks headers. See docs/WEBHOOKS.md.'));
  const list = h('div');
  const log = h('div');
  const shown = h('div', { 'aria-live': 'polite' });

  async function reload() {
    const r = await get(base);
    clear(list, r.webhooks.length
      ? r.webhooks.map((w) => endpointCard(w))
      : h('p', { class: 'muted' }, 'No webhook yet: register one above, or try the Live Webhook Tester below.'));
  }

  function endpointCard(w) {
    const u = `${base}/${seg(w.id)}`;
    const act = (label, fn, cls = 'quiet small') => h('button', {
      type: 'button', class: cls, 'aria-label': `${label} (${w.url})`,
      onclick: (ev) => busy(ev.currentTarget, fn),
    }, label);
    return h('article', { class: 'card', 'aria-label': `Webhook ${w.url}` },
      h('div', { class: 'row' }, h('code', {}, w.url),
        w.disabled ? badge('disabled', 'bad') : badge('enabled', 'good')),
      h('p', { class: 'muted' }, `Events: ${w.events.join(', ')}`, w.description ? ` · ${w.description}` : '',
        ' · created ', timeEl(w.created_at), w.disabled_reason ? ` · ${w.disabled_reason}` : ''),
      h('div', { class: 'row' },
        act('Deliveries', () => showLog(w), 'small'),
        act('Send test', async () => {
          await post(`${u}/test`);
          say('Test event queued.');
          await showLog(w);
        }),
        act('Rotate secret', async () => {
          if (!await confirmDialog('Rotate the secret?', 'Deliveries are signed with the new secret at once; your receiver needs it.', 'Rotate')) return;
          const r = await post(`${u}/rotate-secret`);
          clear(shown, secretBox(`New secret for ${w.url}`, r.secret, 'Shown once: give it to your receiver now.'));
          say('Secret rotated.');
        }),
        act(w.disabled ? 'Enable' : 'Disable', async () => {
          await patch(u, { disabled: !w.disabled });
          say(w.disabled ? 'Webhook enabled.' : 'Webhook disabled.');
          await reload();
        }),
        act('Delete', async () => {
          if (!await confirmDialog('Delete this webhook?', `${w.url} and its delivery log are removed.`, 'Delete')) return;
          await del(u);
          say('Webhook deleted.');
          clear(log);
          await reload();
        }, 'quiet small danger')));
  }

  async function showLog(w) {
    const u = `${base}/${seg(w.id)}/deliveries`;
    const r = await get(`${u}?limit=50`);
    const detail = h('div', { 'aria-live': 'polite' });
    clear(log, section(`Deliveries to ${w.url}`,
      table('Deliveries', ['Created', 'Event', 'Status', 'Attempts', 'Last answer', ''], r.deliveries.map((d) => [
        timeEl(d.created_at), d.event,
        badge(d.status, d.status === 'delivered' ? 'good' : d.status === 'failed' ? 'bad' : 'warn'),
        String(d.attempts), d.last_status === null ? (d.last_error || '—') : `HTTP ${d.last_status}`,
        h('button', {
          type: 'button', class: 'small', 'aria-label': `Details of ${d.id}`,
          onclick: (ev) => busy(ev.currentTarget, async () => clear(detail, await deliveryDetail(`${u}/${seg(d.id)}`, () => showLog(w)))),
        }, 'Details'),
      ]), { empty: 'No delivery yet. Send a test, or sign in with push.' }),
      detail));
    log.querySelector('h2')?.scrollIntoView({ block: 'nearest' });
  }

  const url = h('input', { type: 'url', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'https://my-app.com/api/authgate/callback' });
  const fu = field('Endpoint URL', url, { hint: 'https (plain http only in dev mode); AuthGate refuses private addresses outside dev mode.' });
  const desc = h('input', { maxlength: '200', autocomplete: 'off' });
  const boxes = EVENTS.map((e) => h('input', { type: 'checkbox', id: `ev-${e.replace('.', '-')}`, value: e, checked: e !== 'sms.send' }));
  const events = h('fieldset', { class: 'events' }, h('legend', {}, 'Events'),
    boxes.map((b) => h('div', { class: 'row' }, b, h('label', { for: b.id }, b.value))));
  const add = h('button', { type: 'submit', class: 'primary', disabled: true }, 'Register webhook');
  validateAsYouType(url, 'webhook_url', (valid, message) => {
    add.disabled = !valid;
    fu.message(valid === false ? message : valid ? 'Looks right.' : '', valid ? 'ok' : 'error');
  });
  const form = h('form', {}, fu, field('Description (optional)', desc), events, add);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!chosen.length) { say('Pick at least one event.', 'error'); return; }
    busy(add, async () => {
      try {
        const w = await post(base, { url: url.value.trim(), events: chosen, description: desc.value.trim() || undefined });
        clear(shown, secretBox(`Signing secret for ${w.url}`, w.secret,
          'Shown once: your receiver verifies X-AuthGate-Signature with it (HMAC-SHA256 of the raw body).'));
        url.value = '';
        desc.value = '';
        add.disabled = true;
        fu.message('');
        say('Webhook registered.');
        await reload();
      } catch (e) {
        fu.message(e.message);
      }
    });
  });

  root.append(section('Register a webhook', form, shown), section('Endpoints', list), log);
  await reload();
  root.append(tester(ctx));
}

// One delivery: the body, then each attempt with what was sent and what came back.
export async function deliveryDetail(url, after) {
  const d = await get(url);
  const redeliver = h('button', { type: 'button', class: 'small' }, 'Redeliver');
  redeliver.addEventListener('click', () => busy(redeliver, async () => {
    await post(`${url}/redeliver`);
    say('Delivery queued again (same webhook-id, so receivers can drop a duplicate).');
    if (after) await after();
  }));
  return h('div', { class: 'delivery', 'aria-label': `Delivery ${d.id}`, role: 'group' },
    h('h3', {}, `${d.event} · ${d.id}`),
    h('div', { class: 'row' }, badge(d.status, d.status === 'delivered' ? 'good' : d.status === 'failed' ? 'bad' : 'warn'),
      d.next_attempt_at ? h('span', { class: 'muted' }, 'next attempt ', timeEl(d.next_attempt_at)) : null, redeliver),
    h('p', { class: 'label' }, 'Body (the exact bytes signed)'), h('pre', { class: 'wrap' }, d.body ?? '(cannot be shown)'),
    d.attempt_log.map((a) => attemptView(a)));
}

export function attemptView(a) {
  const c = a.signature_check;
  return h('div', { class: 'attempt' },
    h('h3', {}, `Attempt ${a.attempt} · `, timeEl(a.at), ` · ${a.status === null ? 'no answer' : `HTTP ${a.status}`} · ${a.latency_ms} ms`),
    a.error ? h('p', { class: 'check bad' }, a.error) : null,
    c ? h('p', {},
      h('span', { class: `check ${c.x_authgate_signature ? 'good' : 'bad'}` }, 'X-AuthGate-Signature'), ' · ',
      h('span', { class: `check ${c.webhook_signature ? 'good' : 'bad'}` }, 'webhook-signature'),
      h('span', { class: 'muted' }, ` (checked by AuthGate with ${c.with})`)) : null,
    a.request_headers ? [h('p', { class: 'label' }, 'Request headers'),
      h('pre', {}, Object.entries(a.request_headers).map(([k, v]) => `${k}: ${v}`).join('\n'))] : null,
    a.response_excerpt !== undefined ? [h('p', { class: 'label' }, 'Answer'), h('pre', {}, a.response_excerpt || '(empty)')] : null);
}
