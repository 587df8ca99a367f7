// A signed run bundle read through ctx.files: the envelope alone (to order bundles by signed time) and the full check.
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { sha256Hex } from '../files/sha256.js';
import type { GateContext } from '../gate.js';
import { ENVELOPE_FILE } from '../report/sign-bundle.js';
import { compareSubjects, verifyEnvelope, type EnvelopeCheck, type VerifyResult } from '../report/verify-bundle.js';

/** Where bundles are read: the host that holds the run dirs (gaterun writes them on its own machine: `local`). */
export interface BundleLocation {
  dir: string;
  host: string;
}

/** The envelope of a run dir checked alone (signature by a trusted key, statement shape); null when the dir has none (unsigned). */
export async function readSignedEnvelope(ctx: GateContext, at: BundleLocation, trustedKeys: KeyObject[]): Promise<EnvelopeCheck | null> {
  const file = join(at.dir, ENVELOPE_FILE);
  if (!(await ctx.files.exists(file, { host: at.host }))) return null;
  return verifyEnvelope(await ctx.files.read(file, { host: at.host }), trustedKeys);
}

/** Every file under a run dir (relative names) and the entries that are not regular files, read through ctx.files. */
async function walk(ctx: GateContext, at: BundleLocation): Promise<{ files: Map<string, string>; others: string[] }> {
  const files = new Map<string, string>();
  const others: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    for (const e of await ctx.files.list(rel ? join(at.dir, rel) : at.dir, { host: at.host })) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.type === 'dir') await visit(name);
      else if (e.type === 'file') {
        if (name !== ENVELOPE_FILE) files.set(name, sha256Hex(await ctx.files.read(join(at.dir, name), { host: at.host })));
      } else others.push(name);
    }
  };
  await visit('');
  return { files, others: others.sort() };
}

/** verifyBundle through ctx.files: signature by a trusted key and every file against its signed sha256 (none missing, none extra). */
export async function verifySignedBundle(ctx: GateContext, at: BundleLocation, trustedKeys: KeyObject[]): Promise<VerifyResult> {
  const env = await readSignedEnvelope(ctx, at, trustedKeys);
  if (!env)
    return {
      ok: false,
      problems: [{ code: 'unsigned', file: ENVELOPE_FILE, message: `${ENVELOPE_FILE} is missing: the run is not signed` }],
    };
  if (!env.ok) return { ok: false, ...(env.keyid ? { keyid: env.keyid } : {}), problems: [env.problem] };
  const { files, others } = await walk(ctx, at);
  const problems = compareSubjects(env.statement, { files: [...files.keys()].sort(), others, sha256: (name) => files.get(name)! });
  return { ok: problems.length === 0, keyid: env.keyid, problems, outcome: env.outcome };
}
