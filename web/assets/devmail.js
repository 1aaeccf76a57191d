// The development mail viewer: lists captured mail (newest first) from
// /_dev/mail/messages and refreshes every few seconds. Mail content is untrusted:
// it is only ever inserted as text; HTML bodies are shown in a sandboxed frame whose
// response carries its own script-free CSP.
'use strict';

const REFRESH_MS = 3000;
const list = document.getElementById('messages');
const empty = document.getElementById('empty');
const statusEl = document.getElementById('status');
const tpl = document.getElementById('message-tpl');
const seen = new Set();
let first = true;

function render(m) {
  const li = tpl.content.firstElementChild.cloneNode(true);
  li.dataset.id = m.id;
  li.querySelector('.subject').textContent = m.subject;
  li.querySelector('.to').textContent = 'to ' + m.to;
  const t = li.querySelector('.time');
  t.dateTime = m.created_at;
  t.textContent = new Date(m.created_at).toLocaleString();
  li.querySelector('.app').textContent = m.app_id || 'no project';
  li.querySelector('.text').textContent = m.text;
  if (m.has_html) {
    const actions = li.querySelector('.html-actions');
    const url = '/_dev/mail/' + encodeURIComponent(m.id) + '/html';
    actions.hidden = false;
    actions.querySelector('.open-html').href = url;
    actions.querySelector('.show-html').addEventListener('click', (ev) => {
      const existing = li.querySelector('iframe');
      if (existing) {
        existing.remove();
        ev.target.textContent = 'Show the HTML version';
        return;
      }
      const f = document.createElement('iframe');
      f.className = 'html-frame';
      f.setAttribute('sandbox', '');
      f.setAttribute('referrerpolicy', 'no-referrer');
      f.title = 'HTML version of ' + m.subject;
      f.src = url;
      li.querySelector('details').appendChild(f);
      ev.target.textContent = 'Hide the HTML version';
    });
  }
  if (!first) li.classList.add('fresh');
  return li;
}

async function refresh() {
  try {
    const res = await fetch('/_dev/mail/messages', { cache: 'no-store' });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const { messages } = await res.json();
    // Newest first: insert unseen messages above the ones already shown, keeping
    // what the reader has opened.
    let anchor = list.firstElementChild;
    for (const m of messages) {
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      list.insertBefore(render(m), anchor);
    }
    empty.hidden = seen.size > 0;
    statusEl.textContent = seen.size + ' message' + (seen.size === 1 ? '' : 's') +
      ' · refreshed ' + new Date().toLocaleTimeString();
    first = false;
  } catch (e) {
    statusEl.textContent = 'Cannot load captured mail (' + e.message + '); retrying…';
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
