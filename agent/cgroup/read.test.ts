import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readCgroup } from './read.ts';
import type { CgroupHierarchy } from './hierarchy.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'latin1');

const V1: CgroupHierarchy = {
  version: 1,
  root: '/cg',
  controllers: { cpuacct: '/cg/cpuacct', memory: '/cg/memory', blkio: '/cg/blkio', pids: '/cg/pids' },
};
const GIB = 2 ** 30;

/** A v1 container whose memory files are the fixtures named, recording which files were read. */
function container(stat: string, limit: string) {
  const files: Record<string, string> = {
    '/cg/cpuacct/docker/c/cpuacct.usage': fixture('cpuacct.usage-v1-busy'),
    '/cg/memory/docker/c/memory.usage_in_bytes': fixture('memory.usage_in_bytes-v1-limited'),
    '/cg/memory/docker/c/memory.stat': fixture(stat),
    '/cg/memory/docker/c/memory.limit_in_bytes': fixture(limit),
    '/cg/pids/docker/c/pids.current': fixture('pids.current-v1'),
  };
  const read: string[] = [];
  return {
    read,
    opts: (memTotal?: number) => ({
      memTotal,
      read: (path: string) => {
        read.push(path.slice(path.lastIndexOf('/') + 1));
        return files[path];
      },
    }),
  };
}

test('readCgroup v1: memory.limit_in_bytes is read only when a limit below the machine can be set', () => {
  // No limit anywhere above (memory.stat says so): the machine's memory is what is shown, unread.
  const idle = container('memory.stat-v1-idle', 'memory.limit_in_bytes-v1-unlimited');
  const free = readCgroup(V1, '/docker/c', idle.opts(24 * GIB));
  assert.ok(!idle.read.includes('memory.limit_in_bytes'), idle.read.join(' '));
  assert.ok(Number(free!.memLimit) >= 24 * GIB, 'at or above the machine: shown as the machine');
  // A limit (64 MiB) below the machine: read from its own file, as the engine reads it.
  const lim = container('memory.stat-v1-limited', 'memory.limit_in_bytes-v1-64m');
  assert.equal(readCgroup(V1, '/docker/c', lim.opts(24 * GIB))!.memLimit, 64 * 2 ** 20);
  assert.ok(lim.read.includes('memory.limit_in_bytes'));
  // Without the machine's size (systemd units), always read.
  const unit = container('memory.stat-v1-idle', 'memory.limit_in_bytes-v1-unlimited');
  assert.equal(readCgroup(V1, '/docker/c', unit.opts())!.memLimit, 9223372036854771712);
  assert.ok(unit.read.includes('memory.limit_in_bytes'));
});

test('readCgroup: the same counters whether files are parsed every time or kept by readAs', () => {
  const lim = container('memory.stat-v1-limited', 'memory.limit_in_bytes-v1-64m');
  const plain = readCgroup(V1, '/docker/c', lim.opts(24 * GIB));
  const kept = new Map<string, { text: string; value: unknown }>();
  let parsed = 0;
  const readAs = <T>(path: string, parse: (text: string) => T): T | undefined => {
    const text = lim.opts().read(path);
    if (text === undefined) return undefined;
    const k = kept.get(path);
    if (k?.text === text) return k.value as T;
    parsed++;
    const value = parse(text);
    kept.set(path, { text, value });
    return value;
  };
  const first = readCgroup(V1, '/docker/c', { ...lim.opts(24 * GIB), readAs });
  const again = readCgroup(V1, '/docker/c', { ...lim.opts(24 * GIB), readAs });
  assert.deepEqual(first, plain);
  assert.deepEqual(again, plain);
  assert.equal(parsed, 5, 'each of the five files parsed once');
});
