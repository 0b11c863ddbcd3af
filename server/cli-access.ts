// `npm run server -- user add NAME --role admin|viewer | user passwd NAME | user remove NAME |
// user list`, `read-token add NAME | list | revoke ID` and `share add HOST [--days N] | list |
// revoke ID`: the same as the page's admin panel, on the same SQLite file. A password is read
// from a prompt (twice, not echoed) or, when stdin is not a terminal, from its first line;
// never from the command line, where `ps` and shell history would keep it.
import fs from 'node:fs';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { openDb } from './db/open.ts';
import { AuthStore, isRole, isUserName, SHARE_DEFAULT_S, SHARE_MAX_S, USER_NAME_RULE } from './auth/store.ts';
import { hashPassword, passwordProblem } from './auth/passwords.ts';
import { isHostName, HOST_NAME_RULE } from '../protocol/constants.ts';
import { epochNow } from '../lib/clock.ts';

export const ACCESS_USAGE = [
  '       npm run server -- user add NAME --role admin|viewer | user passwd NAME | user remove NAME | user list',
  '       npm run server -- read-token add NAME | read-token list | read-token revoke ID',
  '       npm run server -- share add HOST [--days N] [--url BASE] | share list | share revoke ID   (all take --db FILE)',
];

export class UsageError extends Error {}

const when = (t: number | null) => (t ? new Date(t * 1000).toISOString() : 'never');

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const all = fs.readFileSync(0, 'utf8');
    return all.split(/\r?\n/)[0] ?? '';
  }
  const ask = (q: string) =>
    new Promise<string>((resolve) => {
      const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      process.stderr.write(q);
      // No echo: the typed characters are not written back.
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
      rl.question('', (a) => {
        rl.close();
        process.stderr.write('\n');
        resolve(a);
      });
    });
  const a = await ask('password: ');
  const b = await ask('again: ');
  if (a !== b) throw new UsageError('the two passwords differ');
  return a;
}

/** Where a command reads a password and writes its answer (the terminal; tests give their own). */
export interface CliIo {
  password(): Promise<string>;
  out(line: string): void;
  err(line: string): void;
}
const TERMINAL: CliIo = {
  password: readPassword,
  out: (l) => console.log(l),
  err: (l) => console.error(l),
};

