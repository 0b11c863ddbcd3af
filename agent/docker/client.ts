// A small Docker Engine API client: plain HTTP/1.1 over the engine's unix socket with node:http,
// one keep-alive connection pool, per-request timeouts. It negotiates the API version once
// (GET /version), lists running containers and fetches one-shot stats for many containers at
// once with a bounded number in flight; for reading containers from their cgroups, it asks how
// the engine places them (GET /info) and a container's init process (GET /containers/{id}/json).
import http from 'node:http';
import { SourceMissing } from '../source-missing.ts';
import type { ContainerSummary } from './labels.ts';
import type { Engine, StatsResponse } from './stats.ts';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
/** The newest API version this client knows; a newer engine is spoken to in this one. */
export const MAX_API_VERSION = '1.47';
/** `one-shot=true` exists from API 1.41 (Docker 20.10); without it a call waits two engine ticks. */
export const ONE_SHOT_MIN_API = '1.41';
export const DEFAULT_CONCURRENCY = 64;
export const DEFAULT_TIMEOUT_MS = 10_000;
// Responses are small (a stats reading is ~2.5 KB); a list of 5,000 containers stays far below.
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * The socket path: the --docker-socket flag, else DOCKER_HOST when it is unix://PATH, else the
 * default. A tcp:// or ssh:// DOCKER_HOST is refused with a message saying what to do.
 */
export function resolveDockerSocket(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  // The flag may be written as DOCKER_HOST is (unix:///run/podman/podman.sock).
  if (flag) return flag.startsWith('unix://') ? flag.slice('unix://'.length) || DEFAULT_DOCKER_SOCKET : flag;
  const host = env.DOCKER_HOST?.trim();
  if (!host) return DEFAULT_DOCKER_SOCKET;
  if (host.startsWith('unix://')) {
    const path = host.slice('unix://'.length);
    // "unix://" alone is the default socket, as the docker CLI reads it.
    if (path === '') return DEFAULT_DOCKER_SOCKET;
    if (!path.startsWith('/')) throw new Error(`DOCKER_HOST=${host}: expected unix:///absolute/path`);
    return path;
  }
  throw new Error(`DOCKER_HOST=${host}: only unix:// sockets are supported; unset it or pass --docker-socket PATH`);
}

/** Compares "1.41"-style versions: negative, 0 or positive like a sort comparator. */
export function compareApiVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}

/** The version to speak: the engine's ApiVersion, capped at the newest we know. */
export function negotiateApiVersion(serverApiVersion: unknown, max = MAX_API_VERSION): string {
  if (typeof serverApiVersion !== 'string' || !/^\d+\.\d+$/.test(serverApiVersion)) {
    throw new Error(`GET /version: no usable ApiVersion in the engine's answer (${JSON.stringify(serverApiVersion)})`);
  }
  return compareApiVersions(serverApiVersion, max) < 0 ? serverApiVersion : max;
}

/** Podman answers `GET /version` through its compat API with a "Podman Engine" component. */
export function engineOf(version: unknown): Engine {
  const components = (version as { Components?: unknown } | null)?.Components;
  const podman =
    Array.isArray(components) &&
    components.some(
      (c) => typeof (c as { Name?: unknown })?.Name === 'string' && /^podman/i.test((c as { Name: string }).Name),
    );
  return podman ? 'podman' : 'docker';
}

/**
 * A stats error that means the container stopped or vanished since it was listed: 404/409
 * from Docker; a 500 "container state improper" (or "not running") from Podman's compat API.
 */
export function isGoneError(status: number, message: string): boolean {
  if (status === 404 || status === 409) return true;
  return status === 500 && /container state improper|is not running|no such container/i.test(message);
}

/** What GET /info says about where the engine's containers live. */
export interface EngineInfo {
  cgroupDriver?: 'cgroupfs' | 'systemd';
  cgroupVersion?: 1 | 2;
  /** `name=rootless` among SecurityOptions: containers in the user's cgroup, net and pid space. */
  rootless: boolean;
}

