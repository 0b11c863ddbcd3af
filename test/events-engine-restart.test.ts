// The engine restarted while the agent follows its events, on a real dockerd of the test's
// own: the events that happened while the stream was down (here: a container run and exited
// on the new engine before the agent could reach it) still arrive, each once; and the agent
// itself stopped and started again picks up where its spooled events end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { EventsResponse } from '../protocol/events.ts';
import { startServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { startProcess, eventually, type Proc } from './support/processes.ts';
import { agentFlags, testConfig } from './support/server.ts';
import { TEST_IMAGE } from './support/docker.ts';
import { privateDockerd, requirePrivateDockerd } from './support/private-dockerd.ts';

const HOST = 'engine-restart-host';

test('engine restarted under the agent: what happened meanwhile arrives, once', { timeout: 300_000 }, async (t) => {
  if (!(await requirePrivateDockerd(t))) return;
  const engine = privateDockerd();
  const sock = path.join(engine.dir, 'd.sock');
  const other = path.join(engine.dir, 'e.sock');
  t.after(() => engine.stop());
  await engine.start(sock);

  const config = testConfig();
  const server = await startServer(config, memoryLogger());
  t.after(() => server.close());
  const spool = path.join(engine.dir, 'spool');
  const agentArgs = [
    ...agentFlags(server.url, HOST, '1'),
    '--spool',
    spool,
    '--docker-socket',
    sock,
    '--collectors',
    'events,load',
  ];
  let agent: Proc = startProcess('agent/main.ts', agentArgs);
  t.after(() => agent.kill('SIGKILL'));
  await agent.waitFor(/sampling engine-restart-host/);

  const run = (socket: string, name: string, code: number) =>
    engine.docker(socket, ['run', '--network', 'none', '--name', name, TEST_IMAGE, 'sh', '-c', `exit ${code}`]).catch(
      () => undefined, // `docker run` exits with the container's code
    );
  const events = async (container: string) => {
    const res = await fetch(`${server.url}/api/v1/events?host=${HOST}&container=${container}`);
    return res.status === 200 ? ((await res.json()) as EventsResponse).events : [];
  };
  const died = async (container: string) => {
    const list = await events(container);
    return list.some((e) => e.type === 'die') ? list : undefined;
  };

  // Followed live.
  await eventually(
    async () => {
      // The agent may not follow yet when the first one runs: run until one is seen.
      if ((await events('before')).length === 0) {
        await engine.docker(sock, ['rm', '-f', 'before']).catch(() => undefined);
        await run(sock, 'before', 3);
      }
      return died('before');
    },
    60_000,
    'the first container to be seen',
  );

  // The engine goes away; a new one starts on another socket, and a container lives and dies
  // there before the agent can reach it.
  await engine.stop();
  await agent.waitFor(/docker events: .*asking again from/, 30_000);
  await engine.start(other);
  await run(other, 'meanwhile', 7);
  await engine.docker(other, ['rm', 'meanwhile']);
  // Now the agent finds the new engine where it looks.
  fs.renameSync(other, sock);
  const meanwhile = await eventually(
    async () => {
      const list = await events('meanwhile');
      return list.some((e) => e.type === 'destroy') ? list : undefined;
    },
    60_000,
    'the events of the container that ran while the stream was down',
  );
  assert.deepEqual(
    meanwhile.map((e) => e.type).reverse(),
    ['create', 'start', 'die', 'destroy'],
    'each of its events once, in order',
  );
  assert.equal(meanwhile.find((e) => e.type === 'die')?.exit_code, 7);
  assert.match(agent.output(), /docker events: following again/);

  // The agent stopped; meanwhile a container runs; the agent started again asks from where
  // its spooled events end.
  await agent.kill('SIGTERM');
  assert.match(fs.readFileSync(path.join(spool, 'events.cursor'), 'utf8'), /^\d{19}\n$/);
  await run(sock, 'agent-down', 9);
  agent = startProcess('agent/main.ts', agentArgs);
  const down = await eventually(() => died('agent-down'), 60_000, 'the event from while the agent was down');
  assert.equal(down.find((e) => e.type === 'die')?.exit_code, 9);

  // Once each, in the API and in SQL, although the engine and the agent were both asked again.
  await new Promise((r) => setTimeout(r, 3000));
  const db = new Database(config.dbPath, { readonly: true });
  t.after(() => db.close());
  const rows = db
    .prepare(
      `SELECT container, type, exit_code, count(*) AS n FROM container_events
       WHERE host = ? AND container IN ('before', 'meanwhile', 'agent-down') GROUP BY container, type, ts`,
    )
    .all(HOST) as { container: string; type: string; exit_code: number | null; n: number }[];
  assert.ok(rows.length >= 10, `rows: ${JSON.stringify(rows)}`);
  for (const r of rows) assert.equal(r.n, 1, `${r.container} ${r.type} stored once`);
  const dies = Object.fromEntries(rows.filter((r) => r.type === 'die').map((r) => [r.container, r.exit_code]));
  assert.deepEqual(dies, { before: 3, meanwhile: 7, 'agent-down': 9 });
});
