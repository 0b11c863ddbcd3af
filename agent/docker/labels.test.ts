import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { containerIdentity, containerName, pickLabels, type ContainerSummary } from './labels.ts';

const list = JSON.parse(
  readFileSync(new URL('./testdata/containers-v1.41.json', import.meta.url), 'utf8'),
) as ContainerSummary[];

test('identity of the containers in a real GET /containers/json answer', () => {
  const byName = new Map(list.map((c) => [containerName(c.Names, c.Id), containerIdentity(c)]));
  assert.deepEqual(byName.get('shop-web-1'), {
    id: '15217165ed43945c35e11d0c0a76c550fee6db499282aeba2fba11074feb271c',
    name: 'shop-web-1',
    image: 'berth-busybox',
    state: 'running',
    compose_project: 'shop',
    compose_service: 'web',
  });
  assert.deepEqual(byName.get('idle-sleeper'), {
    id: '75c70ec71ceec09abdb867d5136bad2d455f341801d70447c74d608879107065',
    name: 'idle-sleeper',
    image: 'berth-busybox',
    state: 'running',
  });
  assert.equal(byName.get('shop-client-1')?.compose_service, 'client');
});

test('containerName', () => {
  const id = 'abcdef0123456789abcdef';
  const cases: [string, string[] | null | undefined, string][] = [
    ['leading slash stripped', ['/web'], 'web'],
    ['legacy link alias skipped for the own name', ['/app/db', '/db'], 'db'],
    ['only aliases: first one', ['/app/db'], 'app/db'],
    ['no names: short id', [], 'abcdef012345'],
    ['null names: short id', null, 'abcdef012345'],
    ['undefined names: short id', undefined, 'abcdef012345'],
    ['empty name skipped', ['/', '/x'], 'x'],
  ];
  for (const [what, names, want] of cases) assert.equal(containerName(names, id), want, what);
  assert.equal(containerName(['/' + 'n'.repeat(300)], id).length, 256, 'clipped to the wire limit');
});

test('identity with no labels, odd types and long values', () => {
  assert.deepEqual(containerIdentity({ Id: 'x1', Names: ['/a'], Labels: null }), { id: 'x1', name: 'a' });
  const long = containerIdentity({
    Id: 'x2',
    Names: ['/b'],
    Image: 'i'.repeat(600),
    State: 'running',
    Labels: { 'com.docker.compose.project': '' },
  });
  assert.equal(long.image?.length, 512);
  assert.equal(long.compose_project, undefined, 'empty project label is no project');
});

test('pickLabels sends only the labels asked for', () => {
  const labels = { 'com.example.team': 'payments', 'org.opencontainers.image.source': 'https://x', tier: 'web' };
  assert.equal(pickLabels(labels, []), undefined);
  assert.equal(pickLabels(labels, ['missing']), undefined);
  assert.deepEqual(pickLabels(labels, ['com.example.team', 'tier', 'missing']), {
    'com.example.team': 'payments',
    tier: 'web',
  });
  assert.equal(pickLabels({ toString: 'x' }, ['constructor']), undefined, 'no prototype keys');
  const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v']));
  assert.equal(Object.keys(pickLabels(many, Object.keys(many))!).length, 32, 'at most 32, as the wire schema allows');
  assert.deepEqual(containerIdentity({ Id: 'x3', Names: ['/c'], Labels: labels }, ['tier']).labels, { tier: 'web' });
});

test('a long label value or name is cut without leaving half a surrogate pair (the server would refuse the batch)', () => {
  const picked = pickLabels({ note: `${'a'.repeat(1023)}🐳 whale` }, ['note'])!;
  assert.equal(picked.note, 'a'.repeat(1023));
  assert.doesNotMatch(containerName([`/${'n'.repeat(255)}🐳`], 'abcdef0123456789'), /\p{Cs}/u);
});
