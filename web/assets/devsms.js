// The development SMS viewer: captured text messages (devcapture.js lists them).
'use strict';

devViewer('/_dev/sms/messages', 'message', (li, m) => {
  li.querySelector('.text').textContent = m.body;
});
