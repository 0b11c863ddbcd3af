// Layers that only point down, checked on every import (dependency-cruiser): protocol/ at the
// ground, lib/ beside it, agent/, server/ and web/ above, none importing another, and start/
// (`npm start`, `npm run server`) above them all; no import cycle anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import { REPO } from './support/processes.ts';
import { tempDir } from './support/temp.ts';

const CODE = ['protocol', 'lib', 'agent', 'server', 'web', 'start', 'scripts', 'bench', 'test'];
const under = (...dirs: string[]) => `^(${dirs.join('|')})/`;
/** `from` may import no folder but these (and packages). */
const onlyTo = (from: string, allowed: string[], name: string): IForbiddenRuleType => ({
  name,
  from: { path: under(from) },
  to: { path: under(...CODE.filter((d) => d !== from && !allowed.includes(d))) },
});

const RULES: IForbiddenRuleType[] = [
  { name: 'no import cycles', from: {}, to: { circular: true } },
  // Every import must resolve, or the rules below would not see where it points.
  { name: 'import resolves', from: {}, to: { couldNotResolve: true } },
  onlyTo('protocol', ['test', 'bench'], 'protocol/ imports only protocol/'),
  onlyTo('lib', ['protocol', 'test'], 'lib/ imports only lib/ and protocol/'),
  onlyTo('agent', ['lib', 'protocol', 'test'], 'agent/ imports neither server/ nor web/'),
  onlyTo('server', ['lib', 'protocol', 'test'], 'server/ imports neither agent/ nor web/'),
  onlyTo('web', ['lib', 'protocol', 'server', 'test'], 'web/ never imports agent/'),
  {
    name: 'web/ imports server/ for types only',
    from: { path: under('web') },
    to: { path: under('server'), dependencyTypesNot: ['type-only'] },
  },
  {
    name: 'procfs/, docker/ and plugins/ sit below the collectors',
    from: { path: '^agent/(procfs|docker|plugins)/' },
    to: { path: '^agent/collectors/' },
  },
  {
    name: 'only tests use test/, bench/ and scripts/',
    from: { path: under('protocol', 'lib', 'agent', 'server', 'web', 'start'), pathNot: '\\.test\\.ts$' },
    to: { path: under('test', 'bench', 'scripts') },
  },
];

/** Every rule broken under `baseDir`, as "rule: from → to" (a cycle: its path), and the modules seen. */
async function check(baseDir: string, roots: string[]): Promise<{ violations: string[]; modules: string[] }> {
  const { output } = await cruise(roots, {
    baseDir,
    validate: true,
    ruleSet: { forbidden: RULES.map((r) => ({ ...r, severity: 'error' as const })) },
    doNotFollow: { path: 'node_modules' },
    // testdata/ holds recorded trees, some with sysfs's symbolic link loops (hwmon).
    exclude: { path: '(^|/)(node_modules|dist|testdata)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default', 'types'] },
  });
  const result = output as ICruiseResult;
  return {
    violations: result.summary.violations.map(
      (v) => `${v.rule.name}: ${v.from} → ${v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to}`,
    ),
    modules: result.modules.map((m) => m.source),
  };
}

test('no import cycles, and every layer imports only the layers below it', async () => {
  const roots = CODE.filter((d) => fs.existsSync(path.join(REPO, d)));
  const { violations, modules } = await check(REPO, roots);
  assert.deepEqual(violations, []);
  for (const m of [
    'protocol/batch.ts',
    'lib/options.ts',
    'agent/agent.ts',
    'server/app.ts',
    'web/main.ts',
    'start/main.ts',
  ])
    assert.ok(modules.includes(m), `${m} was checked`);
});

test('the check sees a cycle, a layer pointing up, and a value import of server/ from web/', async () => {
  const dir = tempDir('berth-layers-');
  const files: Record<string, string> = {
    'protocol/a.ts': 'export const a = 1;\n',
    'agent/x.ts': "import { y } from './y.ts';\nimport { s } from '../server/s.ts';\nexport const x = y + s;\n",
    'agent/y.ts': "import { x } from './x.ts';\nexport const y = () => x;\n",
    'server/s.ts': "import { a } from '../protocol/a.ts';\nexport const s = a;\nexport type S = number;\n",
    'web/w.ts':
      "import type { S } from '../server/s.ts';\nimport { s } from '../server/s.ts';\nexport const w: S = s;\n",
    'web/ok.ts': "import type { S } from '../server/s.ts';\nexport const ok: S = 1;\n",
  };
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  assert.deepEqual((await check(dir, ['protocol', 'agent', 'server', 'web'])).violations.sort(), [
    'agent/ imports neither server/ nor web/: agent/x.ts → server/s.ts',
    'no import cycles: agent/x.ts → agent/y.ts → agent/x.ts',
    'web/ imports server/ for types only: web/w.ts → server/s.ts',
  ]);
});
