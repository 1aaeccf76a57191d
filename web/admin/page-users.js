// page-users.js — a project's users: search by email or id; one user's identities,
// factors, devices, push sign-ins and security events; disable, end every session,
// reset factors, delete (the data is removed, not hidden).
import { del, get, patch, post, query, seg } from './api.js';
import { badge, busy, clear, confirmDialog, field, h, say, section, table, timeEl } from './dom.js';

export async function render(root, ctx) {
  root.append(h('h1', {}, 'Users'));
  const p = ctx.project;
  if (!p) {
    root.append(h('p', { class: 'muted' }, 'Create a project first.'));
    return;
  }
  const base = `/admin/api/projects/${seg(p.app_id)}/users`;
  const params = new URLSearchParams(location.search);
  const q = h('input', { type: 'search', value: params.get('q') || '', autocomplete: 'off', spellcheck: 'false', placeholder: 'jane@example.com or user_…' });
  const go = h('button', { type: 'submit' }, 'Search');
  const results = h('div', { 'aria-live': 'polite' });
  const detail = h('div');
  const form = h('form', { class: 'inline-form', role: 'search' }, field('Search by email or id', q), go);

  async function search() {
    const r = await get(`${base}${query({ q: q.value.trim(), limit: 50 })}`);
    clear(results, table('Users', ['Email', 'Name', 'Verified', 'Last sign-in', 'Factors', 'State', ''], r.users.map((u) => [
      u.email || '— (named by id)', u.name || '—', u.email_verified ? 'yes' : 'no', timeEl(u.last_login_at),
      u.mfa_methods.join(', ') || '—', u.disabled ? badge('disabled', 'bad') : badge('active', 'good'),
      h('button', { type: 'button', class: 'small', 'aria-label': `Open ${u.email || u.id}`, onclick: () => open(u.id) }, 'Open'),
    ]), { empty: q.value.trim() ? 'No user matches.' : 'No user yet.' }));
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    history.replaceState({}, '', `/admin/users${query({ q: q.value.trim() })}`);
    busy(go, search);
  });

  async function open(id) {
    history.replaceState({}, '', `/admin/users${query({ q: q.value.trim(), user: id })}`);
    await busy(null, async () => {
      clear(detail, await userView(base, id, p, async () => { await search(); await open(id); }, async () => { clear(detail); await search(); }));
      detail.querySelector('h2')?.focus();
    });
  }

  root.append(section('Find a user', form, results), detail);
  await search();
  if (params.get('user')) await open(params.get('user'));
}

