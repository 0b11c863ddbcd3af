import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAgentConfig, ConfigError } from './config.ts';

test('flags win over BERTH_* variables, which win over defaults', () => {
  const c = loadAgentConfig(['--interval', '5'], { BERTH_INTERVAL: '30', BERTH_TOKEN: 'tok', BERTH_HOST: 'web-1' });
  assert.equal(c.interval, 5);
  assert.equal(c.flush, 5, 'flush defaults to the interval');
  assert.equal(c.token, 'tok');
  assert.equal(c.host, 'web-1');
  assert.equal(c.procRoot, '/proc');
  assert.equal(c.sysRoot, '/sys');
});

test('DOCKER_HOST=unix://… picks the socket; --proc /host/proc puts sysfs at /host/sys', () => {
  const c = loadAgentConfig(['--token', 't', '--proc', '/host/proc'], { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' });
  assert.equal(c.dockerSocket, '/run/user/1000/docker.sock');
  assert.equal(c.sysRoot, '/host/sys');
});

test('every bad value is reported by its flag name', () => {
  assert.throws(
    () => loadAgentConfig(['--interval', 'soon', '--server', 'ftp://x', '--spool-max=-1'], {}),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      for (const flag of ['--interval', '--server', '--token', '--spool-max']) assert.match(e.message, new RegExp(flag));
      return true;
    },
  );
});

test('an unknown flag is refused with its name', () => {
  assert.throws(() => loadAgentConfig(['--token', 't', '--intervall', '5'], {}), /intervall/);
});

test('--collectors splits into enabled and disabled names', () => {
  const c = loadAgentConfig(['--token', 't', '--collectors=-docker,-arp'], {});
  assert.deepEqual(c.collectors, { enable: [], disable: ['docker', 'arp'] });
});
