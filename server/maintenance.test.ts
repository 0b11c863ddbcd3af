// Background maintenance: the first rollup runs a second after start, later ones on their
// interval; once stopped, nothing more reaches the writer (which may be closed by then).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMaintenance } from './maintenance.ts';
import { memoryLogger } from '../agent/log.ts';
import { DEFAULT_RETENTION } from './rollup/tiers.ts';

function fakeWriter() {
  const calls: string[] = [];
  return {
    calls,
    rollup: async () => {
      calls.push('rollup');
      return { buckets: 0, dirty: 0 };
    },
    retention: async () => {
      calls.push('retention');
      return { deleted: 0, freedPages: 0 } as never;
    },
  };
}

const opts = (log = memoryLogger()) => ({
  retention: DEFAULT_RETENTION,
  rollupEverySeconds: 60,
  retentionEverySeconds: 600,
  log,
  now: () => 1_790_000_000,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the first rollup runs about a second after start', async () => {
  const w = fakeWriter();
  const stop = startMaintenance(w, opts());
  await sleep(1300);
  stop();
  assert.deepEqual(w.calls, ['rollup']);
});

test('stopped before its first run, it never calls the writer (no "rollups failed" after close)', async () => {
  const w = fakeWriter();
  const log = memoryLogger();
  startMaintenance(w, opts(log))();
  await sleep(1300);
  assert.deepEqual(w.calls, []);
  assert.deepEqual(log.lines, []);
});