async function userView(base, id, p, refresh, gone) {
  const url = `${base}/${seg(id)}`;
  const d = await get(url);
  const u = d.user;
  const act = (label, cls, fn, name) => {
    const b = h('button', { type: 'button', class: cls, 'aria-label': name }, label);
    b.addEventListener('click', () => busy(b, fn));
    return b;
  };
  const actions = h('div', { class: 'row' },
    act(u.disabled ? 'Enable user' : 'Disable user', u.disabled ? '' : 'danger', async () => {
      if (!u.disabled && !await confirmDialog(`Disable ${u.email}?`, 'Every session ends at once and sign-in is refused until the user is enabled again.', 'Disable')) return;
      await patch(url, { disabled: !u.disabled });
      say(u.disabled ? 'User enabled.' : 'User disabled: sessions ended.');
      await refresh();
    }),
    act('End all sessions', 'quiet', async () => {
      if (!await confirmDialog('End every session?', `${u.email} is signed out everywhere: tokens issued before now stop verifying.`, 'End sessions')) return;
      await post(`${url}/sessions/end`);
      say('Every session ended.');
      await refresh();
    }),
    act('Reset factors', 'quiet danger', async () => {
      if (!await confirmDialog('Reset every second factor?', `TOTP, SMS, email codes, passkeys and recovery codes of ${u.email} are removed; they enroll again.`, 'Reset factors')) return;
      await del(`${url}/factors`);
      say('Factors reset.');
      await refresh();
    }),
    act('Delete user', 'danger', async () => {
      if (!await confirmDialog(`Delete ${u.email}?`, 'The user and everything that names them in this project (codes, factors, identities, sign-ins, security events) are removed for good.', 'Delete for good')) return;
      await del(url);
      say('User deleted and their data removed.');
      await gone();
    }));
  const events = [
    ...d.factor_log.map((e) => ({ at: e.created_at, what: e.event, ip: e.ip, more: [e.type, e.detail].filter(Boolean).join(' · ') })),
    // (factor events are in both logs: the factor log's entry is enough)
    ...d.security_events.filter((e) => !/^(factor|mfa)\./.test(e.event)).map((e) => ({ at: e.at, what: e.event, ip: e.ip, more: e.message })),
  ].sort((a, b) => String(b.at).localeCompare(String(a.at)));
  const id2 = `user-${u.id}`;
  return h('section', { class: 'card', 'aria-labelledby': id2 },
    h('h2', { id: id2, tabindex: '-1' }, u.email || u.id, ' ', u.disabled ? badge('disabled', 'bad') : badge('active', 'good')),
    h('dl', { class: 'kv' },
      h('dt', {}, 'id'), h('dd', {}, h('code', {}, u.id)),
      h('dt', {}, 'Name'), h('dd', {}, u.name || '—'),
      h('dt', {}, 'Email verified'), h('dd', {}, u.email_verified ? 'yes' : 'no'),
      h('dt', {}, 'Password'), h('dd', {}, u.has_password ? 'set' : 'none'),
      h('dt', {}, 'Locale'), h('dd', {}, u.locale || '—'),
      h('dt', {}, 'Plan'), h('dd', {}, u.plan),
      h('dt', {}, 'Created'), h('dd', {}, timeEl(u.created_at)),
      h('dt', {}, 'Last sign-in'), h('dd', {}, timeEl(u.last_login_at)),
      h('dt', {}, 'Second factors'), h('dd', {}, u.mfa_methods.join(', ') || 'none')),
    actions,
    h('h3', {}, 'Identities'),
    table('Identities', ['Provider', 'Email at the provider', 'Verified there', 'Linked', 'Last sign-in'], d.identities.map((i) => [
      i.provider, i.email || '—', i.email_verified ? 'yes' : 'no', timeEl(i.created_at), timeEl(i.last_login_at),
    ]), { empty: 'No OAuth identity.' }),
    h('h3', {}, 'Factors'),
    table('Factors', ['Type', 'Name', 'State', 'Created', 'Last used'], d.factors.map((f) => [
      f.type, f.name, badge(f.status, f.status === 'active' ? 'good' : 'warn'), timeEl(f.created_at), timeEl(f.last_used_at),
    ]), { empty: 'No second factor.' }),
    h('h3', {}, 'Devices (push approval)'),
    table('Devices', ['Name', 'id', 'Last used', 'First approval here'], d.devices.map((x) => [
      x.name, h('code', {}, x.id), timeEl(x.last_seen_at), timeEl(x.first_approved_at),
    ]), { empty: 'No device set up for this email.' }),
    h('h3', {}, 'Active sessions'),
    h('p', { class: 'muted' }, 'Long-lived sessions (30 days, the /users API of seed 004), each ended on its own here; 5-minute session tokens are kept nowhere: “End all sessions” ends those and these on every node.'),
    table('Active sessions', ['Started', 'Ends', 'How', 'From', ''], d.sessions.filter((x) => x.active).map((x) => [
      timeEl(x.created_at), timeEl(x.expires_at), x.auth_type, `${x.ip || '—'}${x.user_agent ? ` · ${x.user_agent.slice(0, 60)}` : ''}`,
      act('End', 'small danger', async () => {
        await del(`${url}/sessions/${seg(x.id)}`);
        say('Session ended.');
        await refresh();
      }, `End the session started ${new Date(x.created_at).toLocaleString()}`),
    ]), { empty: 'No long-lived session.' }),
    h('h3', {}, 'API keys of the user'),
    table('API keys of the user', ['Name', 'Key', 'Created', ''], d.api_keys.map((k) => [
      k.name, h('code', {}, `${k.prefix}…`), timeEl(k.createdAt || k.created_at),
      act('Revoke', 'small danger', async () => {
        if (!await confirmDialog('Revoke this key?', `${k.name} (${k.prefix}…) stops working at once.`, 'Revoke')) return;
        await del(`${url}/api-keys/${seg(k.id)}`);
        say('Key revoked.');
        await refresh();
      }, `Revoke key ${k.name}`),
    ]), { empty: 'No API key.' }),
    h('h3', {}, 'Push sign-ins'),
    table('Push sign-ins', ['Started', 'Status', 'From', 'Device'], d.push_sessions.map((s) => [
      timeEl(s.created_at), badge(s.status + (s.reason ? ` (${s.reason})` : ''), s.status === 'approved' ? 'good' : s.status === 'pending' ? 'warn' : 'bad'),
      `${s.ip || '—'}${s.user_agent ? ` · ${s.user_agent}` : ''}`, s.device_id ? h('code', {}, s.device_id) : '—',
    ]), { empty: 'No push sign-in.' }),
    h('h3', {}, 'Security events'),
    table('Security events', ['When', 'Event', 'Address', 'Detail'], events.map((e) => [timeEl(e.at), e.what, e.ip || '—', e.more || '']),
      { empty: 'No security event.' }));
}
