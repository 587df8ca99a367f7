// What ties a JSON Schema to its build-time validator: the ajv options and the schema's digest.
import { createHash } from 'node:crypto';

/** The ajv options of every schema check (compiled at run time or generated at build time: the same code). */
export const AJV_OPTIONS = { allErrors: true, strict: false, useDefaults: true, verbose: true } as const;

/** The name of the generated module, next to the built schema-check.js. */
export const VALIDATORS_FILE = 'validators.generated.cjs';

/** sha256 hex of a schema's JSON text: the key of its generated validator. */
export function schemaDigest(schema: object): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}
