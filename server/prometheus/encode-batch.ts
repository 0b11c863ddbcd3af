// A stored batch as one remote-write WriteRequest, straight from its columns: one time series
// per metric of each entity, named and labelled by protocol/prometheus.ts, its samples oldest
// first, each time once (the first value, as the store's INSERT OR IGNORE keeps it), in
// milliseconds; beside them, once per tick, the `_info` series that say what no sample does
// (the agent's machine id, version and interval; a container's Docker id and state).
//
// Forwarding must cost ingest little, so the work is split by how often it happens: a series'
// labels are encoded by protobufjs (remote-write.ts' TimeSeries type) once and kept, keyed by
// the series; the samples, a hundred thousand in a catch-up batch, are written by the loop
// below into one buffer sized beforehand (Sample: field 1 double, field 2 int64 varint; the
// framing of protobuf's wire format). The result decodes, with protobufjs, to exactly what
// encodeWriteRequest() of the same series gives (encode-batch.test.ts).
import type { ColumnBatch } from '../../protocol/batch.ts';
import {
  PROM_CONTAINER,
  PROM_HOST,
  PROM_INFO,
  containerLabels,
  seriesLabels,
  seriesPromName,
} from '../../protocol/prometheus.ts';
import { encodeLabels } from './remote-write.ts';

type Pairs = readonly (readonly [string, string])[];
type Column = readonly (number | null)[];

