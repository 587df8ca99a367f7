// Coded errors of the PostgreSQL layer that the shared catalog (src/errors.ts) does not have yet.
import { GaterunError } from '../errors.js';

/** One function per code, like src/errors.ts. */
export const pgErrors = {
  dbUrlMissing: (name: string, why: string) =>
    new GaterunError(
      'EDBURL',
      `database "${name}": ${why}`,
      'set the env var named by url_env, or the key in env_file, in the target file',
    ),
  txControl: (statement: string) =>
    new GaterunError(
      'ETXCONTROL',
      `refused: "${statement}" would end the rollback-only transaction`,
      'proof SQL may not COMMIT, ROLLBACK, BEGIN or PREPARE TRANSACTION; gaterun ends every transaction with ROLLBACK itself',
      [],
      1,
    ),
};
