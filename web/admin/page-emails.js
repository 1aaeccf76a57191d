// page-emails.js — seed 001's "Dashboard > Emails": branding (name, logo, colour,
// support address), the Default Locale, a preview of every template in every one of the
// 20 locales rendered by the server's own mail code (the HTML as its own sandboxed
// document, so it looks as a mail client shows it; right to left for ar and he; the
// text part too), and a test mail of what is previewed.
import { get, patch, post, query, seg } from './api.js';
import { busy, clear, field, h, say, section } from './dom.js';

export const LOCALE_NAMES = {
  en: 'English', ar: 'العربية', da: 'Dansk', de: 'Deutsch', es: 'Español', fi: 'Suomi', fr: 'Français',
  he: 'עברית', it: 'Italiano', ja: '日本語', ko: '한국어', nb: 'Norsk bokmål', nl: 'Nederlands', pl: 'Polski',
  pt: 'Português', ru: 'Русский', sv: 'Svenska', th: 'ไทย', vi: 'Tiếng Việt', zh: '中文',
};
const TEMPLATE_NAMES = {
  verify_code: 'Verification code', reset_password: 'Password reset', magic_link: 'Magic link',
  password_changed: 'Password changed', device_enroll: 'Device set-up (push)', sign_in_code: 'Sign-in code (second factor)',
};

