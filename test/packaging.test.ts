// The packaging in the repo works as documented: the systemd unit passes `systemd-analyze
// verify` and keeps the sandbox promises of docs/install.md; the Dockerfile copies the file the
// build writes, sets only variables the agent reads, and agrees with the documented
// `docker run`; and where Docker is up, the image is built (on a local stand-in for the Node
// base, since no registry is reachable) and run exactly that way against a real server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AGENT_OPTIONS } from '../agent/config.ts';
import { DEFAULT_DOCKER_SOCKET } from '../agent/docker/client.ts';
import { AGENT_BUNDLE, buildAgent } from '../agent/build.ts';
import { loadServerConfig } from '../server/config.ts';
import { startServer, type RunningServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { REPO, eventually } from './support/processes.ts';
import { TEST_TOKEN } from './support/server.ts';
import { tempDir } from './support/temp.ts';
import { docker, requireDocker, TEST_IMAGE, TEST_PREFIX } from './support/docker.ts';

const exec = promisify(execFile);
const UNIT = path.join(REPO, 'packaging', 'berth-agent.service');
const DOCKERFILE = path.join(REPO, 'packaging', 'agent.Dockerfile');
const INSTALL_DOC = path.join(REPO, 'docs', 'install.md');
const AGENT_ENVS = new Set(Object.values(AGENT_OPTIONS).map((o) => o.env));
const BUNDLE_REL = path.relative(REPO, AGENT_BUNDLE);

/** Where systemd looks up a bare ExecStart= command (its fixed search path, not $PATH). */
const SYSTEMD_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

interface UnitEntry {
  section: string;
  key: string;
  value: string;
}

/** A systemd unit file as entries in order (comments dropped, backslash continuations joined). */
function parseUnit(text: string): UnitEntry[] {
  const out: UnitEntry[] = [];
  let section = '';
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const l = line.trim();
    if (!l || l.startsWith('#') || l.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(l);
    if (sec) section = sec[1];
    else {
      const eq = l.indexOf('=');
      out.push({ section, key: l.slice(0, eq).trim(), value: l.slice(eq + 1).trim() });
    }
  }
  return out;
}

/** Every value given to a key, in order (a list setting may repeat). */
function unitValues(unit: UnitEntry[], section: string, key: string): string[] {
  return unit.filter((e) => e.section === section && e.key === key).map((e) => e.value);
}

/** Dockerfile instructions (comments dropped, continuations joined). */
function parseDockerfile(text: string): { keyword: string; args: string }[] {
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l));
  return lines
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S+)\s*(.*)$/.exec(l)!;
      return { keyword: m[1].toUpperCase(), args: m[2].trim() };
    });
}

