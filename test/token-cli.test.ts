// Enrollment from the command line, against a running server on the same SQLite file:
// `token add HOST` prints a token that lets that host (and only it) send; `token list` shows
// every token's state; `token revoke HOST` stops the host at once (401) and keeps its history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadServerConfig } from '../server/config.ts';
import { startServer, type RunningServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { REPO } from './support/processes.ts';
import { makeBatch } from './support/server.ts';
import { tempDir } from './support/temp.ts';
import { newToken } from '../server/auth.ts';
import { loadAgentConfig } from '../agent/config.ts';

const exec = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run server -- ARGS` as its own process, to its end. */
async function cli(args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ['--import', 'tsx', path.join(REPO, 'server/main.ts'), ...args],
      {
        cwd: REPO,
        env: { ...process.env, BERTH_TOKEN: '' },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as Error & { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const now = () => Math.floor(Date.now() / 1000);

test('token add / list / revoke from the CLI, against a running server', async (t) => {
  const dir = tempDir('berth-tokens-');
  const db = path.join(dir, 'berth.db');
  const server: RunningServer = await startServer(
    loadServerConfig(['--db', db, '--port', '0', '--public-read'], {}),
    memoryLogger(),
  );
  let closed: Promise<void> | undefined;
  const closeServer = () => (closed ??= server.close());
  t.after(closeServer);
  const ingest = (token: string, host: string, ts = now()) =>
    fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(makeBatch(host, [ts], () => ({ host: { cpu_pct: 42 } }))),
    });
  const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

  // add: the token alone on stdout (so `TOKEN=$(… token add web-1)` works), the advice on stderr.
  const added = await cli(['token', 'add', 'web-1', '--db', db]);
  assert.equal(added.code, 0, added.stderr);
  const lines = added.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `stdout is the token only: ${JSON.stringify(added.stdout)}`);
  const token = lines[0];
  assert.match(token, /^[A-Za-z0-9_-]{32,}$/);
  assert.match(added.stderr, /shown once/);
  const other = (await cli(['token', 'add', 'db-1', '--db', db])).stdout.trim();
  assert.notEqual(other, token, 'every host gets its own token');
  // Adding again replaces, and says so: the host's earlier token stops working.
  const first = await cli(['token', 'add', 'cache-1', '--db', db]);
  const second = await cli(['token', 'add', 'cache-1', '--db', db]);
  assert.doesNotMatch(first.stderr, /replaced/);
  assert.match(second.stderr, /token for host "cache-1" replaced: the one it had stops working now/);
  assert.equal((await ingest(first.stdout.trim(), 'cache-1')).status, 401);
  assert.equal((await ingest(second.stdout.trim(), 'cache-1')).status, 200);

  // The token is this host's: accepted for web-1, refused for any other host name.
  const ts0 = now() - 60;
  const ok = await ingest(token, 'web-1', ts0);
  assert.equal(ok.status, 200, await ok.clone().text());
  const wrong = await ingest(token, 'db-1');
  assert.equal(wrong.status, 403);
  assert.match(await errorOf(wrong), /belongs to host "web-1", not "db-1"/);
  assert.equal((await ingest('not-a-token-at-all-0123456789', 'web-1')).status, 401);

  // list: one line per host, with its state and last use.
  const listed = await cli(['token', 'list', '--db', db]);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = new Map(
    listed.stdout
      .trim()
      .split('\n')
      .map((l) => [l.split('\t')[0], l]),
  );
  assert.deepEqual([...rows.keys()].sort(), ['cache-1', 'db-1', 'web-1']);
  assert.match(rows.get('web-1')!, /\tactive\tlast used \d{4}-\d\d-\d\dT/);
  assert.match(rows.get('db-1')!, /\tactive\tlast used never$/);
  assert.ok(!listed.stdout.includes(token), 'list never shows a token');

  // revoke: the very next request from web-1 is refused; db-1 is untouched.
  const revoked = await cli(['token', 'revoke', 'web-1', '--db', db]);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stderr, /revoked/);
  const refused = await ingest(token, 'web-1');
  assert.equal(refused.status, 401);
  assert.equal((await ingest(other, 'db-1')).status, 200);
  assert.match((await cli(['token', 'list', '--db', db])).stdout, /^web-1\trevoked \d{4}-/m);

  // History stays: web-1 is still listed and its sample still answers a query.
  const hosts = (await (await fetch(`${server.url}/api/v1/hosts`)).json()) as { hosts: { name: string }[] };
  assert.ok(
    hosts.hosts.some((h) => h.name === 'web-1'),
    'web-1 still listed',
  );
  const series = (await (
    await fetch(`${server.url}/api/v1/series?host=web-1&metrics=cpu_pct&from=${ts0 - 60}&to=${ts0 + 60}`)
  ).json()) as {
    t: number[];
    series: { cpu_pct: (number | null)[] };
  };
  assert.ok(series.series.cpu_pct.includes(42), 'the sample sent before the revoke is still there');

  // Revoking again says there is nothing to revoke; re-enrolling issues a new, working token.
  const again = await cli(['token', 'revoke', 'web-1', '--db', db]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no active token for host "web-1"/);
  const renewed = (await cli(['token', 'add', 'web-1', '--db', db])).stdout.trim();
  assert.equal((await ingest(renewed, 'web-1')).status, 200);
  assert.equal((await ingest(token, 'web-1')).status, 401, 'the revoked token stays dead');

  // Stored hashed: no clear token anywhere in the database files. Read only once the server
  // has closed them: closing any descriptor of a SQLite file drops the process's locks on it.
  await closeServer();
  for (const f of fs.readdirSync(dir).filter((n) => n.startsWith('berth.db'))) {
    const bytes = fs.readFileSync(path.join(dir, f));
    for (const tok of [token, other, renewed]) assert.ok(!bytes.includes(tok), `${f} does not hold a clear token`);
  }
});

test('token list and revoke on a --db that does not exist: exit 2 naming --db, and no file made', async () => {
  const db = path.join(tempDir('berth-tokens-'), 'typo', 'berth.db');
  for (const args of [
    ['token', 'list'],
    ['token', 'revoke', 'web-1'],
  ]) {
    const r = await cli([...args, '--db', db]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /--db \(BERTH_DB\): no database at .*typo\/berth\.db/);
  }
  assert.equal(fs.existsSync(path.dirname(db)), false);
});

test('token CLI: wrong usage exits 2 with the usage text', async () => {
  const db = path.join(tempDir('berth-tokens-'), 'berth.db');
  const cases = [
    ['token', 'add'],
    ['token', 'revoke'],
    ['token', 'frobnicate', 'x'],
    ['token', 'add', 'bad host!'],
    ['token', 'add', '-x'],
  ];
  const results = await Promise.all(cases.map((args) => cli([...args, '--db', db])));
  for (const [i, args] of cases.entries()) {
    const r = results[i];
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, /token add HOST/, args.join(' '));
    assert.equal(r.stdout, '', `${args.join(' ')} prints no token`);
  }
});

test('an issued token can be pasted after --token: none starts with a dash', () => {
  // One base64url token in 64 would start with '-', and `--token -abc…` reads as a flag.
  for (let i = 0; i < 2000; i++) {
    const token = newToken();
    assert.equal(loadAgentConfig(['--token', token, '--host', 'h'], {}).token, token);
  }
});
