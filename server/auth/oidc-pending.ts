// A sign-in on its way through the provider (state, nonce, PKCE verifier, where to go back),
// kept in the browser that started it as a sealed cookie: AES-256-GCM under a key made at
// start, so the server holds nothing per attempt (no table to fill by asking for many) and a
// cookie cannot be read, forged or kept past its expiry. A restart ends the sign-ins under way;
// people start again.
import crypto from 'node:crypto';

export interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  /** Epoch seconds after which the cookie is refused. */
  expires: number;
}

/** Ten minutes to get through the provider's pages. */
export const PENDING_TTL_S = 600;

export class PendingSeal {
  private readonly key = crypto.randomBytes(32);

  seal(p: Pending): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(p), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The sign-in the cookie holds, or why there is none to go on with. */
  open(cookie: string | undefined, now: number): Pending | string {
    if (!cookie) return 'this browser has no sign-in under way (it expired, or started in another browser)';
    const raw = Buffer.from(cookie, 'base64url');
    if (raw.length < 29) return 'the sign-in cookie is malformed';
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      const p = JSON.parse(text) as Pending;
      return p.expires >= now ? p : 'the sign-in took too long';
    } catch {
      // Another key (a restart) or a changed cookie.
      return 'the sign-in cookie is not one this server made (it restarted, or the cookie was changed)';
    }
  }
}
