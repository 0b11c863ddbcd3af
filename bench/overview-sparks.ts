// The fleet overview's sparklines: a /series request per host card against one
// /api/v1/host-series answer for every host, side by side, in-process (app.request, no
// sockets: the server's own work), on a generated fleet with its rollups.
// Usage: npx tsx bench/overview-sparks.ts [--hosts 200] [--hours 24] [--rounds 3]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../server/db/open.ts';
import { createApp } from '../server/app.ts';
import { loadServerConfig } from '../server/config.ts';
import { memoryLogger } from '../lib/log.ts';
import { storeBatch } from '../server/ingest/store-batch.ts';
import { runRollups } from '../server/rollup/rollup.ts';
import { flags, hostName, median, snapshot } from './synthetic.ts';

const opt = flags({ hosts: 200, hours: 24, rounds: 3 });
const NOW = 1_790_100_000;
const SPAN = opt.hours * 3600;
const METRICS = 'cpu_pct,mem_used_bytes,mem_total_bytes';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-sparks-'));
const config = loadServerConfig(
  ['--db', path.join(dir, 'berth.db'), '--token', 'bench-token-0123456789', '--port', '0'],
  {},
);
const db = openDb(config.dbPath);

const t0 = performance.now();
for (let h = 0; h < opt.hosts; h++) {
  const snaps = [];
  for (let ts = NOW - SPAN; ts <= NOW; ts += 10) snaps.push(snapshot(h, [], ts, 0));
  for (let i = 0; i < snaps.length; i += 2000) {
    storeBatch(
      db.$client,
      {
        v: 1,
        batch_id: `sparks-${h}-${i}`,
        agent: { host: `${hostName(h)}-${h}`, interval: 10 },
        snapshots: snaps.slice(i, i + 2000),
      },
      NOW,
    );
  }
  if ((h + 1) % 50 === 0) console.log(`seeded ${h + 1} of ${opt.hosts} hosts`);
}
runRollups(db.$client, NOW + 600);
console.log(
  `${opt.hosts} hosts × ${opt.hours} h at 10 s, rolled up, in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);

const app = createApp({ db, config, log: memoryLogger(), now: () => NOW });
const names = db.$client.prepare('SELECT name FROM hosts ORDER BY name').pluck().all() as string[];
for (const [label, from] of [
  ['1 h', NOW - 3600],
  [`${opt.hours} h`, NOW - SPAN],
] as const) {
  const q = `from=${from}&to=${NOW}&maxPoints=160`;
  const each: number[] = [];
  const one: number[] = [];
  let bytesEach = 0;
  let bytesOne = 0;
  for (let round = 0; round < opt.rounds; round++) {
    let t = performance.now();
    bytesEach = 0;
    for (const n of names)
      bytesEach += (await (await app.request(`/api/v1/series?host=${n}&metrics=${METRICS}&${q}`)).text()).length;
    each.push(performance.now() - t);
    t = performance.now();
    bytesOne = (await (await app.request(`/api/v1/host-series?metrics=${METRICS}&${q}&digits=4`)).text()).length;
    one.push(performance.now() - t);
  }
  console.log(
    `${label.padEnd(5)} ${names.length} × /series: median ${median(each).toFixed(0)} ms, ${bytesEach.toLocaleString('en')} bytes | one /host-series: median ${median(one).toFixed(0)} ms, ${bytesOne.toLocaleString('en')} bytes | ${(median(each) / median(one)).toFixed(1)}× less server time, ${names.length} requests → 1`,
  );
}
db.$client.close();
fs.rmSync(dir, { recursive: true, force: true });
