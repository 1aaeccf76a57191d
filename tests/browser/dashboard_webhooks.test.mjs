// Seed 000's /wh1 in real Chromium: register a webhook pointing at a local receiver
// (the seed's Express handler, checking both signatures), then run the Live Webhook
// Tester with the device app approving in a second browser context (the phone): the
// dashboard follows the sign-in live and shows the webhook delivered with both
// signatures verified by AuthGate and by the receiver; the delivery log shows headers,
// body, answer and latency; redeliver sends the same webhook-id again. Then the tester
// against a receiver URL the operator enters. Screenshots (`make screenshots`) go to
// docs/img/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { enrollCode, mailbox, receiver, waitFor } from '../lib/push.mjs';
import { assertAccessible, browser, printedAdminToken, shot, signIn, watchErrors } from '../lib/dashboard.mjs';

const EMAIL = 'james@axe.example';
let s, br, token, mb, rcv, rcvSecret, dash, phone, dashCtx, phoneCtx, errors;

before(async () => {
  mb = await mailbox();
  s = await startServer({ AUTHGATE_DEV: 'true', ...mb.env });
  token = printedAdminToken(s);
  rcv = await receiver({ secret: () => rcvSecret });
  br = await browser();
  dashCtx = await br.context();
  phoneCtx = await br.context({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  dash = await dashCtx.newPage();
  errors = watchErrors(dash);
  phone = await phoneCtx.newPage();
});

after(async () => {
  await br?.close();
  await rcv?.close();
  await s?.cleanup();
  await mb?.close();
});

// The phone: the device app set up for EMAIL with the mailed code (once), then it
// approves the newest request by typing the code the dashboard shows.
let enrolled = false;
async function approveOnPhone(code) {
  if (!enrolled) {
    await phone.goto(`${s.url}/app`);
    await phone.locator('#enroll-email').fill(EMAIL);
    await phone.locator('#enroll-name').fill('James iPhone');
    const since = mb.messages.length;
    await phone.locator('#enroll-start').click();
    await phone.locator('#enroll-code').fill(enrollCode(await mb.next(EMAIL, since)));
    await phone.locator('#enroll-verify').click();
    await phone.locator('#view-main').waitFor({ state: 'visible' });
    enrolled = true;
  }
  const card = phone.locator('.request').first();
  await card.waitFor();
  await card.locator('.code-input').fill(code);
  await card.locator('.approve').click();
  await phone.locator('#status', { hasText: 'Approved' }).waitFor();
}

test('/wh1 registers a webhook at a local receiver; its secret is shown once', async () => {
  await signIn(dash, s.url, token, '/wh1');
  await dash.getByRole('heading', { name: 'Live Webhook Tester' }).waitFor();
  assert.equal(await dash.getByRole('link', { name: 'Webhooks' }).getAttribute('aria-current'), 'page');
  const url = dash.getByLabel('Endpoint URL');
  await url.fill('ftp://nope');
  await dash.locator('.field-msg.error').first().waitFor();
  assert.equal(await dash.getByRole('button', { name: 'Register webhook' }).isDisabled(), true);
  await url.fill(rcv.url);
  await dash.locator('.field-msg.ok', { hasText: 'Looks right.' }).waitFor();
  await dash.getByLabel('Description (optional)').fill('Ops Centre backend');
  await dash.getByRole('button', { name: 'Register webhook' }).click();
  const box = dash.getByRole('group', { name: /Signing secret for/ });
  rcvSecret = (await box.locator('code').textContent()).trim();
  assert.match(rcvSecret, /^whsec_/);
  await dash.getByRole('article', { name: `Webhook ${rcv.url}` }).waitFor();
  // The same endpoint through the JSON API, without its secret.
  const list = (await s.req('GET', '/admin/api/projects/my-app/webhooks', { headers: { Authorization: `Bearer ${token}` } })).body.webhooks;
  assert.equal(list.length, 1);
  assert.equal(list[0].url, rcv.url);
  assert.equal(list[0].secret, undefined);
});

test('Live Webhook Tester with AuthGate\'s own receiver: phone approves, both signatures verified', async () => {
  await dash.getByLabel('Email to sign in').fill(EMAIL);
  await dash.getByRole('button', { name: 'Start push sign-in' }).click();
  const code = (await dash.locator('#tester-code').textContent()).trim();
  assert.match(code, /^\d{6}$/);
  // The QR code of the device app's address is a real image from the server.
  const qr = dash.getByRole('img', { name: `QR code of ${s.url}/app` });
  await qr.waitFor();
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0));
  await dash.getByText('Waiting for approval…').waitFor();

  await approveOnPhone(code);

  // Followed live: approved, then the webhook, then what AuthGate's receiver got.
  await dash.getByRole('status').filter({ hasText: 'Approved' }).first().waitFor();
  const delivery = dash.getByRole('group', { name: 'Webhook approved' });
  await delivery.locator('.check.good', { hasText: 'X-AuthGate-Signature' }).waitFor({ timeout: 20000 });
  await delivery.locator('.check.good', { hasText: 'webhook-signature' }).waitFor();
  assert.match(await delivery.textContent(), /HTTP 200/);
  const receipt = dash.getByRole('group', { name: 'What AuthGate’s receiver got' });
  await receipt.locator('.check.good', { hasText: 'X-AuthGate-Signature verified' }).waitFor();
  await receipt.locator('.check.good', { hasText: 'webhook-signature verified' }).waitFor();
  assert.match(await receipt.textContent(), /answered 200/);
  const body = JSON.parse(await delivery.locator('pre').first().textContent());
  assert.equal(body.event, 'approved');
  assert.equal(body.email, EMAIL);
  assert.equal(body.app_id, 'my-app');
  assert.equal(body.device_name, 'James iPhone');
  await shot(dash, 'dashboard-tester');

  // The project's own endpoint (the local receiver) got the same event, signed right.
  const got = await waitFor(() => rcv.got.find((g) => g.body.event === 'approved' && g.body.session_id === body.session_id), 'the receiver');
  assert.equal(got.seedOk, true);
  assert.equal(got.standardOk, true);
});

