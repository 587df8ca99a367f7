// Secret detection rules and a scanner that reports where, never what (values become short digests).
import { sha256Hex } from './sha256.js';
import { globMatcher } from './glob.js';

export interface SecretRule {
  name: string;
  /** Global regex; the value is capture group 1 when present, else the whole match. */
  regex: RegExp;
}

export interface SecretFinding {
  file: string;
  line: number;
  rule: string;
  /** `sha256:` + 8 hex of the value: enough to tell findings apart, useless to recover the value. */
  digest: string;
}

/** The built-in rules (private keys, URLs with passwords, AWS keys, common tokens, long api_key values). */
export const BUILTIN_RULES: SecretRule[] = [
  { name: 'private-key', regex: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { name: 'url-password', regex: /\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s:/@'"`]+:([^\s@/'"`]+)@[^\s'"`]+/g },
  { name: 'aws-access-key', regex: /\b((?:AKIA|ASIA|AIDA|AROA)[0-9A-Z]{16})\b/g },
  { name: 'aws-secret-key', regex: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})/gi },
  { name: 'github-token', regex: /\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b/g },
  { name: 'slack-token', regex: /\b(xox[baprs]-[A-Za-z0-9-]{10,})/g },
  {
    name: 'generic-token',
    regex:
      /\b(?:api[_-]?key|api[_-]?secret|secret[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|password|passwd)["']?\s*[:=]\s*["']?([A-Za-z0-9_\-+/=.]{16,})/gi,
  },
];

/** Digest label for a secret value. */
export function secretDigest(value: string): string {
  return `sha256:${sha256Hex(value).slice(0, 8)}`;
}

/** File names that are secrets by themselves (`.env`, `.env.production`, ...; examples excepted). */
export function isEnvFile(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return /^\.env(\..+)?$/.test(base) && !/\.(example|sample|template|dist)$/.test(base);
}

/** An allowlist from `allow:` entries: `/regex/` matches the path or the value; anything else is a path glob. */
export function allowList(entries: string[]): (path: string, value: string | null) => boolean {
  const tests = entries.map((e) => {
    const m = /^\/(.+)\/([a-z]*)$/.exec(e);
    if (m) {
      const re = new RegExp(m[1], m[2].replace('g', ''));
      return (p: string, v: string | null) => re.test(p) || (v !== null && re.test(v));
    }
    const g = globMatcher(e);
    return (p: string) => g(p);
  });
  return (p, v) => tests.some((t) => t(p, v));
}

/** Compiles `patterns: [{name, regex}]` from a macro into rules (throws on a bad regex). */
export function customRules(patterns: { name: string; regex: string; flags?: string }[]): SecretRule[] {
  return patterns.map((p) => ({ name: p.name, regex: new RegExp(p.regex, (p.flags ?? '').replace('g', '') + 'g') }));
}

/** Scans text for secrets; returns findings with line numbers and digests only. */
export function scanText(
  file: string,
  text: string,
  rules: SecretRule[],
  allowed: (path: string, value: string | null) => boolean,
): SecretFinding[] {
  const out: SecretFinding[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    for (const rule of rules) {
      rule.regex.lastIndex = 0;
      for (const m of line.matchAll(rule.regex)) {
        const value = m[1] ?? m[0];
        if (allowed(file, value)) continue;
        out.push({ file, line: i + 1, rule: rule.name, digest: secretDigest(value) });
      }
    }
  });
  return out;
}

/** True when content looks binary (a NUL in the first 8 KiB), like git and grep decide. */
export function looksBinary(text: string): boolean {
  return text.slice(0, 8192).includes('\0');
}
