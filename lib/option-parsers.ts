// The ways an option's text becomes a value, shared by the agent's and the server's tables
// (lib/options.ts). Each throws a message that the flag's name is put before. Numbers and
// switches ignore surrounding whitespace: a CRLF env file leaves a \r on every value.

/** The text as it is. */
export const text = (raw: string): string => raw;

/** A decimal number within [min, max]. */
export const number =
  (min: number, max: number) =>
  (raw: string): number => {
    const n = Number(raw.trim());
    if (!/^(\d+\.?\d*|\.\d+)$/.test(raw.trim()) || n < min || n > max)
      throw new Error(`"${raw}" must be a number from ${min} to ${max}`);
    return n;
  };

/** true/1 or false/0 (or nothing, which is false). */
export const boolean = (raw: string): boolean => {
  const t = raw.trim();
  if (!['true', 'false', '1', '0', ''].includes(t)) throw new Error(`"${raw}" is not true or false`);
  return t === 'true' || t === '1';
};

/** Nothing given (the empty text) is undefined, so the value can default to another one's. */
export const optional =
  <T>(parse: (raw: string) => T) =>
  (raw: string): T | undefined =>
    raw === '' ? undefined : parse(raw);

/** A repeated option's values, trimmed, the blank ones left out. */
export const nonBlank = (raws: string[]): string[] => raws.map((s) => s.trim()).filter(Boolean);

/** "a, b,,c" → ["a", "b", "c"]. */
export const commaList = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