/** The -v mounts of the first `docker run` in a text (a docs/ block, a comment), or undefined. */
function dockerRunMounts(text: string): { source: string; target: string; options: string[] }[] | undefined {
  const m = /docker run (?:[^\n]*\\\n)*[^\n]*/.exec(text);
  if (!m) return undefined;
  const words = m[0]
    .replace(/\\\n/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^["']|["']$/g, ''));
  const mounts: { source: string; target: string; options: string[] }[] = [];
  words.forEach((w, i) => {
    if (w !== '-v' && w !== '--volume') return;
    const [source, target, opts = ''] = words[i + 1].split(':');
    mounts.push({ source, target, options: opts.split(',').filter(Boolean) });
  });
  return mounts;
}

test('systemd unit: systemd-analyze verify reports nothing', async (t) => {
  try {
    await exec('systemd-analyze', ['--version']);
  } catch {
    const why = 'systemd-analyze is not installed (apt-get install systemd)';
    if (process.env.CI === 'true') throw new Error(`required under CI: ${why}`);
    process.stderr.write(`skipping "${t.name}": ${why}\n`);
    t.skip(why);
    return;
  }
  let text = fs.readFileSync(UNIT, 'utf8');
  // verify checks that ExecStart's command exists; where node lives outside systemd's search
  // path (nvm, a CI tool cache), the copy names this very node instead.
  if (!SYSTEMD_PATH.some((d) => fs.existsSync(path.join(d, 'node')))) {
    text = text.replace(/^ExecStart=node /m, `ExecStart=${process.execPath} `);
    t.diagnostic(`node is not in systemd's search path; verifying with ExecStart=${process.execPath}`);
  }
  const dir = tempDir('berth-unit-');
  const file = path.join(dir, 'berth-agent.service');
  fs.writeFileSync(file, text);
  let out: { stdout: string; stderr: string };
  try {
    out = await exec('systemd-analyze', ['verify', '--man=no', file]);
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    assert.fail(`systemd-analyze verify failed:\n${err.stderr ?? ''}${err.stdout ?? ''}${err.message}`);
  }
  // Unknown keys and unparsable values are only warnings (exit 0); they are mistakes all the same.
  assert.equal(`${out.stdout}${out.stderr}`.trim(), '', 'systemd-analyze verify has nothing to say');
});

test('systemd unit: unprivileged, read-only but for the spool, /proc whole, restarts on failure', () => {
  const unit = parseUnit(fs.readFileSync(UNIT, 'utf8'));
  const one = (section: string, key: string): string | undefined => unitValues(unit, section, key).at(-1);
  const svc = (key: string) => one('Service', key);

  assert.match(
    svc('ExecStart') ?? '',
    new RegExp(`^node /opt/berth/${path.basename(AGENT_BUNDLE)}$`),
    'runs the one-file bundle',
  );
  assert.equal(svc('Restart'), 'on-failure');
  assert.match(svc('RestartSec') ?? '', /^\d+s?$/, 'waits between restarts');
  assert.ok(svc('User') && svc('User') !== 'root', 'runs as its own user');
  assert.ok(!svc('DynamicUser') || svc('DynamicUser') === 'no');
  assert.ok((svc('SupplementaryGroups') ?? '').split(/\s+/).includes('docker'), 'in the docker group for the socket');
  assert.equal(svc('EnvironmentFile'), '/etc/berth/agent.env');

  // Read-only everywhere but the spool.
  assert.equal(svc('ProtectSystem'), 'strict');
  for (const k of ['PrivateTmp', 'NoNewPrivileges']) assert.equal(svc(k), 'yes', k);
  // Not `yes`: that hides /home behind an empty mount, and df-style usage of a separate /home
  // file system would then describe the empty mount.
  assert.equal(svc('ProtectHome'), 'read-only', 'home directories read-only, /home still measurable');
  const state = `/var/lib/${svc('StateDirectory')}`;
  assert.equal(state, '/var/lib/berth-agent');
  const env = new Map(
    unitValues(unit, 'Service', 'Environment')
      .flatMap((e) => e.split(/\s+/))
      .map((kv) => kv.split('=', 2) as [string, string]),
  );
  assert.ok(
    env.get('BERTH_SPOOL')?.startsWith(`${state}/`),
    `the spool (${env.get('BERTH_SPOOL')}) is in the state directory`,
  );
  for (const p of unitValues(unit, 'Service', 'ReadWritePaths').flatMap((v) => v.split(/\s+/))) {
    assert.ok(p.replace(/^-/, '').startsWith(state), `nothing writable but the spool (ReadWritePaths=${p})`);
  }
  for (const name of env.keys())
    assert.ok(AGENT_ENVS.has(name), `Environment=${name}: the agent reads no such variable`);

  // What would blind or break the agent.
  assert.ok([undefined, 'default'].includes(svc('ProtectProc')), 'other processes stay visible in /proc');
  assert.ok([undefined, 'all'].includes(svc('ProcSubset')), '/proc/net, /proc/diskstats… stay visible');
  assert.ok(svc('PrivateNetwork') !== 'yes', "the host's network namespace is what is measured");
  assert.ok(svc('PrivateUsers') !== 'yes', 'a private user namespace would unmap the docker group');
  assert.ok(svc('MemoryDenyWriteExecute') !== 'yes', "V8's JIT needs writable code pages");
  assert.ok(
    (svc('RestrictAddressFamilies') ?? 'AF_UNIX').split(/\s+/).includes('AF_UNIX'),
    'the Docker socket is AF_UNIX',
  );
  assert.deepEqual(unitValues(unit, 'Install', 'WantedBy'), ['multi-user.target']);
});

test('Dockerfile: copies the bundle the build writes, sets only variables the agent reads, runs unprivileged', () => {
  const df = parseDockerfile(fs.readFileSync(DOCKERFILE, 'utf8'));
  const all = (k: string) => df.filter((i) => i.keyword === k);

  const from = all('FROM')[0]?.args ?? '';
  const arg = Object.fromEntries(all('ARG').map((a) => a.args.split('=', 2) as [string, string]));
  const base = from.replace(/^\$\{?(\w+)\}?$/, (_, n: string) => arg[n] ?? '');
  const major = /^node:(\d+)/.exec(base)?.[1];
  const engines = Number(
    /(\d+)/.exec(
      (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } }).engines
        .node,
    )?.[1],
  );
  assert.ok(major && Number(major) >= engines, `base image ${base} has Node ${engines} or newer`);

  const copy = all('COPY').map((c) => c.args.split(/\s+/).filter((w) => !w.startsWith('--')));
  assert.equal(copy.length, 1);
  const [src, dest] = copy[0];
  assert.equal(src, BUNDLE_REL, 'copies what `npm run build` writes');
  const ignore = fs.readFileSync(`${DOCKERFILE}.dockerignore`, 'utf8');
  assert.match(
    ignore,
    new RegExp(`^!${src.replace(/[.]/g, '\\.')}$`, 'm'),
    'the .dockerignore lets the bundle through',
  );
  const entry = JSON.parse(all('ENTRYPOINT')[0]?.args ?? '[]') as string[];
  assert.deepEqual(entry, ['node', dest], 'runs the copied bundle');

  const user = all('USER').at(-1)?.args;
  assert.ok(user && !['root', '0'].includes(user), `runs as ${user}, not root`);

  const env = new Map(
    all('ENV').flatMap((e) =>
      e.args
        .split(/\s+/)
        .filter(Boolean)
        .map((kv) => kv.split('=', 2) as [string, string]),
    ),
  );
  for (const name of env.keys()) assert.ok(AGENT_ENVS.has(name), `ENV ${name}: the agent reads no such variable`);
  assert.equal(env.get('BERTH_PROC'), '/host/proc');
  assert.equal(env.get('BERTH_ROOTFS'), '/host/root');
  const spool = env.get('BERTH_SPOOL') ?? '';
  const volume = all('VOLUME').map((v) => v.args);
  assert.ok(
    volume.some((v) => spool.startsWith(`${v}/`)),
    `the spool ${spool} is in a volume (${volume.join(', ')})`,
  );
});

