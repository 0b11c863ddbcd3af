// Nothing lost when the server goes away: the real agent and the real server as separate
// processes; the server is stopped for a minute while the agent samples every second, and the
// agent itself is SIGKILLed and restarted in the middle of the outage. After the server
// returns, every second the agent was alive for is in the database, exactly once. A minute holds
// every step: half a minute of failed sends, backing off, and spooled batches on each side of
// the restart; a longer outage only repeats them (BERTH_OUTAGE_SECONDS=180 for the long run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { startProcess, eventually, sleep, freePort, type Proc } from './support/processes.ts';
import { agentFlags, TEST_TOKEN } from './support/server.ts';
import { tempDir } from './support/temp.ts';

const OUTAGE_S = Number(process.env.BERTH_OUTAGE_SECONDS ?? 60);

const now = () => Math.floor(Date.now() / 1000);

test(
  `server down ${OUTAGE_S} s, agent SIGKILLed and restarted meanwhile: every sampled second stored once`,
  // Room for four process starts of up to a minute each on a loaded machine.
  { timeout: (OUTAGE_S + 240) * 1000 },
  async (t) => {
    const dir = tempDir();
    const db = path.join(dir, 'berth.db');
    const spool = path.join(dir, 'spool');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const serverArgs = ['--db', db, '--port', String(port), '--token', TEST_TOKEN, '--public-read'];
    const agentArgs = [...agentFlags(url, 'outage-host', '1'), '--spool', spool, '--collectors', 'cpu,memory,load'];
    const procs: Proc[] = [];
    t.after(async () => {
      for (const p of procs) await p.kill('SIGKILL');
    });
    const run = (entry: string, args: string[]) => {
      const p = startProcess(entry, args);
      procs.push(p);
      return p;
    };

    let server = run('server/main.ts', serverArgs);
    await server.waitFor(/listening on/);
    let agent = run('agent/main.ts', agentArgs);
    await agent.waitFor(/sampling outage-host/);
    await sleep(4000);

    const outageStart = now();
    await server.kill('SIGTERM');
    await sleep((OUTAGE_S / 2) * 1000);

    const killedAt = now();
    await agent.kill('SIGKILL');
    await sleep(1500);
    agent = run('agent/main.ts', agentArgs);
    await agent.waitFor(/sampling outage-host/);
    const restartedAt = now();
    assert.match(agent.output(), /batches .* waiting from an earlier run/, 'the restarted agent finds the spool');

    await sleep((OUTAGE_S / 2) * 1000);
    const outageEnd = now();
    server = run('server/main.ts', serverArgs);
    await server.waitFor(/listening on/);

    await eventually(
      async () =>
        fs.readdirSync(spool).length === 0 && /replayed \d+ spooled batches/.test(agent.output()) ? true : undefined,
      90_000,
      'the spool to drain',
    );
    await sleep(1500);

    const sqlite = new Database(db, { readonly: true });
    t.after(() => sqlite.close());
    const rows = sqlite
      .prepare(
        "SELECT s.ts FROM host_samples s JOIN hosts h ON h.id = s.host_id WHERE h.name = 'outage-host' AND s.ts BETWEEN ? AND ? ORDER BY s.ts",
      )
      .pluck()
      .all(outageStart, outageEnd) as number[];
    assert.equal(new Set(rows).size, rows.length, 'no timestamp twice');
    const have = new Set(rows);
    // The agent was dead from the SIGKILL until its restart finished (plus the one snapshot it
    // was taking when killed); every other second of the outage must be there.
    const missing: number[] = [];
    for (let ts = outageStart; ts <= outageEnd; ts++) {
      const whileDead = ts >= killedAt - 1 && ts <= restartedAt + 1;
      if (!whileDead && !have.has(ts)) missing.push(ts);
    }
    assert.deepEqual(missing, [], `seconds missing outside the agent's own downtime (${killedAt}..${restartedAt})`);
    assert.ok(rows.length >= OUTAGE_S - (restartedAt - killedAt) - 4, `${rows.length} rows for a ${OUTAGE_S} s outage`);
    assert.ok(/send failed: cannot reach/.test(agent.output()), 'the failures were logged');
  },
);

