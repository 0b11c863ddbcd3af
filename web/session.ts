// Who the page is shown to (GET /api/v1/session), read once when the page starts: the views ask
// it what to offer (a viewer sees no management), and api.ts sends its CSRF token with changes.
import { fetchSession, useCsrf, type SessionState } from './api.ts';

let current: SessionState = { user: null, csrf: null, share: null, publicRead: false, oidc: false, setup: false };

export async function loadSession(): Promise<SessionState> {
  current = await fetchSession();
  useCsrf(current.csrf);
  return current;
}

export const session = (): SessionState => current;
export const isAdmin = (): boolean => current.user?.role === 'admin';
/** Whether the page may show data: someone signed in, a share link, or --public-read. */
export const mayRead = (): boolean => current.user !== null || current.share !== null || current.publicRead;
