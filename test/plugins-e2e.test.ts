// Mackerel plugins under the real agent: their lines become stored series, their declared
// units reach the server, and a plugin that hangs or prints garbage harms nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startProcess, eventually, REPO } from './support/processes.ts';
import { agentFlags, testConfig } from './support/server.ts';
import { tempDir } from './support/temp.ts';
import { startServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';

const script = (name: string) => path.join(REPO, 'agent/plugins/testdata', name);

test(
  'plugin metrics are stored as series with their meta; a hanging and a malformed plugin are contained',
  { timeout: 60_000 },
  async (t) => {
    const server = await startServer(testConfig(), memoryLogger());
    t.after(() => server.close());
    const agent = startProcess(
      'agent/main.ts',
      [
        ...agentFlags(server.url, 'plugin-host', '2'),
        '--collectors',
        'memory,plugins',
        '--spool',
        path.join(tempDir(), 'spool'),
        '--plugin-timeout',
        '1',
        '--plugin',
        `app=${script('metrics.sh')}`,
        '--plugin',
        `lvs=${script('meta.sh')}`,
        '--plugin',
        `stuck=${script('hang.sh')}`,
        '--plugin',
        `junk=${script('malformed.sh')}`,
      ],
      { MACKEREL_AGENT_PLUGIN_META: '1' },
    );
    t.after(() => agent.kill());

    const from = Math.floor(Date.now() / 1000) - 60;
    const values = await eventually(
      async () => {
        const r = (await (
          await fetch(`${server.url}/api/v1/series?host=plugin-host&series=app.requests.get&from=${from}`)
        ).json()) as { series?: Record<string, (number | null)[]> };
        const v = Object.values(r.series ?? {})[0]?.filter((x) => x !== null);
        return v && v.length >= 2 ? v : undefined;
      },
      40_000,
      'two samples of app.requests.get',
    );
    assert.deepEqual([...new Set(values)], [1234]);

    const mem = (await (
      await fetch(`${server.url}/api/v1/series?host=plugin-host&metrics=mem_used_bytes&from=${from}`)
    ).json()) as { series: { mem_used_bytes: (number | null)[] } };
    assert.ok(
      mem.series.mem_used_bytes.filter((v) => v !== null).length >= 2,
      'other collectors keep their pace despite the hanging plugin',
    );

    const catalog = (await (await fetch(`${server.url}/api/v1/catalog?host=plugin-host`)).json()) as {
      series: { name: string; labels: Record<string, string>; unit: string | null }[];
    };
    const names = catalog.series.map((s) => s.name);
    assert.ok(names.includes('app.latency.p99'));
    assert.ok(
      names.some((n) => n.startsWith('lvs.')),
      `meta plugin's series stored: ${names}`,
    );
    assert.ok(
      catalog.series.some((s) => s.name === 'lvs.conns.active' && s.unit === 'count'),
      'units from the plugin meta (integer → count) reach the server',
    );
    const bad = catalog.series.find((s) => s.name === 'plugin_bad_lines' && s.labels.plugin === 'junk');
    assert.ok(bad, 'malformed lines are counted per plugin');
    assert.match(agent.output(), /stuck/, 'the hanging plugin is reported by name');
  },
);
