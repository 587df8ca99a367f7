// Refuses statements that would end a transaction gaterun must roll back (COMMIT, ROLLBACK...) or change its identity (SET ROLE...).
import { errors } from '../errors.js';

/** Where a `--` line comment or a (nesting) block comment starting at i ends; i itself when none starts there. */
function commentEnd(text: string, i: number): number {
  if (text[i] === '-' && text[i + 1] === '-') {
    const end = text.indexOf('\n', i);
    return end < 0 ? text.length : end;
  }
  if (text[i] !== '/' || text[i + 1] !== '*') return i;
  // Block comments nest in PostgreSQL.
  let depth = 1;
  let j = i + 2;
  while (j < text.length && depth > 0) {
    if (text[j] === '/' && text[j + 1] === '*') {
      depth++;
      j += 2;
    } else if (text[j] === '*' && text[j + 1] === '/') {
      depth--;
      j += 2;
    } else j++;
  }
  return j;
}

/** Removes comments, string literals, dollar-quoted bodies and quoted identifiers, keeping statement structure. */
export function stripSqlLiterals(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (commentEnd(text, i) > i) {
      i = commentEnd(text, i);
      out += ' ';
    } else if (c === "'" || c === '"') {
      i++;
      while (i < text.length) {
        if (text[i] === c && text[i + 1] === c) i += 2;
        else if (text[i] === c) {
          i++;
          break;
        } else i++;
      }
      out += c === "'" ? " '' " : ' "x" ';
    } else if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i));
      if (m && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
        const end = text.indexOf(m[0], i + m[0].length);
        i = end < 0 ? text.length : end + m[0].length;
        out += " '' ";
      } else {
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const TX_CONTROL = /^(commit|end|abort|begin|start\s+transaction|prepare\s+transaction|rollback(?!\s+(?:work\s+|transaction\s+)?to\b))\b/i;

/** The first transaction-control statement in text, or null. `ROLLBACK TO SAVEPOINT` is allowed. */
export function findTxControl(text: string): string | null {
  for (const stmt of stripSqlLiterals(text).split(';')) {
    const s = stmt.trim().replace(/\s+/g, ' ');
    if (TX_CONTROL.test(s)) return s.split(' ').slice(0, 3).join(' ');
  }
  return null;
}

/** Throws ETXCONTROL when text contains a statement that would end the transaction. */
export function assertNoTxControl(text: string): void {
  const found = findTxControl(text);
  if (found) throw errors.txControl(found);
}

interface Token {
  t: 'word' | 'str' | 'estr' | 'dollar' | 'semi' | 'punct';
  v: string;
}

/** Splits SQL into words (lower-cased; quoted identifiers included), string and dollar-quoted bodies, `;` and punctuation. */
export function sqlTokens(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const quoted = (q: string): string => {
    let v = '';
    i++;
    while (i < text.length) {
      if (text[i] === q && text[i + 1] === q) {
        v += q;
        i += 2;
      } else if (text[i] === q) {
        i++;
        break;
      } else v += text[i++];
    }
    return v;
  };
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (/\s/.test(c)) i++;
    else if (commentEnd(text, i) > i) i = commentEnd(text, i);
    else if ((c === 'e' || c === 'E') && next === "'" && !/[A-Za-z0-9_$]/.test(text[i - 1] ?? '')) {
      // E'...' has backslash escapes: its value is not what it looks like, so it is kept opaque.
      i++;
      let v = '';
      i++;
      while (i < text.length) {
        if (text[i] === '\\' || (text[i] === "'" && text[i + 1] === "'")) {
          v += text.slice(i, i + 2);
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else v += text[i++];
      }
      out.push({ t: 'estr', v });
    } else if (c === "'") out.push({ t: 'str', v: quoted("'") });
    else if (c === '"') out.push({ t: 'word', v: quoted('"').toLowerCase() });
    else if (c === '$' && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '') && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(text.slice(i))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i))![0];
      const end = text.indexOf(tag, i + tag.length);
      out.push({ t: 'dollar', v: text.slice(i + tag.length, end < 0 ? text.length : end) });
      i = end < 0 ? text.length : end + tag.length;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(text.slice(i))!;
      out.push({ t: 'word', v: m[0].toLowerCase() });
      i += m[0].length;
    } else if (c === ';') {
      out.push({ t: 'semi', v: ';' });
      i++;
    } else {
      out.push({ t: 'punct', v: c });
      i++;
    }
  }
  return out;
}

const IDENTITY_SETTINGS = new Set(['role', 'session_authorization']);
// Where a plpgsql statement can start inside a function or DO body.
const CODE_STARTS = new Set(['begin', 'then', 'else', 'loop', 'exception', 'declare']);

// SET [SESSION|LOCAL] ROLE / SESSION AUTHORIZATION / session_authorization, RESET of the same, starting at tokens[i].
function identityStatementAt(tokens: Token[], i: number): string | null {
  const w = (k: number) => (tokens[k]?.t === 'word' ? tokens[k].v : null);
  const verb = w(i);
  if (verb !== 'set' && verb !== 'reset') return null;
  let k = i + 1;
  if (verb === 'set' && (w(k) === 'session' || w(k) === 'local') && w(k + 1) !== 'authorization') k++;
  const name = w(k);
  if (name === 'role' || name === 'session_authorization') return `${verb} ${name}`.toUpperCase();
  if (name === 'session' && w(k + 1) === 'authorization') return `${verb} session authorization`.toUpperCase();
  return null;
}

function scanIdentity(tokens: Token[], code: boolean, depth: number): string | null {
  if (depth > 8) return null;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const prev = tokens[i - 1];
    const atStart = !prev || prev.t === 'semi' || (code && prev.t === 'word' && CODE_STARTS.has(prev.v));
    if (atStart) {
      const found = identityStatementAt(tokens, i);
      if (found) return found;
    }
    if (tok.t === 'word' && tok.v === 'set_config' && tokens[i + 1]?.v === '(') {
      const arg = tokens[i + 2];
      const after = tokens[i + 3];
      // Only a plain literal followed by ',' names its setting; anything computed cannot be checked, so it is refused.
      if (!arg || (arg.t !== 'str' && arg.t !== 'dollar') || after?.v !== ',') return 'set_config(<computed setting name>, …)';
      if (IDENTITY_SETTINGS.has(arg.v.trim().toLowerCase())) return `set_config('${arg.v.trim().toLowerCase()}', …)`;
    }
    // Bodies of DO blocks and functions (`do '…'`, `as '…'`, any $$…$$) are code: scan them, and (as EXECUTE arguments) the strings inside them.
    if (
      tok.t === 'dollar' ||
      (code && tok.t === 'str') ||
      (tok.t === 'str' && prev?.t === 'word' && (prev.v === 'do' || prev.v === 'as'))
    ) {
      const found = scanIdentity(sqlTokens(tok.v), true, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

/**
 * The first statement that would change the session's identity (SET/RESET ROLE, SET/RESET SESSION AUTHORIZATION,
 * set_config('role'|'session_authorization', …) or set_config with a computed name), also inside DO and function
 * bodies and the strings they EXECUTE; or null. A name assembled at run time (`'re' || 'set role'`) is not seen:
 * the gate reads current_user back after every proof, and the fingerprint observes what such a proof changed.
 */
export function findIdentityChange(text: string): string | null {
  return scanIdentity(sqlTokens(text), false, 0);
}

/** Throws EIDENTITY when text contains a statement that would change the session's role. */
export function assertNoIdentityChange(text: string): void {
  const found = findIdentityChange(text);
  if (found) throw errors.identityChange(found);
}
