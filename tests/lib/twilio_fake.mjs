// A local server shaped like Twilio's Messages API, enough for AuthGate's SMS sender:
// POST /2010-04-01/Accounts/{Sid}/Messages.json, form-encoded To/From/Body (or
// MessagingServiceSid), HTTP Basic with the account SID and auth token; 201 with the
// message JSON, Twilio's error JSON ({code, message, status}) otherwise. `fail` makes
// the next answers errors (to test retries and permanent failures).
import http from 'node:http';

export async function startTwilio({ sid = 'AC' + 'f'.repeat(32), token = 'secret-token' } = {}) {
  const t = { sid, token, messages: [], fail: [] };
  t.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const send = (status, body, headers = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const m = req.url.match(/^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/);
      if (req.method !== 'POST' || !m) return send(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      const auth = Buffer.from((req.headers.authorization || '').replace(/^Basic /, ''), 'base64').toString();
      if (m[1] !== sid || auth !== `${sid}:${token}`) return send(401, { code: 20003, message: 'Authenticate', status: 401 });
      if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] || '')) return send(400, { code: 20001, message: 'bad content type', status: 400 });
      const f = new URLSearchParams(Buffer.concat(chunks).toString());
      const next = t.fail.shift();
      if (next) return send(next.status, { code: next.code, message: 'failure', status: next.status }, next.headers || {});
      if (!/^\+[1-9]\d{7,14}$/.test(f.get('To') || '')) return send(400, { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 });
      const msg = { sid: 'SM' + Math.random().toString(16).slice(2).padEnd(32, '0'), to: f.get('To'), from: f.get('From'),
        messaging_service_sid: f.get('MessagingServiceSid'), body: f.get('Body'), status: 'queued',
        idempotency: req.headers['i-twilio-idempotency-token'] };
      t.messages.push(msg);
      send(201, msg);
    });
  });
  await new Promise((r) => t.server.listen(0, '127.0.0.1', r));
  t.url = `http://127.0.0.1:${t.server.address().port}`;
  t.env = { AUTHGATE_SMS_PROVIDER: 'twilio', AUTHGATE_SMS_TWILIO_URL: t.url, AUTHGATE_SMS_TWILIO_ACCOUNT_SID: sid,
    AUTHGATE_SMS_TWILIO_AUTH_TOKEN: token, AUTHGATE_SMS_FROM: '+15005550006' };
  t.close = () => new Promise((r) => t.server.close(r));
  return t;
}
