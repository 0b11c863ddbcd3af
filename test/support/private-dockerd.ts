// A Docker engine of the test's own, for tests that must stop and start an engine: never the
// shared one other tests use. Its own socket, data root, exec root and pid file in a temp
// folder, no bridge, no iptables, and its own network namespace (`unshare --net`): an engine
// started with --bridge=none deletes the host's docker0 when it sees one, which would cut
// every container of the shared engine off its network. The test image is imported into it
// with scripts/ci/docker-up.sh, from the host's static busybox (no registry).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';
import { REPO } from './processes.ts';
import { tempDir } from './temp.ts';
import { TEST_IMAGE } from './docker.ts';

const exec = promisify(execFile);

export interface PrivateDockerd {
  readonly dir: string;
  /** Starts the engine listening on `socketPath` (a path in `dir`); resolves once it answers. */
  start(socketPath: string): Promise<void>;
  /** SIGTERM, then waits for it to exit (it stops its containers first). */
  stop(): Promise<void>;
  /** The docker CLI against the engine on `socketPath`. */
  docker(socketPath: string, args: readonly string[]): Promise<string>;
  log(): string;
}

/** Why a private engine cannot run here, or undefined. */
async function problem(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'a private Docker engine needs root';
  for (const bin of ['dockerd', 'unshare', 'docker', 'busybox']) {
    try {
      await exec('sh', ['-c', `command -v ${bin}`]);
    } catch {
      return `${bin} is not installed`;
    }
  }
  return undefined;
}

/**
 * Why tests cannot run an engine of their own, for `describe(…, { skip })`; undefined when
 * they can. Under CI=true anything missing throws; elsewhere the reason is printed.
 */
export async function privateDockerdSkipReason(): Promise<string | undefined> {
  const why = await problem();
  if (why === undefined) return undefined;
  if (process.env.CI === 'true') throw new Error(`CI=true requires a private Docker engine: ${why}`);
  process.stderr.write(`# skipping tests on a private Docker engine: ${why}\n`);
  return why;
}

/** True when the test can run an engine of its own; under CI=true anything missing fails it. */
export async function requirePrivateDockerd(t: TestContext): Promise<boolean> {
  const why = await privateDockerdSkipReason();
  if (why === undefined) return true;
  t.skip(why);
  return false;
}

export function privateDockerd(): PrivateDockerd {
  // Short: the engine's containerd socket lives under exec-root and unix paths are short.
  const dir = tempDir('bpd-');
  const logFile = path.join(dir, 'dockerd.log');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const docker = async (socketPath: string, args: readonly string[]) =>
    (
      await exec('docker', ['-H', `unix://${socketPath}`, ...args], { timeout: 120_000, maxBuffer: 16 << 20 })
    ).stdout.trim();
  return {
    dir,
    docker,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    async start(socketPath) {
      const out = fs.openSync(logFile, 'a');
      child = spawn(
        'unshare',
        [
          '--net',
          'dockerd',
          '--host',
          `unix://${socketPath}`,
          '--data-root',
          path.join(dir, 'data'),
          '--exec-root',
          path.join(dir, 'x'),
          '--pidfile',
          path.join(dir, 'dockerd.pid'),
          '--bridge=none',
          '--iptables=false',
          '--ip-masq=false',
        ],
        { stdio: ['ignore', out, out] },
      );
      fs.closeSync(out);
      const c = child;
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      for (let i = 0; i < 120; i++) {
        if (c.exitCode !== null) throw new Error(`dockerd exited (${c.exitCode}):\n${this.log().slice(-2000)}`);
        try {
          await docker(socketPath, ['version', '--format', '{{.Server.Version}}']);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 500));
        }
        if (i === 119) throw new Error(`dockerd did not answer within 60 s:\n${this.log().slice(-2000)}`);
      }
      // The test image, built as CI builds it for the shared engine (idempotent).
      await exec('bash', [path.join(REPO, 'scripts/ci/docker-up.sh')], {
        env: { ...process.env, DOCKER_HOST: `unix://${socketPath}`, BERTH_TEST_IMAGE: TEST_IMAGE },
        timeout: 120_000,
      });
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      child.kill('SIGTERM');
      const killed = setTimeout(() => child?.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(killed);
    },
  };
}
