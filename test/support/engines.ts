// Other engines for integration tests, from Debian's packages, started on loopback by the
// test on a free port with their storage in a temp folder: VictoriaMetrics (single node) and
// Prometheus. Under CI=true a missing binary fails; locally the test is skipped with the reason.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { eventually } from './processes.ts';

export const VICTORIA = process.env.BERTH_VICTORIA_METRICS ?? '/usr/bin/victoria-metrics';
export const PROMETHEUS = process.env.BERTH_PROMETHEUS ?? '/usr/bin/prometheus';

/** Why these engines cannot run here, or undefined when they can. Throws under CI. */
export function enginesSkipReason(): string | undefined {
  const missing = [VICTORIA, PROMETHEUS].filter((b) => !fs.existsSync(b));
  if (missing.length === 0) return undefined;
  const why = `${missing.join(', ')} not found (apt-get install victoria-metrics prometheus)`;
  if (process.env.CI === 'true') throw new Error(`CI=true requires the remote-write tests: ${why}`);
  console.log(`# skipping remote-write engine tests: ${why}`);
  return why;
}

export interface Engine {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function run(bin: string, args: string[], url: string, ready: string): Promise<Engine> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const engine: Engine = {
    url,
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  return eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`${path.basename(bin)} exited (${child.exitCode}):\n${out}`);
      const res = await fetch(`${url}${ready}`).catch(() => undefined);
      return res?.ok ? engine : undefined;
    },
    30_000,
    `${path.basename(bin)} to answer on ${url}`,
  );
}

/**
 * VictoriaMetrics single-node on 127.0.0.1:port, data in `dir` (kept across a restart on the
 * same folder). No query cache and no latency offset, so a query sees what was just written;
 * deduplication of samples at the same millisecond, as VictoriaMetrics advises behind senders
 * that retry (a request that timed out may have been stored before it failed).
 */
export function startVictoria(dir: string, port: number): Promise<Engine> {
  return run(
    VICTORIA,
    [
      `-storageDataPath=${dir}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-search.latencyOffset=0s',
      '-search.disableCache',
      '-dedup.minScrapeInterval=1ms',
      '-retentionPeriod=1',
      '-loggerLevel=WARN',
    ],
    `http://127.0.0.1:${port}`,
    '/health',
  );
}

/** Prometheus on 127.0.0.1:port with `config` (YAML text), its TSDB in `dir`. */
export function startPrometheus(dir: string, port: number, config: string): Promise<Engine> {
  const file = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(file, config);
  return run(
    PROMETHEUS,
    [
      `--config.file=${file}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    `http://127.0.0.1:${port}`,
    '/-/ready',
  );
}
