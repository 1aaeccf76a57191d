// The development mail viewer: captured mail (devcapture.js lists it). Mail content is
// untrusted: the text is inserted as text; HTML bodies are shown in a sandboxed frame
// whose response carries its own script-free CSP.
'use strict';

devViewer('/_dev/mail/messages', 'message', (li, m) => {
  li.querySelector('.subject').textContent = m.subject;
  li.querySelector('.text').textContent = m.text;
  if (!m.has_html) return;
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
});
