// The server SIGKILLed under load: a few hundred simulated agents (test/support/sim-fleet.ts)
// send a tick each every second while the server process is killed without warning in the
// middle of it, stays down for a few seconds and is started again on the same file. The
// agents keep what was not acknowledged and send it again. Then: the killed file's
// integrity_check is ok; every batch that got a 2xx is stored; every row of every batch is
// there exactly once (counted in SQL); and the rollups, recomputed where late data marked
// them, hold the same values as those of a database that took the same batches without a
// crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDb } from '../server/db/open.ts';
import { storeBatch } from '../server/ingest/store-batch.ts';
import { runRollups } from '../server/rollup/rollup.ts';
import type { ColumnBatch } from '../protocol/batch.ts';
import { TEST_TOKEN } from './support/server.ts';
import { startProcess, freePort, sleep, type Proc } from './support/processes.ts';
import { tempDir } from './support/temp.ts';
import { SimFleet } from './support/sim-fleet.ts';
import { fleetTickMaker } from './support/fleet-ticks.ts';
import { rollupDump, sameRollups } from './support/rollup-dump.ts';

const HOSTS = Number(process.env.BERTH_SIGKILL_HOSTS ?? 200);
/** Each wall-clock second sends the next 10 s of a history an hour old, so rollups have complete buckets to make. */
const STEP = 10;

test(
  `server SIGKILLed under ${HOSTS} hosts: file ok, every 2xx stored, nothing twice, rollups as without the crash`,
  {
    timeout: 300_000,
  },
  async (t) => {
    const dir = tempDir();
    const dbPath = path.join(dir, 'berth.db');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = ['--db', dbPath, '--port', String(port), '--token', TEST_TOKEN];
    let server: Proc = startProcess('server/main.ts', args);
    t.after(() => server.kill('SIGKILL'));
    await server.waitFor(/listening on/);

    const made: ColumnBatch[] = [];
    const make = fleetTickMaker();
    const fleet = new SimFleet(
      url,
      HOSTS,
      (host, seed, ts, id) => {
        const b = make(host, seed, ts, id);
        made.push(b);
        return b;
      },
      { runId: `kill-${process.pid}`, timeoutMs: 5000 },
    );
    t.after(() => fleet.stop());
    const base = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
    let k = 0;
    const ticking = setInterval(() => fleet.tick(base + STEP * k++), 1000);
    t.after(() => clearInterval(ticking));

    await sleep(6500);
    const acksBeforeKill = fleet.acks.size;
    assert.equal(await server.kill('SIGKILL'), null, 'killed by the signal');
    const inFlight = fleet.waiting;
    // The file as the kill left it: SQLite's recovery (the WAL) makes it whole.
    const crashed = new Database(dbPath);
    assert.equal(crashed.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check right after SIGKILL');
    crashed.close();
    await sleep(3000);
    server = startProcess('server/main.ts', args);
    await server.waitFor(/listening on/);
    await sleep(6000);
    clearInterval(ticking);
    await fleet.drained(120_000);
    assert.equal(await server.kill('SIGTERM'), 0, server.output());

    const db = new Database(dbPath, { readonly: true });
    t.after(() => db.close());
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    // Every batch answered 2xx is stored.
    const ids = new Set(db.prepare('SELECT batch_id FROM batches').pluck().all() as string[]);
    const lost = [...fleet.acks.keys()].filter((id) => !ids.has(id));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged batches not stored`);
    assert.equal(fleet.acks.size, fleet.stats.made, 'every batch made was acknowledged in the end');
    // Every row once: what the batches held, counted in SQL.
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    const stored = count('host_samples') + count('container_samples') + count('series_samples');
    assert.equal(stored, fleet.stats.madeRows, 'rows stored = rows sent');
    const twice = db
      .prepare(
        `SELECT (SELECT count(*) - count(DISTINCT host_id || ':' || ts) FROM host_samples)
            + (SELECT count(*) - count(DISTINCT container_id || ':' || ts) FROM container_samples)
            + (SELECT count(*) - count(DISTINCT series_id || ':' || ts) FROM series_samples)`,
      )
      .pluck()
      .get() as number;
    assert.equal(twice, 0, 'no (entity, time) stored twice');
    assert.equal(
      (db.prepare('SELECT count(*) FROM containers').pluck().get() as number) % HOSTS,
      0,
      'no container made twice',
    );

    // Rollups: the crashed database's, brought up to the same time, against a clean run's.
    const copy = path.join(dir, 'after.db');
    fs.copyFileSync(dbPath, copy);
    const after = openDb(copy);
    const reference = openDb(path.join(dir, 'reference.db'));
    t.after(() => {
      after.$client.close();
      reference.$client.close();
    });
    const T = Math.floor(Date.now() / 1000);
    reference.$client.transaction(() => {
      for (const b of made) storeBatch(reference.$client, b, T);
    })();
    runRollups(reference.$client, T);
    runRollups(after.$client, T);
    const want = rollupDump(reference.$client);
    const got = rollupDump(after.$client);
    assert.ok(want.rows > HOSTS, `the reference has rollups (${want.rows} rows)`);
    assert.deepEqual(sameRollups(got, want), [], 'rollups converge to the clean run');
    process.stderr.write(
      `# sigkill: ${HOSTS} hosts, ${fleet.stats.made} batches (${fleet.stats.madeRows} rows), ${acksBeforeKill} acknowledged before the kill, ` +
        `${inFlight} waiting at the kill, outcomes ${JSON.stringify(fleet.stats.outcomes)}; ${want.rows} rollup rows compared\n`,
    );
  },
);
