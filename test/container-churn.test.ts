// Container churn: 100 containers created and removed on a real engine of the test's own
// (test/support/private-dockerd.ts, so other tests' containers neither slow it nor count in
// its CPU) while a real agent samples every 2 s. Some exit at once, some live a few seconds (the engine removes them,
// --rm), so containers vanish between the agent's list and its stats calls all the time.
// The agent neither crashes nor floods its log; every container's samples are stored under
// its own name and id, within its lifetime; and what the agent asks of the engine stays
// bounded: it talks to the engine through a counting proxy here, so every request it makes is
// seen. The engine's CPU over the window (its dockerd, containerd and shims, as BENCHMARKS.md
// measures it) is printed for docs/RELIABILITY.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { agentFlags, testConfig } from './support/server.ts';
import { startProcess, sleep } from './support/processes.ts';
import fs from 'node:fs';
import { TEST_IMAGE } from './support/docker.ts';
import { privateDockerd, requirePrivateDockerd } from './support/private-dockerd.ts';
import { clockTicks, readProcs } from '../bench/lib/proc.ts';

const CONTAINERS = Number(process.env.BERTH_CHURN_CONTAINERS ?? 100);
const INTERVAL = 2;
const AT_ONCE = 10;

/** A unix-socket proxy to the engine that counts the requests going through it and the connections open at once. */
async function countingProxy(target: string, at: string) {
  const seen = { requests: 0, stats: new Map<string, number>(), lists: 0, open: 0, maxOpen: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    seen.open++;
    seen.maxOpen = Math.max(seen.maxOpen, seen.open);
    client.on('data', (chunk: Buffer) => {
      // Requests without bodies (GET), one chunk's request lines at a time.
      for (const m of chunk.toString('latin1').matchAll(/^(GET|POST|HEAD) (\S+) HTTP\/1\.1\r$/gm)) {
        seen.requests++;
        const stats = /\/containers\/([^/]+)\/stats/.exec(m[2]);
        if (stats) seen.stats.set(stats[1], (seen.stats.get(stats[1]) ?? 0) + 1);
        if (/\/containers\/json/.test(m[2])) seen.lists++;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', () => {
      seen.open--;
      close();
    });
    upstream.once('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((r) => server.listen(at, r));
  return { seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** CPU ticks of every process of the private engine (its folder is in each one's command line). */
async function engineTicksOf(dir: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const [pid, p] of await readProcs()) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) out.set(pid, p.ticks);
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

test(
  `${CONTAINERS} containers created and removed while the agent samples every ${INTERVAL} s`,
  {
    timeout: 300_000,
  },
  async (t) => {
    if (!(await requirePrivateDockerd(t))) return;
    const engine = privateDockerd();
    const sock = path.join(engine.dir, 'd.sock');
    t.after(() => engine.stop());
    await engine.start(sock);
    const dir = engine.dir;
    const proxySocket = path.join(dir, 'p.sock');
    const proxy = await countingProxy(sock, proxySocket);
    t.after(() => proxy.close());
    const config = testConfig();
    const server = await startServer(config, memoryLogger());
    let closed = false;
    t.after(() => (closed ? undefined : server.close()));
    const agent = startProcess('agent/main.ts', [
      ...agentFlags(server.url, 'churn-host', String(INTERVAL)),
      '--spool',
      path.join(dir, 'spool'),
      '--docker-socket',
      proxySocket,
      '--collectors',
      'docker,load',
    ]);
    t.after(() => agent.kill('SIGKILL'));
    await agent.waitFor(/sampling churn-host/);
    await sleep(2 * INTERVAL * 1000);

    // The churn: AT_ONCE launchers, each starting its next container as the last one's run
    // returns; one in five exits at once, the others live 3 to 9 s.
    const names = Array.from({ length: CONTAINERS }, (_, i) => `churn-${i}`);
    const life = (i: number) => (i % 5 === 0 ? 0 : 3 + ((i * 3) % 7));
    const ids = new Map<string, { id: string; called: number; returned: number; life: number }>();
    const hz = clockTicks();
    const engineBefore = await engineTicksOf(dir);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: AT_ONCE }, async () => {
        while (next < CONTAINERS) {
          const i = next++;
          const called = Math.floor(Date.now() / 1000);
          const id = await engine.docker(sock, [
            'run',
            '-d',
            '--rm',
            '--network',
            'none',
            '--name',
            names[i],
            TEST_IMAGE,
            'sh',
            '-c',
            `sleep ${life(i)}`,
          ]);
          ids.set(names[i], { id, called, returned: Math.ceil(Date.now() / 1000), life: life(i) });
        }
      }),
    );
    // Until the last of them is gone, and two more samples.
    await sleep((9 + 2 * INTERVAL) * 1000);
    const windowS = (performance.now() - t0) / 1000;
    const engineAfter = await engineTicksOf(dir);
    // A shim that ended meanwhile is not counted (as bench/lib/proc.ts engineDelta says).
    const engineCpuS =
      [...engineAfter].reduce((sum, [pid, ticks]) => sum + ticks - (engineBefore.get(pid) ?? 0), 0) / hz;
    assert.equal(agent.child.exitCode, null, `the agent is still running:\n${agent.output()}`);
    assert.equal(await agent.kill('SIGTERM'), 0, agent.output());
    closed = true;
    await server.close();

    const db = new Database(config.dbPath, { readonly: true });
    t.after(() => db.close());
    const rows = db
      .prepare(
        `SELECT c.name, c.container_id AS id, count(s.ts) AS samples, min(s.ts) AS first, max(s.ts) AS last
       FROM containers c JOIN hosts h ON h.id = c.host_id LEFT JOIN container_samples s ON s.container_id = c.id
       WHERE h.name = 'churn-host' AND c.name LIKE ? GROUP BY c.id`,
      )
      .all('churn-%') as { name: string; id: string; samples: number; first: number; last: number }[];
    const byName = new Map(rows.map((r) => [r.name, r]));
    const wrong: string[] = [];
    const missed: string[] = [];
    let sampled = 0;
    let long = 0;
    for (const [name, c] of ids) {
      const r = byName.get(name);
      if (c.life >= 2 * INTERVAL + 1) long++;
      if (!r) {
        if (c.life >= 2 * INTERVAL + 1) missed.push(name);
        continue;
      }
      sampled++;
      if (r.id !== c.id) wrong.push(`${name}: stored with id ${r.id.slice(0, 12)}, it was ${c.id.slice(0, 12)}`);
      // Its samples fall within its own life: it started between the CLI's call and its return
      // (seconds, on a loaded engine), and a sample is stamped with its tick's boundary.
      if (r.first < c.called - INTERVAL || r.last > c.returned + c.life + 2 * INTERVAL)
        wrong.push(`${name}: samples ${r.first}..${r.last}, started in ${c.called}..${c.returned} for ${c.life} s`);
    }
    assert.deepEqual(wrong, [], `every container under its own name, id and lifetime\n${agent.output().slice(-3000)}`);
    // How many were caught depends on how fast the engine answers (a sweep answered after its
    // tick's deadline is left out, by design); enough to show the churn was seen.
    assert.ok(sampled >= CONTAINERS / 10, `${sampled} of ${CONTAINERS} containers sampled`);

    // No error flood: a line now and then about a container that vanished mid-call at most.
    const lines = agent.output().split('\n');
    const trouble = lines.filter((l) => / (warn|error) /.test(l));
    assert.ok(trouble.length <= 5, `${trouble.length} warnings or errors:\n${trouble.join('\n')}`);

    // What the agent asked of the engine: a list and at most one stats call per container per
    // sample, never more connections than its pool.
    const ticks = Math.ceil(windowS / INTERVAL) + 4;
    const repeated = [...proxy.seen.stats].filter(([, n]) => n > ticks);
    assert.deepEqual(repeated, [], 'no container asked for more than once a sample');
    assert.ok(proxy.seen.lists <= ticks + 2, `${proxy.seen.lists} lists in ${ticks} samples`);
    assert.ok(proxy.seen.maxOpen <= 65, `${proxy.seen.maxOpen} connections open at once`);
    process.stderr.write(
      `# churn: ${CONTAINERS} containers in ${windowS.toFixed(0)} s, ${sampled} sampled (${missed.length} of ${long} living 5 s or more missed); agent asked ${proxy.seen.requests} requests ` +
        `(${proxy.seen.lists} lists, ${[...proxy.seen.stats.values()].reduce((a, b) => a + b, 0)} stats), ${proxy.seen.maxOpen} connections at most; ` +
        `engine CPU ${engineCpuS.toFixed(2)} s (${((engineCpuS / windowS) * 100).toFixed(1)} % of a core, churn included)\n`,
    );
  },
);
