// page-projects.js — projects: create, rename, disable, delete; allowed origins and
// callback URLs checked by the server as you type; API keys (shown once, revoke); the
// signing secret (revealed on request, rotated).
import { del, get, patch, post, seg } from './api.js';
import {
  badge, busy, clear, confirmDialog, field, h, say, secretBox, section, table, timeEl, validateAsYouType,
} from './dom.js';

export async function render(root, ctx) {
  root.append(h('h1', {}, 'Projects'));
  root.append(createForm(ctx));
  const p = ctx.project;
  if (!p) {
    root.append(h('p', { class: 'muted' }, 'No project yet: create one above.'));
    return;
  }
  const full = await get(`/admin/api/projects/${seg(p.app_id)}`);
  root.append(settings(full, ctx), urlList(full, ctx, 'allowed_origins', 'origin', 'Allowed origins',
    'Web pages on these origins may start sign-ins with this app_id (scheme, host and port; no path), e.g. https://app.example.com.'),
  urlList(full, ctx, 'callback_urls', 'callback_url', 'Callback URLs',
    'Where sign-ins may return (an exact URL, no query or fragment), e.g. https://app.example.com/auth/callback.'),
  await keys(full), signingSecret(full));
}

function createForm(ctx) {
  const appId = h('input', { required: true, maxlength: '63', autocomplete: 'off', spellcheck: 'false' });
  const name = h('input', { required: true, maxlength: '100', autocomplete: 'off' });
  const fa = field('app_id', appId, { hint: '2–63 characters: a–z, 0–9, - and _. It cannot change later.' });
  const fn = field('Name', name);
  const btn = h('button', { type: 'submit', class: 'primary' }, 'Create project');
  const form = h('form', { class: 'inline-form' }, fa, fn, btn);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      fa.message('');
      try {
        const p = await post('/admin/api/projects', { app_id: appId.value.trim(), name: name.value.trim() });
        await ctx.reloadProjects(p.app_id);
        await ctx.navigate();
        // said once the new project is the one shown, so what follows the message acts on it
        say(`Project ${p.app_id} created.`);
      } catch (e) {
        fa.message(e.message);
      }
    });
  });
  const d = h('details', { class: 'card' }, h('summary', {}, 'New project'), form);
  if (!ctx.projects.length) d.open = true;
  return d;
}

function settings(p, ctx) {
  const name = h('input', { value: p.name, maxlength: '100', required: true });
  const fName = field('Name', name);
  const save = h('button', { type: 'submit' }, 'Rename');
  const form = h('form', { class: 'inline-form' }, fName, save);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      await patch(`/admin/api/projects/${seg(p.app_id)}`, { name: name.value.trim() });
      say('Project renamed.');
      await ctx.reloadProjects();
    });
  });
  const toggle = h('button', { type: 'button', class: p.disabled ? '' : 'danger' }, p.disabled ? 'Enable project' : 'Disable project');
  toggle.addEventListener('click', () => busy(toggle, async () => {
    if (!p.disabled && !await confirmDialog(`Disable ${p.app_id}?`,
      'Its API keys stop working and every sign-in is refused until you enable it again.', 'Disable')) return;
    await patch(`/admin/api/projects/${seg(p.app_id)}`, { disabled: !p.disabled });
    say(p.disabled ? 'Project enabled.' : 'Project disabled.');
    await ctx.reloadProjects();
    ctx.navigate();
  }));
  const remove = h('button', { type: 'button', class: 'danger quiet' }, 'Delete project');
  remove.addEventListener('click', () => busy(remove, async () => {
    if (!await confirmDialog(`Delete ${p.app_id}?`,
      'Its users, keys, webhooks and settings are removed for good. This cannot be undone.', 'Delete for good')) return;
    await del(`/admin/api/projects/${seg(p.app_id)}`);
    say(`Project ${p.app_id} deleted.`);
    await ctx.reloadProjects();
    ctx.navigate();
  }));
  return section(`${p.name}`,
    h('p', {}, 'app_id ', h('code', {}, p.app_id), ' · created ', timeEl(p.created_at), ' · ',
      p.disabled ? badge('disabled', 'bad') : badge('enabled', 'good')),
    form, h('div', { class: 'row' }, toggle, remove));
}

