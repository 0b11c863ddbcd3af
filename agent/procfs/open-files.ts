// Files read again and again, every tick (a container's cgroup files): kept open and read from
// offset 0 each time, one pread instead of open + read + close. cgroup and proc files are seq
// files that regenerate their text on a read at offset 0. A file whose cgroup was removed and
// made again (a container restarted) answers ENODEV through the old descriptor: it is opened
// again once, and is undefined when its path is gone. Files not read for a round are closed.
// A file that is not there (a controller the kernel or the cgroup lacks, such as the CFQ
// scheduler's blkio files on kernels since 5.0) is not looked for again for a while: a failed
// open costs an exception, which is most of what a read of the rest costs. readAs keeps what
// its parser made of the last text: an idle container's memory.stat or blkio file reads the
// same tick after tick, and comparing the text is a native memcmp where the parse is not.
import { closeSync, openSync, readSync } from 'node:fs';

interface Open {
  fd: number;
  round: number;
  /** readAs: the last text and what its parser made of it. */
  text?: string;
  value?: unknown;
}

const GONE = new Set(['ENOENT', 'ENOTDIR', 'ESRCH', 'ENODEV', 'ESTALE']);

/** Rounds a missing file is taken as missing before it is looked for again. */
export const MISSING_ROUNDS = 30;

export class OpenFiles {
  /**
   * @param maxOpen files kept open at most (a host with tens of thousands of processes): past
   *   it, a file is read with open + read + close like any other.
   */
  constructor(private readonly maxOpen = 16_384) {}

  private files = new Map<string, Open>();
  /** Paths found missing, with the round from which they are looked for again. */
  private missing = new Map<string, number>();
  private round = 0;
  /** Open files read in this round so far. */
  private readThisRound = 0;
  private buf = Buffer.allocUnsafe(16 * 1024);

  /**
   * What `parse` makes of the file's text now; the last value again, unparsed, when the text is
   * the same as last time. `parse` must be the same function of the text for a given path. A
   * parse that throws is not kept (the next read parses again).
   */
  readAs<T>(path: string, parse: (text: string) => T): T | undefined {
    const text = this.read(path);
    if (text === undefined) return undefined;
    const open = this.lastOpen;
    if (open === undefined) return parse(text);
    if (open.text === text) return open.value as T;
    const value = parse(text);
    open.text = text;
    open.value = value;
    return value;
  }

  /** The record of the file `read` just read, when it is kept open (no object made per read). */
  private lastOpen: Open | undefined;

  /** The file's whole text now (latin1), or undefined when it is not there. */
  read(path: string): string | undefined {
    this.lastOpen = undefined;
    let f = this.files.get(path);
    if (f) {
      const text = this.readFd(f.fd);
      if (text !== undefined) {
        if (f.round !== this.round) this.readThisRound++;
        f.round = this.round;
        this.lastOpen = f;
        return text;
      }
      if (f.round === this.round) this.readThisRound--;
      closeSync(f.fd);
      this.files.delete(path);
    }
    const until = this.missing.get(path);
    if (until !== undefined && until > this.round) return undefined;
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      if (GONE.has((err as NodeJS.ErrnoException).code ?? '')) {
        this.missing.set(path, this.round + MISSING_ROUNDS);
        return undefined;
      }
      throw err;
    }
    this.missing.delete(path);
    const text = this.readFd(fd);
    if (text === undefined) {
      closeSync(fd);
      return undefined;
    }
    if (this.files.size >= this.maxOpen) {
      closeSync(fd);
      return text;
    }
    const open: Open = { fd, round: this.round };
    this.files.set(path, open);
    this.readThisRound++;
    this.lastOpen = open;
    return text;
  }

  /** Ends a round: files not read since the last call are closed (their container left). */
  sweep(): void {
    // Most rounds read every open file: then there is nothing to close, and no walk through
    // them all (a Map walk makes an entry per file in the agent's interpreter).
    if (this.readThisRound < this.files.size) {
      this.files.forEach((f, path) => {
        if (f.round !== this.round) {
          closeSync(f.fd);
          this.files.delete(path);
        }
      });
    }
    if (this.missing.size > 0) {
      this.missing.forEach((until, path) => {
        if (until <= this.round) this.missing.delete(path);
      });
    }
    this.round++;
    this.readThisRound = 0;
  }

  get size(): number {
    return this.files.size;
  }

  close(): void {
    this.files.forEach((f) => closeSync(f.fd));
    this.files.clear();
    this.readThisRound = 0;
  }

  private readFd(fd: number): string | undefined {
    try {
      let size = 0;
      for (;;) {
        if (size === this.buf.length) {
          const bigger = Buffer.allocUnsafe(this.buf.length * 2);
          this.buf.copy(bigger, 0, 0, size);
          this.buf = bigger;
        }
        const room = this.buf.length - size;
        const n = readSync(fd, this.buf, size, room, size);
        size += n;
        // A seq file fills the buffer up to its end: a short read is the end, no second call.
        if (n < room) break;
      }
      return this.buf.toString('latin1', 0, size);
    } catch (err) {
      if (GONE.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw err;
    }
  }
}
