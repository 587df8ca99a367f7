// Real git repositories in temp dirs, built from `{path: content}` maps.
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from './run.js';

/** A file's content, or content plus an exec bit; null deletes the file. */
export type FileSpec = string | { content: string; exec?: boolean } | null;

export interface TestRepo {
  dir: string;
  /** Writes/deletes files, commits them, returns the new commit sha. */
  commit(files: Record<string, FileSpec>, message?: string): Promise<string>;
  /** Writes/deletes files without committing. */
  write(files: Record<string, FileSpec>): void;
  git(...args: string[]): Promise<string>;
  remove(): void;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.test',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.test',
};

/** Writes a `{path: content}` map under dir (null removes the file). */
export function writeFiles(dir: string, files: Record<string, FileSpec>): void {
  for (const [path, spec] of Object.entries(files)) {
    const full = join(dir, path);
    if (spec === null) {
      rmSync(full, { force: true });
      continue;
    }
    mkdirSync(dirname(full), { recursive: true });
    const content = typeof spec === 'string' ? spec : spec.content;
    writeFileSync(full, content);
    chmodSync(full, typeof spec !== 'string' && spec.exec ? 0o755 : 0o644);
  }
}

/** Creates a repo (branch main, fixed identity) and commits the files as its first commit. */
export async function makeRepo(files: Record<string, FileSpec>, options: { date?: string } = {}): Promise<TestRepo & { first: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-repo-'));
  let tick = 0;
  const env = () => {
    const date = options.date ?? `2026-05-21T05:${String(30 + tick).padStart(2, '0')}:00Z`;
    return { ...GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  };
  const git = (...args: string[]) => run('git', args, { cwd: dir, env: env() });
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.name', GIT_ENV.GIT_AUTHOR_NAME);
  await git('config', 'user.email', GIT_ENV.GIT_AUTHOR_EMAIL);
  const repo: TestRepo = {
    dir,
    git,
    write: (f) => writeFiles(dir, f),
    async commit(f, message = 'commit') {
      writeFiles(dir, f);
      await git('add', '-A');
      await git('commit', '-q', '--allow-empty', '-m', message);
      tick++;
      return (await git('rev-parse', 'HEAD')).trim();
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  const first = await repo.commit(files, 'initial');
  return { ...repo, first };
}

/** Clones a repo into a new temp dir (a second, independent checkout). */
export async function cloneRepo(source: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gaterun-clone-'));
  await run('git', ['clone', '-q', '--no-local', source, dir]);
  return dir;
}
