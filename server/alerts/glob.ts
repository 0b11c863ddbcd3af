// The rules' name globs (hosts:, containers:, compose_project:): `*` any run of characters,
// `?` one character, everything else literal; a list matches when any of its globs does.

export type Matcher = (name: string | null | undefined) => boolean;

function globRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) re += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  return new RegExp(`^${re}$`, 's');
}

/** A matcher for one glob or a list; undefined (no filter) matches everything, even a missing name. */
export function globMatcher(globs: string | string[] | undefined): Matcher {
  if (globs === undefined) return () => true;
  const res = (Array.isArray(globs) ? globs : [globs]).map(globRegExp);
  // Container names repeat across a fleet's hosts: each is tested once, bounded.
  const seen = new Map<string, boolean>();
  return (name) => {
    if (name === null || name === undefined) return false;
    let hit = seen.get(name);
    if (hit === undefined) {
      hit = res.some((r) => r.test(name));
      if (seen.size >= 10_000) seen.clear();
      seen.set(name, hit);
    }
    return hit;
  };
}
