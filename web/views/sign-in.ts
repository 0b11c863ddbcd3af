// The sign-in form, and the first-run form the one-time setup link opens (/setup#code=…). Both
// post with fetch (never a form submission that could put a password in a URL) and reload the
// page signed in.
import { ApiError, setup, signIn } from '../api.ts';
import { el, text } from '../dom.ts';
import type { SessionState } from '../api.ts';

function field(label: string, attrs: Record<string, string>): [HTMLElement, HTMLInputElement] {
  const input = el('input', { required: true, spellcheck: 'false', ...attrs });
  return [el('label', {}, [label, input]), input];
}

function message(e: unknown): string {
  if (e instanceof ApiError) return e.status ? e.message : `Cannot reach the server (${e.message})`;
  return e instanceof Error ? e.message : String(e);
}

export function signInView(state: SessionState): HTMLElement {
  const setupCode = location.pathname === '/setup' ? new URLSearchParams(location.hash.slice(1)).get('code') : null;
  const msg = el('p', { class: 'form-msg error', role: 'alert', hidden: true });
  const show = (m: string | null) => {
    msg.hidden = m === null;
    text(msg, m ?? '');
  };
  const [nameRow, name] = field('Name ', { name: 'username', autocomplete: 'username', maxlength: '64' });
  if (setupCode !== null) {
    const [pwRow, pw] = field('Password ', { type: 'password', autocomplete: 'new-password', minlength: '10' });
    const [againRow, again] = field('Again ', { type: 'password', autocomplete: 'new-password' });
    const form = el('form', { class: 'sign-in setup' }, [
      el('h1', {}, ['Create the first admin']),
      el('p', { class: 'muted' }, [
        'This link works once. The account you make here manages users, hosts and share links.',
      ]),
      nameRow,
      pwRow,
      againRow,
      el('button', { type: 'submit' }, ['Create and sign in']),
      msg,
    ]);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (pw.value !== again.value) return show('The two passwords differ.');
      setup(setupCode, name.value.trim(), pw.value).then(
        () => location.replace('/'),
        (err: unknown) => show(message(err)),
      );
    });
    return el('main', { class: 'sign-in-page' }, [form]);
  }
  const [pwRow, pw] = field('Password ', { type: 'password', autocomplete: 'current-password' });
  const sso = state.oidc
    ? el('p', {}, [el('a', { href: '/auth/oidc/login', class: 'sso' }, ['Sign in with single sign-on'])])
    : null;
  const hint = state.setup
    ? el('p', { class: 'muted' }, [
        'No one can sign in yet: open the one-time setup link the server printed when it started, or run ',
        el('code', {}, ['npm run server -- user add NAME --role admin']),
        '.',
      ])
    : null;
  const form = el('form', { class: 'sign-in' }, [
    el('h1', {}, ['Sign in to Berth']),
    hint,
    nameRow,
    pwRow,
    el('button', { type: 'submit' }, ['Sign in']),
    msg,
    sso,
  ]);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    signIn(name.value.trim(), pw.value).then(
      () => location.reload(),
      (err: unknown) => show(message(err)),
    );
  });
  return el('main', { class: 'sign-in-page' }, [form]);
}
