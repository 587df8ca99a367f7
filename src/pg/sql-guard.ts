// Refuses statements that would end a transaction gaterun must roll back (COMMIT, ROLLBACK, PREPARE TRANSACTION...).
import { errors } from '../errors.js';

/** Removes comments, string literals, dollar-quoted bodies and quoted identifiers, keeping statement structure. */
export function stripSqlLiterals(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
      out += ' ';
    } else if (c === '/' && next === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 1;
      i += 2;
      while (i < text.length && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
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
