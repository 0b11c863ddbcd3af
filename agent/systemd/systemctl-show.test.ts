import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSystemctlShow } from './systemctl-show.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

test('parseSystemctlShow: one block per unit, properties in systemd order (Service interface first)', () => {
  const units = parseSystemctlShow(fixture('show-services-debian12'));
  assert.equal(units.length, 12);
  assert.deepEqual(units[0], {
    unit: 'containerd.service',
    loadState: 'loaded',
    activeState: 'active',
    subState: 'running',
    result: 'success',
    restarts: 0,
    controlGroup: '/system.slice/containerd.service',
  });
  // A failed unit has no cgroup any more, and its result says why.
  assert.deepEqual(
    units.find((u) => u.unit === 'nightly-report.service'),
    {
      unit: 'nightly-report.service',
      loadState: 'loaded',
      activeState: 'failed',
      subState: 'failed',
      result: 'exit-code',
      restarts: 5,
    },
  );
  assert.equal(
    units.find((u) => u.unit === 'getty@tty1.service')?.controlGroup,
    '/system.slice/system-getty.slice/getty@tty1.service',
  );
  assert.equal(units.find((u) => u.unit === 'plymouth-quit-wait.service')?.loadState, 'not-found');
});

test('parseSystemctlShow: values with "=", unknown properties, missing Id, a last block without a blank line', () => {
  const text =
    'Id=a.service\nDescription=x=y\nNRestarts=[not set]\nActiveState=active\n\nActiveState=active\n\nId=b.service\nActiveState=failed';
  assert.deepEqual(parseSystemctlShow(text), [
    { unit: 'a.service', activeState: 'active' },
    { unit: 'b.service', activeState: 'failed' },
  ]);
  assert.deepEqual(parseSystemctlShow(''), []);
});
