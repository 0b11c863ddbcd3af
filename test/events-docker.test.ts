// Container events on real parts: containers on a real Docker engine that are OOM-killed,
// loop on a restart policy, turn unhealthy, are redeployed with another image or stopped,
// followed by the real agent process, stored by a real server on a SQLite file, and read
// back through /api/v1/events, the summary, SQL (the container_events view) and the page in
// real Chromium (a mark on the container's chart that says "OOM-killed" on hover, the
// container's row with its restart count and last exit). The engine is one of the test's own
// (test/support/private-dockerd.ts): on the shared one, other tests' dozens of containers
// would crowd these out of the host view's busiest 60.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import type { EventRecord, EventsResponse, EventSummaryResponse } from '../protocol/events.ts';
import { startServer, type RunningServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { TEST_IMAGE, TEST_PREFIX } from './support/docker.ts';
import { privateDockerd, privateDockerdSkipReason } from './support/private-dockerd.ts';
import { startProcess, eventually, type Proc } from './support/processes.ts';
import { agentFlags, testConfig } from './support/server.ts';
import { tempDir } from './support/temp.ts';
import { artifact, browserSkipReason, ensureWebBuilt, launchChromium, WEB_DIST } from './support/browser.ts';

const HOST = `events-host-${process.pid}`;
const N = (s: string) => `${TEST_PREFIX}${s}`;
const OOM = N('oom');
const LOOP = N('loop');
const SICK = N('sick');
const APP = N('app');
const SVC = N('svc');
const V2 = `${TEST_PREFIX}img:v2`;
const PULLED = N('pulled');
/** A tag that moves to another image meanwhile, as `docker pull nginx:latest` moves it. */
const LATEST = `${TEST_PREFIX}img:latest`;

const skip = await privateDockerdSkipReason();

describe('container events from the real engine', { skip }, () => {
  let server: RunningServer;
  let agent: Proc;
  const config = testConfig({ webRoot: WEB_DIST });
  const start = Math.floor(Date.now() / 1000);
  const engine = privateDockerd();
  const sock = path.join(engine.dir, 'd.sock');
  const docker = (args: string[]) => engine.docker(sock, args);

  const run = (name: string, opts: string[], cmd: string[], image = TEST_IMAGE) =>
    docker(['run', '-d', '--network', 'none', '--name', name, ...opts, image, ...cmd]);

  const events = async (container: string, type?: string): Promise<EventRecord[]> => {
    const q = new URLSearchParams({ host: HOST, container, limit: '1000' });
    if (type) q.set('type', type);
    const res = await fetch(`${server.url}/api/v1/events?${q}`);
    return res.status === 200 ? ((await res.json()) as EventsResponse).events : [];
  };

  before(async () => {
    await engine.start(sock);
    server = await startServer(config, memoryLogger());
    agent = startProcess('agent/main.ts', [
      ...agentFlags(server.url, HOST, '1'),
      '--spool',
      path.join(tempDir(), 'spool'),
      '--docker-socket',
      sock,
      '--collectors',
      'docker,events,cpu,memory',
    ]);
    await agent.waitFor(new RegExp(`sampling ${HOST}`));
    await docker(['tag', TEST_IMAGE, V2]);
    await Promise.all([
      // Lives a few seconds (so the agent samples it and it has charts), then fills 100 MB of
      // /dev/shm within a 16 MB limit; restarted twice by its policy.
      run(
        OOM,
        ['--restart', 'on-failure:2', '-m', '16m', '--memory-swap', '16m'],
        ['sh', '-c', 'sleep 4; dd if=/dev/zero of=/dev/shm/fill bs=1M count=100'],
      ),
      run(LOOP, ['--restart', 'always'], ['sh', '-c', 'sleep 0.3; exit 1']),
      run(SICK, ['--health-cmd', 'false', '--health-interval', '1s', '--health-retries', '1'], ['sleep', '600']),
      (async () => {
        // Redeployed: removed and run again under its name with another image.
        await run(APP, [], ['sleep', '600']);
        await new Promise((r) => setTimeout(r, 2000));
        await docker(['rm', '-f', APP]);
        await run(APP, [], ['sleep', '600'], V2);
      })(),
      (async () => {
        // Redeployed under the same tag, which meanwhile names another image.
        await docker(['tag', TEST_IMAGE, LATEST]);
        await run(PULLED, [], ['sleep', '600'], LATEST);
        await docker(['create', '--name', N('base'), TEST_IMAGE, 'true']);
        await docker(['commit', N('base'), LATEST]);
        await new Promise((r) => setTimeout(r, 2000));
        await docker(['rm', '-f', PULLED]);
        await run(PULLED, [], ['sleep', '600'], LATEST);
      })(),
      (async () => {
        await run(SVC, [], ['sleep', '600']);
        await new Promise((r) => setTimeout(r, 2000));
        await docker(['stop', '-t', '1', SVC]);
      })(),
    ]);
  });

  after(async () => {
    await agent?.kill();
    await engine.stop();
    await server?.close();
  });

  test(
    'OOM kill, restart loop, unhealthy, redeploy and stop: the right events in the API and in SQL',
    { timeout: 240_000 },
    async (t) => {
      // The OOM-killed container ran three times (two restarts by its policy).
      const oom = await eventually(
        async () => {
          const list = await events(OOM);
          return list.filter((e) => e.type === 'die').length >= 3 ? list : undefined;
        },
        150_000,
        'three deaths of the OOM container',
      );
      const oldest = [...oom].reverse();
      const ooms = oldest.filter((e) => e.type === 'oom');
      const dies = oldest.filter((e) => e.type === 'die');
      assert.ok(ooms.length >= 1, `oom events: ${oldest.map((e) => e.type)}`);
      // The engine says oom, then die 137; the server says why it died.
      const first = oldest.findIndex((e) => e.type === 'oom');
      assert.equal(oldest[first + 1].type, 'die');
      assert.equal(oldest[first + 1].exit_code, 137);
      assert.equal(oldest[first + 1].cause, 'oom');
      assert.ok(dies.every((e) => e.exit_code === 137));
      assert.equal(oldest.filter((e) => e.type === 'start' && e.cause === 'restart').length, 2);
      assert.equal(oom[0].image, TEST_IMAGE);
      assert.ok(
        oom.every((e) => e.ts >= start - 5 && e.ts <= Date.now() / 1000 + 5),
        'engine times, in seconds',
      );
      assert.ok(
        oom.some((e) => e.ts % 1 !== 0),
        'with their sub-second part',
      );

      // --restart always with exit 1 loops: deaths by themselves, each followed by a restart.
      const loop = await eventually(
        async () => {
          const list = await events(LOOP);
          return list.filter((e) => e.type === 'start' && e.cause === 'restart').length >= 3 ? list : undefined;
        },
        60_000,
        'three restarts of the looping container',
      );
      const loopDies = loop.filter((e) => e.type === 'die');
      assert.ok(loopDies.length >= 3);
      assert.ok(
        loopDies.every((e) => e.exit_code === 1 && e.cause === 'exit'),
        JSON.stringify(loopDies),
      );

      const sick = await eventually(
        async () => {
          const list = await events(SICK, 'health_status');
          return list.length ? list : undefined;
        },
        60_000,
        'the failing health check to turn the container unhealthy',
      );
      await new Promise((r) => setTimeout(r, 3000));
      assert.deepEqual(
        (await events(SICK, 'health_status')).map((e) => e.health),
        ['unhealthy'],
        'said once, not after every failing check',
      );
      assert.equal(sick[0].container, SICK);

      const deploy = await eventually(async () => (await events(APP, 'deploy'))[0], 60_000, 'the redeploy');
      assert.equal(deploy.image, V2);
      assert.deepEqual(deploy.attrs, { previous_image: TEST_IMAGE }, 'docker tag: the same image id, not said');
      const ids = (ref: string) => docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
      const [oldId, newId] = (await Promise.all([ids(TEST_IMAGE), ids(LATEST)])).map((id) => id.slice(7, 19));
      assert.notEqual(oldId, newId);
      const pulled = await eventually(async () => (await events(PULLED, 'deploy'))[0], 60_000, 'the same-tag redeploy');
      assert.equal(pulled.image, LATEST);
      assert.deepEqual(pulled.attrs, { previous_image: LATEST, previous_image_id: oldId, image_id: newId });
      assert.equal(pulled.type, 'deploy');

      const svc = await eventually(
        async () => {
          const list = await events(SVC);
          return list.some((e) => e.type === 'stop') ? list : undefined;
        },
        60_000,
        'the stopped container',
      );
      assert.equal(svc.find((e) => e.type === 'die')?.cause, 'kill', 'a stop asked for is no crash');
      assert.deepEqual(
        svc
          .filter((e) => e.type === 'kill')
          .map((e) => e.signal)
          .reverse(),
        [15, 9],
        'docker stop -t 1: SIGTERM, then SIGKILL a second later (sleep as PID 1 ignores SIGTERM)',
      );

      const summary = (await (
        await fetch(
          `${server.url}/api/v1/events/summary?host=${HOST}&from=${start - 60}&to=${Math.ceil(Date.now() / 1000) + 5}`,
        )
      ).json()) as EventSummaryResponse;
      assert.equal(summary.containers[OOM].restarts, 2);
      assert.ok(summary.containers[OOM].ooms >= 1);
      assert.deepEqual(
        [summary.containers[OOM].last_exit?.exit_code, summary.containers[OOM].last_exit?.cause],
        [137, 'oom'],
      );
      assert.ok(summary.containers[LOOP].restarts >= 3);
      assert.equal(summary.containers[SICK].health, 'unhealthy');

      // The same in SQL, as someone with the sqlite3 CLI reads it.
      const db = new Database(config.dbPath, { readonly: true });
      t.after(() => db.close());
      const sql = (q: string, ...args: unknown[]) => db.prepare(q).all(...args) as Record<string, unknown>[];
      const oomRows = sql(
        `SELECT type, exit_code, cause, time, ts FROM container_events WHERE host = ? AND container = ? AND type IN ('oom', 'die') ORDER BY ts`,
        HOST,
        OOM,
      );
      assert.deepEqual(
        oomRows.slice(0, 2).map((r) => [r.type, r.exit_code, r.cause]),
        [
          ['oom', null, null],
          ['die', 137, 'oom'],
        ],
      );
      assert.match(String(oomRows[0].time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual(sql(`SELECT image, attrs FROM container_events WHERE container = ? AND type = 'deploy'`, APP), [
        { image: V2, attrs: JSON.stringify({ previous_image: TEST_IMAGE }) },
      ]);
      assert.deepEqual(
        sql(`SELECT health FROM container_events WHERE container = ? AND type = 'health_status'`, SICK),
        [{ health: 'unhealthy' }],
      );
      const dupes = sql(
        `SELECT container, type, ts, count(*) AS n FROM container_events WHERE host = ? GROUP BY container_id, type, ts HAVING n > 1`,
        HOST,
      );
      assert.deepEqual(dupes, [], 'no event twice');
    },
  );

  test(
    'in Chromium: the OOM kill marks the container’s chart and says so on hover; its row shows restarts and last exit',
    { timeout: 200_000, skip: browserSkipReason() },
    async () => {
      // The test before waited for these; alone, wait for them here.
      await eventually(
        async () => ((await events(OOM, 'die')).length >= 3 ? true : undefined),
        150_000,
        'the OOM container to be done',
      );
      ensureWebBuilt();
      let browser: Browser | undefined;
      try {
        browser = await launchChromium();
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(e.message));
        const ready = async () =>
          page.waitForFunction(() => Number(document.documentElement.dataset.ready ?? 0) > 0, undefined, {
            timeout: 30_000,
          });

        await page.goto(`${server.url}/host/${HOST}/container/${encodeURIComponent(OOM)}?range=15m`);
        await ready();
        const mem = page.locator('.chart[data-chart="mem"]');
        await mem.locator('canvas').waitFor();
        const mark = mem.locator('.marker');
        const texts = await mark.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.text ?? ''));
        const at = texts.findIndex((x) => x.includes('OOM-killed'));
        assert.ok(at >= 0, `an OOM mark on the memory chart: ${JSON.stringify(texts)}`);
        await mark.nth(at).hover();
        const note = mem.locator('.marker-note');
        await note.waitFor({ state: 'visible' });
        assert.match(await note.innerText(), /OOM-killed/);
        await page.screenshot({ path: artifact('events-container-oom.png'), fullPage: true });
        assert.match(await page.locator('.container-view .ev-badges').innerText(), /↻ 2[\s\S]*exit 137 OOM/);

        await page.goto(`${server.url}/host/${HOST}?range=15m`);
        await ready();
        const row = page.locator(`.legend-item[data-name="${OOM}"]`);
        await row.waitFor();
        const text = await row.innerText();
        assert.match(text, /↻ 2/, `restart count on the row: ${text}`);
        assert.match(text, /exit 137 OOM/, `last exit on the row: ${text}`);
        const hostMarks = await page
          .locator('.chart[data-chart="c-mem"] .marker')
          .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.text ?? '').join('\n'));
        assert.match(hostMarks, /OOM-killed/, 'the host’s container charts mark it too');
        assert.ok(
          (await page.locator('.events-list tr[data-type="oom"]').count()) >= 1,
          'the host view lists the event',
        );
        await page.screenshot({ path: artifact('events-host.png'), fullPage: true });
        assert.deepEqual(problems, []);
      } finally {
        await browser?.close();
      }
    },
  );
});
