// The admin's "People and access" panel on the overview: users (add, remove), read tokens for
// scripts (made, shown once, revoked) and share links (one host, read-only, until they expire
// or are revoked), and the latest audit entries. Shown to admins only; the server refuses all of
// it to anyone else whatever the page does.
import {
  ApiError,
  addReadToken,
  addShare,
  addUser,
  fetchAudit,
  listReadTokens,
  listShares,
  listUsers,
  removeUser,
  revokeReadToken,
  revokeShare,
  setRole,
} from '../api.ts';
import { el, text, type Child } from '../dom.ts';
import { formatAgo, formatTime } from '../format.ts';
import { session } from '../session.ts';

function why(e: unknown): string {
  if (e instanceof ApiError) return e.status ? `${e.message} (${e.status})` : `Cannot reach the server (${e.message})`;
  return e instanceof Error ? e.message : String(e);
}

function table(head: string[], rows: HTMLElement[], empty: string): HTMLElement {
  if (!rows.length) return el('p', { class: 'muted' }, [empty]);
  return el('div', { class: 'table-scroll' }, [
    el('table', { class: 'token-list' }, [
      el('thead', {}, [
        el(
          'tr',
          {},
          head.map((h) => el('th', {}, [h])),
        ),
      ]),
      el('tbody', {}, rows),
    ]),
  ]);
}

function button(label: string, act: () => Promise<unknown>, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', class: 'mini', ...attrs }, [label]);
  b.addEventListener('click', () => {
    b.disabled = true;
    void act().finally(() => (b.disabled = false));
  });
  return b;
}

export class AccessPanel {
  readonly el: HTMLDetailsElement;
  private readonly body = el('div', { class: 'access-body' });
  private readonly msg = el('p', { class: 'form-msg error', role: 'alert', hidden: true });
  private readonly shown = el('div', { class: 'issued', hidden: true });

  constructor(private readonly now: () => number) {
    this.el = el('details', { class: 'panel access' }, [
      el('summary', {}, [el('h2', {}, ['People and access'])]),
      this.msg,
      this.shown,
      this.body,
    ]) as HTMLDetailsElement;
    this.el.addEventListener('toggle', () => {
      if (this.el.open) void this.load();
    });
  }

  private fail(e: unknown): void {
    this.msg.hidden = false;
    text(this.msg, why(e));
  }

  /** A secret shown once (a read token, a share link), with how to use it. */
  private reveal(children: Child[]): void {
    this.shown.hidden = false;
    this.shown.replaceChildren(...(children.filter(Boolean) as Node[]));
  }

  private async run(act: () => Promise<unknown>): Promise<void> {
    try {
      await act();
      this.msg.hidden = true;
      await this.load();
    } catch (e) {
      this.fail(e);
    }
  }

  /** A user's role, changed on the spot (the server keeps at least one admin). */
  private roleSelect(name: string, role: 'admin' | 'viewer'): HTMLSelectElement {
    const select = el('select', { 'aria-label': `Role of ${name}`, 'data-role-of': name }, [
      el('option', { value: 'viewer', selected: role === 'viewer' }, ['viewer']),
      el('option', { value: 'admin', selected: role === 'admin' }, ['admin']),
    ]);
    select.addEventListener('change', () => void this.run(() => setRole(name, select.value as 'admin' | 'viewer')));
    return select;
  }

