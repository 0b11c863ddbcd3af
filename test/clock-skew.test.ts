// Agents whose clocks are wrong: one 10 minutes ahead of the server's, one 10 minutes behind,
// one right, each a real agent (in this process, its wall clock injected) sampling every
// second into a real server. The protocol takes samples up to a day ahead as stamped
// (protocol/constants.ts MAX_FUTURE_SECONDS), so all three are stored, each under its own
// clock's times, none refused; the server knows how far each clock is off (the agent's Date
// header; a plain client's newest sample against the arrival), and the page says which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer, type RunningServer } from '../server/server.ts';
import { startAgent } from '../agent/agent.ts';
import { loadAgentConfig } from '../agent/config.ts';
import { memoryLogger } from '../lib/log.ts';
import { agentFlags, testConfig } from './support/server.ts';
import { tempDir } from './support/temp.ts';
import { sleep } from './support/processes.ts';
import { postBatch } from './support/post.ts';
import { browserSkipReason, ensureWebBuilt, launchChromium, WEB_DIST } from './support/browser.ts';

const SKEWS = { ahead: 600, behind: -600, exact: 0 } as const;
type HostName = keyof typeof SKEWS;
const now = () => Math.floor(Date.now() / 1000);

let server: RunningServer;
let dbPath: string;

test(
  'agents 10 min ahead and 10 min behind: stored under their own clocks, none refused, the offset known',
  {
    timeout: 120_000,
  },
  async (t) => {
    ensureWebBuilt();
    const config = testConfig({ webRoot: WEB_DIST });
    dbPath = config.dbPath;
    server = await startServer(config, memoryLogger());
    const dir = tempDir();
    const agents = Object.entries(SKEWS).map(([host, skew]) => {
      const log = memoryLogger();
      const agentConfig = loadAgentConfig(
        [...agentFlags(server.url, host, '1'), '--spool', path.join(dir, host), '--collectors', 'memory,load'],
        {},
      );
      return { host, skew, log, agent: startAgent(agentConfig, log, { wallNow: () => Date.now() + skew * 1000 }) };
    });
    t.after(() => Promise.all(agents.map((a) => a.agent.stop())));
    const started = now();
    await sleep(5000);
    await Promise.all(agents.map((a) => a.agent.stop()));
    const stopped = now();

    const db = new Database(dbPath, { readonly: true });
    t.after(() => db.close());
    for (const { host, skew, log, agent } of agents) {
      const ts = db
        .prepare('SELECT s.ts FROM host_samples s JOIN hosts h ON h.id = s.host_id WHERE h.name = ? ORDER BY s.ts')
        .pluck()
        .all(host) as number[];
      assert.ok(ts.length >= 3, `${host}: ${ts.length} samples stored`);
      // Each sample at the time its own clock said, i.e. the server's plus the skew.
      assert.ok(
        ts[0] >= started + skew - 1 && ts[ts.length - 1] <= stopped + skew + 1,
        `${host}: samples at ${ts[0]}..${ts[ts.length - 1]}, its clock read ${started + skew}..${stopped + skew}`,
      );
      assert.equal(agent.undelivered, 0, `${host}: everything delivered`);
      assert.ok(!log.lines.some((l) => /refused|error/.test(l)), `${host}: ${log.lines.join('\n')}`);
    }

    // The offset of each clock, from the Date header the agent sends.
    const hosts = (await (await fetch(`${server.url}/api/v1/hosts`)).json()) as {
      hosts: { name: HostName; clock_offset: number | null }[];
    };
    for (const h of hosts.hosts) {
      assert.ok(Math.abs(h.clock_offset! - SKEWS[h.name]) <= 2, `${h.name}: clock_offset ${h.clock_offset}`);
    }

    // A client that sends no Date header: told from its newest sample against the arrival.
    const plain = (host: string, ts: number) => ({
      v: 2,
      batch_id: `plain-${host}-${ts}`,
      agent: { host, interval: 10 },
      host: { ts: [ts], metrics: { cpu_pct: [1] } },
    });
    assert.equal((await postBatch(server.url, plain('plain-ahead', now() + 600))).status, 200);
    assert.equal((await postBatch(server.url, plain('plain-behind', now() - 600))).status, 200);
    const plainHosts = (await (await fetch(`${server.url}/api/v1/hosts`)).json()) as {
      hosts: { name: string; clock_offset: number | null }[];
    };
    const offsetOf = (name: string) => plainHosts.hosts.find((h) => h.name === name)!.clock_offset!;
    assert.ok(Math.abs(offsetOf('plain-ahead') - 600) <= 2, `plain-ahead: ${offsetOf('plain-ahead')}`);
    // Behind, less the interval a live batch may lag by.
    assert.ok(Math.abs(offsetOf('plain-behind') + 590) <= 2, `plain-behind: ${offsetOf('plain-behind')}`);

    // More than a day ahead is refused, saying the clock is off.
    const far = await postBatch(server.url, plain('far-ahead', now() + 86_400 + 120));
    assert.equal(far.status, 400);
    assert.match(far.body.error!, /more than a day in the future \(check the agent's clock\)/);
  },
);

test('the page marks the hosts whose clocks are off', { timeout: 120_000 }, async (t) => {
  if (browserSkipReason()) return t.skip('no browser');
  t.after(() => server.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForSelector('.host-card[data-host="plain-behind"] h2');
  const marks = await page.$$eval('.host-card', (cards) =>
    cards.map((c) => [c.getAttribute('data-host'), c.querySelector('.clock-off')?.textContent ?? null]),
  );
  const byHost = Object.fromEntries(marks);
  assert.equal(byHost.ahead, 'clock 10 min ahead');
  assert.equal(byHost.behind, 'clock 10 min behind');
  assert.equal(byHost.exact, null);
  assert.equal(byHost['plain-ahead'], 'clock 10 min ahead');
  assert.match(byHost['plain-behind'], /^clock (9 min 50 s|10 min) behind$/);
  // The host's own page says it too.
  await page.goto(`${server.url}/host/ahead`);
  await page.waitForSelector('.clock-off');
  assert.match(await page.$eval('.clock-off', (e) => e.getAttribute('title') ?? ''), /ahead of the server's by 60\d s/);
});
