/* AuthGate login widget — drop-in push-to-approve sign-in (seed 000).
 *
 *   <div id="authgate-widget"></div>
 *   <script src="https://YOUR-AUTHGATE/widget.js" data-app-id="my-app"></script>
 *
 * Renders an email field, the LOGIN WITH AUTHGATE button and the code display. The
 * person types the code shown here into the AuthGate app on their phone and approves.
 * The widget learns the outcome at once over Server-Sent Events (long-poll when a
 * proxy breaks event streams) instead of polling every 2 seconds, then:
 *   - dispatches `authgate:approved` (detail: {token, session_id, email}) on the
 *     container, or `authgate:denied` / `authgate:expired`;
 *   - calls window[data-callback](detail) when data-callback names a function.
 * Send detail.token to your backend and verify it there (GET /auth/verify?token=... or
 * POST /api/v1/token/verify with your API key). The page's origin must be one of the
 * project's allowed origins.
 *
 * When the project's MFA step is due after the approval, `authgate:mfa_required`
 * (detail: {mfa_token, methods, session_id, email}) is dispatched instead: complete it
 * from your backend (POST /api/proxy/mfa/verify, docs/MFA.md).
 *
 * Passkeys (data-passkey="true"): a SIGN IN WITH A PASSKEY button and passkey autofill
 * on the email field (conditional UI). A passkey sign-in dispatches `authgate:approved`
 * with detail {status: "approved", method: "passkey", token, user}: the same handling.
 *
 * Options (data-* on the script tag): data-app-id (required), data-target (container
 * id, default "authgate-widget"), data-email (prefill), data-callback, data-passkey.
 * Or from script: AuthGate.mount(element, {appId, email, onApproved, base, passkey}). */
