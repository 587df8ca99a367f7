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
  params: manifestVerifyParamsSchema,
  messages: manifestVerifyMessages,
  run: (ctx, p) => runManifestVerify(ctx, p),
});
