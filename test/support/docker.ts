// Helpers for tests that need Docker: a real engine through the `docker` CLI (containers and
// networks named `berth-test-<pid>-…` and labelled with the test process that made them, so
// test files can run side by side; leftovers of a process that is gone are removed first), and
// a mock engine on a unix socket serving recorded answers, for golden tests that need no engine.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';
import { tempDir } from './temp.ts';

const exec = promisify(execFile);

/** Names of what this test process makes: unique to it, so concurrent test files never collide. */
export const TEST_PREFIX = `berth-test-${process.pid}-`;
/** Labels every container and network a test makes: `berth.test.pid` names the process that owns it. */
export const TEST_LABELS = ['--label', 'berth.test=1', '--label', `berth.test.pid=${process.pid}`] as const;
/** Built without a registry by scripts/ci/docker-up.sh from the host's static busybox. */
export const TEST_IMAGE = process.env.BERTH_TEST_IMAGE ?? 'berth-busybox';

/** Runs the docker CLI with an argument list (no shell); returns trimmed stdout. */
export async function docker(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await exec('docker', [...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

const prefixed = (name: string) => (name.startsWith(TEST_PREFIX) ? name : TEST_PREFIX + name);

let ready: Promise<string | undefined> | undefined;

/** Why Docker cannot be used for tests, or undefined when it can (checked once per process). */
function dockerProblem(): Promise<string | undefined> {
  ready ??= (async () => {
    try {
      await docker(['version', '--format', '{{.Server.APIVersion}}'], 15_000);
    } catch (err) {
      return `no Docker engine answers (${firstLine(err)}); start one with scripts/ci/docker-up.sh`;
    }
    try {
      await docker(['image', 'inspect', '--format', '{{.Id}}', TEST_IMAGE], 15_000);
    } catch {
      return `image ${TEST_IMAGE} is missing; build it with scripts/ci/docker-up.sh`;
    }
    await removeLeftovers();
    return undefined;
  })();
  return ready;
}

/**
 * True when the test can use Docker. Under CI=true a missing engine or image fails the test
 * loudly; elsewhere the test is skipped with the reason printed.
 */
export async function requireDocker(t: TestContext): Promise<boolean> {
  const problem = await dockerProblem();
  if (problem === undefined) return true;
  if (process.env.CI === 'true') throw new Error(`Docker is required under CI: ${problem}`);
  process.stderr.write(`skipping "${t.name}": ${problem}\n`);
  t.skip(problem);
  return false;
}

export interface RunOptions {
  /** Container name; `berth-test-` is put in front unless already there. */
  name: string;
  /** Command and arguments, e.g. ['sh', '-c', 'yes > /dev/null']. */
  cmd: readonly string[];
  network?: string;
  /** Memory limit as docker takes it, e.g. '64m'. */
  memory?: string;
  labels?: Record<string, string>;
  image?: string;
}

/** Starts a detached container and returns its full id. */
export async function runContainer(opts: RunOptions): Promise<string> {
  const args = ['run', '-d', '--name', prefixed(opts.name), ...TEST_LABELS];
  if (opts.network) args.push('--network', prefixed(opts.network));
  if (opts.memory) args.push('--memory', opts.memory);
  for (const [k, v] of Object.entries(opts.labels ?? {})) args.push('--label', `${k}=${v}`);
  args.push(opts.image ?? TEST_IMAGE, ...opts.cmd);
  return docker(args);
}

/** Removes containers by name (prefix added as in runContainer); missing ones are fine. */
export async function removeContainers(names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await docker(['rm', '-f', ...names.map(prefixed)]).catch(() => undefined);
}

export async function createNetwork(name: string): Promise<string> {
  return docker(['network', 'create', ...TEST_LABELS, prefixed(name)]);
}

export async function removeNetwork(name: string): Promise<void> {
  await docker(['network', 'rm', prefixed(name)]).catch(() => undefined);
}

/** Whether a process with this pid is running (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes containers and networks a test made whose process is gone (an interrupted run), and
 * never those of a test process still running beside this one.
 */
export async function removeLeftovers(): Promise<void> {
  const owned = async (kind: 'container' | 'network'): Promise<string[]> => {
    const list =
      kind === 'container'
        ? ['ps', '-a', '--filter', 'label=berth.test=1', '--format', '{{.ID}} {{.Label "berth.test.pid"}}']
        : ['network', 'ls', '--filter', 'label=berth.test=1', '--format', '{{.ID}} {{.Label "berth.test.pid"}}'];
    return (await docker(list))
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' '))
      .filter(([, pid]) => !pid || !alive(Number(pid)))
      .map(([id]) => id);
  };
  const containers = await owned('container');
  if (containers.length) await docker(['rm', '-f', ...containers]).catch(() => undefined);
  const networks = await owned('network');
  if (networks.length) await docker(['network', 'rm', ...networks]).catch(() => undefined);
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim().split('\n')[0] ?? '';
}

// ---------------------------------------------------------------------------------------------
// Mock engine

export type MockAnswer = { status?: number; body: unknown } | { raw: string; status?: number } | 'hang';

export interface MockEngine {
  readonly socketPath: string;
  /** Request paths in arrival order. */
  readonly requests: string[];
  /** Connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  readonly connections: () => number;
  /** Most requests being answered at the same time. */
  readonly maxInFlight: () => number;
  close(): Promise<void>;
}

/**
 * An HTTP server on a fresh unix socket answering each GET with `route(path)`: JSON `body`
 * (with `status`, default 200), a `raw` text, or 'hang' to never answer. `delayMs` holds every
 * answer that long, to observe concurrency.
 */
export async function mockEngine(
  route: (path: string) => MockAnswer | Promise<MockAnswer>,
  opts: { delayMs?: number } = {},
): Promise<MockEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-engine-'));
  const socketPath = join(dir, 'docker.sock');
  const requests: string[] = [];
  let connections = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer(async (req, res) => {
    requests.push(req.url ?? '');
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const answer = await route(req.url ?? '');
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (answer === 'hang') return;
      const status = answer.status ?? 200;
      const body = 'raw' in answer ? answer.raw : JSON.stringify(answer.body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Api-Version': '1.41' });
      res.end(body);
    } finally {
      inFlight--;
    }
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    requests,
    connections: () => connections,
    maxInFlight: () => maxInFlight,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Counting proxy in front of the real engine

export interface EngineProxy {
  readonly socketPath: string;
  /** Request paths in arrival order (query strings kept). */
  readonly requests: string[];
  close(): Promise<void>;
}

/**
 * A unix socket that passes every request on to the real engine at `upstream` and the answer
 * back (streamed, so the event stream works through it), writing down each request's path:
 * what an agent asks of a real engine, counted.
 */
export async function engineProxy(upstream: string): Promise<EngineProxy> {
  const dir = tempDir('berth-engine-proxy-');
  const socketPath = join(dir, 'docker.sock');
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const up = http.request(
      { socketPath: upstream, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // At once: the event stream's answer has its headers long before any event.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
