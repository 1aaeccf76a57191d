// page-devices.js — devices set up for push approval: which email each proves, when it
// was last used, its first approval for this project; remove one (it stops approving
// sign-ins for its email in every project at once).
import { del, get, query, seg } from './api.js';
import { busy, clear, confirmDialog, field, h, say, section, table, timeEl } from './dom.js';

export async function render(root, ctx) {
  root.append(h('h1', {}, 'Devices and push'));
  const p = ctx.project;
  if (!p) {
    root.append(h('p', { class: 'muted' }, 'Create a project first.'));
    return;
  }
  const base = `/admin/api/projects/${seg(p.app_id)}/devices`;
  const email = h('input', { type: 'search', autocomplete: 'off', spellcheck: 'false', placeholder: 'jane@example.com' });
  const go = h('button', { type: 'submit' }, 'Search');
  const list = h('div', { 'aria-live': 'polite' });
  async function load() {
    const r = await get(`${base}${query({ email: email.value.trim(), limit: 200 })}`);
    clear(list, table('Devices', ['Name', 'Email', 'Set up', 'Last used', 'First approval here', ''], r.devices.map((d) => [
      d.name, d.email, timeEl(d.created_at), timeEl(d.last_seen_at), timeEl(d.first_approved_at),
      h('button', {
        type: 'button', class: 'small danger', 'aria-label': `Remove ${d.name} (${d.email})`,
        onclick: (ev) => busy(ev.currentTarget, async () => {
          if (!await confirmDialog(`Remove ${d.name}?`, `It stops approving sign-ins for ${d.email} at once, in every project. The person can set it up again.`, 'Remove')) return;
          await del(`${base}/${seg(d.id)}`);
          say('Device removed.');
          await load();
        }),
      }, 'Remove'),
    ]), { empty: 'No device set up yet: open /app on a phone.' }));
  }
  const form = h('form', { class: 'inline-form', role: 'search' }, field('Email', email), go);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(go, load);
  });
  root.append(section('Enrolled devices', h('p', { class: 'muted' },
    'A device proves one email address (a code mailed to it) and then approves that person’s sign-ins in every project with push on. Newest use first.'),
  form, list));
  await load();
}
