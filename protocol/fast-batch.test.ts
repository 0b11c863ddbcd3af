// The fast validator against the zod schema it stands in for: on thousands of random batches
// and random corruptions of them, whenever the fast path accepts, zod accepts too and returns
// an equal value; ordinary agent batches take the fast path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batch as batchSchema, columnBatch as columnSchema, MAX_EVENTS, type Batch } from './batch.ts';
import { toColumnBatch } from './columns.ts';
import { fastBatch, fastColumnBatch } from './fast-batch.ts';
import { containersOf, snapshot } from '../bench/synthetic.ts';
import { rng } from '../test/support/random.ts';

type Json = Record<string, any>;

/** A valid batch with optional parts present or absent at random. */
function validBatch(r: () => number): Json {
  const cs = containersOf(Math.floor(r() * 3), Math.floor(r() * 4));
  const snaps: Json[] = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => {
    const s = snapshot(0, cs, 1_790_000_000 + i * 10, Math.floor(r() * 4)) as Json;
    for (const c of s.containers) {
      for (const k of ['image', 'state', 'compose_project', 'compose_service']) if (r() < 0.3) delete c[k];
      if (r() < 0.3) c.labels = { 'com.example.team': 'web', tier: String(Math.floor(r() * 3)) };
      if (r() < 0.2) c.metrics.gpu_pct = r() * 100;
    }
    for (const x of s.series) {
      if (r() < 0.3) delete x.labels;
      if (r() < 0.2) x.container = 'web';
    }
    if (r() < 0.3) s.events = Array.from({ length: Math.floor(r() * 3) }, () => randomEvent(r));
    if (r() < 0.3) {
      s.processes = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, k) => {
        const p: Json = { pid: 100 + k, name: 'nginx', command: 'nginx: worker process', mem_bytes: 1e7 * r() };
        if (r() < 0.7) p.cpu_pct = r() * 200;
        if (r() < 0.5) p.user = 'www-data';
        if (r() < 0.3) p.container = 'web';
        if (r() < 0.5) p.read_bps = r() * 1e6;
        if (r() < 0.5) p.write_bps = 0;
        return p;
      });
    }
    if (r() < 0.2) s.host.tcp_established = 12;
    if (r() < 0.2) delete s.host;
    if (r() < 0.2) delete s.series;
    if (r() < 0.2 && s.containers.length === 0) delete s.containers;
    return s;
  });
  const b: Json = { v: 1, batch_id: `batch-${Math.floor(r() * 1e9)}`, agent: { host: 'alpha' }, snapshots: snaps };
  if (r() < 0.5) b.agent.machine_id = 'abc123';
  if (r() < 0.5) b.agent.version = '0.1.0';
  if (r() < 0.5) b.agent.interval = r() < 0.5 ? 10 : 0.5;
  if (r() < 0.2) b.meta = { 'nginx.requests': { label: 'Requests', unit: 'per_s' }, other: {} };
  return b;
}

/** A container event with its optional parts present or absent at random. */
function randomEvent(r: () => number): Json {
  const e: Json = {
    ts: 1_790_000_000 + Math.floor(r() * 100),
    ns: Math.floor(r() * 1e9),
    type: ['die', 'oom', 'start', 'health_status', 'deploy', 'some_new_type'][Math.floor(r() * 6)],
    id: 'f'.repeat(64),
    name: 'web',
  };
  if (r() < 0.5) e.image = 'nginx:1.27';
  if (r() < 0.5) e.exit_code = Math.floor(r() * 256);
  if (r() < 0.3) e.signal = 15;
  if (r() < 0.3) e.health = 'unhealthy';
  if (r() < 0.3) e.compose_project = 'shop';
  if (r() < 0.3) e.compose_service = 'web';
  if (r() < 0.3) e.attrs = r() < 0.5 ? {} : { previous_image: 'nginx:1.26', old_name: 'w' };
  return e;
}

