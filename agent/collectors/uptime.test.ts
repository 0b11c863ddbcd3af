import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uptime as osUptime } from 'node:os';
import { uptimeCollector } from './uptime.ts';
import type { CollectContext } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { RateTracker } from '../rates.ts';
import { memoryLogger } from '../../lib/log.ts';

const ctx = (): CollectContext => ({ mono: 0, rates: new RateTracker(), log: memoryLogger() });

test('uptimeCollector: seconds since boot, as sysinfo(2) gives them', async () => {
  const out = new SnapshotBuilder(0);
  await uptimeCollector({ procRoot: '/proc' }).collect(out, ctx());
  assert.ok(Math.abs(out.host.uptime_seconds - osUptime()) < 2);
});

test('uptimeCollector: a missing /proc/uptime is SourceMissing naming the path', async () => {
  await assert.rejects(
    uptimeCollector({ procRoot: '/nonexistent-proc' }).collect(new SnapshotBuilder(0), ctx()),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/uptime'),
  );
});
