import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { memoryLogger } from '../lib/log.ts';
import { EventCursorFile, MAX_REPLAY_SECONDS } from './events-cursor.ts';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cursor-'));
const NOW_MS = 1_800_000_000_000;

test('a saved cursor is where the next run asks from, exactly', () => {
  const file = path.join(dir(), 'events.cursor');
  const a = new EventCursorFile(file, memoryLogger());
  assert.equal(a.load(NOW_MS), undefined, 'none saved yet: from now');
  a.save(1_799_999_990_123_456_789n);
  assert.equal(fs.readFileSync(file, 'utf8'), '1799999990123456789\n');
  assert.equal(new EventCursorFile(file, memoryLogger()).load(NOW_MS), 1_799_999_990_123_456_789n);
  assert.deepEqual(fs.readdirSync(path.dirname(file)).sort(), ['events.cursor'], 'no temp file left behind');
});

test('a cursor older than a day asks for the last day only', () => {
  const file = path.join(dir(), 'events.cursor');
  fs.writeFileSync(file, '1700000000000000000\n');
  assert.equal(
    new EventCursorFile(file, memoryLogger()).load(NOW_MS),
    BigInt(NOW_MS - MAX_REPLAY_SECONDS * 1000) * 1_000_000n,
  );
});

test('a damaged file is ignored with a warning', () => {
  const file = path.join(dir(), 'events.cursor');
  const log = memoryLogger();
  for (const text of ['', 'yesterday', '-5', '1e18', '123456789012345678901234']) {
    fs.writeFileSync(file, text);
    assert.equal(new EventCursorFile(file, log).load(NOW_MS), undefined, JSON.stringify(text));
  }
  assert.ok(log.lines.some((l) => l.startsWith('warn events: ignoring')));
});

test('a folder that cannot be written: said once, nothing thrown, written once it can be', () => {
  const d = dir();
  const file = path.join(d, 'gone', 'events.cursor');
  const log = memoryLogger();
  const c = new EventCursorFile(file, log);
  c.save(1n);
  c.save(2n);
  assert.equal(log.lines.filter((l) => l.includes('cannot write')).length, 1);
  fs.mkdirSync(path.join(d, 'gone'));
  c.save(3n);
  assert.equal(fs.readFileSync(file, 'utf8'), '3\n');
});