/** Every object and array inside `x`, with the key that holds it. */
function nodes(x: unknown, out: { parent: Json; key: string | number }[] = []): typeof out {
  if (typeof x === 'object' && x !== null) {
    for (const [k, v] of Object.entries(x)) {
      out.push({ parent: x as Json, key: Array.isArray(x) ? Number(k) : k });
      nodes(v, out);
    }
  }
  return out;
}

const ODD_VALUES: unknown[] = [
  null,
  undefined,
  true,
  0,
  -1,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  1e300,
  2 ** 53,
  946_684_799,
  '',
  'x',
  '1',
  'x'.repeat(70),
  'x'.repeat(300),
  'x'.repeat(2000),
  [],
  [1],
  {},
  { a: 1 },
  'bad name!',
  '__proto__',
];
const ODD_KEYS = [
  'extra',
  '__proto__',
  'constructor',
  'bad key',
  'x'.repeat(129),
  'x'.repeat(300),
  'cpu_pct',
  'labels',
  '1',
];

function mutate(b: Json, r: () => number): Json {
  const copy = JSON.parse(JSON.stringify(b)) as Json;
  const all = nodes(copy);
  const times = 1 + Math.floor(r() * 2);
  for (let i = 0; i < times; i++) {
    const { parent, key } = all[Math.floor(r() * all.length)];
    const what = r();
    if (what < 0.5) parent[key as string] = ODD_VALUES[Math.floor(r() * ODD_VALUES.length)];
    else if (what < 0.65) delete parent[key as string];
    else if (
      typeof parent[key as string] === 'object' &&
      parent[key as string] !== null &&
      !Array.isArray(parent[key as string])
    ) {
      // A key added the way JSON.parse would add it (own property, even '__proto__').
      const k = ODD_KEYS[Math.floor(r() * ODD_KEYS.length)];
      Object.defineProperty(parent[key as string], k, {
        value: ODD_VALUES[Math.floor(r() * ODD_VALUES.length)],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (Array.isArray(parent[key as string])) {
      const arr = parent[key as string] as unknown[];
      if (r() < 0.5) arr.length = 0;
      else arr.push(ODD_VALUES[Math.floor(r() * ODD_VALUES.length)]);
    } else parent[key as string] = ODD_VALUES[Math.floor(r() * ODD_VALUES.length)];
  }
  return copy;
}

/** structuredClone keeps own '__proto__' keys and undefined, as needed here. */
const clone = <T>(x: T): T => structuredClone(x);

type Schema = {
  safeParse(
    x: unknown,
  ):
    | { success: true; data: unknown }
    | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
};

/** The two properties that hold a fast path to its zod schema, on generated batches. */
function holdsToZod(
  name: string,
  schema: Schema,
  fast: (json: unknown) => unknown,
  valid: (r: () => number) => Json,
  seeds: [number, number],
): void {
  test(`${name}: valid batches take the fast path and come out exactly as zod returns them`, () => {
    const r = rng(seeds[0]);
    for (let i = 0; i < 2000; i++) {
      const b = valid(r);
      const z = schema.safeParse(clone(b));
      assert.ok(z.success, `generator made an invalid batch: ${JSON.stringify(z.success ? '' : z.error.issues)}`);
      const f = fast(clone(b));
      assert.ok(f, `fast path refused a valid batch: ${JSON.stringify(b).slice(0, 500)}`);
      assert.deepStrictEqual(f, z.data);
    }
  });

  test(`${name}: on random corruptions the fast path never accepts what zod refuses, nor returns anything else`, () => {
    const r = rng(seeds[1]);
    let taken = 0;
    let refused = 0;
    for (let i = 0; i < 6000; i++) {
      const bad = mutate(valid(r), r);
      const z = schema.safeParse(clone(bad));
      const f = fast(clone(bad));
      if (!z.success) refused++;
      if (f === undefined) continue;
      taken++;
      if (!z.success)
        assert.fail(
          `fast path accepted what zod refuses (${z.error.issues[0].path.join('.')}: ${z.error.issues[0].message}): ${JSON.stringify(bad).slice(0, 800)}`,
        );
      assert.deepStrictEqual(f, z.data);
    }
    // Both sides were exercised: many corruptions refused, some harmless ones taken fast.
    assert.ok(refused > 3000 && taken > 300, `refused ${refused}, fast ${taken}`);
  });
}

holdsToZod('v1', batchSchema as unknown as Schema, fastBatch, validBatch, [42, 7]);

test('what the fast path leaves to zod still gets the zod answer (the route falls back)', () => {
  // Unknown keys are stripped by zod; the fast path declines them rather than copy.
  const b = validBatch(rng(1));
  b.agent.extra = 'x';
  assert.equal(fastBatch(clone(b)), undefined);
  assert.ok(batchSchema.safeParse(clone(b)).success);
  // The literal key "__proto__" from JSON.parse is declined too.
  const proto = JSON.parse(
    '{"v":1,"batch_id":"abcdefgh","agent":{"host":"a"},"snapshots":[{"ts":1790000000,"host":{"__proto__":1}}]}',
  );
  assert.equal(fastBatch(proto), undefined);
});

/** A valid v2 batch: the v1 generator's batch as columns, with nulls and optional parts at random. */
function validColumnBatch(r: () => number): Json {
  const b = toColumnBatch(batchSchema.parse(validBatch(r)) as Batch) as Json;
  for (const c of b.containers) {
    for (const col of Object.values(c.metrics) as unknown[][]) if (r() < 0.2) col[0] = null;
    if (r() < 0.2) c.metrics = {};
  }
  for (const x of b.series) if (r() < 0.3 && x.labels && Object.keys(x.labels).length === 0) delete x.labels;
  if (b.containers.length === 0 && r() < 0.5) delete b.containers;
  if (b.series.length === 0 && r() < 0.5) delete b.series;
  if (!b.host && !b.containers?.length && !b.series?.length && !b.events?.length)
    b.host = { ts: [1_790_000_000], metrics: { cpu_pct: [1] } };
  return b;
}

holdsToZod('v2', columnSchema as unknown as Schema, fastColumnBatch, validColumnBatch, [43, 8]);

test('events: a batch may hold only events; bounds and fields are checked by both paths', () => {
  const base = { v: 2, batch_id: 'abcdefgh', agent: { host: 'a' } };
  const only = { ...base, events: [randomEvent(rng(3))] };
  assert.ok(fastColumnBatch(clone(only)), 'events alone are a batch');
  assert.ok(columnSchema.safeParse(clone(only)).success);
  const none = { ...base, events: [] };
  assert.equal(fastColumnBatch(clone(none)), undefined);
  assert.match(JSON.stringify((columnSchema.safeParse(clone(none)) as { error: unknown }).error), /no samples/);
  const cases: [string, Json][] = [
    ['ns past a second', { ns: 1e9 }],
    ['a type with capitals', { type: 'Die' }],
    ['a type with a colon', { type: 'health_status: unhealthy' }],
    ['a fractional exit code', { exit_code: 1.5 }],
    ['a signal past 255', { signal: 300 }],
    ['an empty name', { name: '' }],
    ['a time before 2000', { ts: 900_000_000 }],
    ['attrs not strings', { attrs: { a: 1 } }],
    ['17 attrs', { attrs: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }],
  ];
  for (const [what, change] of cases) {
    const bad = {
      ...base,
      host: { ts: [1_790_000_000], metrics: {} },
      events: [{ ...randomEvent(rng(4)), ...change }],
    };
    assert.equal(fastColumnBatch(clone(bad)), undefined, what);
    const z = columnSchema.safeParse(clone(bad));
    assert.ok(!z.success, what);
    assert.equal(z.error.issues[0].path[0], 'events', `${what}: the message names events`);
  }
  const many = { ...base, events: Array.from({ length: MAX_EVENTS + 1 }, () => randomEvent(rng(5))) };
  assert.equal(fastColumnBatch(clone(many)), undefined);
  assert.ok(!columnSchema.safeParse(clone(many)).success, `more than ${MAX_EVENTS} events`);
});