/** Runs an access command; true when argv was one (`user`, `read-token`, `share`). */
export async function accessCli(
  argv: string[],
  dbFromFlags: (rest: string[]) => string,
  io: CliIo = TERMINAL,
): Promise<boolean> {
  const [what, action, ...more] = argv;
  if (what !== 'user' && what !== 'read-token' && what !== 'share') return false;
  const { values, positionals } = parseArgs({
    args: more,
    options: {
      role: { type: 'string' },
      days: { type: 'string' },
      url: { type: 'string' },
      db: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [arg, extra] = positionals;
  if (extra !== undefined) throw new UsageError(`unexpected "${extra}"`);
  const dbPath = dbFromFlags(values.db ? ['--db', values.db] : []);
  if (!(what === 'user' && action === 'add') && !fs.existsSync(dbPath))
    throw new UsageError(`--db (BERTH_DB): no database at ${dbPath}`);
  const db = openDb(dbPath);
  const store = new AuthStore(db.$client);
  const now = epochNow();
  const audit = (action: string, detail: string) =>
    store.audit({ at: now, actor: `cli:${process.env.USER ?? '?'}`, action, detail, address: 'local' });
  try {
    if (what === 'user') {
      if (action === 'list') {
        for (const u of store.listUsers())
          io.out(`${u.name}\t${u.role}\t${u.via}\tlast sign-in ${when(u.last_sign_in_at)}`);
        return true;
      }
      if (!isUserName(arg)) throw new UsageError(`user ${action}: NAME must be ${USER_NAME_RULE}`);
      if (action === 'add') {
        if (!isRole(values.role)) throw new UsageError('--role: admin or viewer');
        if (store.userByName(arg))
          throw new UsageError(`user add: "${arg}" exists (user passwd to change its password)`);
        const pw = await io.password();
        const problem = passwordProblem(pw);
        if (problem) throw new UsageError(problem);
        store.addUser(arg, values.role, await hashPassword(pw), now);
        audit('user-add', `${arg} as ${values.role}`);
        io.err(`user "${arg}" added as ${values.role}`);
      } else if (action === 'passwd') {
        const u = store.userByName(arg);
        if (!u) throw new UsageError(`user passwd: no user "${arg}"`);
        if (u.via !== 'password') throw new UsageError(`user passwd: "${arg}" signs in through single sign-on`);
        const pw = await io.password();
        const problem = passwordProblem(pw);
        if (problem) throw new UsageError(problem);
        store.setPassword(arg, await hashPassword(pw));
        const ended = store.endSessionsOf(u.id);
        audit('user-passwd', arg);
        io.err(`password of "${arg}" changed; ${ended} session(s) signed out`);
      } else if (action === 'remove') {
        const u = store.userByName(arg);
        if (!u) throw new UsageError(`user remove: no user "${arg}"`);
        store.removeUser(arg);
        audit('user-remove', arg);
        io.err(`user "${arg}" removed and signed out`);
      } else throw new UsageError(`user: unknown action "${action ?? ''}"`);
    } else if (what === 'read-token') {
      if (action === 'list') {
        for (const t of store.listReadTokens())
          io.out(
            `${t.id}\t${t.name}\t${t.revoked_at ? `revoked ${when(t.revoked_at)}` : 'active'}\tlast used ${when(t.last_used_at)}`,
          );
      } else if (action === 'add') {
        if (!arg?.trim() || arg.length > 100) throw new UsageError('read-token add: NAME (what it is for) is required');
        const { id, token } = store.addReadToken(arg.trim(), 'cli', now);
        audit('read-token-add', `#${id} ${arg.trim()}`);
        io.out(token);
        io.err(`read token #${id} "${arg.trim()}" created; shown once, keep it (only its hash is stored)`);
      } else if (action === 'revoke') {
        if (!store.revokeReadToken(Number(arg), now)) throw new UsageError(`read-token revoke: no active token ${arg}`);
        audit('read-token-revoke', `#${arg}`);
        io.err(`read token #${arg} revoked`);
      } else throw new UsageError(`read-token: unknown action "${action ?? ''}"`);
    } else {
      if (action === 'list') {
        for (const s of store.listShares())
          io.out(
            `${s.id}\t${s.host}\t${s.revoked_at ? `revoked ${when(s.revoked_at)}` : s.expires_at <= now ? 'expired' : `until ${when(s.expires_at)}`}`,
          );
      } else if (action === 'add') {
        if (!arg || !isHostName(arg)) throw new UsageError(`share add: HOST must be ${HOST_NAME_RULE}`);
        const days = values.days === undefined ? SHARE_DEFAULT_S / 86400 : Number(values.days);
        if (!(days > 0) || days * 86400 > SHARE_MAX_S)
          throw new UsageError(`--days: a number above 0, at most ${SHARE_MAX_S / 86400}`);
        const s = store.addShare(arg, 'cli', now, Math.round(days * 86400));
        audit('share-add', `#${s.id} host ${arg} for ${days} days`);
        io.out(`${(values.url ?? '').replace(/\/$/, '')}/s/${s.token}`);
        io.err(`share #${s.id} of host "${arg}" until ${when(s.expires_at)}; shown once`);
      } else if (action === 'revoke') {
        if (!store.revokeShare(Number(arg), now)) throw new UsageError(`share revoke: no active share ${arg}`);
        audit('share-revoke', `#${arg}`);
        io.err(`share #${arg} revoked`);
      } else throw new UsageError(`share: unknown action "${action ?? ''}"`);
    }
  } finally {
    db.$client.close();
  }
  return true;
}
