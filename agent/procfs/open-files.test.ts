import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MISSING_ROUNDS, OpenFiles } from './open-files.ts';

const openFds = () => readdirSync('/proc/self/fd').length;

test('OpenFiles: read at offset 0 each time, a rewritten file read anew, a missing one undefined', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-open-'));
  const f = path.join(dir, 'cpuacct.usage');
  const files = new OpenFiles();
  try {
    writeFileSync(f, '100\n');
    assert.equal(files.read(f), '100\n');
    writeFileSync(f, '250\n');
    assert.equal(files.read(f), '250\n', 'the same descriptor, read again from the start');
    assert.equal(files.size, 1);
    // Bigger than the buffer it started with.
    const big = 'x'.repeat(40_000);
    writeFileSync(f, big);
    assert.equal(files.read(f), big);
    assert.equal(files.read(path.join(dir, 'gone')), undefined);
    assert.equal(files.size, 1);
  } finally {
    files.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OpenFiles: a file not read for a whole round is closed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-open-'));
  const files = new OpenFiles();
  try {
    const before = openFds();
    for (const n of ['a', 'b', 'c']) writeFileSync(path.join(dir, n), n);
    for (const n of ['a', 'b', 'c']) files.read(path.join(dir, n));
    files.sweep();
    assert.equal(openFds(), before + 3);
    // Next round only a is read: b and c (their container left) are closed at its end.
    files.read(path.join(dir, 'a'));
    files.sweep();
    assert.equal(files.size, 1);
    assert.equal(openFds(), before + 1);
    files.close();
    assert.equal(openFds(), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OpenFiles: a missing file is not looked for again for a while', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-open-'));
  const f = path.join(dir, 'blkio.io_service_bytes_recursive');
  const files = new OpenFiles();
  try {
    assert.equal(files.read(f), undefined);
    writeFileSync(f, 'Total 0\n');
    // Still taken as missing for the rounds that follow…
    for (let i = 0; i < MISSING_ROUNDS - 1; i++) {
      files.sweep();
      assert.equal(files.read(f), undefined, `round ${i}`);
    }
    // …then looked for again.
    files.sweep();
    assert.equal(files.read(f), 'Total 0\n');
  } finally {
    files.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OpenFiles.readAs: parsed again only when the text changed; a parse that throws is not kept', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-open-'));
  const f = path.join(dir, 'memory.stat');
  const files = new OpenFiles();
  let parses = 0;
  const parse = (text: string) => {
    parses++;
    if (text.startsWith('bad')) throw new Error('bad file');
    return { size: text.length };
  };
  try {
    writeFileSync(f, 'cache 1\n');
    const first = files.readAs(f, parse);
    assert.deepEqual(first, { size: 8 });
    assert.equal(files.readAs(f, parse), first, 'the same text: the same value, not parsed again');
    assert.equal(parses, 1);
    writeFileSync(f, 'cache 22\n');
    assert.deepEqual(files.readAs(f, parse), { size: 9 });
    assert.equal(parses, 2);
    writeFileSync(f, 'bad\n');
    assert.throws(() => files.readAs(f, parse), /bad file/);
    assert.throws(() => files.readAs(f, parse), /bad file/, 'parsed again, not taken from the last good one');
    assert.equal(files.readAs(path.join(dir, 'gone'), parse), undefined);
    // Past maxOpen a file is not kept open, and so its value is not kept either.
    writeFileSync(f, 'cache 1\n');
    const one = new OpenFiles(0);
    one.readAs(f, parse);
    one.readAs(f, parse);
    assert.equal(parses, 6);
    one.close();
  } finally {
    files.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
