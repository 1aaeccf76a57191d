// The development SMS viewer: lists captured text messages (newest first) from
// /_dev/sms/messages and refreshes every few seconds. Message text is only ever
// inserted as text.
'use strict';

const REFRESH_MS = 3000;
const list = document.getElementById('messages');
const empty = document.getElementById('empty');
const statusEl = document.getElementById('status');
const tpl = document.getElementById('message-tpl');
const seen = new Set();

function render(m) {
  const li = tpl.content.firstElementChild.cloneNode(true);
  li.dataset.id = m.id;
  li.querySelector('.to').textContent = 'to ' + m.to;
  const t = li.querySelector('.time');
  t.dateTime = m.created_at;
  t.textContent = new Date(m.created_at).toLocaleString();
  li.querySelector('.app').textContent = m.app_id || 'no project';
  li.querySelector('.text').textContent = m.body;
  return li;
}

async function refresh() {
  try {
    const res = await fetch('/_dev/sms/messages', { cache: 'no-store' });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const { messages } = await res.json();
    let anchor = list.firstElementChild;
    for (const m of messages) {
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      list.insertBefore(render(m), anchor);
    }
    empty.hidden = seen.size > 0;
    statusEl.textContent = 'Updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    statusEl.textContent = 'Cannot load messages: ' + e.message;
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
