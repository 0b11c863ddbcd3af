// /etc/passwd: user names by uid, for the user column of top processes (`ps -o user` reads the
// same file through NSS; users only a directory service knows are shown by number here).
// `name:password:uid:gid:gecos:home:shell`, one per line; comments and blank lines skipped.

export function parsePasswd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3 || f[0] === '' || !/^\d+$/.test(f[2]!)) continue;
    const uid = Number(f[2]);
    // The first name of a uid wins, as getpwuid() returns it.
    if (!out.has(uid)) out.set(uid, f[0]!);
  }
  return out;
}
