// The overview's "Add a host" panel: the one-line install for this server (the agent file is
// downloaded from the server itself), and, given the server's shared token, the per-host
// tokens: list them, issue one for a host name (the install line then carries it) and revoke
// one. The shared token stays in memory, or in sessionStorage when asked; never in the URL.
import { ApiError, issueToken, listTokens, revokeToken, type TokenInfo } from '../api.ts';
import { el, text } from '../dom.ts';
import { formatAgo, formatTime } from '../format.ts';
import { isAdmin } from '../session.ts';

const STORE_KEY = 'berth.sharedToken';
const PLACEHOLDER = '<TOKEN>';

/**
 * The exact command that installs and starts the agent on a new host, against `origin`. The
 * token goes in the environment, not on the command line, which every user of the host can
 * read (`ps`).
 */
function installLine(origin: string, token: string): string {
  return `curl -fsSo berth-agent.mjs ${origin}/agent.mjs && BERTH_TOKEN=${token} node berth-agent.mjs --server ${origin}`;
}

function command(cmd: string): HTMLElement {
  const code = el('code', {}, [cmd]);
  const copy = el('button', { type: 'button', class: 'mini' }, ['Copy']);
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(cmd).then(
      () => (copy.textContent = 'Copied'),
      () => window.getSelection()?.selectAllChildren(code),
    );
  });
  return el('pre', { class: 'cmd' }, [code, copy]);
}

function why(e: unknown): string {
  if (e instanceof ApiError) return e.status ? `${e.message} (${e.status})` : `Cannot reach the server (${e.message})`;
  return e instanceof Error ? e.message : String(e);
}

function readStored(): string {
  try {
    return sessionStorage.getItem(STORE_KEY) ?? '';
  } catch {
    return '';
  }
}

export class AddHostPanel {
  readonly el: HTMLDetailsElement;
  private shared = readStored();
  private readonly tokenInput: HTMLInputElement;
  private readonly remember: HTMLInputElement;
  private readonly authMsg: HTMLElement;
  private readonly admin: HTMLElement;
  private readonly hostInput: HTMLInputElement;
  private readonly addMsg: HTMLElement;
  private readonly issued: HTMLElement;
  private readonly listBody: HTMLElement;
  private readonly listMsg: HTMLElement;
  private openedOnce = false;
  /** Signed in as an admin: the session manages tokens, no shared token is asked for. */
  private readonly asAdmin = isAdmin();