export function engineInfoOf(info: unknown): EngineInfo {
  const i = (typeof info === 'object' && info !== null ? info : {}) as Record<string, unknown>;
  const driver = i.CgroupDriver === 'cgroupfs' || i.CgroupDriver === 'systemd' ? i.CgroupDriver : undefined;
  const version = i.CgroupVersion === '1' ? 1 : i.CgroupVersion === '2' ? 2 : undefined;
  const opts = Array.isArray(i.SecurityOptions) ? i.SecurityOptions : [];
  const rootless = opts.some((o) => typeof o === 'string' && o.split(',').includes('name=rootless'));
  const out: EngineInfo = { rootless };
  if (driver) out.cgroupDriver = driver;
  if (version) out.cgroupVersion = version;
  return out;
}

/** A running container's init process (host pid) and network mode, from its inspect answer. */
export interface ContainerProcess {
  pid: number;
  networkMode?: string;
}

export function containerProcessOf(inspect: unknown): ContainerProcess | undefined {
  const c = (typeof inspect === 'object' && inspect !== null ? inspect : {}) as {
    State?: { Pid?: unknown; Running?: unknown };
    HostConfig?: { NetworkMode?: unknown };
  };
  const pid = c.State?.Pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || c.State?.Running === false) return undefined;
  const mode = c.HostConfig?.NetworkMode;
  return typeof mode === 'string' && mode ? { pid, networkMode: mode } : { pid };
}

