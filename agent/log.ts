// Plain, one-line log output: time, level, message. Never pass secrets in.
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}

export function createLogger(prefix: string, opts: { quiet?: boolean; debug?: boolean } = {}): Logger {
  const line = (level: string, msg: string) =>
    process.stderr.write(`${new Date().toISOString()} ${prefix} ${level} ${msg}\n`);
  return {
    info: (m) => { if (!opts.quiet) line('info', m); },
    warn: (m) => line('warn', m),
    error: (m) => line('error', m),
    debug: (m) => { if (opts.debug) line('debug', m); },
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
