// Which collectors --collectors runs, and the names it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLLECTOR_NAMES, selectCollectorNames } from './names.ts';

test('--collectors runs the names given, or all but those taken away', () => {
  assert.deepEqual(selectCollectorNames({ enable: ['cpu', 'docker'], disable: [] }), ['cpu', 'docker']);
  assert.deepEqual(selectCollectorNames({ enable: [], disable: [] }), COLLECTOR_NAMES);
  const allBut = selectCollectorNames({ enable: [], disable: ['docker', 'plugins'] });
  assert.deepEqual(
    allBut,
    COLLECTOR_NAMES.filter((n) => n !== 'docker' && n !== 'plugins'),
  );
});

test('--collectors +name: the defaults and that one; with names, those and that one', () => {
  assert.deepEqual(selectCollectorNames({ enable: [], disable: [], add: ['systemd'] }), COLLECTOR_NAMES);
  assert.deepEqual(selectCollectorNames({ enable: ['cpu'], disable: [], add: ['systemd'] }), ['cpu', 'systemd']);
  assert.deepEqual(
    selectCollectorNames({ enable: [], disable: ['docker'], add: ['docker'] }),
    COLLECTOR_NAMES.filter((n) => n !== 'docker'),
  );
  assert.throws(() => selectCollectorNames({ enable: [], disable: [], add: ['sytemd'] }), /unknown collector "sytemd"/);
});

test('--collectors refuses a name that is not a collector, including names every object has', () => {
  for (const name of ['foo', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
    for (const sel of [
      { enable: [name], disable: [] },
      { enable: [], disable: [name] },
    ]) {
      assert.throws(
        () => selectCollectorNames(sel),
        (e: Error) => e.message.startsWith(`--collectors: unknown collector "${name}"`),
        name,
      );
    }
  }
});