test('the documented `docker run` mounts what the image expects, where it expects it', () => {
  const df = parseDockerfile(fs.readFileSync(DOCKERFILE, 'utf8'));
  const env = new Map(
    df
      .filter((i) => i.keyword === 'ENV')
      .flatMap((e) =>
        e.args
          .split(/\s+/)
          .filter(Boolean)
          .map((kv) => kv.split('=', 2) as [string, string]),
      ),
  );
  const socket = DEFAULT_DOCKER_SOCKET;
  const volume = df.find((i) => i.keyword === 'VOLUME')!.args;
  for (const [where, text] of [
    ['docs/install.md', fs.readFileSync(INSTALL_DOC, 'utf8')],
    ['packaging/agent.Dockerfile', fs.readFileSync(DOCKERFILE, 'utf8').replace(/^# ?/gm, '')],
  ] as const) {
    const mounts = dockerRunMounts(text);
    assert.ok(mounts, `${where} shows a docker run`);
    const at = (target: string) => mounts.find((m) => m.target === target);
    for (const [src, target] of [
      ['/proc', env.get('BERTH_PROC')],
      ['/sys', env.get('BERTH_SYS')],
      ['/', env.get('BERTH_ROOTFS')],
      [socket, socket],
    ] as const) {
      const m = at(target ?? '');
      assert.ok(m, `${where}: nothing mounted at ${target}`);
      assert.equal(m.source, src, `${where}: ${target} is the host's ${src}`);
      assert.ok(m.options.includes('ro'), `${where}: ${target} is read-only`);
    }
    assert.ok(at(volume), `${where}: the spool volume ${volume} is mounted`);
    assert.match(
      text,
      /--group-add "?\$\(stat -c %g \/var\/run\/docker\.sock\)"?/,
      `${where}: the socket's group is added`,
    );
    assert.match(text, /--uts[= ]host/, `${where}: the host's hostname`);
    for (const name of text.match(/\bBERTH_[A-Z_]+(?==)/g) ?? [])
      assert.ok(AGENT_ENVS.has(name), `${where}: ${name} is not an agent variable`);
  }
});

test('docs/install.md: every BERTH_ variable it names is one the agent reads', () => {
  const text = fs.readFileSync(INSTALL_DOC, 'utf8');
  for (const name of new Set(text.match(/\bBERTH_[A-Z_]+\b/g) ?? []))
    assert.ok(AGENT_ENVS.has(name), `${name} is not an agent variable`);
});

/** The IPv4 address of a network interface whatever its state, from `ip -j addr`, or undefined. */
async function bridgeAddress(dev: string): Promise<string | undefined> {
  try {
    const { stdout } = await exec('ip', ['-j', '-4', 'addr', 'show', 'dev', dev]);
    const [link] = JSON.parse(stdout) as { addr_info?: { local?: string }[] }[];
    return link?.addr_info?.[0]?.local;
  } catch {
    return undefined;
  }
}

/**
 * A local stand-in for `node:20-…-slim`, since no registry is reachable: the busybox test image
 * plus this machine's node (at /usr/local/bin, as in the official images), the libraries it
 * links, and a `node` user with uid 1000.
 */
async function buildNodeBase(tag: string): Promise<void> {
  const ctx = tempDir('berth-node-base-');
  const root = path.join(ctx, 'rootfs');
  const put = (from: string, to: string) => {
    fs.mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
    fs.copyFileSync(from, path.join(root, to));
  };
  put(process.execPath, '/usr/local/bin/node');
  const { stdout } = await exec('ldd', [process.execPath]);
  for (const lib of stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)) put(lib[1], lib[1]);
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n',
  );
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
  fs.writeFileSync(
    path.join(ctx, 'Dockerfile'),
    `FROM ${TEST_IMAGE}\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin\n`,
  );
  await docker(['build', '-q', '-t', tag, ctx], 180_000);
}