test('SIGTERM sends what is still in memory before the agent exits', { timeout: 120_000 }, async (t) => {
  const dir = tempDir();
  const port = await freePort();
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
  // Flush only every 60 s: without the SIGTERM flush nothing would reach the server.
  const agent = startProcess('agent/main.ts', [
    '--server',
    `http://127.0.0.1:${port}`,
    '--token',
    TEST_TOKEN,
    '--interval',
    '1',
    '--flush',
    '60',
    '--host',
    'term-host',
    '--spool',
    path.join(dir, 'spool'),
    '--collectors',
    'memory',
  ]);
  t.after(() => agent.kill('SIGKILL'));
  await agent.waitFor(/sampling term-host/);
  await sleep(3500);
  assert.equal(await agent.kill('SIGTERM'), 0, 'clean exit');
  const res = await fetch(
    `http://127.0.0.1:${port}/api/v1/series?host=term-host&metrics=mem_used_bytes&from=${now() - 60}`,
  );
  assert.equal(res.status, 200);
  const body = (await res.json()) as { series: { mem_used_bytes: (number | null)[] } };
  assert.ok(
    body.series.mem_used_bytes.filter((v) => v !== null).length >= 3,
    'the samples taken before SIGTERM were stored',
  );
});

test(
  '--once is a check: exit 0 once the server stored the sample, 1 (the batch kept) when it could not be delivered',
  { timeout: 180_000 },
  async (t) => {
    const dir = tempDir();
    const db = path.join(dir, 'berth.db');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const once = [
      '--once',
      ...agentFlags(url, 'once-host', '1'),
      '--spool',
      path.join(dir, 'spool'),
      '--collectors',
      'memory',
    ];
    const down = startProcess('agent/main.ts', once);
    t.after(() => down.kill('SIGKILL'));
    assert.equal(await down.exited, 1, 'nothing listens: not delivered');
    assert.match(down.output(), /--once: 1 batch not delivered \(kept in the spool/);
    assert.equal(fs.readdirSync(path.join(dir, 'spool')).filter((f) => f.endsWith('.json.gz')).length, 1);

    const server = startProcess('server/main.ts', [
      '--db',
      db,
      '--port',
      String(port),
      '--token',
      TEST_TOKEN,
      '--public-read',
    ]);
    t.after(() => server.kill('SIGKILL'));
    await server.waitFor(/listening on/);
    const up = startProcess('agent/main.ts', once);
    t.after(() => up.kill('SIGKILL'));
    assert.equal(await up.exited, 0, up.output());
    assert.equal(
      fs.readdirSync(path.join(dir, 'spool')).filter((f) => f.endsWith('.json.gz')).length,
      0,
      'the kept batch went too',
    );
    const rows = new Database(db, { readonly: true })
      .prepare("SELECT count(*) FROM host_samples JOIN hosts ON hosts.id = host_id WHERE hosts.name = 'once-host'")
      .pluck()
      .get() as number;
    assert.equal(rows, 2, 'the sample of each run, once');
  },
);

test(
  '--once against a server that refuses the batch (400) exits 1 and says it was refused',
  { timeout: 60_000 },
  async (t) => {
    const http = await import('node:http');
    const stub = http.createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"error":"snapshots.0.ts: more than a day in the future (check the agent\'s clock)"}'),
      );
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    t.after(() => stub.close());
    const port = (stub.address() as { port: number }).port;
    const dir = tempDir();
    const agent = startProcess('agent/main.ts', [
      '--once',
      ...agentFlags(`http://127.0.0.1:${port}`, 'refused-host', '1'),
      '--spool',
      path.join(dir, 'spool'),
      '--collectors',
      'memory',
    ]);
    t.after(() => agent.kill('SIGKILL'));
    assert.equal(await agent.exited, 1, agent.output());
    assert.match(agent.output(), /--once: 1 refused by the server \(dropped\)/);
  },
);
