import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ContainerEvent } from '../../protocol/batch.ts';
import { EventTracker, normaliseEvent, parseEventLine, parseSignal, sinceParam, type EngineEvent } from './events.ts';

/** The lines of a captured stream (agent/docker/testdata/README.md says how each was made). */
function lines(name: string): string[] {
  return readFileSync(new URL(`./testdata/events-${name}.jsonl`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);
}

function engineEvents(name: string): EngineEvent[] {
  return lines(name).map((l) => {
    const r = parseEventLine(l);
    assert.ok('event' in r, `${name}: ${l.slice(0, 80)}: ${'error' in r ? r.error : ''}`);
    return r.event;
  });
}

/** An event in a few characters: type, then exit code, signal, health or the deployed image. */
function brief(e: ContainerEvent): string {
  if (e.type === 'die') return `die:${e.exit_code}`;
  if (e.type === 'kill') return e.signal === undefined ? 'kill' : `kill:${e.signal}`;
  if (e.type === 'health_status') return `health:${e.health}`;
  if (e.type === 'deploy') return `deploy:${e.attrs?.previous_image}>${e.image}`;
  if (e.type === 'rename') return `rename:${e.attrs?.old_name ?? ''}>${e.name}`;
  return e.type;
}

function follow(name: string, tracker = new EventTracker()): ContainerEvent[] {
  return engineEvents(name).flatMap((e) => tracker.push(e));
}

const briefs = (name: string) => follow(name).map(brief).join(' ');

test('parseEventLine keeps the engine time to the nanosecond', () => {
  for (const name of ['oom', 'restart-loop', 'podman-4.3-lifecycle']) {
    for (const l of lines(name)) {
      const r = parseEventLine(l);
      assert.ok('event' in r);
      const digits = /"timeNano":(\d+)/.exec(l)![1];
      assert.equal(r.event.timeNano, BigInt(digits), 'the digits the engine wrote, not what a double holds');
    }
  }
  // 1796633895246294554 is not a double: JSON.parse reads …528.
  const l =
    '{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"w"}},"time":1796633895,"timeNano":1796633895246294554}';
  const r = parseEventLine(l);
  assert.ok('event' in r);
  assert.equal(r.event.timeNano, 1796633895246294554n);
});

test('parseEventLine takes only the engine’s own timeNano, whatever a label says', () => {
  // A label value holding the text is written with its quotes escaped; a label named timeNano has a string value.
  const l = JSON.stringify({
    Type: 'container',
    Action: 'start',
    Actor: { ID: 'abc', Attributes: { note: '"timeNano":1000000000000000001', timeNano: '5' } },
    time: 1796633895,
    timeNano: 1796633895246294554n.toString(),
  }).replace('"timeNano":"1796633895246294554"', '"timeNano":1796633895246294554');
  const r = parseEventLine(l);
  assert.ok('event' in r);
  assert.equal(r.event.timeNano, 1796633895246294554n);
});

test('parseEventLine refuses what is not an event, saying why', () => {
  const cases: [string, string, RegExp][] = [
    ['empty', '', /not JSON/],
    ['garbage', 'HTTP/1.1 200 OK', /not JSON/],
    ['an array', '[1,2]', /not a JSON object/],
    ['null', 'null', /not a JSON object/],
    ['no action', '{"Type":"container","Actor":{"ID":"a"},"timeNano":1}', /no Action/],
    ['no id', '{"Type":"container","Action":"start","Actor":{},"timeNano":1}', /no Actor.ID/],
    ['no time', '{"Type":"container","Action":"start","Actor":{"ID":"a"}}', /no timeNano/],
    ['a negative time', '{"Type":"container","Action":"start","Actor":{"ID":"a"},"timeNano":-5}', /no timeNano/],
    ['a string time', '{"Type":"container","Action":"start","Actor":{"ID":"a"},"time":"now"}', /no timeNano/],
  ];
  for (const [what, line, why] of cases) {
    const r = parseEventLine(line);
    assert.ok('error' in r, what);
    assert.match(r.error, why, what);
  }
  // An engine before API 1.22 said only status, id and time (seconds).
  const old = parseEventLine('{"status":"die","id":"abc","from":"img","time":1700000000}');
  assert.ok('event' in old);
  assert.deepEqual(
    [old.event.action, old.event.id, old.event.type, old.event.timeNano],
    ['die', 'abc', 'container', 1700000000000000000n],
  );
});

test('Docker 20.10: an OOM kill is oom, then die 137', () => {
  assert.equal(briefs('oom'), 'create start oom die:137 destroy');
  const [create] = follow('oom');
  assert.equal(create.name, 'berth-test-cap8582-oom');
  assert.equal(create.image, 'berth-busybox');
  assert.equal(create.id.length, 64);
  assert.equal(create.ts, 1796634235);
  assert.equal(create.ns, 177396527);
});

test('Docker 20.10: --restart always with exit 1 dies and starts again (no restart action)', () => {
  assert.equal(briefs('restart-loop'), 'create start die:1 start die:1 start die:1 start kill:9 die:137 destroy');
});

test('Docker 20.10: health checks say a result when it changes; their exec events are left out', () => {
  assert.equal(briefs('unhealthy'), 'create start health:unhealthy kill:9 die:137 destroy');
  assert.equal(briefs('healthy'), 'create start health:healthy kill:9 die:137 destroy');
});

test('Docker 20.10: pause, kill with signals, stop, restart and rename', () => {
  assert.equal(
    briefs('lifecycle'),
    'create start pause unpause kill:1 kill:15 kill:9 die:137 stop start restart ' +
      'rename:berth-test-cap8582-life>berth-test-cap8582-life2 kill:9 die:137 destroy',
  );
});

test('Docker 20.10: jobs that end by themselves say their exit code (attach is left out)', () => {
  assert.equal(briefs('exits'), 'create start die:0 create start die:3 destroy destroy');
});

test('a Compose recreate with another image is a deploy when the new container takes the name', () => {
  const events = follow('compose-recreate');
  assert.equal(
    events.map(brief).join(' '),
    'create start create kill:15 kill:9 die:137 stop destroy ' +
      'rename:8582_berth-test-cap8582-web>berth-test-cap8582-web ' +
      'deploy:berth-busybox>berth-test-cap8582-img:v2 start kill:9 die:137 destroy',
  );
  const deploy = events.find((e) => e.type === 'deploy')!;
  const rename = events.find((e) => e.type === 'rename')!;
  assert.equal(deploy.name, 'berth-test-cap8582-web');
  assert.deepEqual(
    [deploy.ts, deploy.ns, deploy.id],
    [rename.ts, rename.ns, rename.id],
    'at the rename, of the new container',
  );
  assert.equal(deploy.compose_project, 'capture');
  assert.equal(deploy.compose_service, 'web');
  for (const e of events) assert.equal(e.compose_service, 'web');
});

test('a container removed and run again under its name with another image is a deploy', () => {
  assert.equal(
    briefs('rerun-new-image'),
    'create start kill:9 die:137 destroy create deploy:berth-busybox>berth-test-cap8582-img:v2 start kill:9 die:137 destroy',
  );
});

test('the same image under the same name again is no deploy', () => {
  const t = new EventTracker();
  const ev = (ns: bigint, action: string, id: string, image: string): EngineEvent => ({
    timeNano: 1_800_000_000_000_000_000n + ns,
    type: 'container',
    action,
    id,
    attributes: { name: 'web', image },
  });
  const out = [
    ev(1n, 'create', 'a', 'nginx:1.27'),
    ev(2n, 'destroy', 'a', 'nginx:1.27'),
    ev(3n, 'create', 'b', 'nginx:1.27'),
    ev(4n, 'destroy', 'b', 'nginx:1.27'),
    ev(5n, 'create', 'c', 'nginx:1.28'),
  ].flatMap((e) => t.push(e));
  assert.deepEqual(
    out.map((e) => e.type),
    ['create', 'destroy', 'create', 'destroy', 'create', 'deploy'],
  );
  assert.equal(out.at(-1)!.image, 'nginx:1.28');
});

test('the same tag under the same name is a deploy when the image ids differ, not when they match', () => {
  const t = new EventTracker();
  const ev = (ns: bigint, action: string, id: string): EngineEvent => ({
    timeNano: 1_800_000_000_000_000_000n + ns,
    type: 'container',
    action,
    id,
    attributes: { name: 'web', image: 'nginx:latest' },
  });
  // From the container list: a container of before the agent, then the ids of new ones.
  t.know({ id: 'a', name: 'web', image: 'nginx:latest', imageId: 'sha256:' + '1'.repeat(64) });
  t.know({ id: 'b', imageId: 'sha256:' + '1'.repeat(64) });
  t.know({ id: 'c', imageId: 'sha256:' + '2'.repeat(64) });
  assert.equal(t.wantsImageId(ev(0n, 'create', 'c')), false, 'known already');
  assert.equal(t.wantsImageId(ev(0n, 'create', 'd')), true);
  const out = [
    ev(1n, 'destroy', 'a'),
    ev(2n, 'create', 'b'), // recreated from the same image: no deploy
    ev(3n, 'destroy', 'b'),
    ev(4n, 'create', 'c'), // pulled anew
    ev(5n, 'destroy', 'c'),
    ev(6n, 'create', 'd'), // its id unknown (gone before its inspect): no deploy said
  ].flatMap((e) => t.push(e));
  assert.deepEqual(
    out.map((e) => e.type),
    ['destroy', 'create', 'destroy', 'create', 'deploy', 'destroy', 'create'],
  );
  assert.deepEqual(out[4].attrs, {
    previous_image: 'nginx:latest',
    previous_image_id: '111111111111',
    image_id: '222222222222',
  });
  // A list made later does not undo what events said of a name.
  t.know({ id: 'z', name: 'web', image: 'other' });
  const again = t.push({ ...ev(7n, 'create', 'e'), attributes: { name: 'web', image: 'other' } });
  assert.deepEqual(
    again.map((e) => e.type),
    ['create', 'deploy'],
  );
});

test('Podman 4.3 compatible API: died is die, remove is destroy, HealthStatus at the top, no oom', () => {
  assert.equal(
    briefs('podman-4.3-lifecycle'),
    'create start die:137 create start die:3 create start health:unhealthy create start die:137 ' +
      'restart die:137 start kill pause unpause rename:>pm-health2',
  );
  assert.equal(briefs('podman-4.3-remove'), 'destroy destroy destroy die:137 destroy create start die:137 destroy');
  const [create] = follow('podman-4.3-lifecycle');
  assert.equal(create.image, 'localhost/berth-busybox:latest');
  assert.equal(create.attrs, undefined, 'an empty podId is not kept');
});

test('Podman before its compatible API said die: died with containerExitCode', () => {
  const e = normaliseEvent({
    timeNano: 1_800_000_000_123_456_789n,
    type: 'container',
    action: 'died',
    id: 'f00d',
    attributes: { name: 'job', image: 'img', containerExitCode: '2', podId: 'p1' },
  });
  assert.deepEqual(e, {
    ts: 1_800_000_000,
    ns: 123_456_789,
    type: 'die',
    id: 'f00d',
    name: 'job',
    image: 'img',
    exit_code: 2,
    attrs: { pod_id: 'p1' },
  });
});

test('a replay asked with since (the same events again) gives nothing twice', () => {
  const t = new EventTracker();
  const first = follow('oom', t);
  const again = follow('oom', t);
  assert.equal(first.length, 5);
  assert.deepEqual(again, []);
  assert.equal(t.cursor, engineEvents('oom').at(-1)!.timeNano, 'the cursor is the newest engine time');
});

test('a health result repeated is said once; after a restart it is news again', () => {
  const t = new EventTracker();
  let ns = 0n;
  const ev = (action: string, extra: Partial<EngineEvent> = {}): EngineEvent => ({
    timeNano: 1_800_000_000_000_000_000n + ++ns,
    type: 'container',
    action,
    id: 'c1',
    attributes: { name: 'api' },
    ...extra,
  });
  const out = [
    ev('health_status', { healthStatus: 'starting' }),
    ev('health_status', { healthStatus: 'unhealthy' }),
    ev('health_status', { healthStatus: 'unhealthy' }),
    ev('health_status: unhealthy'),
    ev('die', { attributes: { name: 'api', exitCode: '1' } }),
    ev('start'),
    ev('health_status: unhealthy'),
    ev('health_status: healthy'),
  ].flatMap((e) => t.push(e));
  assert.deepEqual(out.map(brief), ['health:unhealthy', 'die:1', 'start', 'health:unhealthy', 'health:healthy']);
});

test('events of other types, and container actions Berth does not keep, are left out', () => {
  const base = { timeNano: 1n, id: 'x', attributes: { name: 'n' } };
  assert.equal(normaliseEvent({ ...base, type: 'image', action: 'pull' }), undefined);
  assert.equal(normaliseEvent({ ...base, type: 'network', action: 'connect' }), undefined);
  for (const action of [
    'exec_create: sh -c true',
    'exec_die',
    'attach',
    'top',
    'resize',
    'init',
    'cleanup',
    'toString',
  ])
    assert.equal(normaliseEvent({ ...base, type: 'container', action }), undefined, action);
  assert.equal(
    normaliseEvent({ ...base, type: 'container', action: 'health_status' }),
    undefined,
    'a health event without a result',
  );
});

test('outside text is clipped to what the protocol takes; odd values are left out', () => {
  const e = normaliseEvent({
    timeNano: 1_800_000_000_000_000_000n,
    type: 'container',
    action: 'die',
    id: 'i'.repeat(300),
    attributes: {
      name: '/' + 'n'.repeat(300),
      image: 'm'.repeat(600),
      exitCode: 'lots',
      'com.docker.compose.project': 'p'.repeat(300),
      oldName: 'o'.repeat(2000),
    },
  })!;
  assert.equal(e.id.length, 128);
  assert.equal(e.name.length, 256);
  assert.equal(e.image!.length, 512);
  assert.equal(e.exit_code, undefined);
  assert.equal(e.compose_project!.length, 256);
  assert.equal(e.attrs!.old_name.length, 1024);
  const nameless = normaliseEvent({
    timeNano: 1n,
    type: 'container',
    action: 'start',
    id: 'abcdef0123456789',
    attributes: {},
  });
  assert.equal(nameless!.name, 'abcdef012345', 'no name: the short id');
});

test('parseSignal reads numbers and names', () => {
  const cases: [string | undefined, number | undefined][] = [
    ['15', 15],
    ['9', 9],
    ['SIGTERM', 15],
    ['term', 15],
    ['SIGKILL', 9],
    ['SIGFOO', undefined],
    ['300', undefined],
    ['-1', undefined],
    ['', undefined],
    [undefined, undefined],
    ['constructor', undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseSignal(text), want, String(text));
});

test('sinceParam: seconds and nine digits of nanoseconds', () => {
  assert.equal(sinceParam(1796634130247168246n), '1796634130.247168246');
  assert.equal(sinceParam(1796634130000000007n), '1796634130.000000007');
  assert.equal(sinceParam(5n), '0.000000005');
});
