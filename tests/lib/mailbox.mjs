// A real SMTP server (smtp-server) on 127.0.0.1 that parses every message it receives
// with mailparser, for tests that read codes and links out of the mail AuthGate sends.
// const mb = await startMailbox(); server env: mb.env; await mb.next('to@x.y'); mb.close()
import { SMTPServer } from 'smtp-server';
import mailparser from 'mailparser';

const { simpleParser } = mailparser;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startMailbox() {
  const messages = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    onData(stream, session, cb) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        try {
          const parsed = await simpleParser(raw);
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: parsed.subject,
            text: parsed.text || '',
            html: parsed.html || '',
            headers: parsed.headers,
            raw: raw.toString('utf8'),
            parsed,
            taken: false,
          });
        } catch (e) {
          return cb(e);
        }
        cb();
      });
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.server.address().port;
  return {
    port,
    messages,
    env: { AUTHGATE_SMTP_URL: `smtp://127.0.0.1:${port}`, AUTHGATE_SMTP_TLS: 'off', AUTHGATE_MAIL_FROM: 'auth@authgate.test' },
    // The next not-yet-taken message to `to` (optionally matching pred), waiting up to timeoutMs.
    async next(to, { timeoutMs = 15000, pred } = {}) {
      const end = Date.now() + timeoutMs;
      to = to.toLowerCase();
      for (;;) {
        const m = messages.find((x) => !x.taken && x.to.includes(to) && (!pred || pred(x)));
        if (m) {
          m.taken = true;
          return m;
        }
        if (Date.now() > end) throw new Error(`no mail to ${to} within ${timeoutMs} ms (${messages.length} received)`);
        await sleep(50);
      }
    },
    // Messages to `to` received so far.
    to(to) {
      return messages.filter((x) => x.to.includes(to.toLowerCase()));
    },
    close() {
      return new Promise((r) => server.close(r));
    },
    // Let the process exit while it listens (a shared mailbox nobody closes).
    unref() {
      server.server.unref();
    },
  };
}

// The 6-digit code of a verification mail.
export function codeOf(m) {
  const c = m.text.match(/^\s+(\d{6})\s*$/m);
  if (!c) throw new Error(`no code in mail: ${m.text}`);
  return c[1];
}

// The first http(s) link in a mail's text part.
export function linkOf(m) {
  const l = m.text.match(/https?:\/\/\S+/);
  if (!l) throw new Error(`no link in mail: ${m.text}`);
  return l[0];
}
