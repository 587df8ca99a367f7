// What a macro takes from a target file: hosts other than local, ${target.…} values, databases.
// Used when no --target is given, so a forgotten flag is one clear error instead of one per reference.

/** References the built-in default target (this machine, the working directory) can satisfy. */
const DEFAULT_PROVIDES = new Set(['target.name', 'target.hosts.local', 'target.paths.cwd']);

/** The things in a parsed macro that only a target file provides (empty: the default target will do). */
export function targetNeeds(data: unknown): string[] {
  const needs = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === 'string')
      for (const m of v.matchAll(/\$\{\s*(target(?:\.[A-Za-z0-9_-]+)*)\s*\}/g)) if (!DEFAULT_PROVIDES.has(m[1])) needs.add(`\${${m[1]}}`);
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(data);
  if (!data || typeof data !== 'object') return [...needs];
  const m = data as { host?: unknown; gates?: unknown };
  if (typeof m.host === 'string' && m.host !== 'local') needs.add(`host "${m.host}"`);
  for (const g of Array.isArray(m.gates) ? (m.gates as Record<string, unknown>[]) : []) {
    if (!g || typeof g !== 'object') continue;
    if (typeof g.host === 'string' && g.host !== 'local') needs.add(`host "${g.host}"`);
    const db = (g.with as Record<string, unknown> | undefined)?.database;
    if (typeof db === 'string') needs.add(`database "${db}"`);
  }
  return [...needs];
}
