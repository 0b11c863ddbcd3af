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
  const read = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).map(Number);
  // The kernel recomputes every 5 s, and on a busy machine the one in between can swing by
  // more than 1: compare only a read that the kernel's figures did not change around.
  for (let attempt = 1; ; attempt++) {
    const before = await read();
    const out = new SnapshotBuilder(0);
    await loadCollector({ procRoot: '/proc' }).collect(out, ctx());
    const after = await read();
    if (before.join() !== after.join() && attempt < 5) continue;
    assert.deepEqual(Object.keys(out.host).sort(), ['load1', 'load15', 'load5']);
    const got = [out.host.load1, out.host.load5, out.host.load15];
    assert.ok(
      got.every((v, i) => v === before[i] || v === after[i]),
      `collected ${got.join(' ')}, /proc/loadavg ${before.join(' ')} then ${after.join(' ')}`,
    );
    return;
  }
});

test('loadCollector: a missing /proc/loadavg is SourceMissing naming the path', async () => {
  await assert.rejects(
    loadCollector({ procRoot: '/nonexistent-proc' }).collect(new SnapshotBuilder(0), ctx()),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/loadavg'),
  );
});
