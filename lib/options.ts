// One declarative table of a command's options — flag, BERTH_* variable, default, help, how
// the text becomes a value — and what is made from it: the values (the flag, then the
// variable, then the default), every bad value reported by its flag, the --help text and the
// README's table (scripts/docs.ts). The agent's and the server's config.ts each hold a table.
import { parseArgs } from 'node:util';

/** A bad command line or environment: the process names each bad flag and exits 2. */
export class ConfigError extends Error {}

interface Common {
  /** The variable read when the flag is absent. */
  env: string;
  /** Used when neither is given; '' shows as none in --help and the README. */
  default: string;
  help: string;
}

/** An option with one value: `--interval 10`, or a switch (`--once`) whose text is "true". */
export interface SingleOption<T> extends Common {
  switch?: boolean;
  /** The value from its text; throws a message that the flag's name is put before. */
  parse(raw: string): T;
}

/** A flag that may be given many times; in the variable, the values are split on `separator`. */
export interface RepeatedOption<T> extends Common {
  separator: string | RegExp;
  /** The value from every text given; `problem` once per bad one (or throw for one). */
  parse(raws: string[], problem: (message: string) => void): T;
}

export type Option<T = unknown> = SingleOption<T> | RepeatedOption<T>;
export type OptionTable = Record<string, Option>;
export type OptionValues<O extends OptionTable> = { [K in keyof O]: O[K] extends Option<infer T> ? T : never };
type Env = Record<string, string | undefined>;

/** Declares an option with one value (gives `parse` its types). */
export const option = <T>(o: SingleOption<T>): SingleOption<T> => o;
/** Declares a repeatable option. */
export const repeated = <T>(o: RepeatedOption<T>): RepeatedOption<T> => o;
const isRepeated = (o: Option): o is RepeatedOption<unknown> => 'separator' in o;

export interface ReadOptions<O extends OptionTable> {
  /** Each option's value; undefined for one that was refused. */
  values: OptionValues<O>;
  /** Whether the option's own value was refused, so values derived from it are not judged again. */
  refused(name: keyof O): boolean;
  /** Records a problem found across options (a timeout longer than the interval) under a flag. */
  problem(name: keyof O & string, message: string): void;
  /** Throws one ConfigError listing every problem, if there is any. */
  check(): void;
}

/** Reads every option of `table` from `argv` and `env`; an unknown flag throws at once. */
export function readOptions<O extends OptionTable>(table: O, argv: string[], env: Env): ReadOptions<O> {
  let given: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    given = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(table).map(([name, o]) => [
          name,
          { type: 'switch' in o && o.switch ? 'boolean' : 'string', multiple: isRepeated(o) },
        ]),
      ),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const problems: string[] = [];
  const refused = new Set<keyof O>();
  const values: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(table)) {
    const flag = given[name];
    const problem = (message: string) => {
      refused.add(name);
      problems.push(`--${name} (${o.env}): ${message}`);
    };
    try {
      if (isRepeated(o)) {
        const raws = Array.isArray(flag) ? flag.map(String) : (env[o.env] ?? o.default).split(o.separator);
        values[name] = o.parse(raws, problem);
      } else {
        values[name] = o.parse(flag !== undefined ? String(flag) : (env[o.env] ?? o.default));
      }
    } catch (e) {
      problem((e as Error).message);
    }
    if (refused.has(name)) values[name] = undefined;
  }
  return {
    values: values as OptionValues<O>,
    refused: (name) => refused.has(name),
    problem: (name, message) => problems.push(`--${name} (${table[name].env}): ${message}`),
    check() {
      if (problems.length) throw new ConfigError(problems.join('\n'));
    },
  };
}

/** The --help text: the usage lines, then one line per option. */
export function helpText(table: OptionTable, usage: string[]): string {
  const width = Math.max(...Object.keys(table).map((k) => k.length)) + 2;
  const rows = Object.entries(table).map(
    ([k, o]) => `  --${k.padEnd(width)} ${o.help} (env ${o.env}${o.default ? `, default ${o.default}` : ''})`,
  );
  return [...usage, ...rows].join('\n');
}

/** The README's table of the options (flag | env | default | meaning). */
export function markdownTable(table: OptionTable): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| flag | env | default | meaning |',
    '|---|---|---|---|',
    ...Object.entries(table).map(
      ([k, o]) => `| \`--${k}\` | \`${o.env}\` | ${o.default ? `\`${o.default}\`` : '—'} | ${cell(o.help)} |`,
    ),
  ].join('\n');
}
