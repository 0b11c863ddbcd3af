// The long soak (`npm run test:soak`; not in npm test or CI): 200 simulated hosts send a tick
// every 10 s, in real time, through a link the soak cuts now and then, to a real server
// process it SIGKILLs or stops and starts again at random. At the end nothing may be lost or
// doubled (every acknowledged batch stored, rows stored = rows sent, integrity_check ok), and
// the server's memory must stay flat: its RSS and V8 heap (from /api/v1/status) are sampled
// every minute and printed as a table.
//   BERTH_SOAK_MINUTES (60)  how long
//   BERTH_SOAK_HOSTS (200)   simulated hosts
//   BERTH_SOAK_SEED          the random faults' seed (printed; give it to replay a run)
//   BERTH_SOAK_REPORT        also write the report (markdown) to this file
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TEST_TOKEN } from './support/server.ts';
import { startProcess, freePort, sleep, type Proc } from './support/processes.ts';
import { tempDir } from './support/temp.ts';
import { rng } from './support/random.ts';
import { SimFleet } from './support/sim-fleet.ts';
import { fleetTickMaker } from './support/fleet-ticks.ts';
import { flakyLink } from './support/flaky-link.ts';

const MINUTES = Number(process.env.BERTH_SOAK_MINUTES ?? 60);
const HOSTS = Number(process.env.BERTH_SOAK_HOSTS ?? 200);
const SEED = Number(process.env.BERTH_SOAK_SEED ?? Date.now() % 1_000_000);
const INTERVAL = 10;
const r = rng(SEED);
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} soak ${line}\n`);

const dir = tempDir('berth-soak-');
const dbPath = path.join(dir, 'berth.db');
const port = await freePort();
const args = ['--db', dbPath, '--port', String(port), '--token', TEST_TOKEN, '--public-read'];
let server: Proc = startProcess('server/main.ts', args);
await server.waitFor(/listening on/);
const link = await flakyLink(port);
const fleet = new SimFleet(`http://127.0.0.1:${link.port}`, HOSTS, fleetTickMaker(), {
  runId: `soak-${SEED}`,
  timeoutMs: 15_000,
  namePrefix: 'soak',
});
log(`seed ${SEED}, ${HOSTS} hosts every ${INTERVAL} s for ${MINUTES} min; db ${dbPath}`);

// Tick k is stamped base + k * INTERVAL: a timer that drifts never stamps two ticks alike.
const base = Math.floor(Date.now() / 1000 / INTERVAL) * INTERVAL;
let k = 0;
const ticking = setInterval(() => fleet.tick(base + INTERVAL * k++), INTERVAL * 1000);
fleet.tick(base + INTERVAL * k++);

interface Sample {
  minute: number;
  rssMb: number;
  heapMb: number;
  waiting: number;
  restarts: number;
}
const samples: Sample[] = [];
const faults: string[] = [];
let restarts = 0;
let serverUp = true;

