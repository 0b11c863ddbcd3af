// Late data among many entities: one host's hour arrives late (a spool replay) on a fleet of
// many containers; the writer's rollup run that recomputes it, per entity (what Berth does)
// against every entity of the kind per bucket (before marks named their entity), on copies of
// one file, with the rollups compared.
// Usage: npx tsx bench/late-rollup.ts [--hosts 50] [--containers 40]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../server/db/open.ts';
import { storeBatch } from '../server/ingest/store-batch.ts';
import { runRollups } from '../server/rollup/rollup.ts';
import { containersOf, flags, hostName, snapshot } from './synthetic.ts';
import type { Snapshot } from '../protocol/batch.ts';

const opt = flags({ hosts: 50, containers: 40 });
const T0 = 1_790_000_000;
const SPAN = 3 * 3600;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-late-'));
const file = path.join(dir, 'a.db');
const db = openDb(file);

let t = performance.now();
const late: Snapshot[] = [];
for (let h = 0; h < opt.hosts; h++) {
  const cs = containersOf(h, opt.containers);
  const snaps: Snapshot[] = [];
  for (let ts = T0; ts < T0 + SPAN; ts += 10) {
    const s = snapshot(h, cs, ts, 5);
    // Host 0 was cut off for the second hour: those samples come late.
    if (h === 0 && ts >= T0 + 3600 && ts < T0 + 7200) late.push(s);
    else snaps.push(s);
  }
  for (let i = 0; i < snaps.length; i += 60)
    storeBatch(
      db.$client,
      { v: 1, batch_id: `l-${h}-${i}`, agent: { host: hostName(h), interval: 10 }, snapshots: snaps.slice(i, i + 60) },
      T0 + SPAN,
    );
}
runRollups(db.$client, T0 + SPAN + 600);
for (let i = 0; i < late.length; i += 60)
  storeBatch(
    db.$client,
    { v: 1, batch_id: `late-${i}`, agent: { host: hostName(0), interval: 10 }, snapshots: late.slice(i, i + 60) },
    T0 + SPAN + 600,
  );
const marks = db.$client.prepare('SELECT count(*) FROM rollup_dirty').pluck().get() as number;
console.log(
  `${opt.hosts} hosts × ${opt.containers} containers × 3 h, host 0's second hour replayed late, in ${((performance.now() - t) / 1000).toFixed(1)} s: ${marks} late marks`,
);
db.$client.close();
for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(dir, f.replace('a.db', 'b.db')));

const perEntity = openDb(file).$client;
t = performance.now();
const a = runRollups(perEntity, T0 + SPAN + 600);
const msA = performance.now() - t;
const everyEntity = openDb(path.join(dir, 'b.db')).$client;
// As marks were before 0003: a bucket, for every entity of its kind.
everyEntity.exec(
  'CREATE TEMP TABLE d AS SELECT DISTINCT kind, tier, bucket FROM rollup_dirty; DELETE FROM rollup_dirty; INSERT INTO rollup_dirty (kind, tier, bucket, entity) SELECT kind, tier, bucket, 0 FROM d;',
);
t = performance.now();
const b = runRollups(everyEntity, T0 + SPAN + 600);
const msB = performance.now() - t;
const dump = (s: typeof perEntity) =>
  ['host_samples_1m', 'container_samples_1m', 'series_samples_1m', 'host_samples_5m', 'container_samples_1h']
    .map((tb) => JSON.stringify(s.prepare(`SELECT * FROM ${tb} ORDER BY 1, 2`).raw().all()))
    .join();
console.log(`per entity:   ${msA.toFixed(0)} ms (${a.dirty} marks across tiers)`);
console.log(`every entity: ${msB.toFixed(0)} ms (${b.dirty} marks across tiers)`);
console.log(`${(msB / msA).toFixed(1)}× less writer time; rollups identical: ${dump(perEntity) === dump(everyEntity)}`);
perEntity.close();
everyEntity.close();
fs.rmSync(dir, { recursive: true, force: true });
