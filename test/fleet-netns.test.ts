// A fleet for real: three hosts as network namespaces on one LAN bridge, each enrolled with
// its own token (`token add`), each downloading the one-file agent from the server over its
// own link (GET /agent.mjs) and running it, all posting to one server in the root namespace.
// Host a downloads, host b uploads, host c idles: the overview must show each host with its
// own traffic, matching the kernel's counters of its link; a copy of a's agent on another
// machine, under a's name, is refused (409). Cutting b's link marks b offline
// within two intervals while a and c stay online; when the link returns, b is back and the
// samples it took meanwhile arrive from its spool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildAgent } from '../agent/build.ts';
import { REPO, startProcess, eventually, sleep, freePort, type Proc } from './support/processes.ts';
import { tempDir } from './support/temp.ts';
import {
  createFleet,
  ip,
  linkBytes,
  rememberProcess,
  requireNetns,
  runInNetns,
  startInNetns,
  type Fleet,
} from './support/netns.ts';

const exec = promisify(execFile);
const INTERVAL = 2;
/** Longer than the agent's 15 s send timeout, so at least one send fails and is spooled. */
const CUT_SECONDS = 20;
const DOWNLOAD_BPS = 2_000_000;
const UPLOAD_BPS = 1_000_000;

interface HostRow {
  name: string;
  machine_id: string | null;
  online: boolean;
  last_seen: number;
  latest: Record<string, number>;
}

/** `npm run server -- ARGS` to its end; stdout only (the token is printed there alone). */
async function serverCli(args: string[]): Promise<string> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', path.join(REPO, 'server/main.ts'), ...args], {
    cwd: REPO,
  });
  return stdout.trim();
}

/** A source of bytes for `D` clients and a sink for `U` clients, paced at a steady rate. */
function trafficServer(rateBps: number): net.Server {
  return net.createServer((s) => {
    s.on('error', () => undefined);
    s.once('data', (first) => {
      if (first[0] !== 'D'.charCodeAt(0)) return s.resume();
      const chunk = Buffer.alloc(Math.round(rateBps / 20), 0x61);
      const timer = setInterval(() => {
        if (s.writableLength < chunk.length * 4) s.write(chunk);
      }, 50);
      s.once('close', () => clearInterval(timer));
    });
  });
}

/** Client run inside a namespace with `node -e`: D reads what comes, U writes at the rate given. */
const TRAFFIC_CLIENT = `
const net = require('node:net');
const [host, port, mode, rate] = process.argv.slice(1);
const s = net.connect(Number(port), host, () => {
  s.write(mode);
  if (mode !== 'U') return;
  const chunk = Buffer.alloc(Math.round(Number(rate) / 20), 0x62);
  setInterval(() => { if (s.writableLength < chunk.length * 4) s.write(chunk); }, 50);
});
s.on('data', () => {});
s.on('error', (e) => { console.error(e.message); process.exit(1); });
`;

const nowS = () => Date.now() / 1000;

