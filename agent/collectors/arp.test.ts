import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { arpCollector } from './arp.ts';
import type { CollectContext } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { RateTracker } from '../rates.ts';
import { memoryLogger } from '../../lib/log.ts';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

const testdata = (name: string) => new URL(`../procfs/testdata/${name}`, import.meta.url);

async function procRoot(arp?: string, gcThresh3?: string): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'berth-arp-'));
  roots.push(root);
  await mkdir(path.join(root, 'net'), { recursive: true });
  if (arp) await copyFile(testdata(arp), path.join(root, 'net/arp'));
  if (gcThresh3 !== undefined) {
    await mkdir(path.join(root, 'sys/net/ipv4/neigh/default'), { recursive: true });
    await writeFile(path.join(root, 'sys/net/ipv4/neigh/default/gc_thresh3'), gcThresh3);
  }
  return root;
}

async function collect(root: string): Promise<Map<string, number>> {
  const out = new SnapshotBuilder(1_700_000_000);
  const ctx: CollectContext = { mono: 1, rates: new RateTracker(), log: memoryLogger() };
  await arpCollector({ procRoot: root, netRoot: root }).collect(out, ctx);
  return new Map(out.series.map((s) => [`${s.name}${JSON.stringify(s.labels)}`, s.value]));
}

test('arp: entries and incomplete entries per device and in total, beside gc_thresh3', async () => {
  const got = await collect(await procRoot('arp-busy', '1024\n'));
  assert.deepEqual(Object.fromEntries(got), {
    'arp_entries{"dev":"eth0"}': 5, // .1 .20 .21 .22 .254; the proxy entry .99 is not in the table
    'arp_incomplete{"dev":"eth0"}': 2,
    'arp_entries{"dev":"docker0"}': 3,
    'arp_incomplete{"dev":"docker0"}': 1,
    'arp_entries{"dev":"ib0"}': 1,
    'arp_incomplete{"dev":"ib0"}': 0,
    'arp_entries{"dev":"cali1a2b3c4d5e6"}': 1,
    'arp_incomplete{"dev":"cali1a2b3c4d5e6"}': 0,
    'arp_entries_total{}': 10,
    'arp_incomplete_total{}': 3,
    'arp_gc_thresh3{}': 1024,
  });
});

test("arp: this machine's real table counts one entry per line", async () => {
  const lines = (await readFile(testdata('arp-this-host'), 'utf8')).trim().split('\n').length - 1;
  const got = await collect(await procRoot('arp-this-host'));
  assert.equal(got.get('arp_entries_total{}'), lines);
  assert.equal(got.get('arp_incomplete_total{}'), 0);
  // No /proc/sys in this root: the limit is simply not reported.
  assert.equal(got.has('arp_gc_thresh3{}'), false);
});

test('arp: an empty table reports zero totals', async () => {
  const got = await collect(await procRoot('arp-empty', '1024'));
  assert.deepEqual(Object.fromEntries(got), {
    'arp_entries_total{}': 0,
    'arp_incomplete_total{}': 0,
    'arp_gc_thresh3{}': 1024,
  });
});

test('arp: a missing /proc/net/arp turns the collector off', async () => {
  const root = await procRoot();
  await assert.rejects(
    collect(root),
    (err: unknown) => err instanceof SourceMissing && /net\/arp not found/.test(err.message),
  );
});

test('arp: a malformed file is an error naming the file and the line', async () => {
  const root = await procRoot('arp-empty');
  await writeFile(
    path.join(root, 'net/arp'),
    'IP address       HW type     Flags       HW address            Mask     Device\n10.0.0.1 0x1\n',
  );
  await assert.rejects(collect(root), /net\/arp: line 2: expected 6 fields, got 2/);
});

test("arp: with a host /proc mounted elsewhere, the host namespace (pid 1) is read, not the agent's own", async () => {
  const { hostNetRoot } = await import('../procfs/procfile.ts');
  assert.equal(hostNetRoot('/proc'), '/proc');
  assert.equal(hostNetRoot('/proc/'), '/proc');
  assert.equal(hostNetRoot('/host/proc'), '/host/proc/1');
});
