// Test helpers for the server: a fresh migrated SQLite file in a temp dir, a config, an app.
import path from 'node:path';
import { openDb, type Db } from '../../server/db/open.ts';
import { createApp } from '../../server/app.ts';
import { loadServerConfig, type ServerConfig } from '../../server/config.ts';
import { memoryLogger } from '../../lib/log.ts';
import { tempDir } from './temp.ts';
import type { BatchInput } from '../../protocol/batch.ts';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

/** The flags every test agent starts with: this server, TEST_TOKEN, an interval and a host name. */
export function agentFlags(server: string, host: string, interval: string | number): string[] {
  return ['--server', server, '--token', TEST_TOKEN, '--interval', String(interval), '--host', host];
}

/**
 * A server's config for a test: a fresh database, TEST_TOKEN, any port. Reading is open
 * (--public-read) unless the test is about access and says `publicRead: false`.
 */
export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const dir = tempDir();
  return {
    ...loadServerConfig(['--db', path.join(dir, 'berth.db'), '--token', TEST_TOKEN, '--port', '0'], {}),
    publicRead: true,
    ...overrides,
  };
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  db: Db;
  config: ServerConfig;
  clock: { now: number };
  log: ReturnType<typeof memoryLogger>;
  ingest(body: unknown, headers?: Record<string, string>): Promise<Response>;
  get(pathAndQuery: string): Promise<Response>;
  /** GET that must answer 200 (failing with the server's message), its JSON. */
  getOk<T>(pathAndQuery: string): Promise<T>;
}

export function testApp(overrides: Partial<ServerConfig> = {}, start = 1_790_000_000): TestApp {
  const config = testConfig(overrides);
  const db = openDb(config.dbPath);
  const clock = { now: start };
  const log = memoryLogger();
  const app = createApp({ db, config, log, now: () => clock.now });
  return {
    app,
    db,
    config,
    clock,
    log,
    ingest: async (body, headers = {}) =>
      app.request('/api/v1/ingest', {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body),
      }),
    get: async (p) => app.request(p),
    async getOk<T>(p: string): Promise<T> {
      const res = await app.request(p);
      const body = (await res.json()) as T & { error?: string };
      if (res.status !== 200) throw new Error(`${p}: ${res.status} ${body.error}`);
      return body;
    },
  };
}

let seq = 0;
/** A valid batch with one snapshot per timestamp given. */
export function makeBatch(
  host: string,
  stamps: number[],
  fill: (ts: number, i: number) => Partial<BatchInput['snapshots'][number]> = () => ({}),
): BatchInput {
  return {
    v: 1,
    batch_id: `b-${process.pid}-${Date.now()}-${seq++}`,
    agent: { host, interval: 10, version: 'test' },
    snapshots: stamps.map((ts, i) => ({ ts, host: { cpu_pct: 10 }, containers: [], series: [], ...fill(ts, i) })),
  };
}
