import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePluginSpec, splitCommandLine } from './spec.ts';

test('parsePluginSpec: NAME=COMMAND ARGS without a shell', () => {
  const cases: [string, ReturnType<typeof parsePluginSpec>][] = [
    [
      'ipvs=/usr/local/bin/mackerel-plugin-proc-net-ip_vs',
      { name: 'ipvs', command: '/usr/local/bin/mackerel-plugin-proc-net-ip_vs', args: [] },
    ],
    [
      'memcached=mackerel-plugin-memcached -host=127.0.0.1 -port 11211',
      { name: 'memcached', command: 'mackerel-plugin-memcached', args: ['-host=127.0.0.1', '-port', '11211'] },
    ],
    [
      "q=check -label 'two words' -sep '\t'",
      { name: 'q', command: 'check', args: ['-label', 'two words', '-sep', '\t'] },
    ],
    ['q=check "say \\"hi\\"" a\\ b', { name: 'q', command: 'check', args: ['say "hi"', 'a b'] }],
    ["q=check 'it'\\''s'", { name: 'q', command: 'check', args: ["it's"] }],
    ['q=check "" x', { name: 'q', command: 'check', args: ['', 'x'] }],
    ['  padded.name-1 = cmd  ', { name: 'padded.name-1', command: 'cmd', args: [] }],
    [
      'munin=MUNIN_LIBDIR=/usr/share/munin mackerel-plugin-munin -plugin=/etc/munin/plugins/nfsd',
      {
        name: 'munin',
        command: 'mackerel-plugin-munin',
        args: ['-plugin=/etc/munin/plugins/nfsd'],
        env: { MUNIN_LIBDIR: '/usr/share/munin' },
      },
    ],
    [
      'sh=sh -c \'mysql -e "show status" | wc -l\'',
      { name: 'sh', command: 'sh', args: ['-c', 'mysql -e "show status" | wc -l'] },
    ],
  ];
  for (const [spec, want] of cases) assert.deepEqual(parsePluginSpec(spec), want, spec);
});

test('parsePluginSpec: mistakes are explained', () => {
  const cases: [string, RegExp][] = [
    ['no-equals-sign', /expected NAME=COMMAND/],
    ['=cmd', /name "" must be/],
    ['bad name=cmd', /name "bad name" must be/],
    ['x=', /plugin x: no command given/],
    ['x=A=1 B=2', /plugin x: no command given/],
    ["x=cmd 'open", /plugin x: unterminated ' quote/],
    ['x=cmd "open', /plugin x: unterminated " quote/],
    ['x=cmd arg\\', /trailing backslash/],
    ['x=cmd | grep y', /"\|" needs a shell.*sh -c/],
    ['x=cmd > /tmp/out', /">" needs a shell/],
    ['x=cmd $HOME', /"\$" needs a shell/],
  ];
  for (const [spec, re] of cases) assert.throws(() => parsePluginSpec(spec), re, spec);
});

test('splitCommandLine: whitespace of any kind separates words', () => {
  assert.deepEqual(splitCommandLine(' a\tb \n c '), ['a', 'b', 'c']);
  assert.deepEqual(splitCommandLine(''), []);
  assert.deepEqual(splitCommandLine('a"b"\'c\'d'), ['abcd']);
});
