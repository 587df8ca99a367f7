// The registry of gate kinds: kind → module. Add a kind here and nowhere else.
import type { GateModule } from '../src/gate.js';
import command from './command.js';
import kbPublish from './kb-publish.js';
import pgGrants from './pg-grants.js';
import pgSchema from './pg-schema.js';
import pgSnapshot from './pg-snapshot.js';
import precheck from './precheck.js';
import predecessor from './predecessor.js';
import rollbackProof from './rollback-proof.js';
import tests from './tests.js';

/** Every gate kind gaterun knows, by kind name. */
// any: each kind has its own params type; the runner checks params against the kind's schema before run().
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const gateKinds: Record<string, GateModule<any>> = {
  [command.kind]: command,
  [kbPublish.kind]: kbPublish,
  [precheck.kind]: precheck,
  [pgGrants.kind]: pgGrants,
  [pgSchema.kind]: pgSchema,
  [pgSnapshot.kind]: pgSnapshot,
  [predecessor.kind]: predecessor,
  [rollbackProof.kind]: rollbackProof,
  [tests.kind]: tests,
};