  async load(): Promise<void> {
    let users, tokens, shares, audit;
    try {
      [users, tokens, shares, audit] = await Promise.all([listUsers(), listReadTokens(), listShares(), fetchAudit()]);
    } catch (e) {
      return this.fail(e);
    }
    const now = this.now();
    const me = session().user?.name;
    const when = (t: number | null) => (t === null ? 'never' : formatAgo(now, t));

    const uName = el('input', { name: 'new-user', size: 16, autocomplete: 'off', 'aria-label': 'New user name' });
    const uRole = el('select', { 'aria-label': 'Role' }, [
      el('option', { value: 'viewer' }, ['viewer']),
      el('option', { value: 'admin' }, ['admin']),
    ]);
    const uPw = el('input', {
      type: 'password',
      name: 'new-user-password',
      size: 16,
      autocomplete: 'new-password',
      'aria-label': 'Password (10 characters or more)',
    });
    const addUserForm = el('form', { class: 'user-add' }, [
      el('label', {}, ['Name ', uName]),
      el('label', {}, ['Role ', uRole]),
      el('label', {}, ['Password ', uPw]),
      el('button', { type: 'submit' }, ['Add user']),
    ]);
    addUserForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run(() => addUser(uName.value.trim(), uRole.value as 'admin' | 'viewer', uPw.value));
    });

    const tName = el('input', { name: 'read-token-name', size: 16, placeholder: 'grafana', 'aria-label': 'For' });
    const addTokenForm = el('form', { class: 'read-token-add' }, [
      el('label', {}, ['For ', tName]),
      el('button', { type: 'submit' }, ['Make read token']),
    ]);
    addTokenForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run(async () => {
        const r = await addReadToken(tName.value.trim());
        this.reveal([
          el('p', {}, ['Read token "', r.name, '", shown only now (the server keeps a hash):']),
          el('pre', { class: 'cmd' }, [el('code', { class: 'secret' }, [r.token])]),
          el('p', { class: 'muted' }, ['Send it as ', el('code', {}, ['Authorization: Bearer …']), '.']),
        ]);
      });
    });

    const sHost = el('input', { name: 'share-host', size: 16, 'aria-label': 'Host to share' });
    const sDays = el('input', { name: 'share-days', type: 'number', min: 1, max: 365, value: 7, size: 4 });
    const addShareForm = el('form', { class: 'share-add' }, [
      el('label', {}, ['Host ', sHost]),
      el('label', {}, ['Days ', sDays]),
      el('button', { type: 'submit' }, ['Make share link']),
    ]);
    addShareForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run(async () => {
        const r = await addShare(sHost.value.trim(), Number(sDays.value));
        this.reveal([
          el('p', {}, ['Read-only link to host "', r.host, '" until ', formatTime(r.expires_at, 86400 * 2), ':']),
          el('pre', { class: 'cmd' }, [el('code', { class: 'secret share-link' }, [location.origin + r.path])]),
        ]);
      });
    });

    this.body.replaceChildren(
      el('h3', {}, ['Users']),
      table(
        ['Name', 'Role', 'Signs in with', 'Last sign-in', ''],
        users.users.map((u) =>
          el('tr', { 'data-user': u.name }, [
            el('td', { class: 'name' }, [u.name]),
            el('td', {}, [u.name === me ? u.role : this.roleSelect(u.name, u.role)]),
            el('td', {}, [u.via]),
            el('td', {}, [when(u.last_sign_in_at)]),
            el('td', { class: 'action' }, [
              u.name === me ? null : button('Remove', () => this.run(() => removeUser(u.name))),
            ]),
          ]),
        ),
        'No users.',
      ),
      addUserForm,
      el('h3', {}, ['Read tokens']),
      el('p', { class: 'muted' }, [
        'For scripts and Grafana: they read everything, like a viewer, and change nothing.',
      ]),
      table(
        ['For', 'Made by', 'Made', 'Last used', ''],
        tokens.tokens.map((t) =>
          el('tr', { 'data-read-token': t.name }, [
            el('td', { class: 'name' }, [t.name]),
            el('td', {}, [t.created_by]),
            el('td', {}, [formatTime(t.created_at, 86400 * 2)]),
            el('td', {}, [when(t.last_used_at)]),
            el('td', { class: 'action' }, [
              t.revoked_at === null
                ? button('Revoke', () => this.run(() => revokeReadToken(t.id)))
                : `revoked ${when(t.revoked_at)}`,
            ]),
          ]),
        ),
        'No read token yet.',
      ),
      addTokenForm,
      el('h3', {}, ['Share links']),
      el('p', { class: 'muted' }, ["Each shows one host's view, read-only, to anyone with the link until it expires."]),
      table(
        ['Host', 'Made by', 'Expires', 'Last used', ''],
        shares.shares.map((s) =>
          el('tr', { 'data-share': String(s.id) }, [
            el('td', { class: 'name' }, [s.host]),
            el('td', {}, [s.created_by]),
            el('td', {}, [s.expires_at <= now ? 'expired' : formatTime(s.expires_at, 86400 * 2)]),
            el('td', {}, [when(s.last_used_at)]),
            el('td', { class: 'action' }, [
              s.revoked_at === null && s.expires_at > now
                ? button('Revoke', () => this.run(() => revokeShare(s.id)))
                : s.revoked_at !== null
                  ? 'revoked'
                  : '',
            ]),
          ]),
        ),
        'No share link yet.',
      ),
      addShareForm,
      el('h3', {}, ['Recent actions']),
      table(
        ['When', 'Who', 'What', 'From'],
        audit.audit
          .slice(0, 20)
          .map((a) =>
            el('tr', {}, [
              el('td', {}, [formatAgo(now, a.at)]),
              el('td', {}, [a.actor]),
              el('td', {}, [`${a.action} ${a.detail}`]),
              el('td', {}, [a.address]),
            ]),
          ),
        'Nothing yet.',
      ),
    );
  }
}