test('the delivery log shows each attempt\'s headers, body, answer and latency; redeliver sends it again', async () => {
  const card = dash.getByRole('article', { name: `Webhook ${rcv.url}` });
  await card.getByRole('button', { name: /^Deliveries/ }).click();
  await dash.getByRole('heading', { name: `Deliveries to ${rcv.url}` }).waitFor();
  await dash.getByRole('button', { name: /^Details of msg_/ }).first().click();
  const d = dash.getByRole('group', { name: /^Delivery msg_/ });
  await d.waitFor();
  const text = await d.textContent();
  for (const h of ['X-AuthGate-Signature: sha256=', 'X-AuthGate-Event: approved', 'webhook-id: msg_', 'webhook-signature: v1,', 'User-Agent: AuthGate/1.0']) {
    assert.ok(text.includes(h), h);
  }
  assert.match(text, /Attempt 1 · .* · HTTP 200 · \d+ ms/);
  assert.ok(text.includes('{"received":true}'), 'the receiver\'s answer');
  await d.locator('.check.good', { hasText: 'X-AuthGate-Signature' }).waitFor();
  const before = rcv.got.length;
  const firstId = rcv.got.at(-1).headers['webhook-id'];
  await d.getByRole('button', { name: 'Redeliver' }).click();
  await dash.getByRole('status').filter({ hasText: 'Delivery queued again' }).waitFor();
  const again = await waitFor(() => rcv.got.length > before && rcv.got.at(-1), 'the redelivery');
  assert.equal(again.headers['webhook-id'], firstId, 'same webhook-id');
  assert.equal(again.seedOk, true);
  await shot(dash, 'dashboard-webhooks');
  await assertAccessible(dash);
});

test('the tester against a receiver URL the operator enters', async () => {
  const mine = await receiver({ secret: () => mine.secret });
  try {
    await dash.goto(`${s.url}/wh1`);
    await dash.getByLabel('Email to sign in').fill(EMAIL);
    await dash.getByLabel('My receiver URL', { exact: true }).check();
    await dash.getByLabel('Receiver URL', { exact: true }).fill(mine.url);
    await dash.locator('.field-msg.ok', { hasText: 'Looks right.' }).last().waitFor();
    await dash.getByRole('button', { name: 'Start push sign-in' }).click();
    mine.secret = (await dash.getByRole('group', { name: 'Secret of this run (for your receiver)' }).locator('code').textContent()).trim();
    const code = (await dash.locator('#tester-code').textContent()).trim();
    await approveOnPhone(code);
    const delivery = dash.getByRole('group', { name: 'Webhook approved' });
    await delivery.locator('.check.good', { hasText: 'webhook-signature' }).waitFor({ timeout: 20000 });
    await delivery.locator('.check.good', { hasText: 'X-AuthGate-Signature' }).waitFor();
    assert.ok((await delivery.textContent()).includes('{"received":true}'), 'the receiver\'s answer is shown');
    const got = await waitFor(() => mine.got[0], 'the operator\'s receiver');
    assert.equal(got.seedOk, true);
    assert.equal(got.standardOk, true);
    assert.equal(got.body.event, 'approved');
    // A run's endpoint is not one of the project's endpoints.
    const list = (await s.req('GET', '/admin/api/projects/my-app/webhooks', { headers: { Authorization: `Bearer ${token}` } })).body.webhooks;
    assert.equal(list.length, 1);
  } finally {
    await mine.close();
  }
  assert.deepEqual(errors, []);
});

test('AuthGate\'s receiver refuses a forged webhook like the seed\'s handler', async () => {
  const h = { Authorization: `Bearer ${token}` };
  const run = await s.req('POST', '/admin/api/projects/my-app/tester', { body: { email: 'forge@example.com' }, headers: h });
  assert.equal(run.status, 201);
  const url = new URL(run.body.tester.url);
  const body = JSON.stringify({ event: 'approved', email: 'mallory@example.com' });
  const r = await s.req('POST', url.pathname, { raw: true, body, headers: { 'Content-Type': 'application/json', 'X-AuthGate-Signature': 'sha256=' + '0'.repeat(64) } });
  assert.equal(r.status, 401);
  assert.deepEqual(r.body, { error: 'Invalid signature' });
  const t = (await s.req('GET', `/admin/api/projects/my-app/tester/${run.body.tester.id}`, { headers: h })).body;
  assert.equal(t.receipts.length, 1);
  assert.equal(t.receipts[0].signature_check.x_authgate_signature, false);
  assert.equal(t.receipts[0].status, 401);
  assert.equal((await s.req('POST', '/wh1/receiver/wht_nope', { raw: true, body: '{}', headers: { 'Content-Type': 'application/json' } })).status, 404);
});
