// DSSE v1 (Dead Simple Signing Envelope): PAE, the envelope shape, strict base64.
import { sign, verify, type KeyObject } from 'node:crypto';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseSignature {
  /** Unauthenticated hint naming the key; gaterun uses the sha256 of the SPKI DER. */
  keyid?: string;
  sig: string;
  [extra: string]: unknown;
}

export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: DsseSignature[];
  [extra: string]: unknown;
}

/** Pre-Authentication Encoding: `DSSEv1 SP len(type) SP type SP len(body) SP body`, lengths in bytes. */
export function pae(payloadType: string, payload: Buffer | string): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

/** Standard base64 with padding (what gaterun writes). */
export function encodeBase64(data: Buffer): string {
  return data.toString('base64');
}

/**
 * Decodes base64 in the standard or URL-safe alphabet, padded or not. Strict: any other character,
 * a bad length or non-zero padding bits throw, so every distinct string decodes to distinct bytes
 * (Buffer.from(s, 'base64') alone skips junk and would accept an edited envelope).
 */
export function decodeBase64(text: string): Buffer {
  const unpadded = text.replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9+/_-]*$/.test(unpadded)) throw new Error('not base64: unexpected character');
  if (unpadded.length % 4 === 1) throw new Error('not base64: impossible length');
  if (unpadded.length !== text.length && text.length % 4 !== 0) throw new Error('not base64: wrong padding');
  const std = unpadded.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Buffer.from(std, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== std) throw new Error('not base64: non-canonical encoding');
  return bytes;
}

/** Signs a payload into a one-signature envelope with an Ed25519 private key. */
export function signEnvelope(payloadType: string, payload: Buffer, privateKey: KeyObject, keyid: string): DsseEnvelope {
  const sig = sign(null, pae(payloadType, payload), privateKey);
  return { payloadType, payload: encodeBase64(payload), signatures: [{ keyid, sig: encodeBase64(sig) }] };
}

/** Checks the shape of a parsed envelope; returns what is wrong, or null when it conforms. */
export function envelopeShapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const env = value as Record<string, unknown>;
  if (typeof env.payloadType !== 'string') return 'payloadType is missing or not a string';
  if (typeof env.payload !== 'string') return 'payload is missing or not a string';
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) return 'signatures is missing or empty';
  for (const [i, s] of env.signatures.entries()) {
    if (typeof s !== 'object' || s === null) return `signatures[${i}] is not an object`;
    const sig = s as Record<string, unknown>;
    if (typeof sig.sig !== 'string') return `signatures[${i}].sig is missing or not a string`;
    if (sig.keyid !== undefined && typeof sig.keyid !== 'string') return `signatures[${i}].keyid is not a string`;
  }
  return null;
}

/** Verifies one Ed25519 signature over the PAE of (payloadType, payload). */
export function verifyPae(payloadType: string, payload: Buffer, signature: Buffer, publicKey: KeyObject): boolean {
  try {
    return verify(null, pae(payloadType, payload), publicKey, signature);
  } catch {
    return false; // wrong key type or length: simply not a valid signature
  }
}