test(
  'the image, built and run as documented, reports this host: its name, machine-id, interfaces and containers',
  { timeout: 240_000 },
  async (t) => {
    if (!(await requireDocker(t))) return;
    const base = `${TEST_PREFIX}node-base`;
    const image = `${TEST_PREFIX}agent-image`;
    const name = `${TEST_PREFIX}agent`;
    const volume = `${TEST_PREFIX}agent-spool`;
    let server: RunningServer | undefined;
    t.after(async () => {
      await docker(['rm', '-f', name]).catch(() => undefined);
      await docker(['volume', 'rm', '-f', volume]).catch(() => undefined);
      await docker(['rmi', '-f', image, base]).catch(() => undefined);
      await server?.close();
    });
    await docker(['rm', '-f', name]).catch(() => undefined);
    await docker(['volume', 'rm', '-f', volume]).catch(() => undefined);

    await buildNodeBase(base);
    // The build context as the .dockerignore leaves it: the freshly built bundle alone.
    const ctx = tempDir('berth-agent-image-');
    await buildAgent(path.join(ctx, BUNDLE_REL));
    await docker(['build', '-q', '--build-arg', `NODE_IMAGE=${base}`, '-f', DOCKERFILE, '-t', image, ctx], 180_000);

    // The server where containers on the default bridge reach the host.
    // The engine leaves Gateway out of IPAM when docker0 existed before it started (a restarted
    // dockerd); the bridge's own address is the same gateway. Node's os.networkInterfaces()
    // leaves out an interface without carrier (docker0 with no container attached), so ask ip.
    const gateway =
      (
        await docker(['network', 'inspect', 'bridge', '--format', '{{range .IPAM.Config}}{{.Gateway}}{{end}}'])
      ).trim() || (await bridgeAddress('docker0'));
    assert.ok(gateway, 'the default bridge has a gateway address (IPAM or docker0)');
    server = await startServer(
      loadServerConfig(
        [
          '--db',
          path.join(tempDir(), 'berth.db'),
          '--bind',
          gateway,
          '--port',
          '0',
          '--token',
          TEST_TOKEN,
          '--public-read',
        ],
        {},
      ),
      memoryLogger(),
    );
    const socket = DEFAULT_DOCKER_SOCKET;
    const gid = String(fs.statSync(socket).gid);
    // rslave needs / to be a shared mount, as systemd makes it; a host without systemd (this
    // one may be a container itself) gets the documented fallback, plain ro.
    const rootMount =
      fs
        .readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .find((l) => l.split(' ')[4] === '/') ?? '';
    const rootOpts = /\b(shared|master):\d+/.test(rootMount) ? 'ro,rslave' : 'ro';
    if (rootOpts === 'ro') t.diagnostic('/ is a private mount here: mounting it with ro, without rslave');
    // The documented command, word for word but for the server, the interval and one more
    // interface: docker0 exists in the host's network namespace only, not in the container's.
    await docker([
      'run',
      '-d',
      '--name',
      name,
      '--uts',
      'host',
      '--read-only',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '-e',
      `BERTH_SERVER=${server.url}`,
      '-e',
      `BERTH_TOKEN=${TEST_TOKEN}`,
      '-e',
      'BERTH_INTERVAL=1',
      '-e',
      'BERTH_INCLUDE_IFACES=docker0',
      '-v',
      `${socket}:${socket}:ro`,
      '--group-add',
      gid,
      '-v',
      '/proc:/host/proc:ro',
      '-v',
      '/sys:/host/sys:ro',
      '-v',
      `/:/host/root:${rootOpts}`,
      '-v',
      `${volume}:/var/lib/berth-agent`,
      image,
    ]);
    // docker logs replays the container's stderr (where the agent logs) on its own stderr.
    const logs = async () =>
      exec('docker', ['logs', name]).then(
        (r) => r.stdout + r.stderr,
        (e: Error) => e.message,
      );
    const url = server.url;
    const hostname = os.hostname();
    const host = await eventually(
      async () => {
        const body = (await (await fetch(`${url}/api/v1/hosts`)).json()) as {
          hosts: {
            name: string;
            machine_id: string | null;
            containers: { name: string }[];
            latest: Record<string, number>;
          }[];
        };
        const h = body.hosts.find((x) => x.name === hostname);
        return h && h.containers.some((c) => c.name === name) && h.latest.net_rx_bps !== undefined ? h : undefined;
      },
      60_000,
      `the containerised agent to report ${hostname} with its containers; its log:\n${await logs()}`,
    );
    assert.equal(
      host.machine_id,
      fs.readFileSync('/etc/machine-id', 'utf8').trim(),
      "the host's machine-id, read through /host/root",
    );
    const series = (await (
      await fetch(`${url}/api/v1/series?host=${hostname}&series=net_rx_bps&from=${Math.floor(Date.now() / 1000) - 120}`)
    ).json()) as { labels: Record<string, { iface: string }> };
    const ifaces = Object.values(series.labels).map((l) => l.iface);
    assert.ok(ifaces.includes('docker0'), `the host's interfaces, not the container's (got ${ifaces.join(', ')})`);
    assert.equal(await docker(['inspect', '--format', '{{.Config.User}}', name]), 'node');
    const log = await logs();
    assert.match(log, /sampling \S+ every 1 s/, log);
    assert.doesNotMatch(log, /collector (cpu|memory|network|disk|filesystem|docker|load|uptime) (off|failed)/, log);
    // The agent's own words for a spool it cannot use; "replayed 2 spooled batches" is fine (a
    // busy machine makes a send wait, and the agent spools meanwhile as it should).
    assert.doesNotMatch(
      log,
      /cannot write the spool|spool still not writable|spool: could not|EACCES|EROFS/i,
      'the spool volume is writable by node',
    );
  },
);
