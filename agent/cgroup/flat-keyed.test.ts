import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { flatKeyedValue, parseFlatKeyed } from './flat-keyed.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'latin1');

test('parseFlatKeyed: memory.stat of cgroup v1 (this machine, a container holding 20 MiB of /dev/shm)', () => {
  const m = parseFlatKeyed(fixture('memory.stat-v1-limited'), 'memory.stat');
  assert.equal(m.size, 42);
  // shmem is cache the kernel cannot drop: in usage, not in the inactive file docker subtracts.
  assert.equal(m.get('total_shmem'), 20 * 2 ** 20);
  assert.equal(m.get('total_inactive_file'), 1048576);
  assert.equal(m.get('hierarchical_memory_limit'), 67108864);
  assert.equal(m.get('inactive_file'), m.get('total_inactive_file'), 'a leaf cgroup: own = hierarchical');
});

test('parseFlatKeyed: memory.stat of cgroup v2 (kernel 6.1) has no total_ keys', () => {
  const m = parseFlatKeyed(fixture('memory.stat-v2-kernel-6.1'), 'memory.stat');
  assert.equal(m.get('inactive_file'), 51507200);
  assert.equal(m.get('anon'), 860160);
  assert.equal(m.get('file'), 129146880);
  assert.equal(m.has('total_inactive_file'), false);
});

test('parseFlatKeyed: cpu.stat of both versions', () => {
  const v1 = parseFlatKeyed(fixture('cpu.stat-v1-throttled'), 'cpu.stat');
  assert.deepEqual([v1.get('nr_periods'), v1.get('nr_throttled'), v1.get('throttled_time')], [2749, 1206, 40375245477]);
  const v2 = parseFlatKeyed(fixture('cpu.stat-v2-kernel-6.1'), 'cpu.stat');
  assert.equal(v2.get('usage_usec'), 8992210);
  assert.equal(v2.get('user_usec')! + v2.get('system_usec')!, v2.get('usage_usec')! - 1, 'user + system ≈ usage');
  // A key with a dot (core scheduling, 6.1+) is a key like any other.
  assert.equal(v2.get('core_sched.force_idle_usec'), 0);
  const hybrid = parseFlatKeyed(fixture('cpu.stat-v2-hybrid'), 'cpu.stat');
  assert.equal(hybrid.get('usage_usec'), 105254372);
});

test('parseFlatKeyed: malformed lines name the file and the line', () => {
  const cases: [string, RegExp][] = [
    ['usage_usec\n', /cpu.stat: line 1: expected "KEY VALUE"/],
    ['usage_usec 12\n user_usec 3\n', /line 2: expected "KEY VALUE"/],
    ['usage_usec twelve\n', /line 1: usage_usec is not a number/],
    ['usage_usec -1\n', /usage_usec is not a number/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseFlatKeyed(text, 'cpu.stat'), re, text);
  assert.equal(parseFlatKeyed('', 'cpu.stat').size, 0);
});

test('flatKeyedValue: one key found without parsing the rest; absent keys; bad values', () => {
  const v1 = fixture('memory.stat-v1-limited');
  // inactive_file is also the tail of total_inactive_file: the key is matched whole.
  assert.equal(flatKeyedValue(v1, 'total_inactive_file', 'memory.stat'), 1048576);
  assert.equal(flatKeyedValue(v1, 'inactive_file', 'memory.stat'), 1048576);
  assert.equal(flatKeyedValue(v1, 'cache', 'memory.stat'), 22020096, 'the first line');
  assert.equal(flatKeyedValue(v1, 'total_unevictable', 'memory.stat'), 0, 'the last line');
  assert.equal(flatKeyedValue(fixture('memory.stat-v2-kernel-6.1'), 'total_inactive_file', 'memory.stat'), undefined);
  const v2cpu = fixture('cpu.stat-v2-kernel-6.1');
  assert.equal(flatKeyedValue(v2cpu, 'usage_usec', 'cpu.stat'), 8992210);
  assert.equal(flatKeyedValue('usage_usec 12', 'usage_usec', 'cpu.stat'), 12, 'no final newline');
  assert.throws(
    () => flatKeyedValue('a 1\nusage_usec x\n', 'usage_usec', 'cpu.stat'),
    /cpu.stat: line 2: usage_usec is not a number/,
  );
  // Every key the full parser finds, found alike.
  for (const [k, v] of parseFlatKeyed(v1, 'memory.stat')) assert.equal(flatKeyedValue(v1, k, 'memory.stat'), v, k);
});
