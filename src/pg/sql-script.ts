// Loads a SQL script the way `psql -f` does, pg_dump's plain format included: statements one by one on one
// session, `COPY … FROM stdin` data blocks streamed through COPY, and a file:line for whatever fails.
import fs from 'node:fs';
import postgres from 'postgres';
import { errors } from '../errors.js';

/** One piece of a script: a statement, or a COPY … FROM stdin statement with its data lines. */
export type ScriptPart =
  { kind: 'sql'; text: string; line: number } | { kind: 'copy'; text: string; line: number; data: string; rows: number };

// psql meta-commands a pg_dump file may hold that change nothing here: \restrict and \unrestrict (pg_dump 17.6+)
// only restrict which other meta-commands may follow.
const IGNORED_META = new Set(['restrict', 'unrestrict']);

/** True for `COPY … FROM stdin` (comments before it allowed). */
function isCopyFromStdin(statement: string): boolean {
  const bare = statement.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '');
  return /^copy\s[\s\S]*\sfrom\s+stdin\b/i.test(bare);
}

/**
 * Splits a script into statements and COPY blocks with psql's rules: quotes, "identifiers", $tag$ bodies,
 * -- and nested /* comments, BEGIN ATOMIC … END bodies of CREATE FUNCTION/PROCEDURE; a backslash command
 * other than \restrict and \unrestrict stops with file:line (ESQLSCRIPT).
 */
export function splitSqlScript(text: string, file: string): ScriptPart[] {
  const parts: ScriptPart[] = [];
  let line = 1;
  let start = 0;
  let startLine = 1;
  let depth = 0; // BEGIN/CASE … END inside CREATE FUNCTION/PROCEDURE
  let words: string[] = [];
  let content = false; // the statement so far holds more than blanks and comments
  let i = 0;
  const n = text.length;
  const resetStatement = (at: number) => {
    start = at;
    startLine = line;
    depth = 0;
    words = [];
    content = false;
  };
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
      if (!content) resetStatement(i);
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      let nest = 1;
      i += 2;
      while (i < n && nest > 0) {
        if (text[i] === '\n') line++;
        if (text[i] === '/' && text[i + 1] === '*') {
          nest++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          nest--;
          i += 2;
        } else i++;
      }
      continue;
    }
    if (c === '\\' && !content) {
      const eol = text.indexOf('\n', i);
      const command = text.slice(i + 1, eol < 0 ? n : eol).trim();
      const name = command.split(/\s+/)[0];
      if (!IGNORED_META.has(name))
        throw errors.sqlScript(file, line, `psql meta-command \\${name} is not supported (only \\restrict and \\unrestrict are skipped)`);
      i = eol < 0 ? n : eol;
      continue;
    }
    content = true;
    if (c === "'" || c === '"') {
      const escapes =
        c === "'" && /[eE]$/.test(text.slice(Math.max(0, i - 1), i)) && !/[A-Za-z0-9_]$/.test(text.slice(Math.max(0, i - 2), i - 1));
      i++;
      while (i < n) {
        if (text[i] === '\n') line++;
        if (escapes && text[i] === '\\') i += 2;
        else if (text[i] === c && text[i + 1] === c) i += 2;
        else if (text[i] === c) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (tag && !/[A-Za-z0-9_]$/.test(text.slice(Math.max(0, i - 1), i))) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        const stop = end < 0 ? n : end + tag[0].length;
        for (let k = i; k < stop; k++) if (text[k] === '\n') line++;
        i = stop;
        continue;
      }
    }
    if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(i, i + 64))![0].toLowerCase();
      words.push(word);
      const routine = /^create (or replace )?(function|procedure)\b/.test(words.slice(0, 4).join(' '));
      if (routine && words.length > 1 && (word === 'begin' || word === 'case')) depth++;
      else if (routine && word === 'end' && depth > 0) depth--;
      i += word.length;
      continue;
    }
    if (c === ';' && depth === 0) {
      const statement = text.slice(start, i + 1).trim();
      i++;
      if (isCopyFromStdin(statement)) {
        // The data starts on the next line and ends at a line that is exactly \.
        const nl = text.indexOf('\n', i);
        if (nl < 0) throw errors.sqlScript(file, line, 'COPY … FROM stdin has no data lines and no terminating \\.');
        line++;
        let p = nl + 1;
        const dataStart = p;
        let rows = 0;
        for (;;) {
          if (p >= n) throw errors.sqlScript(file, startLine, 'the COPY data has no terminating line "\\."');
          const e = text.indexOf('\n', p);
          const row = text.slice(p, e < 0 ? n : e).replace(/\r$/, '');
          if (row === '\\.') {
            parts.push({ kind: 'copy', text: statement, line: startLine, data: text.slice(dataStart, p), rows });
            p = e < 0 ? n : e + 1;
            line++;
            break;
          }
          rows++;
          line++;
          p = e < 0 ? n : e + 1;
        }
        i = p;
        resetStatement(i);
        continue;
      }
      parts.push({ kind: 'sql', text: statement, line: startLine });
      resetStatement(i);
      continue;
    }
    i++;
  }
  if (content) parts.push({ kind: 'sql', text: text.slice(start).trim(), line: startLine });
  return parts;
}

/** What a loaded script did. */
export interface ScriptResult {
  statements: number;
  copies: number;
  rows: number;
}

/** Runs the parts of a script on one session in order; the first failure stops it with file:line (ESQLSCRIPT). */
export async function runSqlScript(sql: postgres.Sql, file: string, parts: ScriptPart[]): Promise<ScriptResult> {
  const result: ScriptResult = { statements: 0, copies: 0, rows: 0 };
  for (const part of parts) {
    try {
      if (part.kind === 'sql') {
        await sql.unsafe(part.text);
        result.statements++;
      } else {
        const stream = await sql.unsafe(part.text).writable();
        await new Promise<void>((resolve, reject) => {
          stream.on('error', reject);
          stream.on('finish', resolve);
          stream.end(part.data);
        });
        result.copies++;
        result.rows += part.rows;
      }
    } catch (e) {
      if (e instanceof Error && 'code' in e && (e as { code?: string }).code === 'ESQLSCRIPT') throw e;
      const err = e as { message?: string; code?: string; where?: string };
      const what = part.kind === 'copy' ? `COPY (${part.rows} data lines)` : 'statement';
      throw errors.sqlScript(
        file,
        part.line,
        `${what} failed: ${err.message ?? String(e)}${err.where ? ` (${err.where.split('\n')[0]})` : ''}`,
      );
    }
  }
  return result;
}

/** A script file read and split, ready to run. */
export interface LoadedScript {
  file: string;
  parts: ScriptPart[];
}

/** Reads and splits script files; a missing file is ESCHEMAFILE and an unsupported line ESQLSCRIPT, before anything runs. */
export function readSqlScripts(files: string[]): LoadedScript[] {
  return files.map((file) => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw errors.schemaFile(file, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message);
    }
    return { file, parts: splitSqlScript(text, file) };
  });
}

/** Runs read scripts in order on one session of the database at url, as `psql -v ON_ERROR_STOP=1 -f` would. */
export async function runSqlScripts(url: string, scripts: LoadedScript[]): Promise<ScriptResult> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  const total: ScriptResult = { statements: 0, copies: 0, rows: 0 };
  try {
    for (const { file, parts } of scripts) {
      const r = await runSqlScript(sql, file, parts);
      total.statements += r.statements;
      total.copies += r.copies;
      total.rows += r.rows;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  return total;
}
