// A Prometheus query API client (Prometheus, VictoriaMetrics single-node or vmselect,
// Mimir): instant queries, range queries and the series list, POSTed as forms (a long
// selector fits no URL). A failure is an HTTP 502 naming the engine without its secrets, so
// the page shows why its charts are empty.
import { HTTPException } from 'hono/http-exception';
import type { RemoteUrl } from '../../remote-url.ts';

export type Labels = Record<string, string>;
export interface VectorSample {
  metric: Labels;
  value: [number, string];
}
export interface MatrixSeries {
  metric: Labels;
  values: [number, string][];
}

const TIMEOUT_MS = 30_000;

export class PromClient {
  private readonly base: string;

  constructor(
    private readonly remote: RemoteUrl,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.base = remote.url.replace(/\/+$/, '');
  }

  private async call<T>(path: string, form: [string, string][]): Promise<T> {
    const fail = (why: string): never => {
      throw new HTTPException(502, { message: `--read-from ${this.remote.display}: ${why}` });
    };
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.remote.headers },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      return fail(
        err.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : (err.cause?.code ?? err.message),
      );
    }
    let body: { status?: string; data?: unknown; error?: string } | undefined;
    try {
      body = (await res.json()) as typeof body;
    } catch {
      return fail(`HTTP ${res.status}, not a query API answer`);
    }
    if (!res.ok || body?.status !== 'success') return fail(`${body?.error ?? `HTTP ${res.status}`}`.slice(0, 300));
    return body.data as T;
  }

  /** An instant query at `time` (epoch s). */
  async query(expr: string, time: number): Promise<VectorSample[]> {
    const d = await this.call<{ resultType: string; result: VectorSample[] }>('/api/v1/query', [
      ['query', expr],
      ['time', String(time)],
    ]);
    return d.resultType === 'vector' ? d.result : [];
  }

  /** An instant query of a range selector (`x[30s]`): each series' raw samples in the window. */
  async rawSamples(selector: string, time: number): Promise<MatrixSeries[]> {
    const d = await this.call<{ resultType: string; result: MatrixSeries[] }>('/api/v1/query', [
      ['query', selector],
      ['time', String(time)],
    ]);
    return d.resultType === 'matrix' ? d.result : [];
  }

  async queryRange(expr: string, start: number, end: number, step: number): Promise<MatrixSeries[]> {
    const d = await this.call<{ resultType: string; result: MatrixSeries[] }>('/api/v1/query_range', [
      ['query', expr],
      ['start', String(start)],
      ['end', String(end)],
      ['step', `${step}s`],
    ]);
    return d.resultType === 'matrix' ? d.result : [];
  }

  /** The label sets of the series matching `match` with samples in [start, end]. */
  series(match: string, start: number, end: number): Promise<Labels[]> {
    return this.call<Labels[]>('/api/v1/series', [
      ['match[]', match],
      ['start', String(start)],
      ['end', String(end)],
    ]);
  }
}
