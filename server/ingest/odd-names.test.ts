// The scan for names the store cannot keep: where it finds them, a body nested deeper than any
// batch refused (the scan's depth is bounded), a very wide one passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DEPTH, oddName } from './odd-names.ts';

test('a "__proto__" key or half a surrogate pair is named by its path', () => {
  assert.equal(
    oddName(JSON.parse('{"snapshots":[{"host":{"__proto__":1}}]}')),
    'snapshots.0.host.__proto__: "__proto__" is not a name Berth takes',
  );
  assert.equal(
    oddName(JSON.parse('{"containers":[{"name":"ok"},{"name":"x\\ud800"}]}')),
    'containers.1.name: holds half a UTF-16 surrogate pair (not text)',
  );
  assert.equal(
    oddName(JSON.parse('{"series":[{"labels":{"\\udc00k":"v"}}]}')),
    'series.0.labels.\udc00k: the name holds half a UTF-16 surrogate pair (not text)',
  );
  assert.equal(
    oddName(JSON.parse('{"a":"\\u00e9","b":["\\ud83d\\ude00"]}')),
    undefined,
    'whole pairs and other escapes are text',
  );
});

test('a body nested deeper than a batch is refused without recursing into it; a wide one passes', () => {
  const deep = JSON.parse(`{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`);
  assert.match(oddName(deep)!, new RegExp(`^a(\\.0){${MAX_DEPTH - 1}}: nested deeper than ${MAX_DEPTH} levels`));
  const wide = JSON.parse(`{"a":[${'[],'.repeat(1_000_000)}[]]}`);
  assert.equal(oddName(wide), undefined);
});
