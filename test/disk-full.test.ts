// The server's disk fills up: the database on a tmpfs of its own that a filler file fills to
// the last page, while a real agent samples every second and a heavy sender posts big batches.
// Ingest answers 503 saying the disk is full (a 2xx only for what was stored), the agent keeps
// its batches in its spool, reads go on, the server neither crashes nor corrupts the file
// (retention and the WAL included), and once space is freed it stores again by itself: every
// batch that got a 2xx and every second the agent sampled is there, once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { parseRetention } from '../server/rollup/tiers.ts';
import { CONTAINER_METRIC_NAMES } from '../protocol/metrics.ts';
import { agentFlags, testConfig } from './support/server.ts';
import { startProcess, eventually, sleep, type Proc } from './support/processes.ts';
import { postBatch, type Posted } from './support/post.ts';
import { mountTmpfs, requireTmpfs } from './support/tmpfs.ts';
import { tempDir } from './support/temp.ts';

const TICKS = 10;
const CONTAINERS = 50;
const now = () => Math.floor(Date.now() / 1000);

/** A heavy sender's batch: TICKS seconds of the host and CONTAINERS containers, its own seconds. */
function heavy(i: number, base: number) {
  const ts = Array.from({ length: TICKS }, (_, k) => base + i * TICKS + k);
  const col = (seed: number) => ts.map((t) => ((t * 7919 + seed * 104729) % 1000) / 10);
  return {
    v: 2,
    batch_id: `disk-full-${process.pid}-${base}-${i}`,
    agent: { host: 'heavy', interval: 1 },
    host: { ts, metrics: { cpu_pct: col(1), load1: col(2) } },
    containers: Array.from({ length: CONTAINERS }, (_, c) => ({
      id: `c${c}`.padEnd(64, '0'),
      name: `heavy-${c}`,
      ts,
      metrics: Object.fromEntries(CONTAINER_METRIC_NAMES.map((m, k) => [m, col(c * 10 + k)])),
    })),
  };
}

