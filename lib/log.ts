// Plain, one-line log output: time, level, message. Never pass secrets in.
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}

/**
 * Text from outside (a server's answer, a client's field) fit for one log line: control
 * characters, line separators and bidi overrides written out as escapes, since they would
 * break, recolour or reorder the line in a terminal or viewer.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** "1 batch", "2 batches": a count with its noun, for log lines. */
export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export function createLogger(prefix: string, opts: { quiet?: boolean; debug?: boolean } = {}): Logger {
  const line = (level: string, msg: string) =>
    process.stderr.write(`${new Date().toISOString()} ${prefix} ${level} ${msg}\n`);
  return {
    info: (m) => {
      if (!opts.quiet) line('info', m);
    },
    warn: (m) => line('warn', m),
    error: (m) => line('error', m),
    debug: (m) => {
      if (opts.debug) line('debug', m);
    },
  };
}

/** A logger that records lines, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
    debug: () => {},
  };
}
