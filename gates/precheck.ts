// Gate `precheck`: the right host, repos at the expected commit and clean, paths present, probes reading expected values.
import { defineGate } from '../src/gate.js';
import { runPrecheck, precheckMessages, precheckParamsSchema, type PrecheckParams } from '../src/checks/precheck.js';

export type { PrecheckParams };

export default defineGate<PrecheckParams>({
  kind: 'precheck',
  summary: 'Checks the host, repos, paths and probe readings before anything changes',
  facts: {
    hostname: 'the host name seen (with host:)',
    repos: 'each repo: head, branch, clean',
    paths: 'each path checked: exists or not',
    '<probe name>': 'each probe: its trimmed output',
    kb_readable: 'with kb: readable: whether the KB could be read',
  },
  params: precheckParamsSchema,
  messages: precheckMessages,
  // Its truth is about the present: `run --resume` always runs it again.
  reuse: 'present',
  run: (ctx, p) => runPrecheck(ctx, p),
});
