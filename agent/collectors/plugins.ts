// Mackerel-compatible plugins: runs each configured command every tick (no shell, own process
// group, killed at the timeout) and stores each "name<TAB>value<TAB>epoch" line it prints as
// series `name` {plugin: NAME}. Bad lines are counted (series plugin_bad_lines) and logged,
// never stored; a failing, hanging or garbage-printing plugin only ever affects itself. The
// plugin's graph meta (MACKEREL_AGENT_PLUGIN_META=1) is read once and offered through meta().
// Like mackerel-agent, samples printed before a non-zero exit are kept, and the exit is logged.
import type { Logger } from '../../lib/log.ts';
import type { SnapshotBuilder } from '../snapshot.ts';
import type { Collector } from './collector.ts';
import {
  indexMeta,
  parsePluginMeta,
  parsePluginOutput,
  type MetaIndex,
  type SeriesMetaEntry,
} from '../plugins/format.ts';
import { runCommand, type RunResult, type RunningCommand } from '../plugins/run.ts';
import type { PluginSpec } from '../plugins/spec.ts';

export interface PluginsCollectorOptions {
  plugins: readonly PluginSpec[];
  /** Per run; a plugin still running then is killed with everything it started. */
  timeoutMs: number;
  log: Logger;
  /** Base environment; default: the agent's own, minus BERTH_* variables (tokens stay home). */
  env?: NodeJS.ProcessEnv;
  /** Samples kept from one run of one plugin; default 10 000. */
  maxSamples?: number;
}

export interface PluginsCollector extends Collector {
  /** Labels, units and graph titles the plugins declared, keyed by series name. */
  meta(): Record<string, SeriesMetaEntry>;
}

interface PluginState {
  spec: PluginSpec;
  running?: RunningCommand;
  meta: 'pending' | 'none' | MetaIndex;
  /** Series names this plugin printed, so wildcard meta can be resolved to concrete names. */
  seen: Set<string>;
  /** Last message logged per kind of problem, so a plugin failing every tick logs once. */
  problems: Map<'run' | 'lines' | 'meta' | 'limit', string>;
}

const MAX_SEEN = 10_000;

function agentEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BERTH_')));
}