  constructor(private readonly now: () => number) {
    const origin = location.origin;
    // No name attribute: even a form submitted without this script could not put it in a URL.
    this.tokenInput = el('input', {
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      size: 28,
      'aria-label': "The server's shared token",
    });
    this.tokenInput.value = this.shared;
    this.remember = el('input', { type: 'checkbox', name: 'remember' });
    this.remember.checked = this.shared !== '';
    this.authMsg = el('p', { class: 'form-msg error', role: 'alert', hidden: true });
    const auth = el('form', { class: 'token-auth' }, [
      el('label', {}, ["Server's shared token ", this.tokenInput]),
      el('label', { class: 'check' }, [this.remember, ' keep it for this tab']),
      el('button', { type: 'submit' }, ['Show tokens']),
    ]);
    auth.addEventListener('submit', (e) => {
      e.preventDefault();
      this.setShared(this.tokenInput.value.trim());
      void this.list();
    });

    this.hostInput = el('input', {
      type: 'text',
      name: 'host',
      autocomplete: 'off',
      spellcheck: 'false',
      size: 24,
      placeholder: 'web-1',
      'aria-label': 'Host name',
    });
    this.addMsg = el('p', { class: 'form-msg error', role: 'alert', hidden: true });
    const add = el('form', { class: 'token-add' }, [
      el('label', {}, ['Host name ', this.hostInput]),
      el('button', { type: 'submit' }, ['Issue token']),
    ]);
    add.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.issue(this.hostInput.value.trim());
    });
    this.issued = el('div', { class: 'issued', hidden: true });
    this.listBody = el('tbody');
    this.listMsg = el('p', { class: 'form-msg', hidden: true });
    this.admin = el('div', { class: 'token-admin', hidden: true }, [
      el('h3', {}, ['Per-host tokens']),
      el('p', { class: 'muted' }, [
        "A token works only for the host it was issued for. Revoking it stops that host's reports at once (its history stays).",
      ]),
      add,
      this.addMsg,
      this.issued,
      el('div', { class: 'table-scroll' }, [
        el('table', { class: 'token-list' }, [
          el('thead', {}, [
            el(
              'tr',
              {},
              ['Host', 'State', 'Issued', 'Last used', ''].map((h) => el('th', {}, [h])),
            ),
          ]),
          this.listBody,
        ]),
      ]),
      this.listMsg,
    ]);

    this.el = el('details', { class: 'panel add-host' }, [
      el('summary', {}, [el('h2', {}, ['Add a host'])]),
      el('p', {}, [
        'On the new host (Linux with Node 20 or newer), this downloads the agent, one file, from this server and starts it:',
      ]),
      el('div', { class: 'install-generic' }, [command(installLine(origin, PLACEHOLDER))]),
      el('p', { class: 'muted' }, [
        'Use a per-host token for ',
        el('code', {}, [PLACEHOLDER]),
        ": issue one below with the server's shared token (the one ",
        el('code', {}, ['npm start']),
        ' printed, kept in ',
        el('code', {}, ['data/token']),
        ', or given with ',
        el('code', {}, ['--token']),
        '), or on the server with ',
        el('code', {}, ['npm run server -- token add HOST']),
        '. For systemd or Docker see docs/install.md.',
      ]),
      auth,
      this.authMsg,
      this.admin,
    ]) as HTMLDetailsElement;
    if (this.asAdmin) auth.hidden = true;
    this.el.addEventListener('toggle', () => {
      if (this.el.open && (this.shared || this.asAdmin) && this.admin.hidden) void this.list();
    });
  }

  /** Opens the panel the first time the fleet is seen empty (it is the next step then). */
  fleetEmpty(empty: boolean): void {
    if (empty && !this.openedOnce) this.el.open = true;
    this.openedOnce ||= empty;
  }

  private setShared(token: string): void {
    this.shared = token;
    try {
      if (this.remember.checked && token) sessionStorage.setItem(STORE_KEY, token);
      else sessionStorage.removeItem(STORE_KEY);
    } catch {
      // Storage refused (private mode): memory is enough.
    }
  }

  private showAuthError(message: string | null): void {
    this.authMsg.hidden = message === null;
    text(this.authMsg, message ?? '');
    if (message !== null) this.admin.hidden = true;
  }

  private async list(): Promise<void> {
    if (!this.shared && !this.asAdmin) return this.showAuthError("Enter the server's shared token first.");
    try {
      const r = await listTokens(this.asAdmin ? undefined : this.shared);
      this.showAuthError(null);
      this.admin.hidden = false;
      this.renderList(r.tokens);
    } catch (e) {
      this.showAuthError(
        e instanceof ApiError && e.status === 401 ? `The server refused this token: ${e.message}` : why(e),
      );
    }
  }

  private async issue(host: string): Promise<void> {
    const msg = (m: string | null) => {
      this.addMsg.hidden = m === null;
      text(this.addMsg, m ?? '');
    };
    if (!host) return msg('Enter the host name the agent will report (its hostname, or what you pass as --host).');
    try {
      const r = await issueToken(this.asAdmin ? undefined : this.shared, host);
      msg(null);
      this.hostInput.value = '';
      this.issued.hidden = false;
      const replaced = r.replaced
        ? [
            el('p', { class: 'warn replaced' }, [
              'This replaces the token ',
              el('b', {}, [r.host]),
              ' had: an agent still using that one is refused from now on.',
            ]),
          ]
        : [];
      this.issued.replaceChildren(
        el('p', {}, [
          'Token for ',
          el('b', { class: 'issued-host' }, [r.host]),
          ', shown only now (the server keeps a hash). Install line with it filled in:',
        ]),
        command(installLine(location.origin, r.token)),
        el('p', { class: 'muted' }, [
          "If that host's name is not ",
          el('code', {}, [r.host]),
          ', add ',
          el('code', {}, [`--host ${r.host}`]),
          '.',
        ]),
        ...replaced,
      );
      this.issued.dataset.host = r.host;
      await this.list();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401)
        this.showAuthError(`The server refused the shared token: ${e.message}`);
      else msg(why(e));
    }
  }

  private async revoke(host: string, cell: HTMLElement): Promise<void> {
    try {
      await revokeToken(this.asAdmin ? undefined : this.shared, host);
      if (this.issued.dataset.host === host) this.issued.hidden = true;
      await this.list();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401)
        this.showAuthError(`The server refused the shared token: ${e.message}`);
      else cell.replaceChildren(el('span', { class: 'error' }, [why(e)]));
    }
  }

  private renderList(tokens: TokenInfo[]): void {
    const now = this.now();
    this.listMsg.hidden = tokens.length > 0;
    text(this.listMsg, tokens.length ? '' : 'No per-host token has been issued yet.');
    this.listBody.replaceChildren(
      ...tokens.map((t) => {
        const action = el('td', { class: 'action' });
        if (t.host !== null && t.revoked_at === null) {
          const host = t.host;
          const btn = el('button', { type: 'button', class: 'mini', 'data-revoke': host }, ['Revoke']);
          let armed = false;
          btn.addEventListener('click', () => {
            // Two clicks: a slip of the mouse should not cut a host off.
            if (!armed) {
              armed = true;
              btn.textContent = 'Click again to revoke';
              setTimeout(() => {
                armed = false;
                btn.textContent = 'Revoke';
              }, 5000);
              return;
            }
            btn.disabled = true;
            void this.revoke(host, action);
          });
          action.append(btn);
        }
        return el('tr', { 'data-host': t.host ?? '' }, [
          el('td', { class: 'name' }, [t.host ?? '(any host)']),
          el('td', {}, [
            t.revoked_at === null
              ? el('span', { class: 'state ok' }, ['active'])
              : el('span', { class: 'state down' }, [`revoked ${formatAgo(now, t.revoked_at)}`]),
          ]),
          el('td', {}, [formatTime(t.created_at, 86400 * 2)]),
          el('td', {}, [t.last_used_at === null ? 'never' : formatAgo(now, t.last_used_at)]),
          action,
        ]);
      }),
    );
  }
}
