// The background passes on a file that has seen a fleet's containers come and go: --churned
// containers (40 a host) that reported once, eight days ago, and went silent, beside --live
// containers reporting every 10 s for the last two hours. Times, in process, on the writer's
// connection: one steady rollup run (rollups caught up to an hour ago), then a first retention
// pass (which deletes the churned containers' raw rows) and a steady one ten minutes later.
// With --server-root DIR the same file is built and timed with that checkout's code too (its
// own migrations, rollups and retention), alternating which side goes first each round.
// Usage: npx tsx bench/fleet-passes.ts [--churned 100000] [--live 400] [--rounds 2]
//          [--server-root ../wt-main]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { flags, median } from './synthetic.ts';

const opt = flags({ churned: 100_000, live: 400, rounds: 2, 'server-root': '' });
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NOW = Math.floor(Date.now() / 1000 / 3600) * 3600;
const DAY = 86400;
const RETENTION = { raw: 7 * DAY, '1m': 30 * DAY, '5m': 180 * DAY, '1h': 730 * DAY };
const log = (s: string) => process.stdout.write(`${s}\n`);
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface Side {
  label: string;
  root: string;
}
const sides: Side[] = [{ label: 'this', root: ROOT }];
if (opt['server-root'])
  sides.unshift({ label: path.basename(path.resolve(opt['server-root'])), root: path.resolve(opt['server-root']) });

interface Figures {
  side: string;
  rollupMs: number;
  firstRetentionMs: number;
  steadyRetentionMs: number;
  deleted: number;
  load: string;
}

async function measure(side: Side, round: number): Promise<Figures> {
  const { openDb } = (await import(path.join(side.root, 'server/db/open.ts'))) as {
    openDb: (f: string) => { $client: Database.Database };
  };
  const { runRollups } = (await import(path.join(side.root, 'server/rollup/rollup.ts'))) as {
    runRollups: (s: Database.Database, now: number) => unknown;
  };
  const { enforceRetention } = (await import(path.join(side.root, 'server/rollup/retention.ts'))) as {
    enforceRetention: (s: Database.Database, r: typeof RETENTION, now: number) => Promise<{ deleted: number }>;
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-passes-'));
  const sqlite = openDb(path.join(dir, 'berth.db')).$client;
  try {
    const t0 = performance.now();
    const hostOf = (i: number) => Math.floor(i / 40) + 1;
    const hosts = Math.ceil((opt.churned + opt.live) / 40) + 1;
    sqlite.transaction(() => {
      const host = sqlite.prepare(
        'INSERT INTO hosts (id, name, interval_s, first_seen, last_seen, last_ts) VALUES (?, ?, 10, ?, ?, ?)',
      );
      const container = sqlite.prepare(
        'INSERT INTO containers (id, host_id, name, container_id, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const raw = sqlite.prepare('INSERT INTO container_samples (container_id, ts, cpu_pct_x100) VALUES (?, ?, ?)');
      const gone = NOW - 8 * DAY;
      for (let h = 1; h <= hosts; h++) {
        const live = (h - 1) * 40 >= opt.churned;
        host.run(h, `host-${h}`, live ? NOW - 7200 : gone, live ? NOW : gone, live ? NOW : gone);
      }
      for (let i = 0; i < opt.churned; i++) {
        container.run(i + 1, hostOf(i), `gone-${i}`, `g${i}`, gone, gone);
        raw.run(i + 1, gone, 100);
      }
      for (let k = 0; k < opt.live; k++) {
        const i = opt.churned + k;
        container.run(i + 1, hostOf(i), `live-${k}`, `l${k}`, NOW - 7200, NOW);
        for (let ts = NOW - 7200; ts <= NOW; ts += 10) raw.run(i + 1, ts, (k % 100) * 100);
      }
      // Rollups caught up to an hour ago, as on a server that has run all along.
      const wm = sqlite.prepare('INSERT INTO rollup_state (kind, tier, watermark) VALUES (?, ?, ?)');
      for (const kind of ['host', 'container', 'series'])
        for (const [tier, step] of [
          ['1m', 60],
          ['5m', 300],
          ['1h', 3600],
        ] as const)
          wm.run(kind, tier, Math.floor((NOW - 3600) / step) * step);
    })();
    log(
      `[${side.label}] round ${round}: ${opt.churned.toLocaleString('en')} churned + ${opt.live} live containers written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const load = loadavg();
    const time = async (f: () => unknown) => {
      const a = performance.now();
      const r = await f();
      return { ms: performance.now() - a, r };
    };
    const rollup = await time(() => runRollups(sqlite, NOW));
    const first = await time(() => enforceRetention(sqlite, RETENTION, NOW));
    const steady = await time(() => enforceRetention(sqlite, RETENTION, NOW + 600));
    const f: Figures = {
      side: side.label,
      rollupMs: rollup.ms,
      firstRetentionMs: first.ms,
      steadyRetentionMs: steady.ms,
      deleted: (first.r as { deleted: number }).deleted,
      load: `${load} → ${loadavg()}`,
    };
    log(
      `  rollup run ${f.rollupMs.toFixed(0)} ms | first retention pass ${f.firstRetentionMs.toFixed(0)} ms (${f.deleted.toLocaleString('en')} rows deleted) | steady retention pass ${f.steadyRetentionMs.toFixed(0)} ms | load ${f.load}`,
    );
    return f;
  } finally {
    sqlite.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const results: Figures[] = [];
for (let round = 0; round < opt.rounds; round++)
  for (const side of round % 2 === 0 ? sides : [...sides].reverse()) results.push(await measure(side, round));

log(
  `\n| figure (median of ${opt.rounds}) | ${sides.map((s) => s.label).join(' | ')} |${sides.length > 1 ? ' ratio this / other |' : ''}`,
);
log(`|---|${sides.map(() => '---|').join('')}${sides.length > 1 ? '---|' : ''}`);
for (const [name, get] of [
  ['steady rollup run, ms', (f: Figures) => f.rollupMs],
  ['first retention pass, ms', (f: Figures) => f.firstRetentionMs],
  ['steady retention pass, ms', (f: Figures) => f.steadyRetentionMs],
] as const) {
  const m = sides.map((s) => median(results.filter((r) => r.side === s.label).map(get)));
  log(
    `| ${name} | ${m.map((x) => x.toFixed(0)).join(' | ')} |${sides.length > 1 ? ` ${(m[1] / m[0]).toFixed(3)} |` : ''}`,
  );
}
