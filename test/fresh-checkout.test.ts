// The commands a newcomer runs, on a checkout where nothing is built yet: `npm run server`
// builds the page and the agent bundle before serving them (it answered 503 until
// `npm run build`), and `npm start` refuses a bad BERTH_* value of its built-in agent with
// exit 2 before it starts anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, startProcess } from './support/processes.ts';
import { tempDir } from './support/temp.ts';

/** The repository's files as a clone has them (plus what is new and not ignored), without builds. */
function freshCheckout(): string {
  const dir = tempDir('berth-checkout-');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    if (!fs.existsSync(path.join(REPO, f))) continue;
    fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
    // A tracked symbolic link (the recorded /sys trees keep the kernel's) stays a link, as git
    // checks it out.
    const from = path.join(REPO, f);
    if (fs.lstatSync(from).isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), path.join(dir, f));
    else fs.copyFileSync(from, path.join(dir, f));
  }
  // `npm install` done: the packages, not a build of this project.
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

test('npm run server on a fresh checkout builds the page and the agent bundle, then serves them', async (t) => {
  const dir = freshCheckout();
  assert.equal(fs.existsSync(path.join(dir, 'web', 'dist')), false);
  const server = startProcess('start/server.ts', ['--port', '0', '--db', path.join(dir, 'data', 'berth.db')], {}, dir);
  t.after(() => server.kill());
  await server.waitFor(/listening on (http:\/\/\S+)/, 180_000);
  const url = /listening on (http:\/\/\S+)/.exec(server.output())![1];
  assert.match(server.output(), /building the web page/);
  assert.match(server.output(), /building the agent bundle/);
  // Nobody can sign in yet: the start says how to make the first admin (the line after
  // "listening on", which may reach this process in a later read).
  await server.waitFor(/no user yet: open http:\/\/\S+\/setup#code=\S+ to create the first admin/);

  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script[^>]+src="\/assets\//);
  const agent = await fetch(`${url}/agent.mjs`);
  assert.equal(agent.status, 200);
  assert.match(await agent.text(), /^#!\/usr\/bin\/env node/);
  await server.kill();

  // Built once: the next start finds nothing stale.
  const again = startProcess('start/server.ts', ['--port', '0', '--db', path.join(dir, 'data', 'berth.db')], {}, dir);
  t.after(() => again.kill());
  await again.waitFor(/listening on/);
  assert.doesNotMatch(again.output(), /building/);
});

test('npm start: a bad BERTH_* value of the built-in agent exits 2 naming the flag, before anything starts', async () => {
  const data = tempDir('berth-start-');
  const start = startProcess('start/main.ts', ['--port', '0', '--db', path.join(data, 'berth.db')], {
    BERTH_INTERVAL: 'often',
  });
  assert.equal(await start.exited, 2, start.output());
  assert.match(start.output(), /--interval \(BERTH_INTERVAL\): "often" must be a number/);
  assert.doesNotMatch(start.output(), /building|listening|running/);
});