(function () {
  'use strict';
  var script = document.currentScript;
  var BASE = script ? script.src.replace(/\/widget\.js(?:[?#].*)?$/, '') : '';
  var CYAN = '#00e5ff', GREEN = '#00e676', RED = '#ff5252', INK = '#0a0e14';

  function css(el, styles) {
    for (var k in styles) el.style[k] = styles[k];
    return el;
  }

  function make(tag, styles, text) {
    var el = css(document.createElement(tag), styles || {});
    if (text) el.textContent = text;
    return el;
  }

  function mount(container, opts) {
    var base = (opts.base || BASE).replace(/\/$/, '');
    var appId = opts.appId;
    if (!container || !appId) throw new Error('AuthGate widget: a container and an app id are required');
    while (container.firstChild) container.removeChild(container.firstChild);

    var email = make('input', {
      display: 'block', boxSizing: 'border-box', width: '100%', maxWidth: '320px', margin: '0 auto 10px',
      padding: '10px 12px', background: INK, color: '#e6f7ff', border: '1px solid #2a3442',
      borderRadius: '8px', fontSize: '15px',
    });
    email.type = 'email';
    email.id = 'ag-email';
    email.placeholder = 'you@example.com';
    email.autocomplete = 'email';
    email.setAttribute('aria-label', 'Email');
    if (opts.email) email.value = opts.email;

    // The seed's button and code display.
    var btn = make('button', {
      padding: '12px 32px', background: INK, color: CYAN, border: '2px solid ' + CYAN, borderRadius: '8px',
      fontSize: '16px', fontWeight: '700', cursor: 'pointer', letterSpacing: '2px',
    }, 'LOGIN WITH AUTHGATE');
    btn.id = 'ag-btn';
    btn.type = 'button';
    var code = make('div', {
      display: 'none', textAlign: 'center', marginTop: '12px', fontFamily: 'monospace', fontSize: '28px',
      color: CYAN, letterSpacing: '6px',
    });
    code.id = 'ag-code';
    code.setAttribute('role', 'status');
    code.setAttribute('aria-live', 'polite');
    var hint = make('div', { display: 'none', textAlign: 'center', marginTop: '6px', fontSize: '13px', color: '#8aa0b4' });
    hint.id = 'ag-hint';
    var wrap = make('div', { textAlign: 'center' });
    wrap.appendChild(email);
    wrap.appendChild(btn);
    var pk = null;
    if (opts.passkey && window.PublicKeyCredential && PublicKeyCredential.parseRequestOptionsFromJSON) {
      pk = make('button', {
        display: 'block', margin: '10px auto 0', padding: '10px 24px', background: INK, color: GREEN,
        border: '1px solid ' + GREEN, borderRadius: '8px', fontSize: '14px', fontWeight: '700', cursor: 'pointer',
        letterSpacing: '1px',
      }, 'SIGN IN WITH A PASSKEY');
      pk.id = 'ag-passkey';
      pk.type = 'button';
      wrap.appendChild(pk);
      email.autocomplete = 'email webauthn';
    }
    wrap.appendChild(code);
    wrap.appendChild(hint);
    container.appendChild(wrap);

    var es = null, done = false, busy = false;

    function say(text, color, sub) {
      code.style.display = 'block';
      code.textContent = text;
      code.style.color = color || CYAN;
      hint.style.display = sub ? 'block' : 'none';
      hint.textContent = sub || '';
    }

    function finish(c, sid, addr) {
      if (done) return;
      done = true;
      busy = false;
      btn.disabled = false;
      if (es) { es.close(); es = null; }
      var detail = { status: c.status, session_id: sid, email: addr };
      if (c.status === 'approved' && c.mfa_required) {
        say('APPROVED', GREEN, 'One more step: confirm with your second factor.');
        detail.mfa_token = c.mfa_token;
        detail.methods = c.methods;
        fire('authgate:mfa_required', detail);
      } else if (c.status === 'approved') {
        say('APPROVED', GREEN);
        detail.token = c.token;
        fire('authgate:approved', detail);
        var cb = opts.onApproved;
        if (typeof cb === 'string') cb = window[cb];
        if (typeof cb === 'function') cb(detail);
      } else {
        say(c.status.toUpperCase(), RED, c.reason === 'wrong_code' ? 'The code was typed wrong too often.' : '');
        fire('authgate:' + c.status, detail);
      }
    }

    function fire(name, detail) {
      var ev;
      try { ev = new CustomEvent(name, { detail: detail, bubbles: true }); } catch (e) { return; }
      container.dispatchEvent(ev);
    }

    // Long-poll: each request waits up to 25 s on the server and answers at the decision.
    function longPoll(sid, addr) {
      if (done) return;
      fetch(base + '/auth/check/' + encodeURIComponent(sid) + '?wait=25', { cache: 'no-store' })
        .then(function (r) { return r.json(); })
        .then(function (c) {
          if (c.status && c.status !== 'pending') finish(c, sid, addr);
          else longPoll(sid, addr);
        })
        .catch(function () { setTimeout(function () { longPoll(sid, addr); }, 2000); });
    }

    function watch(sid, addr) {
      if (!window.EventSource) return longPoll(sid, addr);
      var gotOne = false;
      es = new EventSource(base + '/auth/check/' + encodeURIComponent(sid));
      es.addEventListener('status', function (m) {
        gotOne = true;
        var c;
        try { c = JSON.parse(m.data); } catch (e) { return; }
        if (c.status !== 'pending') finish(c, sid, addr);
      });
      es.onerror = function () {
        if (done) return;
        // The stream ends after the final event; before that, an error that keeps the
        // browser from reconnecting (or a proxy that never streams) means: long-poll.
        if (!gotOne || es.readyState === 2) {
          es.close();
          es = null;
          longPoll(sid, addr);
        }
      };
    }

    btn.onclick = function () {
      if (busy) return;
      var addr = email.value.trim();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(addr)) {
        say('', RED, 'Enter your email address.');
        email.focus();
        return;
      }
      busy = true;
      done = false;
      btn.disabled = true;
      if (es) { es.close(); es = null; }
      fetch(base + '/auth/start', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ app_id: appId, email: addr }),
      })
        .then(function (r) {
          return r.json().then(function (d) { return { status: r.status, d: d, retry: r.headers.get('Retry-After') }; });
        })
        .then(function (x) {
          if (x.status !== 200) {
            busy = false;
            btn.disabled = false;
            var msg = x.status === 429 ? 'Too many attempts. Try again in ' + (x.retry || 'a few') + ' s.'
              : (x.d && x.d.message) || 'Sign-in is not available right now.';
            say('', RED, msg);
            return;
          }
          say(x.d.code, CYAN, 'Type this code in the AuthGate app on your phone to approve.');
          watch(x.d.session_id, addr);
        })
        .catch(function () {
          busy = false;
          btn.disabled = false;
          say('', RED, 'Cannot reach AuthGate.');
        });
    };
    // ---- passkeys: usernameless, through a button or the email field's autofill ----
    var pkAbort = null;
    function passkeySignIn(mediation) {
      if (pkAbort) pkAbort.abort();
      var ctl = window.AbortController ? new AbortController() : null;
      pkAbort = ctl;
      var q = '?app_id=' + encodeURIComponent(appId);
      var post = function (path, body) {
        return fetch(base + path + q, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
          .then(function (r) { return r.json().then(function (d) { if (!r.ok) throw new Error(d.message || d.error); return d; }); });
      };
      return post('/api/passkey/options', {}).then(function (o) {
        return navigator.credentials.get({
          publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(o.options), mediation: mediation,
          signal: ctl ? ctl.signal : undefined,
        }).then(function (cred) {
          return post('/api/passkey/verify', { ceremony_id: o.ceremony_id, credential: cred.toJSON() });
        });
      }).then(function (d) {
        if (done) return;
        done = true;
        say('SIGNED IN', GREEN);
        var detail = { status: 'approved', method: 'passkey', token: d.token, user: d.user };
        fire('authgate:approved', detail);
        var cb = opts.onApproved;
        if (typeof cb === 'string') cb = window[cb];
        if (typeof cb === 'function') cb(detail);
      });
    }
    if (pk) {
      pk.onclick = function () {
        passkeySignIn('optional').catch(function (e) {
          if (e && e.name === 'AbortError') return;
          say('', RED, 'Passkey sign-in did not work' + (e && e.message ? ': ' + e.message : '.'));
        });
      };
      if (PublicKeyCredential.isConditionalMediationAvailable) {
        PublicKeyCredential.isConditionalMediationAvailable().then(function (yes) {
          if (yes) passkeySignIn('conditional').catch(function () {});
        });
      }
    }
    return { container: container };
  }

  window.AuthGate = window.AuthGate || {};
  window.AuthGate.mount = mount;

  if (script && script.getAttribute('data-app-id')) {
    var go = function () {
      var target = document.getElementById(script.getAttribute('data-target') || 'authgate-widget');
      if (!target) {
        target = document.createElement('div');
        script.parentNode.insertBefore(target, script);
      }
      mount(target, {
        appId: script.getAttribute('data-app-id'),
        email: script.getAttribute('data-email') || '',
        onApproved: script.getAttribute('data-callback') || null,
        passkey: script.getAttribute('data-passkey') === 'true',
      });
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go);
    else go();
  }
})();