/** Bytes of a varint holding `v` (a non-negative integer below 2^53). */
function varintLength(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, p: number, v: number): number {
  while (v >= 128) {
    buf[p++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  buf[p++] = v;
  return p;
}

/**
 * The rows of `ts` to send, oldest first, each time once (its first row): the identity when
 * `ts` only grows, which is how agents send it.
 */
export function timeOrder(ts: readonly number[]): readonly number[] | undefined {
  let ascending = true;
  for (let i = 1; i < ts.length && ascending; i++) if (ts[i] <= ts[i - 1]) ascending = false;
  if (ascending) return undefined;
  const idx = ts.map((_, i) => i).sort((a, b) => ts[a] - ts[b] || a - b);
  return idx.filter((k, j) => j === 0 || ts[k] !== ts[idx[j - 1]]);
}

/**
 * An entity's times, each as a Sample's tail (field 2 tag, then the milliseconds as a varint),
 * written once for all of its columns; and the rows to send, in time order.
 */
interface Times {
  ts: readonly number[];
  order: readonly number[] | undefined;
  /** Row i's tail is tails[at[i] .. at[i] + len[i]]. */
  tails: Buffer;
  at: Int32Array;
  len: Uint8Array;
}

function times(ts: readonly number[]): Times {
  const at = new Int32Array(ts.length);
  const len = new Uint8Array(ts.length);
  const tails = Buffer.allocUnsafe(ts.length * 9);
  let p = 0;
  for (let i = 0; i < ts.length; i++) {
    at[i] = p;
    tails[p++] = 0x10;
    p = writeVarint(tails, p, ts[i] * 1000);
    len[i] = p - at[i];
  }
  return { ts, order: timeOrder(ts), tails, at, len };
}

interface Pending {
  labels: Buffer;
  times: Times;
  values: Column | number;
  bytes: number;
}

/** Series' encoded labels kept at most (a fleet's series; past it the cache starts again). */
const MAX_CACHED = 200_000;

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** A key for a label set: equal sets, equal keys; different sets, different keys (JSON quotes whatever they hold). */
const keyOf = (pairs: Pairs) => JSON.stringify(pairs);

export class BatchEncoder {
  private cache = new Map<string, Buffer>();

  /** The series' labels field, encoded once per series: `entity` names the label set (keyOf(pairs)). */
  private labels(name: string, entity: string, pairs: Pairs): Buffer {
    const key = `${name}\u0000${entity}`;
    let b = this.cache.get(key);
    if (!b) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      b = encodeLabels([['__name__', name], ...pairs]);
      this.cache.set(key, b);
    }
    return b;
  }

  /** The batch as an uncompressed WriteRequest, and how many samples it holds. */
  encode(batch: ColumnBatch): { bytes: Buffer; samples: number } {
    const host = batch.agent.host;
    const list: Pending[] = [];
    let total = 0;
    let samples = 0;
    /** `values` a column, or one value for every row (the _info series). */
    const add = (name: string, entity: string, pairs: Pairs, t: Times, values: Column | number) => {
      let n = 0;
      let bytes = 0;
      const rows = t.order ?? t.ts;
      for (let j = 0; j < rows.length; j++) {
        const i = t.order ? t.order[j] : j;
        if (typeof values !== 'number' && values[i] === null) continue;
        n++;
        // Sample: tag, length (one byte: at most 19), double (1 + 8), then the time's tail.
        bytes += 11 + t.len[i];
      }
      if (n === 0) return;
      const labels = this.labels(name, entity, pairs);
      bytes += labels.length;
      list.push({ labels, times: t, values, bytes });
      total += 1 + varintLength(bytes) + bytes;
      samples += n;
    };

    const hostOnly: Pairs = [['host', host]];
    const hostKey = keyOf(hostOnly);
    const hostTimes = batch.host ? times(batch.host.ts) : undefined;
    // The agent's identity at each time the batch holds a host row (or any row, without one).
    const ticks =
      hostTimes ??
      times([...new Set([...batch.containers.flatMap((c) => c.ts), ...batch.series.flatMap((s) => s.ts)])]);
    const agent: [string, string][] = [['host', host]];
    if (batch.agent.machine_id) agent.push(['machine_id', batch.agent.machine_id]);
    if (batch.agent.version) agent.push(['version', batch.agent.version]);
    add(PROM_INFO.agent.prom, keyOf(agent), agent, ticks, 1);
    if (batch.agent.interval !== undefined)
      add(PROM_INFO.interval.prom, hostKey, hostOnly, ticks, batch.agent.interval);

    if (batch.host && hostTimes) {
      const metrics = batch.host.metrics;
      for (const name of Object.keys(metrics)) {
        const def = PROM_HOST.get(name);
        // A metric outside the catalogue is a series of the host, as the store keeps it.
        add(def ? def.prom : seriesPromName(name), hostKey, hostOnly, hostTimes, metrics[name]);
      }
    }
    for (const c of batch.containers) {
      const t = times(c.ts);
      const labels = containerLabels(host, c);
      const key = keyOf(labels);
      const info: [string, string][] = [...labels, ['container_id', c.id]];
      if (c.state) info.push(['state', c.state]);
      add(PROM_INFO.container.prom, keyOf(info), info, t, 1);
      for (const name of Object.keys(c.metrics)) {
        const def = PROM_CONTAINER.get(name);
        if (def) add(def.prom, key, labels, t, c.metrics[name]);
        else {
          const own = seriesLabels(host, {}, c.name);
          add(seriesPromName(name), keyOf(own), own, t, c.metrics[name]);
        }
      }
    }
    for (const s of batch.series) {
      const pairs = seriesLabels(host, s.labels, s.container);
      add(seriesPromName(s.name), keyOf(pairs), pairs, times(s.ts), s.values);
    }

    const buf = Buffer.allocUnsafe(total);
    let p = 0;
    for (const e of list) {
      // WriteRequest field 1: a TimeSeries, its labels (field 1, encoded once) then its samples (field 2).
      buf[p++] = 0x0a;
      p = writeVarint(buf, p, e.bytes);
      p += e.labels.copy(buf, p);
      const { order, ts, tails, at, len } = e.times;
      const rows = order ?? ts;
      const fixed = typeof e.values === 'number' ? e.values : 0;
      const column = typeof e.values === 'number' ? undefined : e.values;
      for (let j = 0; j < rows.length; j++) {
        const i = order ? order[j] : j;
        let v = fixed;
        if (column) {
          const x = column[i];
          if (x === null) continue;
          v = x;
        }
        buf[p++] = 0x12;
        buf[p++] = 9 + len[i];
        buf[p++] = 0x09;
        f64[0] = v;
        // Little-endian machines (x86, arm64): the double's bytes as protobuf wants them.
        for (let k = 0; k < 8; k++) buf[p++] = f64Bytes[k];
        for (let k = at[i], end = at[i] + len[i]; k < end; k++) buf[p++] = tails[k];
      }
    }
    if (p !== total) throw new Error(`remote-write encoding: wrote ${p} bytes, sized ${total}`);
    return { bytes: buf, samples };
  }
}
