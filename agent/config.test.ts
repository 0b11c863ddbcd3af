import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAgentConfig } from './config.ts';
import { ConfigError } from '../lib/options.ts';

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
  const c = loadAgentConfig(['--token', 't', '--proc', '/host/proc'], {
    DOCKER_HOST: 'unix:///run/user/1000/docker.sock',
  });
  assert.equal(c.dockerSocket, '/run/user/1000/docker.sock');
  assert.equal(c.sysRoot, '/host/sys');
});

test('a DOCKER_HOST the agent cannot use is refused by name, not swapped for the local socket', () => {
  for (const host of ['tcp://10.0.0.5:2376', 'npipe:////./pipe/docker_engine', 'unix://relative.sock']) {
    assert.throws(
      () => loadAgentConfig(['--token', 't'], { DOCKER_HOST: host }),
      (e: unknown) =>
        e instanceof ConfigError && /--docker-socket/.test(e.message) && e.message.includes(`DOCKER_HOST=${host}`),
      host,
    );
  }
  // --docker-socket wins over DOCKER_HOST; with the docker collector off, DOCKER_HOST does not matter.
  assert.equal(
    loadAgentConfig(['--token', 't', '--docker-socket', '/run/docker.sock'], { DOCKER_HOST: 'tcp://10.0.0.5:2376' })
      .dockerSocket,
    '/run/docker.sock',
  );
  assert.doesNotThrow(() =>
    loadAgentConfig(['--token', 't', '--collectors=-docker'], { DOCKER_HOST: 'tcp://10.0.0.5:2376' }),
  );
  assert.doesNotThrow(() =>
    loadAgentConfig(['--token', 't', '--collectors', 'cpu,memory'], { DOCKER_HOST: 'tcp://10.0.0.5:2376' }),
  );
  assert.equal(
    loadAgentConfig(['--token', 't'], { DOCKER_HOST: ' unix:///run/user/1000/docker.sock ' }).dockerSocket,
    '/run/user/1000/docker.sock',
  );
});

test('a token keeps no surrounding whitespace (a CRLF env file); one with spaces inside, or a plugin timeout past the interval, is refused by flag', () => {
  assert.equal(loadAgentConfig([], { BERTH_TOKEN: 'abc123\r' }).token, 'abc123');
  assert.throws(() => loadAgentConfig(['--token', 'abc 123']), /--token \(BERTH_TOKEN\): holds spaces/);
  assert.throws(
    () => loadAgentConfig(['--token', 't', '--interval', '10', '--plugin', 'mc=/bin/true', '--plugin-timeout', '30']),
    /--plugin-timeout \(BERTH_PLUGIN_TIMEOUT\): 30 s is not less than --interval 10 s/,
  );
  assert.equal(
    loadAgentConfig(['--token', 't', '--interval', '10', '--plugin-timeout', '30']).pluginTimeout,
    30,
    'no plugins, nothing held back',
  );
});

test('every bad value is reported by its flag name', () => {
  assert.throws(
    () => loadAgentConfig(['--interval', 'soon', '--server', 'ftp://x', '--spool-max=-1'], {}),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      for (const flag of ['--interval', '--server', '--token', '--spool-max'])
        assert.match(e.message, new RegExp(flag));
      return true;
    },
  );
});

test('a bad --interval is reported once, not again through the flags whose defaults follow it', () => {
  assert.throws(
    () => loadAgentConfig(['--token', 'abcdefgh12345678', '--interval', 'abc', '--plugin', 'x=/bin/true'], {}),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, '--interval (BERTH_INTERVAL): "abc" must be a number from 1 to 3600');
      return true;
    },
  );
});

test('an unknown flag is refused with its name', () => {
  assert.throws(() => loadAgentConfig(['--token', 't', '--intervall', '5'], {}), /intervall/);
});

test('--collectors splits into enabled and disabled names', () => {
  const c = loadAgentConfig(['--token', 't', '--collectors=-docker,-arp'], {});
  assert.deepEqual(c.collectors, { enable: [], disable: ['docker', 'arp'], add: [] });
  const plus = loadAgentConfig(['--token', 't', '--collectors=+systemd,-arp'], {});
  assert.deepEqual(plus.collectors, { enable: [], disable: ['arp'], add: ['systemd'] });
});

test('--host takes the one host-name rule: a folder step, a flag or a root dot is refused by name', () => {
  for (const host of ['..', '-x', 'web.', 'web 1']) {
    assert.throws(
      () => loadAgentConfig(['--token', 't', `--host=${host}`], {}),
      (e: unknown) =>
        e instanceof ConfigError && e.message.includes(`--host (BERTH_HOST): "${host}" is not a host name`),
      host,
    );
  }
  assert.equal(
    loadAgentConfig(['--token', 't', '--host', 'ip-10-0-0-12.ec2.internal'], {}).host,
    'ip-10-0-0-12.ec2.internal',
  );
});
