// What the gate loop tells its listeners (progress on screen, heartbeat): plain data, no control flow.
import type { GateSpec } from '../macro/types.js';
import type { GateRecord } from './types.js';

/** The three sections of a macro: the gates, the `finally:` gates that always run, and kb-publish after signing. */
export type Section = 'gates' | 'finally' | 'finalize';

export type RunEvent =
  | { type: 'gate-start'; spec: GateSpec; section: Section }
  /** A line for the screen while the gate runs: a `ctx.log` message, or the last output line of the running command
   * (redacted, at most 10 a second per gate; see src/context/output-line.ts). Progress only, never evidence. */
  | { type: 'gate-output'; spec: GateSpec; level: 'info' | 'warn'; line: string }
  | { type: 'gate-end'; spec: GateSpec; section: Section; record: GateRecord }
  | { type: 'gate-skip'; spec: GateSpec; section: Section; reason: string };

export type RunListener = (event: RunEvent) => void;

/** One listener that forwards each event to all of the given ones. */
export function fanOut(...listeners: (RunListener | null | undefined)[]): RunListener {
  const live = listeners.filter((l): l is RunListener => !!l);
  return (event) => {
    for (const l of live) l(event);
  };
}
