// --smtp smtp://[user:pass@]host[:port][?from=addr] (smtps:// for TLS from the first byte).
import os from 'node:os';

export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
  from: string;
}

/** Throws an Error saying what is wrong, never echoing the password. */
export function parseSmtpUrl(raw: string): SmtpConfig {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('not a URL (smtp://host:port, smtps://user:pass@host:465)');
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:')
    throw new Error(`the scheme must be smtp:// or smtps://, not ${u.protocol}//`);
  if (!u.hostname) throw new Error('no host');
  const secure = u.protocol === 'smtps:';
  const from = u.searchParams.get('from') ?? `berth@${os.hostname()}`;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 25,
    secure,
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    from,
  };
}
