// Localized mail (seed 001's 20 locales) and the locale resolution order: explicit >
// stored user preference > Accept-Language > project default > "en". Every message is
// multipart text + HTML, right-to-left for ar and he, with the project's branding.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/server.mjs';
import { startMailbox, codeOf, linkOf } from '../lib/mailbox.mjs';
import { client, patchProject, RELAXED, uniqueEmail } from '../lib/email.mjs';

const CB = 'https://myapp.com/auth/callback';
const LOCALES = ['en', 'it', 'es', 'fr', 'de', 'pt', 'ja', 'ko', 'zh', 'nl', 'pl', 'ru', 'sv', 'da', 'nb', 'fi', 'ar', 'he', 'th', 'vi'];
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const catalog = (l) => JSON.parse(readFileSync(path.join(root, 'locales', `${l}.json`), 'utf8'));
const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (_, k) => vars[k]);
const BRAND = { name: 'Acme <Co> & "Sons"', color: '#ff8800', logo_url: 'https://cdn.example.com/logo.png?a=1&b=2' };

describe('localized mail', () => {
  let s, mb, api;
  before(async () => {
    mb = await startMailbox();
    s = await startServer({ ...mb.env, ...RELAXED });
    const p = await s.project('loc-app', { name: 'Loc App', callbacks: [CB] });
    api = client(s, p.key);
    await patchProject(s, 'loc-app', { branding: BRAND });
  });
  after(async () => {
    await s.cleanup();
    await mb.close();
  });

  test('the verification mail in each of the 20 locales', async () => {
    for (const l of LOCALES) {
      const email = uniqueEmail(l);
      const r = await api('POST', '/api/proxy/email/signup', { email, password: 'securePassword1', locale: l });
      assert.equal(r.status, 200, r.text);
      const m = await mb.next(email);
      const code = codeOf(m);
      const cat = catalog(l);
      assert.equal(m.subject, fill(cat.verify_code.subject, { code, app_name: BRAND.name }), l);
      assert.ok(m.text.includes(fill(cat.verify_code.heading, {})), `${l}: heading in text`);
      assert.equal(m.parsed.headers.get('content-language'), l);
      // multipart/alternative with both parts
      assert.match(m.parsed.headers.get('content-type').value, /multipart\/alternative/);
      assert.ok(m.text.length > 50 && m.html.length > 500);
      const rtl = l === 'ar' || l === 'he';
      assert.match(m.html, new RegExp(`<html lang="${l}" dir="${rtl ? 'rtl' : 'ltr'}">`), l);
      if (rtl) assert.match(m.html, /text-align:right;direction:rtl/);
      else assert.match(m.html, /text-align:left;direction:ltr/);
      // branding, escaped in HTML, verbatim in text
      assert.ok(m.html.includes('Acme &lt;Co&gt; &amp; &quot;Sons&quot;'), `${l}: escaped name`);
      assert.ok(!m.html.includes('<Co>'), `${l}: no raw markup from the name`);
      assert.ok(m.text.includes(BRAND.name), `${l}: name in text`);
      assert.ok(m.html.includes('#ff8800'), `${l}: brand colour`);
      assert.ok(m.html.includes('src="https://cdn.example.com/logo.png?a=1&amp;b=2"'), `${l}: logo`);
      // the duration is localized with the plural rules
      const minutes = cat.plural.minutes;
      const five = l === 'ar' ? minutes.few : l === 'pl' || l === 'ru' ? minutes.many : minutes.other;
      assert.ok(m.text.includes(five.replace('{n}', '5')), `${l}: "${five}"`);
    }
  });

  test('reset, magic link and password-changed mail are localized too (he, ja)', async () => {
    for (const l of ['he', 'ja']) {
      const email = uniqueEmail(l);
      await api('POST', '/api/proxy/email/signup', { email, password: 'securePassword1', locale: l });
      await mb.next(email);
      const cat = catalog(l);
      await api('POST', '/api/proxy/email/reset-password', { email, callback_url: CB });
      const reset = await mb.next(email);
      assert.equal(reset.subject, fill(cat.reset_password.subject, { app_name: BRAND.name }));
      assert.ok(reset.text.includes(email));
      const token = new URL(linkOf(reset)).searchParams.get('reset_token');
      await api('POST', '/api/proxy/email/reset-password/confirm', { token, password: 'newSecurePassword1' });
      const changed = await mb.next(email);
      assert.equal(changed.subject, fill(cat.password_changed.subject, { app_name: BRAND.name }));
      await api('POST', '/api/proxy/email/magic-link/send', { email, callback_url: CB });
      const ml = await mb.next(email);
      assert.equal(ml.subject, fill(cat.magic_link.subject, { app_name: BRAND.name }));
      assert.ok(ml.text.includes(fill(cat.magic_link.note, { duration: cat.plural.minutes.other.replace('{n}', '15') })), `${l}: 15 minutes`);
      const page = await fetch(linkOf(ml));
      const html = await page.text();
      assert.match(html, new RegExp(`<html lang="${l}" dir="${l === 'he' ? 'rtl' : 'ltr'}">`));
      assert.ok(html.includes(cat.magic_page.button));
    }
  });

  test('resolution order: explicit > stored > Accept-Language > project default > en', async () => {
    const subjectLocale = (m) => LOCALES.find((l) => {
      const cat = catalog(l);
      const code = codeOf(m);
      return m.subject === fill(cat.verify_code.subject, { code, app_name: BRAND.name });
    });
    // Accept-Language (q-values honoured) beats the project default.
    const a = uniqueEmail('al');
    await api('POST', '/api/proxy/email/signup', { email: a, password: 'securePassword1' }, { headers: { 'Accept-Language': 'xx-YY, fr-CA;q=0.8, de;q=0.9' } });
    assert.equal(subjectLocale(await mb.next(a)), 'de');
    // Project default when nothing else says.
    await patchProject(s, 'loc-app', { default_locale: 'nl' });
    try {
      const b = uniqueEmail('pd');
      await api('POST', '/api/proxy/email/signup', { email: b, password: 'securePassword1' });
      assert.equal(subjectLocale(await mb.next(b)), 'nl');
      // Stored preference (nl, resolved at sign-up) beats Accept-Language on resend.
      await api('POST', '/api/proxy/email/verify/resend', { email: b }, { headers: { 'Accept-Language': 'es' } });
      assert.equal(subjectLocale(await mb.next(b)), 'nl');
      // An explicit locale beats the stored one, and becomes the stored one.
      await api('POST', '/api/proxy/email/verify/resend', { email: b, locale: 'pt-BR' });
      assert.equal(subjectLocale(await mb.next(b)), 'pt');
      await api('POST', '/api/proxy/email/verify/resend', { email: b }, { headers: { 'Accept-Language': 'es' } });
      assert.equal(subjectLocale(await mb.next(b)), 'pt');
      // Sign-in with an explicit locale stores it too.
      await api('POST', '/api/proxy/email/signin', { email: b, password: 'securePassword1', locale: 'ko' });
      await api('POST', '/api/proxy/email/verify/resend', { email: b });
      assert.equal(subjectLocale(await mb.next(b)), 'ko');
    } finally {
      await patchProject(s, 'loc-app', { default_locale: 'en' });
    }
    // Unsupported everything: en.
    const c = uniqueEmail('en');
    await api('POST', '/api/proxy/email/signup', { email: c, password: 'securePassword1', locale: 'tlh' }, { headers: { 'Accept-Language': 'xx' } });
    assert.equal(subjectLocale(await mb.next(c)), 'en');
  });
});
