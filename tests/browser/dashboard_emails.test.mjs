// The Emails page in real Chromium (seed 001's "Dashboard > Emails"): change the Default
// Locale and see the template preview in that language; every template previews in
// every one of the 20 locales, right to left for ar and he, as its own sandboxed
// document; branding (name, colour, logo, support address) shows in the preview; a
// test mail of the previewed template arrives at a real SMTP server. Screenshots: `make
// screenshots` writes them to docs/img/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { mailbox } from '../lib/push.mjs';
import { assertAccessible, browser, printedAdminToken, shot, signIn, watchErrors } from '../lib/dashboard.mjs';

let s, br, token, mb, page, ctx, errors;
const admin = () => ({ Authorization: `Bearer ${token}` });

before(async () => {
  mb = await mailbox();
  s = await startServer({ AUTHGATE_DEV: 'true', ...mb.env });
  token = printedAdminToken(s);
  br = await browser();
  ctx = await br.context();
  page = await ctx.newPage();
  errors = watchErrors(page);
  await signIn(page, s.url, token, '/admin/emails');
  await page.getByRole('heading', { name: 'Preview' }).waitFor();
});

after(async () => {
  await br?.close();
  await s?.cleanup();
  await mb?.close();
});

const frame = () => page.frameLocator('iframe.preview');
async function previewShows(lang, dir) {
  await frame().locator(`html[lang="${lang}"][dir="${dir}"]`).waitFor({ state: 'attached' });
}

test('changing the Default Locale shows the preview in that language', async () => {
  await previewShows('en', 'ltr');
  assert.match(await page.locator('.mail-head').textContent(), /123456 is your My App verification code/);
  await page.getByRole('combobox', { name: 'Default Locale' }).selectOption('it');
  await page.getByRole('status').filter({ hasText: 'Default Locale set to Italiano (it).' }).waitFor();
  await previewShows('it', 'ltr');
  assert.equal((await s.req('GET', '/admin/api/projects/my-app', { headers: admin() })).body.default_locale, 'it');
  assert.equal(await page.getByRole('button', { name: 'Italiano (it)' }).getAttribute('aria-pressed'), 'true');
  const subject = await page.locator('.mail-head dd').nth(1).textContent();
  assert.match(subject, /codice/i, subject);
  // The rendered HTML is the mail's own document: inline styles allowed there, no script.
  const r = await s.fetch('/admin/api/projects/my-app/mail-preview.html?template=verify_code', { headers: admin() });
  assert.match(r.headers.get('content-security-policy'), /sandbox/);
  assert.match(await r.text(), /lang="it"/);
  await shot(page, 'dashboard-emails');
});

test('right to left for ar and he, in the HTML and in the text part', async () => {
  for (const [code, name] of [['ar', 'العربية'], ['he', 'עברית']]) {
    await page.getByRole('button', { name: `${name} (${code})` }).click();
    await previewShows(code, 'rtl');
    assert.equal(await page.locator('.mail-head dd').nth(1).getAttribute('dir'), 'rtl');
  }
  await page.getByRole('button', { name: 'Text', exact: true }).click();
  const text = page.getByLabel('The text part of the mail');
  await text.waitFor();
  assert.equal(await text.getAttribute('dir'), 'rtl');
  assert.equal(await text.getAttribute('lang'), 'he');
  assert.match(await text.textContent(), /123456/);
  await page.getByRole('button', { name: 'Phone', exact: true }).click();
  await page.getByRole('button', { name: 'HTML', exact: true }).click();
  await previewShows('he', 'rtl');
  await shot(page, 'dashboard-emails-rtl-phone');
  await page.getByRole('button', { name: 'Desktop', exact: true }).click();
});

