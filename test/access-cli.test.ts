// Access from the shell, against a running server on the same SQLite file: the first start
// prints a one-time setup link that makes an admin; `user add` (password on stdin, never on
// the command line), `user passwd`, `user remove`, `user list`, `read-token add` and
// `share add` work at once on the running server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPO, freePort, startProcess } from './support/processes.ts';
import { makeBatch, TEST_TOKEN } from './support/server.ts';
import { tempDir } from './support/temp.ts';
import { accessCli, UsageError } from '../server/cli-access.ts';

/** The same commands in this process (a tsx start-up each would take seconds): what they print. */
async function inProcess(args: string[], password = ''): Promise<{ stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const db = args[args.indexOf('--db') + 1];
  const ran = await accessCli(args, () => db, {
    password: async () => password,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  assert.equal(ran, true);
  return { stdout: out.join('\n'), stderr: err.join('\n') };
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run server -- ARGS` as its own process, `stdin` written to it. */
function cli(args: string[], stdin = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', path.join(REPO, 'server/main.ts'), ...args],
      { cwd: REPO, env: { ...process.env, BERTH_TOKEN: '', BERTH_DB: '' } },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

test('the setup link, then users, read tokens and share links from the shell', async (t) => {
  const db = path.join(tempDir('berth-access-cli-'), 'berth.db');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = startProcess('server/main.ts', ['--db', db, '--port', String(port), '--token', TEST_TOKEN]);
  t.after(() => server.kill());
  await server.waitFor(/no user yet: open (\S+)/);
  const link = /no user yet: open (\S+)/.exec(server.output())![1];
  assert.match(link, new RegExp(`^${url}/setup#code=`));
  const code = link.split('#code=')[1];
  const json = (body: unknown) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal((await fetch(`${url}/api/v1/hosts`)).status, 401, 'nothing is readable before anyone signs in');
  const made = await fetch(`${url}/api/v1/setup`, json({ code, name: 'ada', password: 'first admin password' }));
  assert.equal(made.status, 201);
  const reused = await fetch(`${url}/api/v1/setup`, json({ code, name: 'eve', password: 'another password' }));
  assert.equal(reused.status, 403, 'the link works once');

  const signIn = (name: string, password: string) => fetch(`${url}/api/v1/session`, json({ name, password }));
  const added = await cli(['user', 'add', 'vera', '--role', 'viewer', '--db', db], 'vera password 1\n');
  assert.equal(added.code, 0, added.stderr);
  assert.doesNotMatch(added.stdout + added.stderr, /vera password 1/);
  assert.equal((await signIn('vera', 'vera password 1')).status, 200);

  const list = await inProcess(['user', 'list', '--db', db]);
  assert.match(list.stdout, /^ada\tadmin\tpassword\t/m);
  assert.match(list.stdout, /^vera\tviewer\tpassword\t/m);

  await inProcess(['user', 'passwd', 'vera', '--db', db], 'vera password 2');
  assert.equal((await signIn('vera', 'vera password 1')).status, 401);
  assert.equal((await signIn('vera', 'vera password 2')).status, 200);

  await assert.rejects(
    inProcess(['user', 'add', 'mallory', '--role', 'boss', '--db', db], 'whatever password'),
    (e: Error) => e instanceof UsageError && /--role: admin or viewer/.test(e.message),
  );
  await assert.rejects(
    inProcess(['user', 'add', 'mallory', '--role', 'viewer', '--db', db], 'short'),
    /password: at least 10 characters/,
  );

  await inProcess(['user', 'remove', 'vera', '--db', db]);
  assert.equal((await signIn('vera', 'vera password 2')).status, 401);

  const now = Math.floor(Date.now() / 1000);
  const ingest = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(makeBatch('web-1', [now - 10])),
  });
  assert.equal(ingest.status, 200);
  const rt = await inProcess(['read-token', 'add', 'grafana', '--db', db]);
  const token = rt.stdout.trim();
  assert.match(token, /^berth_r_/);
  const hosts = await fetch(`${url}/api/v1/hosts`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(hosts.status, 200);

  const share = await inProcess(['share', 'add', 'web-1', '--days', '2', '--url', url, '--db', db]);
  const opened = await fetch(share.stdout.trim(), { redirect: 'manual' });
  assert.equal(opened.status, 303);
  assert.equal(opened.headers.get('location'), '/host/web-1');
});
