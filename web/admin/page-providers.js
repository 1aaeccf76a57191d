// page-providers.js — seed 001's Providers settings: a switch for every sign-in method
// (email + password, magic link, push, passkeys, TOTP, SMS, email codes, each OAuth
// provider), the project's second-factor policy, and for each OAuth provider its client
// id and secret (write-only: a stored secret is never shown) and the redirect URI to
// register with the provider.
import { del, get, patch, put, seg } from './api.js';
import { badge, busy, clear, copyButton, field, h, newId, say, section } from './dom.js';

const FIELD = {
  client_id: ['Client ID', 'input'],
  client_secret: ['Client secret', 'secret'],
  scopes: ['Scopes', 'input'],
  issuer: ['Issuer URL', 'input'],
  tenant: ['Tenant', 'input'],
  team_id: ['Team ID', 'input'],
  key_id: ['Key ID', 'input'],
  private_key: ['Private key (PEM)', 'textarea'],
};
const HINT = {
  scopes: 'Space-separated; empty: the provider’s defaults.',
  issuer: 'Your OpenID provider’s issuer; AuthGate discovers its endpoints from it.',
  tenant: 'common, organizations, consumers, or your tenant id.',
  private_key: 'The .p8 key Apple gave you; AuthGate signs the client secret with it.',
};

export async function render(root, ctx) {
  root.append(h('h1', {}, 'Providers'));
  const p = ctx.project;
  if (!p) {
    root.append(h('p', { class: 'muted' }, 'Create a project first.'));
    return;
  }
  const purl = `/admin/api/projects/${seg(p.app_id)}`;
  const model = await get(`${purl}/providers`);

  async function toggle(name, on, input) {
    await busy(input, async () => {
      try {
        await patch(purl, { providers: { [name]: on } });
        say(`${name} ${on ? 'on' : 'off'}.`);
      } catch (e) {
        input.checked = !on;
        throw e;
      }
    });
  }
  const sw = (pr) => {
    const input = h('input', { type: 'checkbox', role: 'switch', checked: pr.enabled, id: newId('sw') });
    input.addEventListener('change', () => toggle(pr.name, input.checked, input));
    return h('div', { class: 'switch' }, input,
      h('label', { for: input.id }, h('strong', {}, pr.label), pr.about ? h('span', { class: 'muted' }, ` — ${pr.about}`) : null));
  };

  const mfa = h('select', {}, ['off', 'optional', 'required'].map((v) => h('option', { value: v, selected: v === model.mfa }, {
    off: 'Off', optional: 'Optional: users with a factor are asked for it', required: 'Required: every user must enroll one',
  }[v])));
  mfa.addEventListener('change', () => busy(mfa, async () => {
    await patch(purl, { mfa: mfa.value });
    say(`Second factor: ${mfa.value}.`);
  }));

  root.append(
    section('Sign-in methods', model.providers.filter((x) => x.kind === 'builtin').map(sw)),
    section('Second factor', field('Second factor (MFA)', mfa, { hint: 'Which sign-ins must also pass a second factor (TOTP, SMS or email code, passkey). See docs/MFA.md.' })),
    section('OAuth providers', h('p', { class: 'muted' }, 'Sign in with an account at another provider: give AuthGate the client your app has there, and register AuthGate’s redirect URI with it. See docs/OAUTH.md.'),
      model.providers.filter((x) => x.kind === 'oauth').map((pr) => oauthCard(pr, purl, sw))));
}

function oauthCard(pr, purl, sw) {
  const s = pr.settings || {};
  const inputs = {};
  const fields = pr.fields.map((f) => {
    const [label, kind] = FIELD[f] || [f, 'input'];
    let el;
    if (kind === 'textarea') {
      el = h('textarea', { spellcheck: 'false', placeholder: s.private_key_set ? 'stored (write a new one to replace it)' : '' });
    } else {
      el = h('input', {
        type: kind === 'secret' ? 'password' : 'text', autocomplete: 'off', spellcheck: 'false',
        value: kind === 'secret' ? '' : (s[f] ?? ''),
        placeholder: kind === 'secret' && s.client_secret_set ? 'stored (write a new one to replace it)' : '',
      });
    }
    inputs[f] = el;
    return field(label, el, { hint: HINT[f] });
  });
  const msg = h('p', { class: 'field-msg', 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'primary' }, `Save ${pr.label} settings`);
  const remove = pr.configured ? h('button', { type: 'button', class: 'quiet small danger' }, 'Remove settings') : null;
  const form = h('form', {}, h('div', { class: 'grid-2' }, fields), msg, h('div', { class: 'row' }, save, remove));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = {};
    for (const [k, el] of Object.entries(inputs)) {
      const v = el.value.trim();
      // A secret left empty keeps the stored one; other fields are sent as they are.
      if ((k === 'client_secret' || k === 'private_key') && !v) continue;
      if (v || pr.configured) body[k] = v;
    }
    busy(save, async () => {
      msg.textContent = '';
      try {
        await put(`${purl}/oauth/${seg(pr.name)}`, body);
        say(`${pr.label} settings saved.`);
        inputs.client_secret && (inputs.client_secret.value = '');
        inputs.private_key && (inputs.private_key.value = '');
        (inputs.client_secret || inputs.private_key).placeholder = 'stored (write a new one to replace it)';
        clear(state, badge('configured', 'good'));
      } catch (e) {
        msg.textContent = e.message;
        msg.className = 'field-msg error';
      }
    });
  });
  remove?.addEventListener('click', () => busy(remove, async () => {
    await del(`${purl}/oauth/${seg(pr.name)}`);
    say(`${pr.label} settings removed.`);
    clear(state, badge('not configured', 'warn'));
  }));
  const state = h('span', {}, pr.configured ? badge('configured', 'good') : badge('not configured', 'warn'));
  return h('article', { class: 'card', 'aria-label': pr.label },
    h('div', { class: 'row' }, sw({ ...pr, about: null }), state),
    h('p', {}, 'Redirect URI to register at ', pr.label, ': ', h('code', {}, pr.redirect_uri), ' ', copyButton(pr.redirect_uri)),
    h('details', {}, h('summary', {}, 'Client settings'), form));
}
