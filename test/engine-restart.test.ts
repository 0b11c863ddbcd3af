// The Docker engine restarted while the agent samples, on a private dockerd of the test's own
// (test/support/private-dockerd.ts; the shared engine is never touched): two containers with
// --restart always, one busy, one idle, sampled every second by a real agent process. The
// engine is stopped (it stops the containers), stays down a few seconds and starts again
// (and so do they). Host metrics never stop; the agent, not restarted, finds the engine
// again within seconds; the containers' rates resume with no negative value and no spike;
// and the agent's log says once that the engine went away and once that it is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { CONTAINER_METRIC_NAMES } from '../protocol/metrics.ts';
import { agentFlags, testConfig } from './support/server.ts';
import { startProcess, eventually, sleep } from './support/processes.ts';
import { TEST_IMAGE } from './support/docker.ts';
import { privateDockerd, requirePrivateDockerd } from './support/private-dockerd.ts';

const HOST = 'engine-restart-agent';
const now = () => Math.floor(Date.now() / 1000);

test(
  'engine restarted under the agent: host metrics go on, containers come back, no negative value or spike',
  {
    timeout: 300_000,
  },
  async (t) => {
    if (!(await requirePrivateDockerd(t))) return;
    const engine = privateDockerd();
    const sock = path.join(engine.dir, 'd.sock');
    t.after(() => engine.stop());
    await engine.start(sock);
    const run = (name: string, cmd: string) =>
      engine.docker(sock, [
        'run',
        '-d',
        '--restart',
        'always',
        // The busy loop ignores SIGTERM (it is PID 1): the engine's stop need not wait 10 s.
        '--stop-timeout',
        '1',
        '--network',
        'none',
        '--name',
        name,
        TEST_IMAGE,
        'sh',
        '-c',
        cmd,
      ]);
    await run('busy', 'while :; do :; done');
    await run('idle', 'sleep 100000');

    const config = testConfig();
    const server = await startServer(config, memoryLogger());
    let closed = false;
    t.after(() => (closed ? undefined : server.close()));
    const agent = startProcess('agent/main.ts', [
      ...agentFlags(server.url, HOST, '1'),
      '--spool',
      path.join(engine.dir, 'spool'),
      '--docker-socket',
      sock,
      '--collectors',
      'docker,cpu,memory,load',
    ]);
    t.after(() => agent.kill('SIGKILL'));
    await agent.waitFor(new RegExp(`sampling ${HOST}`));

    const db = new Database(config.dbPath, { readonly: true });
    t.after(() => db.close());
    const containerTimes = (name: string, after: number) =>
      db
        .prepare(
          `SELECT s.ts FROM container_samples s JOIN containers c ON c.id = s.container_id JOIN hosts h ON h.id = c.host_id
         WHERE h.name = ? AND c.name = ? AND s.ts > ? AND s.cpu_pct_x100 IS NOT NULL ORDER BY s.ts`,
        )
        .pluck()
        .all(HOST, name, after) as number[];
    const started = now();
    await eventually(async () => (containerTimes('busy', 0).length >= 5 ? true : undefined), 60_000, 'busy sampled');

    const stopAt = now();
    await engine.stop();
    await sleep(4000);
    await engine.start(sock);
    const upAt = now();
    // Rates again within seconds of the engine's return, from the same agent process.
    await eventually(
      async () =>
        containerTimes('busy', upAt).length >= 5 && containerTimes('idle', upAt).length >= 5 ? true : undefined,
      60_000,
      'both containers sampled with rates again',
    );
    const resumed = containerTimes('busy', upAt)[0] - upAt;
    await sleep(2000);
    const end = now();
    assert.equal(agent.child.exitCode, null, 'the agent was never restarted');
    assert.equal(await agent.kill('SIGTERM'), 0);
    closed = true;
    await server.close();

    // Host metrics every second, through the engine's absence.
    const hostTs = db
      .prepare(
        'SELECT s.ts FROM host_samples s JOIN hosts h ON h.id = s.host_id WHERE h.name = ? AND s.ts BETWEEN ? AND ? ORDER BY s.ts',
      )
      .pluck()
      .all(HOST, started, end) as number[];
    // A collector waiting on the absent engine would cost a second again and again through the
    // ~35 s it is away; a machine too busy to wake the agent on time can cost one now and then
    // (the suites beside this one churn containers), so a lone second, twice at most, is let go.
    const missed = hostTs.slice(1).flatMap((ts, i) => (ts - hostTs[i] !== 1 ? [[hostTs[i], ts]] : []));
    const where = `host samples every second from ${started} to ${end} (engine down ${stopAt}..${upAt}); gaps: ${JSON.stringify(missed)}`;
    assert.ok(missed.length <= 2 && missed.every(([a, b]) => b - a === 2), where);
    if (missed.length) t.diagnostic(`one second missed ${missed.length}× (a busy machine): ${where}`);

    // No negative value anywhere, and no spike: nothing past what the machine can do.
    const cores = os.availableParallelism();
    const rows = db
      .prepare(`SELECT container AS name, * FROM container_metrics WHERE host = ? ORDER BY ts`)
      .all(HOST) as Record<string, number | null | string>[];
    const bad: string[] = [];
    for (const r of rows)
      for (const m of CONTAINER_METRIC_NAMES) {
        const v = r[m] as number | null;
        if (v !== null && v < 0) bad.push(`${r.name} ${m} at ${r.ts}: ${v}`);
      }
    const cpu = (name: string, from: number, to: number) =>
      rows
        .filter((r) => r.name === name && (r.ts as number) >= from && (r.ts as number) <= to && r.cpu_pct !== null)
        .map((r) => r.cpu_pct as number);
    for (const r of rows)
      if ((r.cpu_pct as number) > 100 * cores + 5) bad.push(`${r.name} cpu_pct at ${r.ts}: ${r.cpu_pct}`);
    assert.deepEqual(bad, [], 'no negative value, no CPU past the cores');
    // The busy one's first rates after the restart are like its rates before (a rate over the
    // gap, or over counters the restart reset, would be far off).
    const before = cpu('busy', 0, stopAt);
    const after = cpu('busy', upAt, end);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    assert.ok(
      after[0] <= Math.max(...before) * 1.5 + 10,
      `first rate after ${after[0]}, before at most ${Math.max(...before)}`,
    );
    assert.ok(median(after) > median(before) / 3, `busy again: median ${median(after)} against ${median(before)}`);
    assert.ok(
      cpu('idle', upAt, end).every((v) => v < 5),
      'idle stays idle',
    );

    // Said once each, no flood.
    const out = agent.output();
    assert.equal(out.match(/collector docker off: /g)?.length, 1, out);
    assert.equal(out.match(/collector docker: source is back/g)?.length, 1, out);
    // A loaded machine adds a slow first answer or a slow return (one line each); a flood is dozens.
    assert.ok(out.split('\n').filter((l) => / (warn|error) /.test(l)).length <= 6, out);
    process.stderr.write(
      `# engine restart: down ${upAt - stopAt} s; containers sampled again ${resumed} s after the engine was up\n`,
    );
  },
);