test(
  'three hosts in network namespaces: own traffic each, offline when cut, spooled data after',
  { timeout: 240_000 },
  async (t) => {
    if (!(await requireNetns(t))) return;

    const procs: Proc[] = [];
    let fleet: Fleet | undefined;
    let traffic: net.Server | undefined;
    t.after(async () => {
      for (const p of procs) await p.kill('SIGKILL');
      traffic?.close();
      await fleet?.destroy();
    });
    const dump = () => procs.map((p) => p.output()).join('\n----\n');

    fleet = await createFleet(['a', 'b', 'c']);
    const [a, b, c] = fleet.hosts;
    const dir = tempDir('berth-fleet-');
    const db = path.join(dir, 'berth.db');
    // Built from the source under test (dist/ may be stale, or in use by another test).
    const bundle = path.join(dir, 'berth-agent.mjs');
    await buildAgent(bundle);

    // Enrollment: one token per host, issued before the server starts, as an operator would.
    const tokens = new Map<string, string>();
    for (const h of fleet.hosts) tokens.set(h.name, await serverCli(['token', 'add', `host-${h.name}`, '--db', db]));

    const port = await freePort(fleet.serverAddr);
    const url = `http://${fleet.serverAddr}:${port}`;
    const server = startProcess('server/main.ts', [
      '--db',
      db,
      '--bind',
      fleet.serverAddr,
      '--port',
      String(port),
      '--agent-file',
      bundle,
      '--public-read',
    ]);
    procs.push(server);
    rememberProcess(server.child.pid);
    await server.waitFor(/listening on/);
    const hosts = async (): Promise<Map<string, HostRow>> => {
      const res = await fetch(`${url}/api/v1/hosts`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { hosts: HostRow[] };
      return new Map(body.hosts.map((h) => [h.name, h]));
    };

    traffic = trafficServer(DOWNLOAD_BPS);
    const trafficPort = await freePort(fleet.serverAddr);
    await new Promise<void>((r) => traffic!.listen(trafficPort, fleet!.serverAddr, r));

    // Each host installs the agent the way the page tells it to: fetched from the server over
    // its own link, with a machine-id of its own (its "disk" is a folder here).
    const machineIds = new Map<string, string>();
    const agents = new Map<string, Proc>();
    for (const h of fleet.hosts) {
      const home = path.join(dir, `host-${h.name}`);
      const rootfs = path.join(home, 'root');
      fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
      const machineId = crypto.randomBytes(16).toString('hex');
      fs.writeFileSync(path.join(rootfs, 'etc', 'machine-id'), `${machineId}\n`);
      machineIds.set(`host-${h.name}`, machineId);
      const file = path.join(home, 'berth-agent.mjs');
      await runInNetns(h.ns, process.execPath, [
        '-e',
        'fetch(process.argv[1]).then(async (r) => { if (!r.ok) throw new Error("HTTP " + r.status); require("node:fs").writeFileSync(process.argv[2], Buffer.from(await r.arrayBuffer())); })',
        `${url}/agent.mjs`,
        file,
      ]);
      assert.deepEqual(fs.readFileSync(file), fs.readFileSync(bundle), 'the downloaded agent is the bundle');
      const agent = startInNetns(h.ns, process.execPath, [
        file,
        '--server',
        url,
        '--token',
        tokens.get(h.name)!,
        '--host',
        `host-${h.name}`,
        '--interval',
        String(INTERVAL),
        '--collectors',
        'cpu,memory,network',
        '--spool',
        path.join(home, 'spool'),
        '--rootfs',
        rootfs,
      ]);
      procs.push(agent);
      agents.set(h.name, agent);
    }
    for (const [name, agent] of agents) await agent.waitFor(new RegExp(`sampling host-${name}`));

    procs.push(
      startInNetns(a.ns, process.execPath, ['-e', TRAFFIC_CLIENT, fleet.serverAddr, String(trafficPort), 'D', '0']),
    );
    procs.push(
      startInNetns(b.ns, process.execPath, [
        '-e',
        TRAFFIC_CLIENT,
        fleet.serverAddr,
        String(trafficPort),
        'U',
        String(UPLOAD_BPS),
      ]),
    );

    // Every host listed, online, with its own network figures, once the traffic is under way.
    await eventually(
      async () => {
        const hs = await hosts();
        const ha = hs.get('host-a');
        const hb = hs.get('host-b');
        return hs.size === 3 &&
          [...hs.values()].every((h) => h.online) &&
          ha &&
          ha.latest.net_rx_bps > DOWNLOAD_BPS / 2 &&
          hb &&
          hb.latest.net_tx_bps > UPLOAD_BPS / 2
          ? true
          : undefined;
      },
      60_000,
      `three hosts online with traffic figures\n${dump()}`,
    );

    // The agents' figures against the kernel's own counters of each link, over the same window:
    // from just after one sampling boundary to just after another, six intervals on.
    const step = INTERVAL * 1000;
    const b0 = Math.ceil(Date.now() / step) * step;
    await sleep(b0 + 200 - Date.now());
    const t0 = nowS();
    const k0 = fleet.hosts.map((h) => linkBytes(h.rootIface));
    const b1 = b0 + 6 * step;
    await sleep(b1 + 200 - Date.now());
    const t1 = nowS();
    const k1 = fleet.hosts.map((h) => linkBytes(h.rootIface));
    await sleep(step + 1500);
    // The samples stamped b0+INTERVAL … b1 cover (b0, b1].
    const mean = async (host: string, metric: string): Promise<number> => {
      const res = await fetch(
        `${url}/api/v1/series?host=${host}&metrics=${metric}&from=${b0 / 1000 + INTERVAL}&to=${b1 / 1000}&maxPoints=1000`,
      );
      const body = (await res.json()) as { tier: string; series: Record<string, (number | null)[]> };
      assert.equal(body.tier, 'raw');
      const vals = body.series[metric].filter((v): v is number => v !== null);
      assert.ok(vals.length >= 5, `${host} ${metric}: ${vals.length} of 6 samples in the window`);
      return vals.reduce((x, y) => x + y, 0) / vals.length;
    };
    // The root end's tx is what the namespace's eth0 received, and the other way round.
    const kernel = fleet.hosts.map((h, i) => ({
      rx: (k1[i].tx - k0[i].tx) / (t1 - t0),
      tx: (k1[i].rx - k0[i].rx) / (t1 - t0),
    }));
    const seen = new Map<string, { rx: number; tx: number }>();
    for (const h of fleet.hosts)
      seen.set(h.name, {
        rx: await mean(`host-${h.name}`, 'net_rx_bps'),
        tx: await mean(`host-${h.name}`, 'net_tx_bps'),
      });
    const lines = fleet.hosts.map(
      (h, i) =>
        `host-${h.name}: agent rx ${seen.get(h.name)!.rx.toFixed(0)} tx ${seen.get(h.name)!.tx.toFixed(0)} B/s; kernel rx ${kernel[i].rx.toFixed(0)} tx ${kernel[i].tx.toFixed(0)} B/s`,
    );
    for (const l of lines) t.diagnostic(l);
    const report = lines.join('\n');
    fleet.hosts.forEach((h, i) => {
      for (const dir of ['rx', 'tx'] as const) {
        const got = seen.get(h.name)![dir];
        const want = kernel[i][dir];
        // Both ends of a veth count the same frames; the windows differ by the collection time.
        assert.ok(
          Math.abs(got - want) <= Math.max(0.1 * want, 2000),
          `host-${h.name} ${dir}: agent ${got.toFixed(0)} B/s, kernel ${want.toFixed(0)} B/s\n${report}`,
        );
      }
    });
    const sa = seen.get('a')!;
    const sb = seen.get('b')!;
    const sc = seen.get('c')!;
    assert.ok(sa.rx > 10 * sa.tx && sa.rx > DOWNLOAD_BPS * 0.8, `host-a downloads:\n${report}`);
    assert.ok(sb.tx > 10 * sb.rx && sb.tx > UPLOAD_BPS * 0.8, `host-b uploads:\n${report}`);
    assert.ok(sc.rx + sc.tx < 50_000, `host-c only sends its own batches:\n${report}`);
    const before = await hosts();
    for (const [name, id] of machineIds)
      assert.equal(before.get(name)?.machine_id, id, `${name} reports its own machine-id`);

    // A second machine under a taken name (here: host-a's agent, token and name copied to c's
    // machine) is refused with a message saying what to do, and host-a stays host-a. As a check
    // (--once) the clone fails: its batch was not taken.
    const clone = path.join(dir, 'clone');
    fs.mkdirSync(path.join(clone, 'root', 'etc'), { recursive: true });
    fs.writeFileSync(path.join(clone, 'root', 'etc', 'machine-id'), `${crypto.randomBytes(16).toString('hex')}\n`);
    const cloneLog = await runInNetns(
      c.ns,
      process.execPath,
      [
        path.join(dir, 'host-a', 'berth-agent.mjs'),
        '--once',
        '--server',
        url,
        '--token',
        tokens.get('a')!,
        '--host',
        'host-a',
        '--collectors',
        'memory',
        '--spool',
        path.join(clone, 'spool'),
        '--rootfs',
        path.join(clone, 'root'),
      ],
      { exitCode: 1 },
    );
    assert.match(
      cloneLog,
      /HTTP 409: agent\.host: host name "host-a" already belongs to another machine.*--host NAME/,
      cloneLog,
    );
    assert.equal((await hosts()).get('host-a')?.machine_id, machineIds.get('host-a'), 'host-a is not taken over');

    // Cut host b off: offline within two intervals; a and c stay online all along.
    assert.ok(before.get('host-b')?.online, 'host-b online before the cut');
    const cutAt = nowS();
    await ip(['link', 'set', b.rootIface, 'down']);
    let offlineAfter: number | undefined;
    while (nowS() < cutAt + CUT_SECONDS) {
      const hs = await hosts();
      assert.ok(
        hs.get('host-a')?.online && hs.get('host-c')?.online,
        `host-a and host-c stay online while b is cut (${(nowS() - cutAt).toFixed(1)} s)`,
      );
      if (offlineAfter === undefined && !hs.get('host-b')!.online) offlineAfter = nowS() - cutAt;
      await sleep(250);
    }
    t.diagnostic(`host-b offline ${offlineAfter?.toFixed(1)} s after the cut`);
    assert.ok(offlineAfter !== undefined, 'host-b shown offline while its link is down');
    // The server's rule: offline once more than 2 intervals + 2 s passed since the last batch,
    // in whole seconds (+1 s); +1 s for this loop's polling, as a page refreshing would see it.
    const limit = 2 * INTERVAL + 2 + 1 + 1;
    assert.ok(
      offlineAfter <= limit,
      `host-b offline after ${offlineAfter.toFixed(1)} s; expected within ${limit} s (two ${INTERVAL} s intervals and the margins)`,
    );

    const upAt = nowS();
    await ip(['link', 'set', b.rootIface, 'up']);
    const backAfter = await eventually(
      async () => ((await hosts()).get('host-b')?.online ? nowS() - upAt : undefined),
      60_000,
      `host-b back online\n${dump()}`,
    );
    t.diagnostic(`host-b online again ${backAfter.toFixed(1)} s after the link came back`);

    // What b sampled while cut off arrives from its spool: the window has at most one gap.
    // cpu_pct is a rate: a sample taken late, back to back with the next, has none, so a gap
    // there also shows sampling that waited for the network.
    const from = Math.ceil(cutAt);
    const to = Math.floor(upAt);
    const gaps = async (host: string): Promise<number[]> => {
      const res = await fetch(
        `${url}/api/v1/series?host=${host}&metrics=cpu_pct,mem_used_bytes&from=${from}&to=${to}&maxPoints=1000`,
      );
      const body = (await res.json()) as { t: number[]; series: Record<string, (number | null)[]> };
      return body.t.filter((_, i) => body.series.cpu_pct[i] === null || body.series.mem_used_bytes[i] === null);
    };
    const agentB = agents.get('b')!;
    const spoolB = path.join(dir, 'host-b', 'spool');
    await eventually(
      async () =>
        /replayed \d+ spooled batches/.test(agentB.output()) && fs.readdirSync(spoolB).length === 0 ? true : undefined,
      60_000,
      `host-b's spool to drain\n${agentB.output()}`,
    );
    await sleep(INTERVAL * 1000);
    for (const h of fleet.hosts) {
      const missing = await gaps(`host-${h.name}`);
      assert.ok(
        missing.length <= 1,
        `host-${h.name}: ${missing.length} of the samples from ${from} to ${to} missing or without a CPU rate (${missing.join(', ')})\n${agents.get(h.name)!.output()}`,
      );
    }
    const after = await hosts();
    assert.ok(
      [...after.values()].every((h) => h.online),
      'every host online at the end',
    );
  },
);
