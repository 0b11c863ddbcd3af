// Turns a `--plugin 'NAME=COMMAND ARGS'` flag into something spawn() can run without a shell.
// Words split the way a POSIX shell splits simple commands: whitespace separates, '…' is taken
// literally, "…" allows \" \\ \$ \` escapes, a backslash outside quotes escapes the next
// character, and leading VAR=value words set environment variables (as in
// mackerel-agent.conf's `command = "MUNIN_LIBDIR=/usr/share/munin /path/to/plugin"`).
// Anything that needs a real shell (pipes, redirections, $expansions) is refused with a hint.

export interface PluginSpec {
  /** Short name: becomes the `plugin` label of every series the command prints. */
  name: string;
  command: string;
  args: string[];
  /** Extra environment variables from leading VAR=value words. */
  env?: Record<string, string>;
}

const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const ASSIGN_RE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
const SHELL_CHARS = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`']);

/** Splits a command line into words; throws on unbalanced quotes or unquoted shell syntax. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new Error(`unterminated ' quote at column ${i + 1}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1])) j++;
        word += line[j];
      }
      if (j >= line.length) throw new Error(`unterminated " quote at column ${i + 1}`);
      inWord = true;
      i = j;
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new Error('trailing backslash');
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (SHELL_CHARS.has(ch)) {
      throw new Error(`"${ch}" needs a shell, which plugins do not run under; quote it, or run: sh -c '…'`);
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** 'NAME=COMMAND ARGS' → { name, command, args, env }; errors say what is wrong with which flag. */
export function parsePluginSpec(spec: string): PluginSpec {
  const eq = spec.indexOf('=');
  if (eq === -1) throw new Error(`plugin "${spec}": expected NAME=COMMAND [ARGS…]`);
  const name = spec.slice(0, eq).trim();
  if (!NAME_RE.test(name)) throw new Error(`plugin "${spec}": name "${name}" must be 1-64 letters, digits, _ . -`);
  let words: string[];
  try {
    words = splitCommandLine(spec.slice(eq + 1));
  } catch (err) {
    throw new Error(`plugin ${name}: ${(err as Error).message}`);
  }
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length; i++) {
    const m = ASSIGN_RE.exec(words[i]);
    if (!m) break;
    env[m[1]] = m[2];
  }
  const command = words[i];
  if (command === undefined || command === '') throw new Error(`plugin ${name}: no command given`);
  const out: PluginSpec = { name, command, args: words.slice(i + 1) };
  if (i > 0) out.env = env;
  return out;
}