// A list of URLs edited one entry at a time, each new entry checked by the server as
// it is typed; saved with PATCH (the server checks the whole list again).
function urlList(p, ctx, key, kind, title, hint) {
  const list = h('ul', { class: 'url-list' });
  const values = [...p[key]];
  const draw = () => clear(list, values.map((v, i) => h('li', {},
    h('code', {}, v),
    h('button', {
      type: 'button', class: 'quiet small', 'aria-label': `Remove ${v}`,
      onclick: (ev) => busy(ev.currentTarget, () => save(values.filter((_, j) => j !== i))),
    }, 'Remove'))));
  const input = h('input', { type: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: kind === 'origin' ? 'https://app.example.com' : 'https://app.example.com/auth/callback' });
  const f = field(`Add ${kind === 'origin' ? 'an origin' : 'a callback URL'}`, input, { hint });
  const add = h('button', { type: 'submit', disabled: true }, 'Add');
  validateAsYouType(input, kind, (valid, message) => {
    add.disabled = !valid;
    f.message(valid === false ? message : valid ? 'Looks right.' : '', valid ? 'ok' : 'error');
  });
  async function save(next) {
    const r = await patch(`/admin/api/projects/${seg(p.app_id)}`, { [key]: next });
    values.splice(0, values.length, ...r[key]);
    draw();
    say(`${title} saved.`);
  }
  const form = h('form', { class: 'inline-form' }, f, add);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = input.value.trim();
    if (!v || values.includes(v)) return;
    busy(add, async () => {
      try {
        await save([...values, v]);
        input.value = '';
        f.message('');
        add.disabled = true;
      } catch (e) {
        f.message(e.message);
      }
    });
  });
  draw();
  return section(title, list, form);
}

async function keys(p) {
  const r = await get(`/admin/api/projects/${seg(p.app_id)}/keys`);
  const holder = h('div');
  const shown = h('div', { 'aria-live': 'polite' });
  const draw = (list) => clear(holder, table('API keys', ['Name', 'Key', 'Created', 'State', ''], list.map((k) => [
    k.name, h('code', {}, `${k.prefix}…`), timeEl(k.created_at),
    k.revoked_at ? badge('revoked', 'bad') : badge('active', 'good'),
    k.revoked_at ? '' : h('button', {
      type: 'button', class: 'danger small', 'aria-label': `Revoke key ${k.name} (${k.prefix})`,
      onclick: (ev) => busy(ev.currentTarget, async () => {
        if (!await confirmDialog('Revoke this key?', `${k.name} (${k.prefix}…) stops working at once, on every node.`, 'Revoke')) return;
        await del(`/admin/api/projects/${seg(p.app_id)}/keys/${seg(k.id)}`);
        say('Key revoked.');
        draw((await get(`/admin/api/projects/${seg(p.app_id)}/keys`)).keys);
      }),
    }, 'Revoke'),
  ]), { empty: 'No API key yet.' }));
  draw(r.keys);
  const name = h('input', { maxlength: '100', placeholder: 'backend', autocomplete: 'off' });
  const btn = h('button', { type: 'submit' }, 'Create key');
  const form = h('form', { class: 'inline-form' }, field('Key name', name), btn);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      const k = await post(`/admin/api/projects/${seg(p.app_id)}/keys`, { name: name.value.trim() || 'key' });
      name.value = '';
      clear(shown, secretBox('New API key', k.key, 'Store this key now: it is not shown again (only its hash is kept).'));
      say('API key created.');
      draw((await get(`/admin/api/projects/${seg(p.app_id)}/keys`)).keys);
    });
  });
  return section('API keys', holder, form, shown);
}

function signingSecret(p) {
  const out = h('div', { 'aria-live': 'polite' });
  const reveal = h('button', { type: 'button' }, 'Reveal');
  const rotate = h('button', { type: 'button', class: 'danger' }, 'Rotate');
  reveal.addEventListener('click', () => busy(reveal, async () => {
    if (out.childElementCount) { clear(out); reveal.textContent = 'Reveal'; return; }
    const s = await get(`/admin/api/projects/${seg(p.app_id)}/signing-secret`);
    clear(out, secretBox('Signing secret (HS256, base64url)', s.signing_secret, 'Every reveal is recorded in the audit log. Hide it when you are done.'));
    reveal.textContent = 'Hide';
  }));
  rotate.addEventListener('click', () => busy(rotate, async () => {
    if (!await confirmDialog('Rotate the signing secret?',
      'Tokens signed with the current secret stop verifying at once; apps that verify tokens themselves need the new secret.', 'Rotate')) return;
    const s = await post(`/admin/api/projects/${seg(p.app_id)}/signing-secret/rotate`);
    clear(out, secretBox('New signing secret (HS256, base64url)', s.signing_secret, 'Give it to the apps that verify tokens themselves.'));
    reveal.textContent = 'Hide';
    say('Signing secret rotated.');
  }));
  return section('Signing secret',
    h('p', {}, 'The HS256 key of this project’s tokens, for apps that verify them with a JWT library instead of calling /api/v1/token/verify.'),
    h('div', { class: 'row' }, reveal, rotate), out);
}
