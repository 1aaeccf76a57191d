// page-tester.js — seed 000's Live Webhook Tester: "Start a session, then approve it
// from /app on your phone." Starts a push sign-in for an email, shows the code and a QR
// code of the device app's address, follows the sign-in live (SSE on
// /auth/check/{session_id}) and the webhook as it is delivered (SSE on the tester's
// events), with AuthGate's own check of both signatures and the receiver's answer.
// Works with AuthGate's own receiver (nothing else needed) or a receiver URL.
import { get, post, seg } from './api.js';
import { badge, busy, clear, field, h, say, secretBox, section, validateAsYouType } from './dom.js';
import { attemptView } from './page-webhooks.js';

let streams = [];
function closeStreams() {
  streams.forEach((s) => s.close());
  streams = [];
}
export function tester(ctx) {
  closeStreams();
  ctx.onLeave(closeStreams); // leaving the page ends the streams
  const p = ctx.project;
  const email = h('input', { type: 'email', required: true, autocomplete: 'email', placeholder: 'you@example.com' });
  const own = h('input', { type: 'radio', name: 'receiver', id: 'rcv-own', value: 'own', checked: true });
  const mine = h('input', { type: 'radio', name: 'receiver', id: 'rcv-url', value: 'url' });
  const rurl = h('input', { type: 'url', autocomplete: 'off', spellcheck: 'false', disabled: true, placeholder: 'https://my-app.com/api/authgate/callback' });
  const fr = field('Receiver URL', rurl, { hint: 'Your own receiver; it gets a secret for this run only.' });
  const start = h('button', { type: 'submit', class: 'primary' }, 'Start push sign-in');
  let urlOk = false;
  const sync = () => {
    rurl.disabled = !mine.checked;
    start.disabled = mine.checked && !urlOk;
  };
  own.addEventListener('change', sync);
  mine.addEventListener('change', sync);
  validateAsYouType(rurl, 'webhook_url', (valid, message) => {
    urlOk = !!valid;
    fr.message(valid === false ? message : valid ? 'Looks right.' : '', valid ? 'ok' : 'error');
    sync();
  });
  const out = h('div', { class: 'tester-run' });
  const form = h('form', {},
    field('Email to sign in', email, { hint: 'The person whose phone approves: the device app must be set up for this email (it can be done after starting).' }),
    h('fieldset', {}, h('legend', {}, 'Deliver the webhook to'),
      h('div', { class: 'row' }, own, h('label', { for: own.id }, 'AuthGate’s own receiver (nothing else needed)')),
      h('div', { class: 'row' }, mine, h('label', { for: mine.id }, 'My receiver URL')), fr),
    start);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(start, async () => {
      const run = await post(`/admin/api/projects/${seg(p.app_id)}/tester`, {
        email: email.value.trim(), receiver_url: mine.checked ? rurl.value.trim() : undefined,
      });
      say('Push sign-in started: approve it on the phone.');
      follow(p, run, email.value.trim(), out);
    });
  });
  return section('Live Webhook Tester',
    h('p', {}, 'Test the full flow here: start a sign-in, approve it from /app on your phone, and watch the webhook arrive.'),
    form, out);
}

function follow(p, run, email, out) {
  closeStreams();
  const status = h('p', { class: 'big-number', role: 'status', 'aria-live': 'polite' }, 'Waiting for approval…');
  const deliveries = h('div', { 'aria-live': 'polite' });
  const receipts = h('div', { 'aria-live': 'polite' });
  clear(out,
    h('div', { class: 'tester-grid' },
      h('div', {},
        h('p', { class: 'label' }, 'Code on the login screen'),
        h('p', { class: 'code-big', id: 'tester-code' }, run.code),
        h('p', {}, `Sign-in for ${email} · expires in ${Math.round(run.expires_in / 60)} min`),
        h('ol', { class: 'steps' },
          h('li', {}, 'On the phone, open ', h('a', { href: run.app_url, target: '_blank', rel: 'noopener' }, run.app_url), ' (scan the QR code).'),
          h('li', {}, `Set it up for ${email} if it is not yet (a code is mailed).`),
          h('li', {}, 'The request appears: type the code above and approve.')),
        status),
      h('figure', {},
        h('img', { class: 'qr', src: '/admin/api/app-qr.svg', alt: `QR code of ${run.app_url}`, width: '180', height: '180' }),
        h('figcaption', { class: 'muted' }, run.app_url))),
    run.tester.target === 'url'
      ? secretBox('Secret of this run (for your receiver)', run.tester.secret, 'Your receiver verifies X-AuthGate-Signature with it.')
      : h('p', { class: 'muted' }, 'Delivered to AuthGate’s own receiver at ', h('code', {}, run.tester.url), ': it checks both signatures as the seed’s handler does.'),
    h('h3', {}, 'Webhook'), deliveries, receipts);

  const base = `/admin/api/projects/${seg(p.app_id)}/tester/${seg(run.tester.id)}`;
  // One read at a time; an event during a read asks for one more (its state may be
  // newer than what that read saw).
  let pending = false, again = false;
  async function refresh() {
    if (pending) {
      again = true;
      return;
    }
    pending = true;
    again = false;
    try {
      const t = await get(base);
      clear(deliveries, t.deliveries.length
        ? t.deliveries.map((d) => h('div', { class: 'delivery', role: 'group', 'aria-label': `Webhook ${d.event}` },
          h('p', {}, badge(d.event), ' ', badge(d.status, d.status === 'delivered' ? 'good' : d.status === 'failed' ? 'bad' : 'warn'), ' ', h('code', {}, d.id)),
          h('p', { class: 'label' }, 'Body (the exact bytes signed)'), h('pre', { class: 'wrap' }, d.body ?? ''),
          d.attempt_log.map(attemptView)))
        : h('p', { class: 'muted' }, 'Not sent yet: it goes out the moment the sign-in is decided.'));
      clear(receipts, t.receipts.map((r) => h('div', { class: 'receipt card', role: 'group', 'aria-label': 'What AuthGate’s receiver got' },
        h('p', {}, h('strong', {}, 'AuthGate’s receiver got it: '),
          h('span', { class: `check ${r.signature_check.x_authgate_signature ? 'good' : 'bad'}` }, 'X-AuthGate-Signature verified'), ' · ',
          h('span', { class: `check ${r.signature_check.webhook_signature ? 'good' : 'bad'}` }, 'webhook-signature verified'),
          ` · answered ${r.status}`),
        h('pre', {}, Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join('\n')))));
    } catch (e) {
      say(e.message, 'error');
    } finally {
      pending = false;
      if (again) refresh();
    }
  }

  const check = new EventSource(`/auth/check/${encodeURIComponent(run.session_id)}`);
  check.addEventListener('status', (ev) => {
    const s = JSON.parse(ev.data);
    const text = { pending: 'Waiting for approval…', approved: 'Approved', denied: `Denied${s.reason ? ` (${s.reason})` : ''}`, expired: 'Expired' }[s.status] || s.status;
    status.textContent = text;
    status.className = `big-number ${s.status === 'approved' ? 'ok' : s.status === 'pending' ? '' : 'error'}`;
    if (s.status !== 'pending') {
      check.close();
      refresh();
    }
  });
  const events = new EventSource(`${base}/events`);
  events.addEventListener('delivery', refresh);
  events.addEventListener('receipt', refresh);
  streams = [check, events];
  refresh();
}
