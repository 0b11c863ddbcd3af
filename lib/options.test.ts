// The option table machinery both CLIs use: where a value comes from, how a bad one is
// reported, and the help and README text made from the same table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, helpText, markdownTable, option, readOptions, repeated } from './options.ts';
import { boolean, commaList, number, optional, text } from './option-parsers.ts';

const TABLE = {
  port: option({ env: 'T_PORT', default: '8787', help: 'TCP port', parse: number(0, 65535) }),
  name: option({ env: 'T_NAME', default: '', help: 'A name | with a bar', parse: optional(text) }),
  tags: option({ env: 'T_TAGS', default: 'a,b', help: 'Tags', parse: commaList }),
  plugin: repeated({
    env: 'T_PLUGINS',
    separator: '\n',
    default: '',
    help: 'Plugins (repeatable)',
    parse: (raws, problem) => {
      const kept = raws.filter(Boolean);
      for (const r of kept) if (!r.includes('=')) problem(`"${r}" is not NAME=COMMAND`);
      return kept;
    },
  }),
  once: option({ env: 'T_ONCE', default: 'false', switch: true, help: 'Run once', parse: boolean }),
};

test('a flag wins over its variable, which wins over the default', () => {
  const env = { T_PORT: '9000', T_NAME: 'from-env' };
  assert.equal(readOptions(TABLE, ['--port', '81'], env).values.port, 81);
  assert.equal(readOptions(TABLE, [], env).values.port, 9000);
  assert.equal(readOptions(TABLE, [], {}).values.port, 8787);
  assert.equal(readOptions(TABLE, [], env).values.name, 'from-env');
  assert.equal(readOptions(TABLE, [], {}).values.name, undefined, 'nothing given: undefined, not ""');
  assert.deepEqual(readOptions(TABLE, [], {}).values.tags, ['a', 'b']);
  assert.deepEqual(readOptions(TABLE, ['--tags', ' x,,y '], {}).values.tags, ['x', 'y']);
});

test('a switch is true alone on the command line, and reads true/false/1/0 from its variable', () => {
  assert.equal(readOptions(TABLE, ['--once'], {}).values.once, true);
  assert.equal(readOptions(TABLE, [], { T_ONCE: '1' }).values.once, true);
  assert.equal(readOptions(TABLE, [], { T_ONCE: 'false\r' }).values.once, false, "a CRLF file's \\r is ignored");
  assert.equal(readOptions(TABLE, [], {}).values.once, false);
});

test('a repeated flag collects every value; its variable is split on the separator', () => {
  assert.deepEqual(readOptions(TABLE, ['--plugin', 'a=x', '--plugin', 'b=y'], {}).values.plugin, ['a=x', 'b=y']);
  assert.deepEqual(readOptions(TABLE, [], { T_PLUGINS: 'a=x\nb=y\n' }).values.plugin, ['a=x', 'b=y']);
  assert.deepEqual(
    readOptions(TABLE, ['--plugin', 'c=z'], { T_PLUGINS: 'a=x' }).values.plugin,
    ['c=z'],
    'the flags replace the variable, as for any option',
  );
});

test('every bad value is reported by its flag and variable, all in one ConfigError', () => {
  const read = readOptions(TABLE, ['--port', 'soon', '--plugin', 'nope', '--plugin', 'also'], { T_ONCE: 'yes' });
  assert.equal(read.refused('port'), true);
  assert.equal(read.refused('tags'), false);
  assert.equal(read.values.port, undefined, 'a refused value is not used');
  read.problem('name', 'needed with --once');
  assert.throws(
    () => read.check(),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.message.split('\n'), [
        '--port (T_PORT): "soon" must be a number from 0 to 65535',
        '--plugin (T_PLUGINS): "nope" is not NAME=COMMAND',
        '--plugin (T_PLUGINS): "also" is not NAME=COMMAND',
        '--once (T_ONCE): "yes" is not true or false',
        '--name (T_NAME): needed with --once',
      ]);
      return true;
    },
  );
  assert.doesNotThrow(() => readOptions(TABLE, [], {}).check());
});

test('an unknown flag, a missing value or a positional argument is a ConfigError naming it', () => {
  for (const [argv, re] of [
    [['--prot', '1'], /--prot/],
    [['--port'], /--port/],
    [['stray'], /stray/],
    [['--once=yes'], /--once/],
  ] as const) {
    assert.throws(
      () => readOptions(TABLE, [...argv], {}),
      (e: unknown) => e instanceof ConfigError && re.test(e.message),
    );
  }
});

test('numbers are decimal and within range; whitespace around them is ignored', () => {
  const n = number(0.5, 100);
  assert.equal(n('10'), 10);
  assert.equal(n(' 2.5\r'), 2.5);
  assert.equal(n('.5'), 0.5);
  for (const bad of ['', ' ', 'abc', '0x10', '1e1', '-1', '0.4', '101', 'Infinity', 'NaN'])
    assert.throws(
      () => n(bad),
      new RegExp(`"${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" must be a number from 0.5 to 100`),
    );
});

test('--help lists every flag with its variable and default, under the usage lines', () => {
  const help = helpText(TABLE, ['usage: t [flags]']).split('\n');
  assert.equal(help[0], 'usage: t [flags]');
  assert.equal(help.length, 1 + Object.keys(TABLE).length);
  assert.equal(help[1], '  --port     TCP port (env T_PORT, default 8787)');
  assert.equal(help[2], '  --name     A name | with a bar (env T_NAME)', 'no default: none shown');
});

test('the README table has one row per flag, with | escaped inside cells', () => {
  const rows = markdownTable(TABLE).split('\n');
  assert.deepEqual(rows.slice(0, 2), ['| flag | env | default | meaning |', '|---|---|---|---|']);
  assert.equal(rows[2], '| `--port` | `T_PORT` | `8787` | TCP port |');
  assert.equal(rows[3], '| `--name` | `T_NAME` | — | A name \\| with a bar |');
  assert.equal(rows.length, 2 + Object.keys(TABLE).length);
});
