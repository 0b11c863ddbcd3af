import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCommand } from './run.ts';

const script = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const env = { PATH: process.env.PATH };

/** Gone, or a zombie nobody has reaped yet (PID 1 in a container may never reap). */
function dead(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

test('runCommand: output, exit code and arguments of a plain plugin', async () => {
  const r = await runCommand({
    command: script('metrics.sh'),
    args: ['-x', 'two words'],
    env: { ...env, APP_EXTRA: '9' },
    timeoutMs: 5000,
  }).result;
  assert.equal(r.code, 0);
  assert.equal(r.timedOut, false);
  assert.match(r.stdout, /^app\.requests\.get\t1234\t\d+$/m);
  assert.match(r.stdout, /^app\.args\t2\t/m);
  assert.match(r.stdout, /^app\.extra\t9\t/m);
});

test('runCommand: non-zero exit keeps stdout and stderr', async () => {
  const r = await runCommand({ command: script('fail.sh'), args: [], env, timeoutMs: 5000 }).result;
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^fail\.partial\t1\t/);
  assert.match(r.stderr, /connection refused/);
});

test('runCommand: a hang is killed at the timeout, children included', async () => {
  const started = Date.now();
  const r = await runCommand({ command: script('hang.sh'), args: [], env, timeoutMs: 500 }).result;
  const took = Date.now() - started;
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGKILL');
  // Killed at 0.5 s, not after the script's 30 s (the margin is for a machine busy with other tests).
  assert.ok(took >= 450 && took < 10_000, `took ${took} ms`);
  assert.match(r.stdout, /^hang\.started\t1\t/);
  const child = Number(/child (\d+)/.exec(r.stderr)?.[1]);
  assert.ok(child > 0, r.stderr);
  for (let i = 0; i < 20 && !dead(child); i++) await new Promise((res) => setTimeout(res, 50));
  assert.ok(dead(child), `the plugin's child ${child} survived`);
});

test('runCommand: a command that does not exist is an error, not a crash', async () => {
  const r = await runCommand({ command: '/nonexistent/plugin', args: [], env, timeoutMs: 5000 }).result;
  assert.equal(r.code, null);
  assert.match(String(r.error?.message), /ENOENT/);
});

test('runCommand: a plugin printing without end is killed at the output cap', async () => {
  const r = await runCommand({ command: 'yes', args: ['x.y\t1\t1'], env, timeoutMs: 5000, maxOutputBytes: 64 * 1024 })
    .result;
  assert.equal(r.overflow, true);
  assert.ok(r.stdout.length <= 64 * 1024);
});

test('runCommand: kill() ends a running plugin', async () => {
  const running = runCommand({ command: script('hang.sh'), args: [], env, timeoutMs: 60_000 });
  setTimeout(() => running.kill(), 200);
  const r = await running.result;
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(r.timedOut, false);
});
