// app.js — the dashboard's shell: who is signed in, the project picker, the navigation
// (real URLs: /admin/{page} and seed 000's /wh1), and the page modules. Nothing is
// shown before the server says a session is live; a 401 anywhere returns to sign-in.
import { ApiError, del, get, onSignedOut, post, setCsrf } from './api.js';
import { clear, fail, field, h, say } from './dom.js';

const PAGES = {
  projects: () => import('./page-projects.js'),
  webhooks: () => import('./page-webhooks.js'),
  emails: () => import('./page-emails.js'),
  providers: () => import('./page-providers.js'),
  users: () => import('./page-users.js'),
  devices: () => import('./page-devices.js'),
  activity: () => import('./page-activity.js'),
  account: () => import('./page-account.js'),
};
const TITLES = {
  projects: 'Projects', webhooks: 'Webhooks', providers: 'Providers', emails: 'Emails',
  users: 'Users', devices: 'Devices and push', activity: 'Activity', account: 'Your sign-in',
};

const view = document.getElementById('view');
const state = { session: null, projects: [], app: localStorage.getItem('ag.app') || '', leaving: [] };
let renderSeq = 0;

function pageFromPath() {
  const p = location.pathname;
  if (p === '/wh1' || p === '/wh1/') return 'webhooks';
  const m = /^\/admin\/([a-z]+)\/?$/.exec(p);
  return m && PAGES[m[1]] ? m[1] : 'projects';
}

// Show another page (or the same one again, with fresh data); resolves once it is drawn.
// The status line keeps what the action that led here said.
export function navigate(path = location.pathname + location.search) {
  if (path !== location.pathname + location.search) history.pushState({}, '', path);
  return render();
}

export const ctx = {
  get app() { return state.app; },
  get project() { return state.projects.find((p) => p.app_id === state.app) || null; },
  get projects() { return state.projects; },
  get session() { return state.session; },
  navigate,
  // fn runs when the page is left (streams to close).
  onLeave(fn) { state.leaving.push(fn); },
  async reloadProjects(select) {
    const r = await get('/admin/api/projects');
    state.projects = r.projects;
    if (select) state.app = select;
    if (!state.projects.some((p) => p.app_id === state.app)) state.app = state.projects[0]?.app_id || '';
    localStorage.setItem('ag.app', state.app);
    fillPicker();
  },
};

function fillPicker() {
  const sel = document.getElementById('project-select');
  clear(sel, state.projects.map((p) => h('option', { value: p.app_id, selected: p.app_id === state.app },
    `${p.name} (${p.app_id})${p.disabled ? ' — disabled' : ''}`)));
  document.getElementById('project-pick').hidden = !state.projects.length;
}

function showChrome(on) {
  for (const id of ['nav', 'who']) document.getElementById(id).hidden = !on;
  if (!on) document.getElementById('project-pick').hidden = true;
  document.getElementById('nav-mail').hidden = !(on && state.session?.dev);
  document.getElementById('nav-sms').hidden = !(on && state.session?.dev);
}

async function render() {
  const mine = ++renderSeq;
  state.leaving.splice(0).forEach((fn) => fn());
  if (!state.session) return;
  const page = pageFromPath();
  document.querySelectorAll('#nav a[data-page]').forEach((a) => {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  document.title = `${TITLES[page]} — AuthGate`;
  clear(view, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const mod = await PAGES[page]();
    if (mine !== renderSeq) return;
    const root = h('div', { class: 'page' });
    clear(view, root);
    await mod.render(root, ctx);
  } catch (e) {
    if (mine !== renderSeq) return;
    if (e instanceof ApiError && e.status === 401) return;
    clear(view);
    fail(e);
  }
}

function signIn(message) {
  state.session = null;
  state.leaving.splice(0).forEach((fn) => fn());
  setCsrf(null);
  showChrome(false);
  document.title = 'Sign in — AuthGate';
  const input = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', required: true });
  const f = field('Admin token', input, { hint: 'The admin token `make run` printed, or one made with `authgate admin-token create`. It opens a session in this browser; the token itself is not stored.' });
  const btn = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const pk = window.PublicKeyCredential?.parseRequestOptionsFromJSON
    ? h('button', { type: 'button', class: 'quiet' }, 'Sign in with a passkey') : null;
  pk?.addEventListener('click', async () => {
    pk.disabled = true;
    f.message('');
    try {
      const o = await post('/admin/api/session/passkey/options');
      const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(o.options) });
      await start(await post('/admin/api/session/passkey', { ceremony_id: o.ceremony_id, credential: cred.toJSON() }));
    } catch (e) {
      f.message(e instanceof ApiError ? e.message : `No passkey was used (${e.name}).`);
    } finally {
      pk.disabled = false;
    }
  });
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in to AuthGate'), f, h('div', { class: 'row' }, btn, pk));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    btn.disabled = true;
    f.message('');
    try {
      const s = await post('/admin/api/session', { token: input.value.trim() });
      input.value = '';
      await start(s);
    } catch (e) {
      f.message(e.status === 401 ? 'That token is not valid (or it was revoked).' : e.message);
      input.focus();
      input.select();
    } finally {
      btn.disabled = false;
    }
  });
  clear(view, form);
  say(message || '', message ? 'error' : 'ok');
  input.focus();
}

async function start(session) {
  state.session = session;
  setCsrf(session.csrf_token);
  clear(document.getElementById('who-name'), h('a', { href: '/admin/account', 'data-page': 'account' },
    session.token_name ? `Signed in (${session.token_name})` : 'Signed in'));
  await ctx.reloadProjects();
  showChrome(true);
  await render();
  document.getElementById('main').focus();
}

document.getElementById('project-select').addEventListener('change', (e) => {
  state.app = e.target.value;
  localStorage.setItem('ag.app', state.app);
  say('');
  render();
});

document.getElementById('sign-out').addEventListener('click', async () => {
  try { await del('/admin/api/session'); } catch { /* already over */ }
  signIn('You are signed out.');
});

document.getElementById('who-name').addEventListener('click', (e) => {
  if (!e.target.closest('a') || e.ctrlKey || e.metaKey) return;
  e.preventDefault();
  say('');
  navigate('/admin/account');
});

document.getElementById('nav').addEventListener('click', (e) => {
  const a = e.target.closest('a[data-page]');
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  say('');
  navigate(a.getAttribute('href'));
  document.getElementById('main').focus();
});

window.addEventListener('popstate', () => { say(''); render(); });
onSignedOut(() => { if (state.session) signIn('Your session ended: sign in again.'); });

(async () => {
  try {
    await start(await get('/admin/api/session'));
  } catch (e) {
    signIn(e.status === 401 ? '' : e.message);
  }
})();
