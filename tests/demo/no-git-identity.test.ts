// The demo on a machine with no git identity (typical of CI runners): HOME is an empty folder, no system or global git config.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot } from '../helpers/cli.js';
import { cleanupTemp, tempDir } from '../helpers/temp.js';

afterAll(cleanupTemp);

const home = tempDir('gaterun-empty-home-');
// useConfigOnly makes git refuse to guess an identity from the host name, as on runners whose host name has no domain.
const globalConfig = join(tempDir(), 'gitconfig');
writeFileSync(globalConfig, '[user]\n\tuseConfigOnly = true\n');
const env: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter(([k, v]) => v !== undefined && !/^(GIT_|EMAIL$|XDG_CONFIG_HOME$)/.test(k)) as [string, string][],
);
Object.assign(env, {
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: globalConfig,
  GATERUN_SIGNING_KEY: '',
  CI: 'true',
});

describe('gaterun demo without a git identity', () => {
  test('this environment really has no identity: a plain commit fails', async () => {
    const repo = tempDir();
    await execa('git', ['init', '-q', repo], { env, extendEnv: false });
    const r = await execa('git', ['-C', repo, 'commit', '-q', '--allow-empty', '-m', 'x'], { env, extendEnv: false, reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/identity|user\.useConfigOnly|tell me who you are/i);
  });

  test('the demo still runs O8B → O8F to A (its own commits carry the demo engineer)', async () => {
    const ws = join(tempDir(), 'ws');
    const r = await execa('node', [cliPath, 'demo', '--workspace', ws, '--renderer', 'silent'], {
      cwd: repoRoot,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect({ exit: r.exitCode, tail: r.exitCode ? r.all.split('\n').slice(-30).join('\n') : '' }).toEqual({ exit: 0, tail: '' });
    expect(r.stdout).toMatch(/O8B[^\n]*A — O8B_RECONCILE_DEPLOY_LIVE_WIRING_PASS/);
    expect(r.stdout).toMatch(/O8F[^\n]*A — O8F_IMPLEMENT_DEPLOY_PROOF_PASS/);
    const author = await execa('git', ['-C', join(ws, 'mac', 'iu-cutter'), 'log', '-1', '--format=%an <%ae> / %cn <%ce>'], {
      env,
      extendEnv: false,
    });
    expect(author.stdout).toBe('iu-cutter engineer <engineer@iu-cutter.example> / iu-cutter engineer <engineer@iu-cutter.example>');
  }, 240000);
});
