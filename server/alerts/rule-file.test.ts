import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseRuleFile, RuleFileError, describeRule } from './rule-file.ts';
import { parseDuration } from './duration.ts';

const issueFile = fs.readFileSync(new URL('./testdata/issue-19.yaml', import.meta.url), 'utf8');

test('the file in the issue is understood key by key', () => {
  const c = parseRuleFile(issueFile, { smtp: true });
  assert.deepEqual(
    [...c.receivers.values()].map((r) => [r.name, r.kind, r.target]),
    [
      ['ops', 'webhook', 'http://127.0.0.1:9099/hook'],
      ['mail', 'email', 'ops@example.com'],
      ['phone', 'ntfy', 'http://127.0.0.1:9098/berth'],
    ],
  );
  assert.deepEqual(
    c.rules.map((r) => [r.name, describeRule(r), r.notify.join(',')]),
    [
      ['container OOM-killed', 'container OOM-killed', 'ops,mail'],
      ['crash loop', '3 restarts within 10m', 'ops'],
      ['busy container', 'container cpu_pct above 80 for 2m (containers web*)', 'ops'],
      ['host silent', 'host silent for 1m', 'ops,phone'],
      ['disk filling', 'host fs_used_pct above 90 for 5m', 'mail'],
    ],
  );
  const busy = c.rules[2];
  assert.ok(busy.containers('web-1') && !busy.containers('db') && busy.hosts('any'));
});

const bad = (text: string, smtp = true) => {
  try {
    parseRuleFile(text, { smtp });
  } catch (e) {
    assert.ok(e instanceof RuleFileError, String(e));
    return e.message;
  }
  assert.fail('accepted');
};

test('a bad file is refused with its line and field', () => {
  assert.equal(
    bad(issueFile.replace('within: 10m', 'within: ten minutes')),
    'line 15: rules[1].within: "ten minutes" is not a duration (like 90s, 10m, 2h)',
  );
  assert.equal(
    bad(issueFile.replace('notify: [ops, phone]', 'notify: [ops, pager]')),
    'line 27: rules[3].notify[1]: no receiver named "pager" under receivers:',
  );
  assert.match(bad(issueFile.replace('above: 90', 'abov: 90')), /^line 31: rules\[4\].abov: unknown key/);
  assert.match(bad(issueFile.replace('event: oom ', 'event: oops')), /^line 10: rules\[0\]\.event: must be one of oom/);
  assert.match(bad(issueFile, false), /^line 5: receivers\.mail\.email: an e-mail receiver needs .*--smtp/);
  assert.match(bad('rules:\n  - name: x\n    event: oom\n   notify: [a]\n'), /^line \d: not valid YAML/);
  assert.match(
    bad(issueFile.replace('webhook: http://127.0.0.1:9099/hook', 'webhook: ftp://x')),
    /^line 3: receivers\.ops\.webhook: must be an http/,
  );
  assert.match(
    bad(issueFile.replace('    above: 80', '    above: 80\n    below: 10')),
    /^line 17: rules\[2\]: give one of above: or below:/,
  );
});

test('durations', () => {
  assert.deepEqual(
    ['10m', '1m', '5m', '90s', '2h', '1h30m', '45', 'x', '5 m'].map((s) => parseDuration(s)),
    [600, 60, 300, 90, 7200, 5400, 45, undefined, undefined],
  );
});
