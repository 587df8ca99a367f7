// `${target.paths.x}`, `${gates.G4.facts.y}` and `${run.id}` references inside macro values.

import { textOf } from '../text.js';
import type { Facts } from '../gate.js';
import { lookupFact } from './facts.js';

const REF = /\$\{([^}]*)\}/g;
const RUN_KEYS = ['id', 'dir', 'macro'];

export interface RefProblem {
  path: (string | number)[];
  message: string;
}

/** Looks up a dotted path (`a.b.c`) in a plain object. */
export function lookup(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const seg of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(seg in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Calls fn for every string inside a value, with its path. */
function eachString(value: unknown, path: (string | number)[], fn: (s: string, path: (string | number)[]) => void): void {
  if (typeof value === 'string') fn(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => eachString(v, [...path, i], fn));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) eachString(v, [...path, k], fn);
}

/** Checks every reference under `value` before anything runs: target refs must resolve, fact refs must name an earlier gate. */
export function checkReferences(
  value: unknown,
  path: (string | number)[],
  target: unknown,
  earlierGates: ReadonlySet<string> | readonly string[],
): RefProblem[] {
  const problems: RefProblem[] = [];
  const earlier: ReadonlySet<string> = 'has' in earlierGates ? earlierGates : new Set(earlierGates);
  const earlierText = () => {
    const all = [...earlier];
    return all.length > 20 ? `${all.slice(-20).join(', ')} and ${all.length - 20} more` : all.join(', ') || 'none';
  };
  eachString(value, path, (s, p) => {
    // `${` with no `}` after it would otherwise stay literal text and run as such (the first one is enough).
    const open = s.indexOf('${', s.lastIndexOf('}') + 1);
    if (open >= 0)
      problems.push({
        path: p,
        message: `unclosed reference "${s.slice(open, open + 40)}${s.length > open + 40 ? '…' : ''}" at character ${open + 1}: expected \`}\``,
      });
    for (const m of s.matchAll(REF)) {
      const ref = m[1].trim();
      const [head, ...rest] = ref.split('.');
      if (head === 'target') {
        if (lookup(target, rest.join('.')) === undefined)
          problems.push({ path: p, message: `unresolvable reference \${${ref}}: the target has no ${rest.join('.') || '(empty path)'}` });
      } else if (head === 'gates') {
        const [gid, facts, ...fact] = rest;
        if (facts !== 'facts' || !fact.length)
          problems.push({ path: p, message: `bad reference \${${ref}}: expected \${gates.<gate id>.facts.<name>}` });
        else if (!earlier.has(gid))
          problems.push({
            path: p,
            message: `bad reference \${${ref}}: ${gid} is not an earlier gate of this macro (earlier: ${earlierText()})`,
          });
      } else if (head === 'run') {
        if (!RUN_KEYS.includes(rest.join('.')))
          problems.push({ path: p, message: `unknown reference \${${ref}}: run has ${RUN_KEYS.join(', ')}` });
      } else {
        problems.push({ path: p, message: `unknown reference \${${ref}}: expected target.…, gates.<id>.facts.… or run.…` });
      }
    }
  });
  return problems;
}

/** Replaces references in a value; a string that is exactly one reference keeps the referenced value's type. */
export function resolveReferences(
  value: unknown,
  scope: { target?: unknown; gates?: Record<string, { facts: unknown }>; run?: Record<string, string> },
  only?: 'target',
): { value: unknown; missing: string[] } {
  const missing: string[] = [];
  const one = (ref: string): unknown => {
    const [head, ...rest] = ref.trim().split('.');
    if (only && head !== only) return REF_KEEP;
    let v: unknown;
    if (head === 'target') v = lookup(scope.target, rest.join('.'));
    else if (head === 'gates')
      v = lookupFact({ [rest[0]]: (scope.gates?.[rest[0]]?.facts ?? {}) as Facts }, `${rest[0]}.${rest.slice(2).join('.')}`).value;
    else if (head === 'run') v = scope.run?.[rest.join('.')];
    if (v === undefined) missing.push(`\${${ref.trim()}}`);
    return v;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = /^\$\{([^}]*)\}$/.exec(v);
      if (whole) {
        const r = one(whole[1]);
        return r === REF_KEEP || r === undefined ? v : r;
      }
      return v.replace(REF, (m, ref: string) => {
        const r = one(ref);
        if (r === REF_KEEP || r === undefined) return m;
        return textOf(r);
      });
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { value: walk(value), missing };
}
const REF_KEEP = Symbol('keep');
