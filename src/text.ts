// Turning values into report text: strings as they are, everything else as JSON (never "[object Object]").

/** Text of any value for a report line: a string as is, null/undefined as '', anything else as JSON. */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? '';
}
