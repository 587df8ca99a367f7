// untouched: records a sibling tree's git HEAD and tree digest, and compares them with an earlier record.
import { defineGate } from '../src/gate.js';
import { runUntouched, untouchedMessages, untouchedParamsSchema, type UntouchedParams } from '../src/checks/untouched.js';

export type { UntouchedParams };

export default defineGate<UntouchedParams>({
  kind: 'untouched',
  summary: "Records a tree's git HEAD and content digest and proves it equal to an expected HEAD or an earlier record",
  facts: {
    path: 'the tree checked',
    host: 'the host',
    head: 'git HEAD of the tree (null: not a repo)',
    digest: 'digest of the whole tree',
    files: 'files in the tree',
    unchanged: 'with expect_head or compare_with: equal to the expectation',
  },
  params: untouchedParamsSchema,
  messages: untouchedMessages,
  // Its truth is about the present: `run --resume` always runs it again.
  reuse: 'present',
  run: (ctx, p) => runUntouched(ctx, p),
});
