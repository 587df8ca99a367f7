// The one .env reader: the database URL and the redaction set read the same values from the same file.
import { afterAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { databaseUrl } from '../../src/db/database-url.js';
import { parseEnvText } from '../../src/db/env-file.js';
import { Redactor } from '../../src/report/redact.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

afterAll(cleanupTemp);

describe('parseEnvText', () => {
  test('a quoted URL followed by a comment that holds quotes: the URL, whole (the old db.ts reader cut it at the last quote)', () => {
    expect(parseEnvText('DATABASE_URL="postgres://u:pw@h/db" # comment "x"\n')).toEqual({ DATABASE_URL: 'postgres://u:pw@h/db' });
  });

  test('escaped newlines in double quotes become newlines; single quotes keep them literally', () => {
    expect(parseEnvText('MULTI="lineA\\nlineB"\nRAW=\'lineA\\nlineB\'\n')).toEqual({ MULTI: 'lineA\nlineB', RAW: 'lineA\\nlineB' });
  });

  test('comments, export prefix, unquoted values with a trailing comment, multi-line double quotes, CRLF', () => {
    expect(parseEnvText('# top\r\nexport A=1\r\nB=plain # trailing\r\nC="two\nlines"\r\nD=\'two words\'\r\n')).toEqual({
      A: '1',
      B: 'plain',
      C: 'two\nlines',
      D: 'two words',
    });
  });
});

describe('both readers of a target .env agree', () => {
  test('databaseUrl gets the whole URL and the redactor learns that URL and its password, never the comment', () => {
    const dir = tempDir();
    writeFiles(dir, { '.env': 'DATABASE_URL="postgres://u:pw-9f3k@h/db" # comment "x"\nMULTI="lineA\\nlineB"\n' });
    expect(databaseUrl({ main: { env_file: '.env' } }, 'main', dir)).toBe('postgres://u:pw-9f3k@h/db');
    const r = new Redactor();
    const vars = r.addEnvFile(join(dir, '.env'), ['MULTI']); // MULTI is a secret only because the target lists it
    expect(vars.DATABASE_URL).toBe('postgres://u:pw-9f3k@h/db');
    expect(r.redact('pw-9f3k and postgres://u:pw-9f3k@h/db')).not.toContain('pw-9f3k');
    expect(r.redact('lineA\nlineB')).toBe('[secure]');
    // The comment's text is not a value: it stays visible.
    expect(r.redact('comment "x"')).toBe('comment "x"');
  });
});