test(
  'disk full: 503 saying so, the spool keeps the batches, reads go on, it stores again once space is freed',
  {
    timeout: 180_000,
  },
  async (t) => {
    if (!requireTmpfs(t)) return;
    const disk = mountTmpfs(8 * 1024 * 1024);
    t.after(() => disk.unmount());
    const log = memoryLogger();
    const config = testConfig({
      dbPath: path.join(disk.dir, 'berth.db'),
      // Retention and rollups run every second or two, so they run while the disk is full too.
      retention: parseRetention('raw=2h'),
      rollupEverySeconds: 1,
      retentionEverySeconds: 2,
    });
    const server = await startServer(config, log);
    let closed = false;
    t.after(() => (closed ? undefined : server.close()));

    // Rows past the raw horizon, for retention to delete while the disk is full.
    const old = heavy(0, now() - 3 * 3600);
    old.batch_id = `disk-full-old-${process.pid}`;
    assert.equal((await postBatch(server.url, old)).status, 200);

    const spool = path.join(tempDir(), 'spool');
    const agent: Proc = startProcess('agent/main.ts', [
      ...agentFlags(server.url, 'disk-agent', '1'),
      '--spool',
      spool,
      '--collectors',
      'cpu,memory,load',
    ]);
    t.after(() => agent.kill('SIGKILL'));
    await agent.waitFor(/sampling disk-agent/);
    const spooled = () => fs.readdirSync(spool).filter((f) => f.endsWith('.json.gz')).length;

    // Every batch answered 2xx, with the rows the server said it stored.
    const acked = new Map<string, number>();
    const base = now() - 5000;
    let i = 0;
    let refused = 0;
    const send = async (): Promise<Posted> => {
      const b = heavy(i++, base);
      const a = await postBatch(server.url, b);
      if (a.status === 200) acked.set(b.batch_id, (a.body.hostRows ?? 0) + (a.body.containerRows ?? 0));
      else {
        refused++;
        assert.equal(a.status, 503, `only 503 while the disk is full: ${a.status} ${a.body.error}`);
        assert.match(a.body.error!, /^the server cannot store batches now: its disk is full \(SQLITE_FULL\)/);
        assert.equal(a.headers.get('retry-after'), '30');
      }
      return a;
    };

    await sleep(2500);
    // Room for a few dozen batches: the database grows into the limit as ingest goes on.
    const filler = disk.fill(1024 * 1024);
    let first503: Posted | undefined;
    while (!first503 && i < 2000) {
      const a = await send();
      if (a.status === 503) first503 = a;
    }
    assert.ok(first503, `no 503 after ${i} batches on a full disk`);
    const fullAt = now();

    // Then not a page left: a nearly full disk still takes a small batch now and then (free
    // pages in the file, WAL frames to reuse), so the agent's would slip through.
    const lastPage = disk.fill(0, 'last-page');

    // While full: reads answer, the agent spools, the server stays up, nothing is stored.
    for (let k = 0; k < 8 || (spooled() < 2 && k < 40); k++) {
      await send();
      const hosts = await fetch(`${server.url}/api/v1/hosts`);
      assert.equal(hosts.status, 200, 'the host list still answers');
      const series = await fetch(
        `${server.url}/api/v1/series?host=disk-agent&metrics=cpu_pct,mem_used_bytes&from=${fullAt - 60}`,
      );
      assert.equal(series.status, 200, 'charts still answer');
      await sleep(500);
    }
    assert.ok(spooled() >= 2, `the agent keeps what it could not deliver (${spooled()} batches in its spool)`);
    assert.match(agent.output(), /HTTP 503: the server cannot store batches now: its disk is full/);

    // Space comes back: the server stores again without being touched.
    fs.unlinkSync(filler);
    fs.unlinkSync(lastPage);
    await eventually(
      async () => ((await send()).status === 200 ? true : undefined),
      30_000,
      'a 2xx after space came back',
    );
    await eventually(async () => (spooled() === 0 ? true : undefined), 60_000, "the agent's spool to drain");
    const lastWanted = now() - 2;
    await eventually(
      async () => {
        const r = (await (
          await fetch(`${server.url}/api/v1/series?host=disk-agent&metrics=mem_used_bytes&from=${lastWanted - 5}`)
        ).json()) as { t: number[]; series: { mem_used_bytes: (number | null)[] } };
        return r.t.some((ts, k) => ts >= lastWanted && r.series.mem_used_bytes[k] !== null) ? true : undefined;
      },
      30_000,
      'the agent to be current again',
    );
    assert.equal(await agent.kill('SIGTERM'), 0);
    // The WAL went back to its usual size once checkpoints could write again.
    await eventually(
      async () => (fs.statSync(`${config.dbPath}-wal`).size < 4 * 1024 * 1024 ? true : undefined),
      10_000,
      'the WAL to be checkpointed',
    );
    closed = true;
    await server.close();

    const db = new Database(config.dbPath, { readonly: true });
    t.after(() => db.close());
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    // Every batch answered 2xx is stored, with the rows it was answered with, once.
    const storedIds = new Set(db.prepare('SELECT batch_id FROM batches').pluck().all() as string[]);
    const missing = [...acked.keys()].filter((id) => !storedIds.has(id));
    assert.deepEqual(missing, [], 'batches answered 2xx but not stored');
    const heavyRows = db
      .prepare(
        `SELECT (SELECT count(*) FROM host_samples s JOIN hosts h ON h.id = s.host_id WHERE h.name = 'heavy' AND s.ts >= ?)
            + (SELECT count(*) FROM container_samples s JOIN containers c ON c.id = s.container_id
               JOIN hosts h ON h.id = c.host_id WHERE h.name = 'heavy' AND s.ts >= ?)`,
      )
      .pluck()
      .get(base, base) as number;
    const ackedRows = [...acked.values()].reduce((a, b) => a + b, 0);
    assert.equal(heavyRows, ackedRows, 'rows stored = rows the 2xx answers counted');
    assert.ok(ackedRows >= acked.size * TICKS * (CONTAINERS + 1) - 1, 'each acknowledged batch stored whole');
    // The agent: every second from its first sample to its last, exactly once.
    const secs = db
      .prepare(
        "SELECT s.ts FROM host_samples s JOIN hosts h ON h.id = s.host_id WHERE h.name = 'disk-agent' ORDER BY s.ts",
      )
      .pluck()
      .all() as number[];
    const gaps = secs.slice(1).filter((ts, k) => ts - secs[k] !== 1);
    assert.deepEqual(gaps, [], `every second the agent sampled, once (${secs.length} rows from ${secs[0]})`);
    assert.ok(secs[0] < fullAt && secs[secs.length - 1] >= lastWanted, 'before, during and after the full disk');
    // Retention ran its course once there was room: the old rows are gone.
    const oldLeft = db
      .prepare(
        "SELECT count(*) FROM host_samples s JOIN hosts h ON h.id = s.host_id WHERE h.name = 'heavy' AND s.ts < ?",
      )
      .pluck()
      .get(now() - 2 * 3600) as number;
    assert.equal(oldLeft, 0, 'retention deleted what was past the horizon once it could write');
    // The log says what happened, once, and again when it is over; no flood.
    const full = log.lines.filter((l) => l.includes('ingest: answering 503'));
    assert.ok(full.length >= 1 && full.length <= 2, full.join('\n'));
    assert.equal(log.lines.filter((l) => l.includes('ingest: storing again after')).length, 1, log.lines.join('\n'));
    assert.ok(log.lines.length < 20, `a handful of lines, not a flood:\n${log.lines.join('\n')}`);
    process.stderr.write(
      `# disk full: ${i} heavy batches, ${acked.size} answered 2xx (${ackedRows} rows), ${refused} answered 503; ` +
        `the agent's ${secs.length} seconds all stored; ${log.lines.length} server log lines\n`,
    );
  },
);
