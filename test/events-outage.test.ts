// The server down while container events happen: the real agent keeps them in its spool with
// the samples, and they arrive, once, when the server is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { ColumnBatch } from '../protocol/batch.ts';
import type { EventsResponse } from '../protocol/events.ts';
import { docker, removeContainers, requireDocker, TEST_IMAGE, TEST_LABELS, TEST_PREFIX } from './support/docker.ts';
import { startProcess, eventually, freePort, type Proc } from './support/processes.ts';
import { agentFlags, TEST_TOKEN } from './support/server.ts';
import { tempDir } from './support/temp.ts';

const HOST = `events-outage-${process.pid}`;
const NAME = `${TEST_PREFIX}outage`;

test(
  'events that happen while the server is down arrive from the spool afterwards, once',
  { timeout: 180_000 },
  async (t) => {
    if (!(await requireDocker(t))) return;
    await removeContainers([NAME]);
    t.after(() => removeContainers([NAME]));
    const dir = tempDir();
    const spool = path.join(dir, 'spool');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const serverArgs = [
      '--db',
      path.join(dir, 'berth.db'),
      '--port',
      String(port),
      '--token',
      TEST_TOKEN,
      '--public-read',
    ];
    const procs: Proc[] = [];
    t.after(async () => {
      for (const p of procs) await p.kill('SIGKILL');
    });
    let server = startProcess('server/main.ts', serverArgs);
    procs.push(server);
    await server.waitFor(/listening on/);
    const agent = startProcess('agent/main.ts', [
      ...agentFlags(url, HOST, '1'),
      '--spool',
      spool,
      '--collectors',
      'events,load',
    ]);
    procs.push(agent);
    await agent.waitFor(new RegExp(`sampling ${HOST}`));
    await eventually(
      async () => ((await (await fetch(`${url}/api/v1/hosts`)).text()).includes(HOST) ? true : undefined),
      30_000,
      'the agent to report',
    );

    await server.kill('SIGTERM');
    // A container lives and dies while nobody takes the agent's batches.
    await docker(['run', '--name', NAME, ...TEST_LABELS, TEST_IMAGE, 'sh', '-c', 'exit 4']).catch(() => undefined);
    await agent.waitFor(/send failed: cannot reach/, 30_000);
    const spooled = await eventually(
      async () => {
        for (const f of fs.readdirSync(spool).filter((x) => x.endsWith('.json.gz'))) {
          const b = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(spool, f))).toString()) as ColumnBatch;
          const mine = b.events?.filter((e) => e.name === NAME) ?? [];
          if (mine.some((e) => e.type === 'die')) return mine;
        }
        return undefined;
      },
      60_000,
      'the events in the spool',
    );
    assert.equal(spooled.find((e) => e.type === 'die')?.exit_code, 4);

    server = startProcess('server/main.ts', serverArgs);
    procs.push(server);
    await server.waitFor(/listening on/);
    const events = await eventually(
      async () => {
        const res = await fetch(`${url}/api/v1/events?host=${HOST}&container=${NAME}`);
        if (res.status !== 200) return undefined;
        const list = ((await res.json()) as EventsResponse).events;
        return list.some((e) => e.type === 'die') ? list : undefined;
      },
      60_000,
      'the events to arrive from the spool',
    );
    assert.deepEqual(events.map((e) => e.type).reverse(), ['create', 'start', 'die']);
    assert.equal(events.find((e) => e.type === 'die')?.exit_code, 4);
    assert.equal(events.find((e) => e.type === 'die')?.cause, 'exit');
    await eventually(
      async () => (fs.readdirSync(spool).some((f) => f.endsWith('.json.gz')) ? undefined : true),
      60_000,
      'the spool to drain',
    );
  },
);
