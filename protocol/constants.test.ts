import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOST_NAME_MAX, isHostName } from './constants.ts';
import { agentInfo } from './batch.ts';
import { fastColumnBatch } from './fast-batch.ts';

const GOOD = [
  'web-1',
  'a',
  '7',
  'ip-10-0-0-12.eu-west-1.compute.internal',
  'WIN-4F2K9QJ3L0',
  'db_primary',
  'node01.example.com',
  '3com.example',
  'x'.repeat(HOST_NAME_MAX),
  `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`,
];
const BAD = [
  '',
  '.',
  '..',
  '-x',
  '_x',
  '.hidden',
  'web.',
  'web-',
  'a..b',
  'web 1',
  'a/b',
  'a\\b',
  'tab\there',
  'new\nline',
  'café',
  'x'.repeat(HOST_NAME_MAX + 1),
  'host:8080',
  'we\u202Eb',
];

test('the host-name rule: real names pass, folder steps, flags, a root dot, spaces and the rest do not', () => {
  for (const h of GOOD) assert.equal(isHostName(h), true, JSON.stringify(h));
  for (const h of BAD) assert.equal(isHostName(h), false, JSON.stringify(h));
});

test('the batch schema and its fast check take exactly the names the rule takes', () => {
  for (const h of [...GOOD, ...BAD]) {
    const batch = { v: 2, batch_id: 'abcdefgh', agent: { host: h }, host: { ts: [1_700_000_000], metrics: {} } };
    assert.equal(agentInfo.safeParse({ host: h }).success, isHostName(h), `zod: ${JSON.stringify(h)}`);
    assert.equal(fastColumnBatch(batch) !== undefined, isHostName(h), `fast: ${JSON.stringify(h)}`);
  }
});
