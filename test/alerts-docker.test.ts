// Alerts on real parts: containers on a real Docker engine (the test's own) OOM-killed, looping
// on a restart policy and turning unhealthy, followed by the real agent process, stored by a real
// server started with --alerts; each rule fires once to a real HTTP listener (webhook, ntfy and
// Slack formats) and as an e-mail to a real SMTP server, and resolves when the container is
// removed. Then the agent is stopped (host_offline fires after for:) and started again (resolved).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { AlertPayload } from '../protocol/alerts.ts';
import { startServer, type RunningServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { TEST_IMAGE, TEST_PREFIX } from './support/docker.ts';
import { privateDockerd, privateDockerdSkipReason } from './support/private-dockerd.ts';
import { startProcess, eventually, type Proc } from './support/processes.ts';
import { testConfig, TEST_TOKEN } from './support/server.ts';
import { tempDir } from './support/temp.ts';

const HOST = `alerts-host-${process.pid}`;
const N = (s: string) => `${TEST_PREFIX}${s}`;
const OOM = N('oom');
const LOOP = N('loop');
const SICK = N('sick');

const skip = await privateDockerdSkipReason();

interface Got {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('alerts from the real engine, agent and server', { skip }, () => {
  let server: RunningServer;
  let agent: Proc | undefined;
  let listener: http.Server;
  let smtp: SMTPServer;
  const got: Got[] = [];
  const mails: string[] = [];
  const config = testConfig();
  const log = memoryLogger();
  const engine = privateDockerd();
  const sock = path.join(engine.dir, 'd.sock');
  const spool = path.join(tempDir(), 'spool');
  const docker = (args: string[]) => engine.docker(sock, args);
  const run = (name: string, opts: string[], cmd: string[]) =>
    docker(['run', '-d', '--network', 'none', '--name', name, ...opts, TEST_IMAGE, ...cmd]);
  const startAgent = () => {
    agent = startProcess('agent/main.ts', [
      ...['--server', server.url, '--token', TEST_TOKEN, '--interval', '1', '--host', HOST],
      ...['--spool', spool, '--docker-socket', sock, '--collectors', 'docker,events,cpu,memory'],
    ]);
    return agent.waitFor(new RegExp(`sampling ${HOST}`));
  };
  const hooks = (p: string) => got.filter((g) => g.path === p).map((g) => JSON.parse(g.body) as AlertPayload);

  before(async () => {
    listener = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        got.push({ path: req.url ?? '', headers: req.headers, body });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const web = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, cb) {
        let data = '';
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => (data += c));
        stream.on('end', () => {
          mails.push(data);
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    const file = path.join(path.dirname(config.dbPath), 'alerts.yaml');
    fs.writeFileSync(
      file,
      `receivers:
  ops:
    webhook: ${web}/hook
  mail:
    email: ops@example.com
  phone:
    ntfy: ${web}/berth
  chat:
    slack: ${web}/slack
rules:
  - name: container OOM-killed
    event: oom
    containers: "${TEST_PREFIX}*"
    notify: [ops, mail]
  - name: crash loop
    event: restart_loop
    restarts: 3
    within: 10m
    notify: [ops, chat]
  - name: sick
    event: unhealthy
    notify: [ops, phone]
  - name: host silent
    event: host_offline
    hosts: "${HOST}"
    for: 5s
    notify: [ops]
`,
    );
    await engine.start(sock);
    server = await startServer(
      { ...config, alertsFile: file, smtp: { host: '127.0.0.1', port: smtpPort, secure: false, from: 'berth@test' } },
      log,
    );
    await startAgent();
    await Promise.all([
      run(
        OOM,
        ['-m', '16m', '--memory-swap', '16m'],
        ['sh', '-c', 'sleep 2; dd if=/dev/zero of=/dev/shm/fill bs=1M count=100'],
      ),
      run(LOOP, ['--restart', 'always'], ['sh', '-c', 'sleep 0.3; exit 1']),
      run(SICK, ['--health-cmd', 'false', '--health-interval', '1s', '--health-retries', '1'], ['sleep', '600']),
    ]);
  });

  after(async () => {
    await agent?.kill();
    await engine.stop();
    await server?.close();
    listener?.close();
    smtp?.close();
  });

  test('OOM, restart loop and unhealthy each fire once, by webhook, ntfy, Slack and e-mail; each resolves', async () => {
    const firing = (rule: string) => hooks('/hook').filter((p) => p.rule === rule && p.status === 'firing');
    await eventually(
      async () =>
        (['container OOM-killed', 'crash loop', 'sick'].every((r) => firing(r).length > 0) && mails.length > 0) ||
        undefined,
      90_000,
      'all three rules fired',
    );
    // Let the loop go on a while: still one notification per rule.
    await new Promise((r) => setTimeout(r, 5000));
    for (const r of ['container OOM-killed', 'crash loop', 'sick']) assert.equal(firing(r).length, 1, r);
    const oom = firing('container OOM-killed')[0];
    assert.deepEqual([oom.host, oom.container, oom.event, oom.ended_at], [HOST, OOM, 'oom', null]);
    assert.equal(oom.url, `${server.url}/host/${HOST}/container/${OOM}`);
    assert.equal(firing('crash loop')[0].container, LOOP);
    assert.equal(firing('sick')[0].container, SICK);
    // The same transitions in the other formats.
    const ntfy = got.filter((g) => g.path === '/berth');
    assert.equal(ntfy.length, 1);
    assert.equal(ntfy[0].body, `${SICK} on ${HOST} is unhealthy`);
    assert.equal(ntfy[0].headers.title, 'FIRING: sick');
    const slack = got.filter((g) => g.path === '/slack').map((g) => JSON.parse(g.body) as { text: string });
    assert.equal(slack.length, 1);
    assert.match(slack[0].text, new RegExp(`\\*FIRING\\* crash loop: ${LOOP} on ${HOST} died \\d+ times within 10m`));
    const heading = (m: string) =>
      m
        .replace(/\r?\n[ \t]+/g, ' ')
        .match(/^(Subject|Message-ID): .*$/gim)
        ?.join(', ');
    assert.equal(mails.length, 1, `e-mails: ${mails.map(heading).join(' | ')}; server log: ${log.lines.join(' | ')}`);
    assert.match(
      mails[0].replace(/\r?\n[ \t]+/g, ' '),
      new RegExp(`^Subject: \\[Berth\\] FIRING: container OOM-killed on ${OOM} \\(${HOST}\\)`, 'm'),
    );
    // Removed: each resolves.
    await docker(['rm', '-f', OOM, LOOP, SICK]);
    await eventually(
      async () =>
        ['container OOM-killed', 'crash loop', 'sick'].every((r) =>
          hooks('/hook').some((p) => p.rule === r && p.status === 'resolved'),
        ) || undefined,
      60_000,
      'all three resolved',
    );
    const resolved = hooks('/hook').filter((p) => p.status === 'resolved' && p.rule !== 'host silent');
    assert.equal(resolved.length, 3);
    for (const p of resolved) assert.ok(p.ended_at !== null && p.ended_at >= p.started_at);
  });

  test('an agent stopped fires host_offline after for:, and its return resolves it', async () => {
    await agent!.kill();
    const stopped = Date.now();
    const silent = () => hooks('/hook').filter((p) => p.rule === 'host silent');
    await eventually(async () => silent().length > 0 || undefined, 60_000, 'host_offline fired').catch((e: Error) => {
      throw new Error(
        `${e.message}; server log: ${log.lines.join(' | ')}; hosts: ${JSON.stringify(server.db.$client.prepare('SELECT name, interval_s, last_ts, last_seen FROM hosts').all())}; now ${Math.floor(Date.now() / 1000)}`,
      );
    });
    // Two intervals + 2 s, then for: 5 s; passes every 10 s.
    assert.ok(Date.now() - stopped >= 9000, `fired after ${Date.now() - stopped} ms`);
    assert.equal(silent()[0].status, 'firing');
    await startAgent();
    await eventually(async () => silent().length > 1 || undefined, 60_000, 'host_offline resolved');
    assert.deepEqual(
      silent().map((p) => p.status),
      ['firing', 'resolved'],
    );
  });
});
