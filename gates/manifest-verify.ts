// manifest-verify: a tree on a host against a DEPLOY-MANIFEST: N/N sha256 match, each mismatch, missing, extra.
import { defineGate } from '../src/gate.js';
import {
  runManifestVerify,
  manifestVerifyMessages,
  manifestVerifyParamsSchema,
  type ManifestVerifyParams,
} from '../src/checks/manifest-verify.js';

export type { ManifestVerifyParams };

export default defineGate<ManifestVerifyParams>({
  kind: 'manifest-verify',
  summary: 'Checks every file of a tree on a host against a sha256 manifest, naming each mismatch, missing and extra file',
  facts: {
    matched: 'files whose sha256 matches the manifest',
    total: 'files in the manifest',
    mismatched: 'files whose sha256 differs',
    missing: 'files in the manifest but not on disk',
    extra: 'files on disk but not in the manifest',
    ignored: 'files ignored',
    host: 'the host checked',
    path: 'the tree checked',
    manifest: 'the manifest used',
  },
  params: manifestVerifyParamsSchema,
  messages: manifestVerifyMessages,
  // Its truth is about the present: `run --resume` always runs it again.
  reuse: 'present',
  run: (ctx, p) => runManifestVerify(ctx, p),
});
