// An agent whose sources are missing keeps running and says so once, by collector name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startProcess, eventually, sleep } from './support/processes.ts';
import { agentFlags, testConfig } from './support/server.ts';
import { tempDir } from './support/temp.ts';
import { startServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';

test(
  'no Docker socket: host metrics still arrive, and one clear line says why containers are missing',
  { timeout: 60_000 },
  async (t) => {
    const server = await startServer(testConfig(), memoryLogger());
    t.after(() => server.close());
    const agent = startProcess('agent/main.ts', [
      ...agentFlags(server.url, 'no-docker', '1'),
      '--docker-socket',
      '/nonexistent/docker.sock',
      '--spool',
      path.join(tempDir(), 'spool'),
      '--collectors',
      'cpu,memory,docker',
    ]);
    t.after(() => agent.kill());
    await eventually(
      async () => {
        const res = await fetch(
          `${server.url}/api/v1/series?host=no-docker&metrics=cpu_pct,mem_used_bytes&from=${Math.floor(Date.now() / 1000) - 60}`,
        );
        if (res.status !== 200) return undefined;
        const body = (await res.json()) as { series: { cpu_pct: (number | null)[] } };
        return body.series.cpu_pct.filter((v) => v !== null).length >= 3 ? true : undefined;
      },
      30_000,
      'host samples from the agent',
    );
    const lines = agent
      .output()
      .split('\n')
      .filter((l) => /collector docker off/.test(l));
    assert.equal(lines.length, 1, `said once, not every tick:\n${agent.output()}`);
    assert.match(lines[0], /no Docker socket at \/nonexistent\/docker\.sock/);
  },
);

test(
  'missing /proc files: each collector says so by name and the agent keeps running',
  { timeout: 30_000 },
  async (t) => {
    const server = await startServer(testConfig(), memoryLogger());
    t.after(() => server.close());
    const empty = tempDir();
    const agent = startProcess('agent/main.ts', [
      ...agentFlags(server.url, 'no-proc', '1'),
      '--proc',
      empty,
      '--spool',
      path.join(tempDir(), 'spool'),
      '--collectors',
      'cpu,memory,load',
    ]);
    t.after(() => agent.kill());
    // Said at the first tick, however long a loaded machine takes to start the agent.
    for (const name of ['cpu', 'memory', 'load']) await agent.waitFor(new RegExp(`collector ${name} off: .*${empty}`));
    await sleep(2500);
    assert.equal(agent.child.exitCode, null, 'still running, ticks later');
  },
);

test('a bad flag exits with status 2 and a message naming the flag', async () => {
  const agent = startProcess('agent/main.ts', ['--token', 'x', '--interval', 'often']);
  assert.equal(await agent.exited, 2);
  assert.match(agent.output(), /--interval \(BERTH_INTERVAL\): "often"/);
});
