// page-account.js — the signed-in administrator: passkeys to sign in to the dashboard
// instead of pasting the admin token (the factor engine's WebAuthn ceremonies), and
// the live dashboard sessions.
import { del, get, post, seg } from './api.js';
import { badge, busy, clear, confirmDialog, field, h, say, section, table, timeEl } from './dom.js';

export async function render(root, ctx) {
  root.append(h('h1', {}, 'Your sign-in'));
  const list = h('div', { 'aria-live': 'polite' });
  const name = h('input', { maxlength: '64', placeholder: 'Laptop', autocomplete: 'off' });
  const add = h('button', { type: 'submit', class: 'primary' }, 'Add a passkey');
  const form = h('form', { class: 'inline-form' }, field('Passkey name', name), add);
  let info;
  async function load() {
    info = await get('/admin/api/passkeys');
    add.disabled = !info.available || !window.PublicKeyCredential?.parseCreationOptionsFromJSON;
    clear(list,
      info.available ? null : h('p', { class: 'hint warn' }, info.reason),
      table('Passkeys', ['Name', 'Added', 'Last used', ''], info.passkeys.map((p) => [
        p.name, timeEl(p.created_at), timeEl(p.last_used_at),
        h('button', {
          type: 'button', class: 'small danger', 'aria-label': `Remove passkey ${p.name}`,
          onclick: (ev) => busy(ev.currentTarget, async () => {
            if (!await confirmDialog(`Remove ${p.name}?`, 'It no longer signs you in to the dashboard.', 'Remove')) return;
            await del(`/admin/api/passkeys/${seg(p.id)}`);
            say('Passkey removed.');
            await load();
          }),
        }, 'Remove'),
      ]), { empty: 'No passkey yet: you sign in with the admin token.' }));
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(add, async () => {
      const o = await post('/admin/api/passkeys/options');
      let cred;
      try {
        cred = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(o.options) });
      } catch (e) {
        say(`No passkey was made (${e.name}).`, 'error');
        return;
      }
      await post('/admin/api/passkeys', { ceremony_id: o.ceremony_id, credential: cred.toJSON(), name: name.value.trim() || undefined });
      name.value = '';
      say('Passkey added: next time, sign in with it.');
      await load();
    });
  });
  await load();
  const sessions = (await get('/admin/api/sessions')).sessions;
  root.append(
    section('Passkeys', h('p', { class: 'muted' }, `A passkey signs you in as the admin token you are signed in with now (${ctx.session.token_name || ctx.session.token_id}); revoking that token ends its passkeys too.`), list, form),
    section('Dashboard sessions', table('Sessions', ['Opened', 'Last used', 'Ends', 'From', 'Token'], sessions.map((s) => [
      timeEl(s.created_at), timeEl(s.last_seen_at), timeEl(s.expires_at), `${s.ip || '—'}${s.user_agent ? ` · ${s.user_agent.slice(0, 60)}` : ''}`,
      s.token_id === ctx.session.token_id ? badge(s.token_id, 'good') : s.token_id,
    ]))));
}
