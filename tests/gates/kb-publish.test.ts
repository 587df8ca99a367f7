// The `kb-publish` gate table with a real KB directory (revisions, the PostgreSQL store and the CLI: tests/runner, tests/trust/kb.test.ts).
import { afterAll, beforeAll, expect } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import kbPublish from '../../gates/kb-publish.js';
import { testGate } from '../helpers/gate-tester.js';
import { cleanupTemp, tempDir, writeFiles } from '../helpers/temp.js';

const fx = { runDir: '', kbDir: '', envDir: '' };
beforeAll(() => {
  fx.runDir = tempDir();
  writeFiles(fx.runDir, { '01-one.md': '# one\n', '99-final.md': '# final\n' });
  fx.kbDir = tempDir();
  // A database nothing listens on (loopback port 1): the connection is refused at once.
  fx.envDir = tempDir();
  writeFiles(fx.envDir, { '.env': 'DATABASE_URL=postgres://kb@127.0.0.1:1/kb\n' });
});
afterAll(cleanupTemp);

const run = () => ({ dir: fx.runDir, title: 'Test run', kb: { path: 'runs/test', tags: ['t'] } });

testGate(kbPublish, {
  pass: [
    {
      name: 'publishes every report to the target KB dir',
      params: {},
      run,
      target: () => ({ kb: { dir: fx.kbDir } }),
      check: ({ record }) => {
        expect(record.facts).toMatchObject({ documents: 2, kb_path: 'runs/test' });
        expect(existsSync(join(fx.kbDir, 'runs/test/01-one.md'))).toBe(true);
      },
    },
    { name: 'dir and path given in the gate', params: () => ({ dir: tempDir(), path: 'elsewhere' }), run: () => ({ dir: fx.runDir }) },
  ],
  fail: [
    { name: 'no KB path', params: () => ({ dir: fx.kbDir }), run: () => ({ dir: fx.runDir }), messageId: 'noPath' },
    { name: 'no KB directory', params: {}, run, messageId: 'noDir' },
    { name: 'the database store without kb.database', params: { store: 'database' }, run, messageId: 'noDatabase' },
    {
      name: 'the KB database refuses the connection',
      params: { store: 'database' },
      run,
      target: () => ({ kb: { database: 'kb' }, databases: { kb: { env_file: join(fx.envDir, '.env') } }, baseDir: fx.envDir }),
      messageId: 'database',
      summary: /^KB database kb \(schema kb\): /,
    },
  ],
  invalid: [{ store: 'ftp' }, { tags: 'a' }, { dir: '/kb', colour: 1 }],
});