export async function render(root, ctx) {
  root.append(h('h1', {}, 'Emails'));
  const p0 = ctx.project;
  if (!p0) {
    root.append(h('p', { class: 'muted' }, 'Create a project first.'));
    return;
  }
  const purl = `/admin/api/projects/${seg(p0.app_id)}`;
  let p = await get(purl);
  const catalog = await get('/admin/api/mail/catalog');
  const state = { template: catalog.templates[0], locale: p.default_locale, view: 'html', width: 'wide' };

  // ---- branding
  const b = p.branding || {};
  const name = h('input', { value: b.name || '', maxlength: '100', placeholder: p.name });
  const logo = h('input', { type: 'url', value: b.logo_url || '', placeholder: 'https://example.com/logo.png' });
  const color = h('input', { type: 'color', value: b.color || '#2563eb' });
  const support = h('input', { type: 'email', value: b.support_email || '', placeholder: 'support@example.com' });
  const fields = {
    name: field('Name in mails', name, { hint: 'Empty: the project’s name.' }),
    logo_url: field('Logo URL', logo, { hint: 'https only; shown 40 px high above the heading. Empty: the name instead.' }),
    color: field('Colour', color, { hint: 'The top rule and the button (its text turns dark or light to stay readable).' }),
    support_email: field('Support address', support, { hint: 'Shown in the footer: “Questions? Write to …”. Empty: no such line.' }),
  };
  const saveB = h('button', { type: 'submit', class: 'primary' }, 'Save branding');
  const bform = h('form', { class: 'grid-2' }, Object.values(fields), h('div', {}, saveB));
  bform.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(saveB, async () => {
      Object.values(fields).forEach((f) => f.message(''));
      try {
        p = await patch(purl, { branding: { name: name.value.trim(), logo_url: logo.value.trim(), color: color.value, support_email: support.value.trim() } });
        say('Branding saved.');
        await preview();
      } catch (e) {
        const k = Object.keys(fields).find((x) => e.message.includes(`branding.${x}`));
        if (k) fields[k].message(e.message);
        else throw e;
      }
    });
  });

  // ---- default locale
  const loc = h('select', {}, catalog.locales.map((l) => h('option', { value: l.code, selected: l.code === p.default_locale },
    `${LOCALE_NAMES[l.code] || l.code} (${l.code})`)));
  const fl = field('Default Locale', loc, { hint: 'For mail to people whose language is not known: no locale in the request, none stored, no Accept-Language match.' });
  loc.addEventListener('change', () => busy(loc, async () => {
    p = await patch(purl, { default_locale: loc.value });
    say(`Default Locale set to ${LOCALE_NAMES[loc.value]} (${loc.value}).`);
    state.locale = loc.value;
    drawLocales();
    await preview();
  }));

  // ---- preview
  const tsel = h('select', {}, catalog.templates.map((t) => h('option', { value: t }, TEMPLATE_NAMES[t] || t)));
  tsel.addEventListener('change', () => { state.template = tsel.value; preview(); });
  const locales = h('div', { class: 'locale-grid', role: 'group', 'aria-label': 'Locale of the preview' });
  function drawLocales() {
    clear(locales, catalog.locales.map((l) => h('button', {
      type: 'button', class: 'small quiet', lang: l.code, 'aria-pressed': String(l.code === state.locale),
      title: LOCALE_NAMES[l.code], 'aria-label': `${LOCALE_NAMES[l.code]} (${l.code})`,
      onclick: () => { state.locale = l.code; drawLocales(); preview(); },
    }, l.code)));
  }
  const toggle = (label, key, value) => h('button', {
    type: 'button', class: 'small quiet', 'aria-pressed': String(state[key] === value), dataset: { key, value },
    onclick: (ev) => {
      state[key] = value;
      ev.currentTarget.parentElement.querySelectorAll(`[data-key="${key}"]`).forEach((x) => x.setAttribute('aria-pressed', String(x.dataset.value === value)));
      preview();
    },
  }, label);
  const head = h('div', { class: 'mail-head', 'aria-live': 'polite' });
  const frame = h('iframe', { class: 'preview', title: 'The mail as a mail client shows it', sandbox: '', referrerpolicy: 'no-referrer' });
  const text = h('pre', { class: 'preview-text', tabindex: '0', 'aria-label': 'The text part of the mail' });
  async function preview() {
    const q = query({ template: state.template, locale: state.locale });
    const m = await get(`${purl}/mail-preview${q}`);
    clear(head, h('dl', { class: 'kv' },
      h('dt', {}, 'From'), h('dd', {}, m.from_name),
      h('dt', {}, 'Subject'), h('dd', { lang: m.locale, dir: m.rtl ? 'rtl' : 'ltr' }, m.subject),
      h('dt', {}, 'Language'), h('dd', {}, `${LOCALE_NAMES[m.locale]} (${m.locale})${m.rtl ? ', right to left' : ''}`)));
    frame.hidden = state.view !== 'html';
    text.hidden = state.view !== 'text';
    frame.className = `preview ${state.width}`;
    if (state.view === 'html') frame.src = `${purl}/mail-preview.html${q}`;
    text.textContent = m.text;
    text.setAttribute('lang', m.locale);
    text.setAttribute('dir', m.rtl ? 'rtl' : 'ltr');
  }

  // ---- test mail
  const to = h('input', { type: 'email', required: true, autocomplete: 'email' });
  const sendB = h('button', { type: 'submit' }, 'Send this mail');
  const tform = h('form', { class: 'inline-form' }, field('Send the previewed mail to', to), sendB);
  tform.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(sendB, async () => {
      await post(`${purl}/test-mail`, { to: to.value.trim(), template: state.template, locale: state.locale });
      say(ctx.session.dev ? 'Test mail queued: read it under Mail (dev).' : 'Test mail queued.');
    });
  });

  drawLocales();
  root.append(
    section('Email Branding', bform),
    section('Default Locale', fl),
    section('Preview',
      h('div', { class: 'grid-2' }, field('Template', tsel),
        h('div', {}, h('p', { class: 'label' }, 'Show'), h('div', { class: 'row' },
          toggle('HTML', 'view', 'html'), toggle('Text', 'view', 'text'),
          toggle('Desktop', 'width', 'wide'), toggle('Phone', 'width', 'phone')))),
      h('p', { class: 'label' }, 'Locale'), locales, head, frame, text, tform));
  await preview();
}