function oneLine(text: string, max = 500): string {
  const s = text.trim().replace(/\s*\n\s*/g, ' / ');
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function pluginsCollector(opts: PluginsCollectorOptions): PluginsCollector {
  const { log, timeoutMs } = opts;
  const maxSamples = opts.maxSamples ?? 10_000;
  const baseEnv = opts.env ?? agentEnv();
  const states: PluginState[] = opts.plugins.map((spec) => ({
    spec,
    meta: 'pending',
    seen: new Set(),
    problems: new Map(),
  }));
  let closed = false;

  const report = (st: PluginState, kind: 'run' | 'lines' | 'meta' | 'limit', level: 'warn' | 'error', msg: string) => {
    if (st.problems.get(kind) === msg) return;
    st.problems.set(kind, msg);
    log[level](msg);
  };
  const clear = (st: PluginState, kind: 'run' | 'lines' | 'limit') => {
    if (!st.problems.has(kind)) return;
    st.problems.delete(kind);
    if (kind === 'run') log.info(`plugin ${st.spec.name}: running normally again`);
  };

  async function run(st: PluginState, metaFlag: '' | '1'): Promise<RunResult> {
    const env = { ...baseEnv, ...st.spec.env, MACKEREL_AGENT_PLUGIN_META: metaFlag };
    st.running = runCommand({ command: st.spec.command, args: st.spec.args, env, timeoutMs });
    try {
      return await st.running.result;
    } finally {
      st.running = undefined;
    }
  }

  /** Why a run produced nothing usable, or undefined if it ran to the end. */
  function failure(st: PluginState, r: RunResult): string | undefined {
    const name = st.spec.name;
    const err = r.stderr.trim() ? `; stderr: ${oneLine(r.stderr)}` : '';
    if (r.error) return `plugin ${name}: cannot run ${st.spec.command}: ${r.error.message}`;
    if (r.timedOut) return `plugin ${name}: no answer after ${timeoutMs / 1000} s, killed it and its children${err}`;
    if (r.overflow) return `plugin ${name}: printed more than 4 MiB, killed`;
    return undefined;
  }

  async function loadMeta(st: PluginState): Promise<void> {
    st.meta = 'none';
    const r = await run(st, '1');
    if (r.error) {
      // Cannot start at all: the metrics run says so; try the meta again once it can.
      st.meta = 'pending';
      return;
    }
    const why = failure(st, r);
    if (why) {
      report(st, 'meta', 'warn', `${why} (while reading its meta; going on without labels)`);
      return;
    }
    try {
      const meta = parsePluginMeta(r.stdout);
      if (!meta) {
        log.debug(`plugin ${st.spec.name}: prints no "# mackerel-agent-plugin" meta; series keep their raw names`);
        return;
      }
      st.meta = indexMeta(meta);
      log.info(`plugin ${st.spec.name}: meta read, ${Object.keys(meta.graphs).length} graph(s)`);
    } catch (err) {
      report(
        st,
        'meta',
        'warn',
        `plugin ${st.spec.name}: bad meta, going on without labels: ${(err as Error).message}`,
      );
    }
  }

  async function collectOne(st: PluginState, out: SnapshotBuilder): Promise<void> {
    const name = st.spec.name;
    if (st.running) {
      report(st, 'run', 'warn', `plugin ${name}: previous run still going, skipping this tick`);
      return;
    }
    if (st.meta === 'pending') await loadMeta(st);
    if (closed) return;
    const r = await run(st, '');
    const why = failure(st, r);
    if (why) {
      report(st, 'run', r.error ? 'error' : 'warn', why);
      return;
    }
    if (r.code !== 0) {
      const how = r.code === null ? `was killed by ${r.signal}` : `exited with code ${r.code}`;
      report(st, 'run', 'warn', `plugin ${name}: ${how}${r.stderr.trim() ? `: ${oneLine(r.stderr)}` : ''}`);
    } else {
      clear(st, 'run');
      if (r.stderr.trim()) log.debug(`plugin ${name}: stderr: ${oneLine(r.stderr)}`);
    }

    const { samples, bad } = parsePluginOutput(r.stdout);
    // Like mackerel-agent, a name printed twice keeps its last value.
    const values = new Map<string, number>();
    for (const s of samples) values.set(s.name, s.value);
    let kept = 0;
    for (const [series, value] of values) {
      if (kept++ >= maxSamples) break;
      out.seriesValue(series, { plugin: name }, value);
      if (st.seen.size < MAX_SEEN) st.seen.add(series);
    }
    if (values.size > maxSamples) {
      report(st, 'limit', 'warn', `plugin ${name}: printed ${values.size} metrics, kept the first ${maxSamples}`);
    } else {
      clear(st, 'limit');
    }
    out.seriesValue('plugin_bad_lines', { plugin: name }, bad.length);
    if (bad.length > 0) {
      const b = bad[0];
      report(
        st,
        'lines',
        'warn',
        `plugin ${name}: ${bad.length} malformed line(s) ignored; line ${b.line}: ${b.reason}: "${b.text}"`,
      );
    } else {
      clear(st, 'lines');
    }
  }

  return {
    name: 'plugins',
    async collect(out) {
      if (closed) return;
      await Promise.all(states.map((st) => collectOne(st, out)));
    },
    meta() {
      const result: Record<string, SeriesMetaEntry> = {};
      for (const st of states) {
        const index = st.meta;
        if (typeof index === 'string') continue;
        Object.assign(result, index.exact());
        for (const series of st.seen) {
          const e = index.lookup(series);
          if (e) result[series] = e;
        }
      }
      return result;
    },
    close() {
      closed = true;
      for (const st of states) st.running?.kill();
    },
  };
}