async function sample(minute: number): Promise<void> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/status`);
    const s = (await res.json()) as { memory: { rss_bytes: number; heap_used_bytes: number } };
    samples.push({
      minute,
      rssMb: s.memory.rss_bytes / 2 ** 20,
      heapMb: s.memory.heap_used_bytes / 2 ** 20,
      waiting: fleet.waiting,
      restarts,
    });
  } catch (e) {
    log(`minute ${minute}: no status (${(e as Error).message}); the server is down`);
  }
}

async function restart(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  serverUp = false;
  await server.kill(signal);
  const downS = 2 + Math.floor(r() * 20);
  faults.push(`${signal} server, down ${downS} s`);
  await sleep(downS * 1000);
  server = startProcess('server/main.ts', args);
  await server.waitFor(/listening on/, 120_000);
  restarts++;
  serverUp = true;
}

const started = Date.now();
const end = started + MINUTES * 60_000;
let nextSample = started;
let nextFault = started + (60 + r() * 120) * 1000;
while (Date.now() < end) {
  if (Date.now() >= nextSample) {
    // Its scheduled minute: a restart in progress may hold the sample up past the next one.
    await sample(Math.round((nextSample - started) / 60_000));
    nextSample += 60_000;
  }
  if (Date.now() >= nextFault && serverUp) {
    const x = r();
    if (x < 0.35) await restart('SIGKILL');
    else if (x < 0.55) await restart('SIGTERM');
    else if (x < 0.8) {
      const ms = 5000 + Math.floor(r() * 25_000);
      faults.push(`link down ${Math.round(ms / 1000)} s`);
      link.down(ms);
    } else {
      faults.push('link reset');
      link.drop();
    }
    log(`fault: ${faults[faults.length - 1]}`);
    nextFault = Date.now() + (60 + r() * 180) * 1000;
  }
  await sleep(1000);
}
clearInterval(ticking);
await sample(MINUTES);
log(`ticking stopped; waiting for ${fleet.waiting} batches`);
await fleet.drained(300_000);
await server.kill('SIGTERM');
await link.close();

const db = new Database(dbPath, { readonly: true });
const ids = new Set(db.prepare('SELECT batch_id FROM batches').pluck().all() as string[]);
const lost = [...fleet.acks.keys()].filter((id) => !ids.has(id));
const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const stored = count('host_samples') + count('container_samples') + count('series_samples');
const integrity = db.pragma('integrity_check', { simple: true });
db.close();

const first = samples.slice(0, Math.max(1, Math.floor(samples.length / 3)));
const last = samples.slice(-Math.max(1, Math.floor(samples.length / 3)));
const max = (xs: Sample[], k: 'rssMb' | 'heapMb') => Math.max(...xs.map((s) => s[k]));
const report = [
  `Soak: ${MINUTES} min, ${HOSTS} hosts every ${INTERVAL} s, seed ${SEED}, started ${new Date(started).toISOString()}`,
  '',
  `Faults (${faults.length}): ${faults.join('; ') || 'none'}`,
  '',
  `Batches: ${fleet.stats.made} made (${fleet.stats.madeRows} rows), ${fleet.acks.size} acknowledged, ${lost.length} acknowledged but not stored; rows stored ${stored}; integrity_check ${integrity}`,
  `Requests: ${JSON.stringify(fleet.stats.outcomes)}`,
  '',
  '| minute | server RSS (MB) | heap used (MB) | batches waiting | restarts so far |',
  '|---:|---:|---:|---:|---:|',
  ...samples.map(
    (s) => `| ${s.minute} | ${s.rssMb.toFixed(1)} | ${s.heapMb.toFixed(1)} | ${s.waiting} | ${s.restarts} |`,
  ),
  '',
  `Max RSS first third ${max(first, 'rssMb').toFixed(1)} MB, last third ${max(last, 'rssMb').toFixed(1)} MB; max heap ${max(first, 'heapMb').toFixed(1)} → ${max(last, 'heapMb').toFixed(1)} MB`,
].join('\n');
process.stdout.write(`${report}\n`);
if (process.env.BERTH_SOAK_REPORT) fs.writeFileSync(process.env.BERTH_SOAK_REPORT, `${report}\n`);

assert.equal(integrity, 'ok');
assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged batches not stored`);
assert.equal(fleet.acks.size, fleet.stats.made, 'every batch made acknowledged in the end');
assert.equal(stored, fleet.stats.madeRows, 'rows stored = rows sent, none twice');
// Flat: the last third's peak within a third (plus 32 MB of slack) of the first third's.
assert.ok(max(last, 'rssMb') <= max(first, 'rssMb') * 1.33 + 32, 'RSS flat');
assert.ok(max(last, 'heapMb') <= max(first, 'heapMb') * 1.33 + 32, 'heap flat');
log('ok');
process.exit(0);