/** An HTTP error answer from the engine, with its status and message. */
export class DockerApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    readonly engineMessage: string,
  ) {
    super(`GET ${path}: ${status} ${engineMessage}`);
    this.name = 'DockerApiError';
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** One container's stats call: the reading, `gone` (vanished or stopped meanwhile) or the error. */
export type StatsResult =
  | { id: string; stats: StatsResponse; /** Monotonic seconds when read here (cgroup readings). */ mono?: number }
  | { id: string; gone: true }
  | { id: string; error: Error };

export interface DockerClientOptions {
  socketPath: string;
  /** Whole-request deadline (connect, engine's wait for its tick, body). */
  timeoutMs?: number;
  /** Stats calls in flight at once. */
  concurrency?: number;
  maxApiVersion?: string;
}

export class DockerClient {
  readonly socketPath: string;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly maxApiVersion: string;
  private readonly agent: http.Agent;
  private version?: Promise<string>;
  private kind: Engine = 'docker';

  constructor(opts: DockerClientOptions) {
    this.socketPath = opts.socketPath;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
    this.maxApiVersion = opts.maxApiVersion ?? MAX_API_VERSION;
    // Keep-alive: one sweep is dozens of calls; reusing connections spares the engine the accepts.
    this.agent = new http.Agent({ keepAlive: true, maxSockets: this.concurrency, maxFreeSockets: this.concurrency });
  }

  /** The negotiated API version, asked of the engine once (again after a failure). */
  apiVersion(): Promise<string> {
    // A failure (no answer, or an answer without a usable ApiVersion, as from an engine still
    // starting) is not kept: the next call asks again.
    this.version ??= this.getJson('/version')
      .then((v) => {
        const version = negotiateApiVersion((v as { ApiVersion?: unknown } | null)?.ApiVersion, this.maxApiVersion);
        this.kind = engineOf(v);
        return version;
      })
      .catch((err: unknown) => {
        this.version = undefined;
        throw err;
      });
    return this.version;
  }

  /** Which engine answered the last `GET /version` (Docker until one has). */
  get engine(): Engine {
    return this.kind;
  }

  /** Running (and paused) containers, as `docker ps` lists them. */
  async listContainers(): Promise<ContainerSummary[]> {
    const v = await this.apiVersion();
    const path = `/v${v}/containers/json`;
    const body = await this.getJson(path);
    if (!Array.isArray(body)) throw new Error(`GET ${path}: expected a JSON array, got ${typeof body}`);
    return body.filter(
      (c): c is ContainerSummary =>
        typeof c === 'object' && c !== null && typeof (c as ContainerSummary).Id === 'string',
    );
  }

  /** How the engine runs containers: cgroup driver and version, rootless or not (GET /info). */
  async info(): Promise<EngineInfo> {
    const v = await this.apiVersion();
    return engineInfoOf(await this.getJson(`/v${v}/info`));
  }

  /**
   * A running container's init process and network mode (GET /containers/{id}/json); undefined
   * when it is gone or not running.
   */
  async inspect(id: string): Promise<ContainerProcess | undefined> {
    const v = await this.apiVersion();
    try {
      return containerProcessOf(await this.getJson(`/v${v}/containers/${encodeURIComponent(id)}/json`));
    } catch (err) {
      if (err instanceof DockerApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** One reading of one container; `gone` when it vanished (404/409) or stopped since listing. */
  async containerStats(id: string): Promise<StatsResult> {
    const v = await this.apiVersion();
    const oneShot = compareApiVersions(v, ONE_SHOT_MIN_API) >= 0 ? '&one-shot=true' : '';
    const path = `/v${v}/containers/${encodeURIComponent(id)}/stats?stream=false${oneShot}`;
    try {
      const body = await this.getJson(path);
      // Podman sends its 200 before it reads the cgroup, and nothing more when the container
      // stopped meanwhile.
      if (body === undefined) return { id, gone: true };
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return { id, error: new Error(`GET ${path}: expected a JSON object`) };
      }
      return { id, stats: body as StatsResponse };
    } catch (err) {
      if (err instanceof DockerApiError && isGoneError(err.status, err.engineMessage)) return { id, gone: true };
      if (err instanceof SourceMissing) throw err;
      return { id, error: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  /** Readings of many containers, at most `concurrency` calls in flight, in input order. */
  statsAll(ids: readonly string[]): Promise<StatsResult[]> {
    return mapPool(ids, this.concurrency, (id) => this.containerStats(id));
  }

  close(): void {
    this.agent.destroy();
  }

  /** GET a path and parse the JSON answer; engine errors become DockerApiError. */
  async getJson(path: string): Promise<unknown> {
    const { status, body } = await this.get(path);
    let parsed: unknown;
    try {
      parsed = body.length ? JSON.parse(body) : undefined;
    } catch {
      // An error status keeps its meaning whatever its body (a 404 in plain text is still gone).
      if (status >= 200 && status < 300)
        throw new Error(`GET ${path}: ${status}, answer is not JSON: ${JSON.stringify(body.slice(0, 120))}`);
    }
    if (status < 200 || status >= 300) {
      // "client version 1.47 is too new": the engine was replaced by an older one; renegotiate.
      if (status === 400) this.version = undefined;
      const msg = (parsed as { message?: unknown } | undefined)?.message;
      throw new DockerApiError(status, path, typeof msg === 'string' ? msg : body.slice(0, 200));
    }
    return parsed;
  }

  private async get(path: string): Promise<{ status: number; body: string }> {
    try {
      return await this.request(path);
    } catch (err) {
      // The engine may close an idle keep-alive connection just as we reuse it: retry once
      // on a fresh one (GET is idempotent).
      if ((err as { reusedSocket?: boolean }).reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
        return this.request(path);
      }
      throw err;
    }
  }

  private request(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { socketPath: this.socketPath, path, method: 'GET', agent: this.agent, headers: { Host: 'docker' } },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES)
              req.destroy(new Error(`GET ${path}: answer larger than ${MAX_BODY_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', fail);
        },
      );
      const timer = setTimeout(
        () => req.destroy(new Error(`GET ${path}: no complete answer from the engine within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      function fail(err: Error) {
        clearTimeout(timer);
        (err as { reusedSocket?: boolean }).reusedSocket = req.reusedSocket;
        reject(err);
      }
      req.on('error', (err: NodeJS.ErrnoException) => {
        const missing = socketProblem(err.code);
        if (missing) {
          this.version = undefined;
          clearTimeout(timer);
          reject(
            new SourceMissing(
              `${missing.replace('%s', this.socketPath)} (${err.code}); containers will not be reported`,
            ),
          );
          return;
        }
        fail(err);
      });
      req.end();
    });
  }
}

function socketProblem(code: string | undefined): string | undefined {
  switch (code) {
    case 'ENOENT':
      return 'no Docker socket at %s';
    case 'ECONNREFUSED':
      return 'nothing answers on the Docker socket at %s (is dockerd running?)';
    case 'EACCES':
      return 'no permission to open the Docker socket at %s (run as root or in the docker group)';
    case 'ENOTSOCK':
      return '%s is not a socket';
    default:
      return undefined;
  }
}
