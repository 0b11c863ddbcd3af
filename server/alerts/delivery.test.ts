// Delivery to real receivers on loopback: an HTTP listener that checks the webhook, ntfy, Slack
// and Discord formats, and a real SMTP server (smtp-server) that takes the e-mail.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { AlertPayload } from '../../protocol/alerts.ts';
import { sender, safeError } from './delivery.ts';
import { parseSmtpUrl } from './smtp-url.ts';

interface Got {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function listener(status = 200) {
  const got: Got[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body });
      res.statusCode = status;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  after(() => server.close());
  return { got, url, server };
}

const firing: AlertPayload = {
  status: 'firing',
  rule: 'busy <container> & more',
  host: 'alpha',
  container: 'web-1',
  event: null,
  metric: 'cpu_pct',
  value: 93.1,
  threshold: 80,
  started_at: 1_790_000_000,
  ended_at: null,
  url: 'http://berth.test/host/alpha/container/web-1',
  summary: 'cpu_pct of web-1 on alpha is 93.1, above 80 for 2m',
};

test('webhook, ntfy, Slack and Discord formats reach a real HTTP listener', async () => {
  const l = await listener();
  const send = sender(undefined);
  await send({ name: 'ops', kind: 'webhook', target: `${l.url}/hook?token=s3cret` }, firing);
  await send({ name: 'phone', kind: 'ntfy', target: `${l.url}/berth` }, { ...firing, rule: 'café ☕' });
  await send({ name: 'chat', kind: 'slack', target: `${l.url}/services/T/B/X` }, firing);
  await send(
    { name: 'dc', kind: 'discord', target: `${l.url}/api/webhooks/1/x` },
    { ...firing, summary: '@everyone *hi*' },
  );
  const [hook, ntfy, slack, discord] = l.got;
  assert.equal(hook.path, '/hook?token=s3cret');
  assert.equal(hook.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(hook.body), firing, 'the payload exactly');
  assert.equal(ntfy.body, firing.summary, 'ntfy: the message is the body');
  assert.equal(ntfy.headers.title, `=?UTF-8?B?${Buffer.from('FIRING: café ☕').toString('base64')}?=`);
  assert.equal(ntfy.headers.priority, 'high');
  assert.equal(ntfy.headers.tags, 'rotating_light');
  assert.equal(ntfy.headers.click, firing.url);
  const s = JSON.parse(slack.body) as { text: string };
  assert.equal(
    s.text,
    ':rotating_light: *FIRING* busy &lt;container&gt; &amp; more: cpu_pct of web-1 on alpha is 93.1, above 80 for 2m <http://berth.test/host/alpha/container/web-1|open>',
  );
  const d = JSON.parse(discord.body) as { content: string; allowed_mentions: { parse: string[] } };
  assert.match(d.content, /^\*\*FIRING\*\* busy \\<container\\> & more: \\@everyone \\\*hi\\\*\n<http:\/\/berth\.test/);
  assert.deepEqual(d.allowed_mentions.parse, [], 'no mention can ping');
});

test('a failing receiver says why without its URL', async () => {
  const l = await listener(500);
  const send = sender(undefined);
  const e1 = await send({ name: 'ops', kind: 'webhook', target: `${l.url}/hook?token=s3cret` }, firing).catch((e) => e);
  assert.equal(safeError(e1), 'HTTP 500');
  l.server.close();
  const e2 = await send({ name: 'ops', kind: 'webhook', target: `${l.url}/hook?token=s3cret` }, firing).catch((e) => e);
  assert.equal(safeError(e2), 'cannot connect (ECONNREFUSED)');
});

test('e-mail through a real SMTP server on loopback', async () => {
  const mails: { from: string; to: string[]; data: string }[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _s, cb) {
      cb(null, { user: auth.username });
    },
    onData(stream, session, cb) {
      let data = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (data += c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  after(() => smtp.close());
  const port = (smtp.server.address() as AddressInfo).port;
  const send = sender(parseSmtpUrl(`smtp://127.0.0.1:${port}?from=berth@example.org`));
  await send({ name: 'mail', kind: 'email', target: 'ops@example.com' }, { ...firing, rule: 'busy container' });
  assert.equal(mails.length, 1);
  assert.equal(mails[0].from, 'berth@example.org');
  assert.deepEqual(mails[0].to, ['ops@example.com']);
  assert.match(mails[0].data, /^Subject: \[Berth\] FIRING: busy container on web-1 \(alpha\)$/m);
  assert.match(mails[0].data, /cpu_pct of web-1 on alpha is 93\.1, above 80 for 2m/);
  assert.match(mails[0].data, /http:\/\/berth\.test\/host\/alpha\/container\/web-1/);
  // Sent again (its answer was lost): the same Message-ID, so the mailbox shows it once.
  await send({ name: 'mail', kind: 'email', target: 'ops@example.com' }, { ...firing, rule: 'busy container' });
  const ids = mails.map((m) => /^Message-ID: (.*)$/im.exec(m.data)?.[1]);
  assert.match(ids[0] ?? '', /^<alert-[0-9a-f]{32}@example\.org>$/);
  assert.equal(ids[1], ids[0]);
});

test('--smtp URLs', () => {
  assert.deepEqual(parseSmtpUrl('smtps://u%40x:p%3Ass@mail.example.com?from=a@b.c'), {
    host: 'mail.example.com',
    port: 465,
    secure: true,
    auth: { user: 'u@x', pass: 'p:ss' },
    from: 'a@b.c',
  });
  assert.equal(parseSmtpUrl('smtp://[::1]:2525').host, '::1');
  assert.throws(() => parseSmtpUrl('http://x'), /smtp:\/\/ or smtps:\/\//);
  assert.throws(
    () => parseSmtpUrl('smtp://u:hunter2@'),
    (e: Error) => !e.message.includes('hunter2'),
  );
});
