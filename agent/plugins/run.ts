// Runs one plugin command to completion, without a shell, in its own process group, so that a
// timeout kills the command and everything it started (a `sleep` child would otherwise keep the
// output pipe open and the run alive). Output is capped so a runaway plugin cannot eat memory.
import { spawn } from 'node:child_process';

export interface RunOptions {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Stop (kill) a plugin whose stdout grows past this; default 4 MiB. */
  maxOutputBytes?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code, or null when ended by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Killed for printing more than maxOutputBytes. */
  overflow: boolean;
  /** Could not start (ENOENT, EACCES…). */
  error?: Error;
  ms: number;
}

export interface RunningCommand {
  result: Promise<RunResult>;
  /** Kill the whole process group now (agent shutting down). */
  kill(): void;
}

/** After killing the group, how long to wait for the pipes to close before giving up on them. */
const CLOSE_GRACE_MS = 1000;
/** stderr is only for log lines; keep its tail small. */
const MAX_STDERR_BYTES = 64 * 1024;

export function runCommand(opts: RunOptions): RunningCommand {
  const started = performance.now();
  const maxOut = opts.maxOutputBytes ?? 4 * 1024 * 1024;
  let timedOut = false;
  let overflow = false;
  let killed = false;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let outBytes = 0;
  let errBytes = 0;

  // detached: the child calls setsid(), so its pid is also the id of a new process group.
  const child = spawn(opts.command, opts.args, { env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });

  const killGroup = () => {
    if (killed || child.pid === undefined) return;
    killed = true;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };

  const result = new Promise<RunResult>((resolve) => {
    let done = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      const r: RunResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        signal,
        timedOut,
        overflow,
        ms: performance.now() - started,
      };
      if (error) r.error = error;
      resolve(r);
    };
    const giveUpLater = () => {
      // Something outside the group may still hold the pipes; do not wait on it forever.
      graceTimer ??= setTimeout(() => finish(child.exitCode, child.signalCode), CLOSE_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
      giveUpLater();
    }, opts.timeoutMs);

    child.stdout.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes > maxOut) {
        if (!overflow) {
          overflow = true;
          killGroup();
          giveUpLater();
        }
        return;
      }
      out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      if (errBytes >= MAX_STDERR_BYTES) return;
      errBytes += b.length;
      err.push(b);
    });
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, signal) => finish(code, signal));
  });

  return {
    result,
    kill() {
      killGroup();
    },
  };
}
