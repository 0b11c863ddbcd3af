// Hostile input against a real server process: a seeded corpus of thousands of malformed
// ingest bodies (test/support/hostile.ts) and query strings for every read route of the app's
// route table. Every answer is a 4xx with a message, or a 2xx only for a body that really is
// a valid batch; never a 5xx; the server's memory stays bounded; and a control batch sent
// after the run is stored exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { columnBatch } from '../protocol/batch.ts';
import { testApp, TEST_TOKEN } from './support/server.ts';
import { startProcess, freePort } from './support/processes.ts';
import { tempDir } from './support/temp.ts';
import { rng } from './support/random.ts';
import { hostileIngest, hostileQuery, validBatch } from './support/hostile.ts';
import { postBatch } from './support/post.ts';

const SEED = Number(process.env.BERTH_HOSTILE_SEED ?? 20261207);
const BODIES = Number(process.env.BERTH_HOSTILE_BODIES ?? 3000);
const QUERIES = Number(process.env.BERTH_HOSTILE_QUERIES ?? 150);
const AT_ONCE = 4;

/** Runs job(0..n-1), AT_ONCE at a time, as several agents would. */
async function inParallel(n: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: AT_ONCE }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

/** The read routes of the app's route table, e.g. /api/v1/series. */
function readRoutes(): string[] {
  const { app } = testApp();
  const paths = app.routes
    .filter((r) => r.method === 'GET' && r.path.startsWith('/api/v1/'))
    .map((r) => r.path.replace(/\/$/, ''));
  return [...new Set(paths)].sort();
}