test('every template renders in every one of the 20 locales', async () => {
  const cat = (await s.req('GET', '/admin/api/mail/catalog', { headers: admin() })).body;
  assert.equal(cat.locales.length, 20);
  assert.equal(cat.templates.length >= 6, true);
  const seen = new Set();
  for (const t of cat.templates) {
    for (const { code, rtl } of cat.locales) {
      const r = await s.req('GET', `/admin/api/projects/my-app/mail-preview?template=${t}&locale=${code}`, { headers: admin() });
      assert.equal(r.status, 200, `${t} ${code}`);
      assert.equal(r.body.locale, code);
      assert.equal(r.body.rtl, code === 'ar' || code === 'he');
      assert.equal(rtl, r.body.rtl);
      assert.ok(r.body.html.includes(`<html lang="${code}" dir="${rtl ? 'rtl' : 'ltr'}">`), `${t} ${code}`);
      assert.ok(r.body.text.length > 40 && r.body.subject.length > 3, `${t} ${code}`);
      seen.add(`${t}:${r.body.subject}`);
    }
  }
  // 20 different subjects per template: each locale has its own words.
  for (const t of cat.templates) assert.equal([...seen].filter((x) => x.startsWith(`${t}:`)).length, 20, t);
  // And in the page, by keyboard: each locale button of one template.
  await page.getByLabel('Template').selectOption('magic_link');
  for (const { code } of cat.locales) {
    await page.locator(`.locale-grid button[lang="${code}"]`).focus();
    await page.keyboard.press('Enter');
    await previewShows(code, code === 'ar' || code === 'he' ? 'rtl' : 'ltr');
  }
  const bad = await s.req('GET', '/admin/api/projects/my-app/mail-preview?template=nope&locale=en', { headers: admin() });
  assert.equal(bad.status, 400);
  assert.equal((await s.req('GET', '/admin/api/projects/my-app/mail-preview?template=magic_link&locale=xx', { headers: admin() })).status, 400);
});

test('branding shows in the preview; a bad logo URL is refused with the server\'s words', async () => {
  await page.locator('.locale-grid button[lang="en"]').click();
  await page.getByLabel('Logo URL').fill('http://insecure.example/logo.png');
  await page.getByRole('button', { name: 'Save branding' }).click();
  await page.locator('.field-msg.error', { hasText: 'branding.logo_url must be an https URL' }).waitFor();
  await page.getByLabel('Logo URL').fill('');
  await page.getByLabel('Name in mails').fill('Ops Centre');
  await page.getByLabel('Colour').fill('#ffcc00');
  await page.getByLabel('Support address').fill('help@axe.example');
  await page.getByRole('button', { name: 'Save branding' }).click();
  await page.getByRole('status').filter({ hasText: 'Branding saved.' }).waitFor();
  await frame().getByText('Questions? Write to help@axe.example.').waitFor({ state: 'attached' });
  await frame().getByText('Ops Centre').first().waitFor({ state: 'attached' });
  const html = await frame().locator('body').innerHTML();
  assert.match(html, /#ffcc00/);
  assert.match(html, /color:#111827;text-decoration:none/, 'dark text on a light brand colour');
  const p = (await s.req('GET', '/admin/api/projects/my-app', { headers: admin() })).body;
  assert.deepEqual(p.branding, { name: 'Ops Centre', logo_url: '', color: '#ffcc00', support_email: 'help@axe.example' });
});

test('send the previewed template as a test mail: it arrives in its language', async () => {
  await page.getByLabel('Template').selectOption('reset_password');
  await page.locator('.locale-grid button[lang="de"]').click();
  await previewShows('de', 'ltr');
  const subject = await page.locator('.mail-head dd').nth(1).textContent();
  await page.getByLabel('Send the previewed mail to').fill('ops@axe.example');
  await page.getByRole('button', { name: 'Send this mail' }).click();
  await page.getByRole('status').filter({ hasText: 'Test mail queued' }).waitFor();
  const m = await mb.next('ops@axe.example');
  assert.equal(m.subject, subject);
  assert.equal(m.headers.get('content-language'), 'de');
  assert.match(m.text, /Fragen\? Schreiben Sie an help@axe\.example\./);
  assert.match(m.html, /dir="ltr"/);
  await assertAccessible(page);
  assert.deepEqual(errors, []);
});

test('dark mode', async () => {
  const c = await br.context({ colorScheme: 'dark' });
  const p = await c.newPage();
  await signIn(p, s.url, token, '/admin/emails');
  await p.frameLocator('iframe.preview').locator('html').waitFor({ state: 'attached' });
  await shot(p, 'dashboard-emails-dark');
  await c.close();
});
