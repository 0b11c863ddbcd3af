import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadCollector } from './load.ts';
import type { CollectContext } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { RateTracker } from '../rates.ts';
import { memoryLogger } from '../../lib/log.ts';

const ctx = (): CollectContext => ({ mono: 0, rates: new RateTracker(), log: memoryLogger() });

test('loadCollector: the three load averages of this machine', async () => {
  const out = new SnapshotBuilder(0);
  await loadCollector({ procRoot: '/proc' }).collect(out, ctx());
  const [l1, l5, l15] = (await readFile('/proc/loadavg', 'utf8')).split(' ').map(Number);
  // The kernel recomputes every 5 s, so the two reads can differ by one update.
  assert.ok(
    Math.abs(out.host.load1 - l1) < 1 && Math.abs(out.host.load5 - l5) < 0.5 && Math.abs(out.host.load15 - l15) < 0.5,
  );
  assert.deepEqual(Object.keys(out.host).sort(), ['load1', 'load15', 'load5']);
});

test('loadCollector: a missing /proc/loadavg is SourceMissing naming the path', async () => {
  await assert.rejects(
    loadCollector({ procRoot: '/nonexistent-proc' }).collect(new SnapshotBuilder(0), ctx()),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/loadavg'),
  );
});
