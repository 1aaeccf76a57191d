// The development viewers' list, shared by the captured mail (/_dev/mail) and captured
// SMS (/_dev/sms) pages: messages newest first from the page's JSON list, refreshed
// every few seconds; unseen ones go above those shown, keeping what the reader opened.
// Captured content is untrusted: it is only ever inserted as text.
'use strict';

// devViewer(url, noun, fill): fill(li, m) completes a message's element cloned from
// #message-tpl, whose .to, .time and .app are set here.
function devViewer(url, noun, fill) {
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
    li.querySelector('.to').textContent = 'to ' + m.to;
    const t = li.querySelector('.time');
    t.dateTime = m.created_at;
    t.textContent = new Date(m.created_at).toLocaleString();
    li.querySelector('.app').textContent = m.app_id || 'no project';
    fill(li, m);
    if (!first) li.classList.add('fresh');
    return li;
  }

  async function refresh() {
    try {
      const res = await fetch(url, { cache: 'no-store' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const { messages } = await res.json();
      const anchor = list.firstElementChild;
      for (const m of messages) {
        if (seen.has(m.id)) continue;
        seen.add(m.id);
        list.insertBefore(render(m), anchor);
      }
      empty.hidden = seen.size > 0;
      statusEl.textContent = seen.size + ' ' + noun + (seen.size === 1 ? '' : 's') +
        ' · refreshed ' + new Date().toLocaleTimeString();
      first = false;
    } catch (e) {
      statusEl.textContent = 'Cannot load the captured ' + noun + 's (' + e.message + '); retrying…';
    }
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
}