test(
  `hostile input: ${BODIES} malformed ingest bodies and query strings on every read route, never a 5xx`,
  {
    timeout: 300_000,
  },
  async (t) => {
    const dir = tempDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = startProcess('server/main.ts', [
      '--db',
      path.join(dir, 'b.db'),
      '--port',
      String(port),
      '--token',
      TEST_TOKEN,
      '--public-read',
    ]);
    t.after(() => server.kill('SIGKILL'));
    await server.waitFor(/listening on/);
    const pid = server.child.pid!;
    const r = rng(SEED);
    const now = Math.floor(Date.now() / 1000);

    // Data for the read routes to find: a few valid batches of the hosts the queries name.
    for (let k = 0; k < 6; k++)
      assert.equal((await postBatch(url, validBatch(r, `seed-${SEED}-${k}-0000`, now))).status, 200);
    const routes = readRoutes();
    assert.ok(routes.length >= 6, `read routes: ${routes.join(' ')}`);

    const statuses = new Map<number, number>();
    const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
    const failures: string[] = [];
    const check = async (what: string, res: Response, mayBeOk: () => boolean) => {
      count(res.status);
      const text = await res.text();
      let error: unknown;
      try {
        error = (JSON.parse(text) as { error?: unknown }).error;
      } catch {
        /* not JSON */
      }
      if (res.status >= 500) failures.push(`${res.status} for ${what}: ${text.slice(0, 200)}`);
      else if (res.status >= 400 && (typeof error !== 'string' || error.length === 0))
        failures.push(`${res.status} without a message for ${what}: ${text.slice(0, 200)}`);
      else if (res.status < 400 && !mayBeOk()) failures.push(`${res.status} for ${what}, which is not valid`);
    };

    // Memory after a warm-up of the same kind of traffic, then over the whole corpus. The
    // corpus is made first, in order (so a seed replays it), and sent a few requests at a time.
    let rssStart = 0;
    let rssMax = 0;
    const bodies = Array.from({ length: BODIES }, (_, i) => hostileIngest(r, i, now));
    await inParallel(BODIES, async (i) => {
      if (i === 200) rssStart = rssKb(pid);
      const h = bodies[i];
      const res = await fetch(`${url}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKEN}`, ...h.headers },
        body: new Uint8Array(h.body),
      });
      await check(`ingest #${i} (seed ${SEED}): ${h.what}`, res, () => {
        // A 2xx only for what really is a valid batch.
        if (h.text === undefined) return false;
        try {
          return columnBatch.safeParse(JSON.parse(h.text)).success;
        } catch {
          return false;
        }
      });
      if (i % 100 === 0) rssMax = Math.max(rssMax, rssKb(pid));
    });
    const ingestStatuses = new Map(statuses);
    const queries = routes.flatMap((route) =>
      Array.from({ length: QUERIES }, () => `${route}?${hostileQuery(r, now)}`),
    );
    await inParallel(queries.length, async (k) => {
      const q = queries[k];
      await check(`GET ${q.slice(0, 240)}`, await fetch(`${url}${q}`), () => true);
    });
    rssMax = Math.max(rssMax, rssKb(pid));
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} bad answers`);
    const refused = [...ingestStatuses].filter(([s]) => s >= 400).reduce((a, [, n]) => a + n, 0);
    assert.ok(refused >= BODIES * 0.8, `most of the corpus is refused: ${JSON.stringify([...ingestStatuses])}`);
    assert.ok((statuses.get(200) ?? 0) > 100, `some requests got past validation: ${JSON.stringify([...statuses])}`);
    // Bounded: the corpus leaves the server's memory where the warm-up had it, give or take.
    const growthMb = (rssMax - rssStart) / 1024;
    assert.ok(
      growthMb < 96,
      `RSS grew ${growthMb.toFixed(1)} MB over the corpus (from ${(rssStart / 1024).toFixed(0)} MB)`,
    );

    // A control batch afterwards is stored exactly as sent (on the 10 s grid the page reads).
    const at = Math.floor(now / 10) * 10;
    const control = {
      v: 2,
      batch_id: `control-${SEED}-0123456789`,
      agent: { host: 'control', interval: 10 },
      host: { ts: [at - 20, at - 10, at], metrics: { cpu_pct: [1.25, 2.5, 3.75], mem_used_bytes: [1e9, 2e9, 3e9] } },
      containers: [{ id: 'c0ffee'.repeat(2), name: 'ctl', ts: [at - 10, at], metrics: { cpu_pct: [0.5, 0.25] } }],
    };
    const a = await postBatch(url, control);
    assert.equal(a.status, 200, a.body.error);
    assert.deepEqual(a.body, { ok: true, duplicate: false, hostRows: 3, containerRows: 2, seriesRows: 0 });
    const s = (await (
      await fetch(`${url}/api/v1/series?host=control&metrics=cpu_pct,mem_used_bytes&from=${at - 20}&to=${at}`)
    ).json()) as { t: number[]; series: Record<string, (number | null)[]> };
    const got = s.t.flatMap((ts, k) =>
      s.series.cpu_pct[k] === null ? [] : [[ts, s.series.cpu_pct[k], s.series.mem_used_bytes[k]]],
    );
    assert.deepEqual(got, [
      [at - 20, 1.25, 1e9],
      [at - 10, 2.5, 2e9],
      [at, 3.75, 3e9],
    ]);
    const c = (await (
      await fetch(`${url}/api/v1/series?host=control&container=ctl&metrics=cpu_pct&from=${at - 20}&to=${at}`)
    ).json()) as { t: number[]; series: Record<string, (number | null)[]> };
    assert.deepEqual(
      c.t.flatMap((ts, k) => (c.series.cpu_pct[k] === null ? [] : [[ts, c.series.cpu_pct[k]]])),
      [
        [at - 10, 0.5],
        [at, 0.25],
      ],
    );
    assert.ok(!/ error /.test(server.output()), `no error in the server's log:\n${server.output().slice(-3000)}`);
    process.stderr.write(
      `# hostile: ${BODIES} bodies, ${routes.length} routes x ${QUERIES} queries; statuses ${JSON.stringify([...statuses].sort())}; RSS ${(rssStart / 1024).toFixed(0)} -> max ${(rssMax / 1024).toFixed(0)} MB\n`,
    );
  },
);
