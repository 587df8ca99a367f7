// The registry of gate kinds: kind → module. Add a kind here and nowhere else.
import type { GateModule } from '../src/gate.js';
import artifact from './artifact.js';
import changeSet from './change-set.js';
import command from './command.js';
import deploy from './deploy.js';
import gitCommit from './git-commit.js';
import kbPublish from './kb-publish.js';
import manifestVerify from './manifest-verify.js';
import pgGrants from './pg-grants.js';
import pgSchema from './pg-schema.js';
import pgSnapshot from './pg-snapshot.js';
import precheck from './precheck.js';
import predecessor from './predecessor.js';
import rollback from './rollback.js';
import rollbackProof from './rollback-proof.js';
import secretScan from './secret-scan.js';
import tests from './tests.js';
import untouched from './untouched.js';

/** Every gate kind gaterun knows, by kind name. */
// any: each kind has its own params type; the runner checks params against the kind's schema before run().
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const gateKinds: Record<string, GateModule<any>> = {
  [artifact.kind]: artifact,
  [changeSet.kind]: changeSet,
  [command.kind]: command,
  [deploy.kind]: deploy,
  [gitCommit.kind]: gitCommit,
  [kbPublish.kind]: kbPublish,
  [manifestVerify.kind]: manifestVerify,
  [precheck.kind]: precheck,
  [pgGrants.kind]: pgGrants,
  [pgSchema.kind]: pgSchema,
  [pgSnapshot.kind]: pgSnapshot,
  [predecessor.kind]: predecessor,
  [rollback.kind]: rollback,
  [rollbackProof.kind]: rollbackProof,
  [secretScan.kind]: secretScan,
  [tests.kind]: tests,
  [untouched.kind]: untouched,
};
