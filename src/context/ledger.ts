// The action ledger: every side effect of a run, in order, with the policy check that guards it.

/** Where a mutating action lands; `run` (the run directory) never counts as a mutation. */
export type MutationScope = 'run' | 'source' | 'deploy' | 'db';
export type MutationPolicy = 'none' | 'source' | 'deploy';

export interface LedgerEntry {
  seq: number;
  time: string;
  gate: string | null;
  /** exec, ssh, scp, file.write, file.rename, db.tx, db.lock, kb.publish ... */
  action: string;
  /** What was acted on: a command line, a path, `role@host:port/db` (always redacted). */
  target: string;
  host: string;
  mutating: boolean;
  scope?: MutationScope;
  /** ok | error | refused | rolled-back | timeout | aborted ... */
  outcome: string;
  outputSha256?: string;
  detail?: Record<string, unknown>;
}

/** True for an entry that changed something outside the run directory (mutating, not refused, not the run dir). */
export function isMutation(e: Pick<LedgerEntry, 'mutating' | 'outcome' | 'scope'>): boolean {
  return e.mutating && e.outcome !== 'refused' && e.scope !== 'run';
}

export type LedgerInput = Omit<LedgerEntry, 'seq' | 'time'> & { time?: string };

/** Thrown when the macro's mutation policy forbids an action; the gate FAILs with its message. */
export class PolicyRefusal extends Error {
  readonly code = 'EPOLICY';
  constructor(
    message: string,
    readonly seq: number,
  ) {
    super(message);
  }
}

const ALLOWED: Record<MutationPolicy, MutationScope[]> = {
  none: ['run'],
  source: ['run', 'source'],
  deploy: ['run', 'source', 'deploy'],
};

/** Append-only, in-memory ledger of a run, written out as ledger.jsonl. */
export class Ledger {
  readonly entries: LedgerEntry[] = [];
  constructor(
    readonly policy: MutationPolicy = 'none',
    private readonly redact: (s: string) => string = (s) => s,
  ) {}

  /** Records an action that happened (or was attempted); returns its sequence number. */
  record(input: LedgerInput): number {
    const seq = this.entries.length + 1;
    const { time, ...rest } = input;
    const entry: LedgerEntry = { seq, time: time ?? new Date().toISOString(), ...rest, target: this.redact(input.target) };
    this.entries.push(entry);
    return seq;
  }

  /** Checks a mutating action against the policy before it happens; records and throws a refusal if forbidden. */
  authorize(input: Omit<LedgerInput, 'outcome'>): void {
    if (!input.mutating) return;
    const scope = input.scope ?? 'deploy';
    if (scope === 'db' || !ALLOWED[this.policy].includes(scope)) {
      const why =
        scope === 'db'
          ? 'database writes are never committed by gaterun'
          : `the macro's policy is mutation: ${this.policy}, which does not allow ${scope} changes`;
      const seq = this.record({ ...input, outcome: 'refused', detail: { ...(input.detail ?? {}), reason: why } });
      throw new PolicyRefusal(`refused before it happened: ${input.action} ${this.redact(input.target)} — ${why} (ledger #${seq})`, seq);
    }
  }

  /** The ledger as JSON lines. */
  toJsonl(): string {
    return this.entries.map((e) => JSON.stringify(e)).join('\n') + (this.entries.length ? '\n' : '');
  }

  /** Entries that changed something outside the run directory. */
  mutations(): LedgerEntry[] {
    return this.entries.filter(isMutation);
  }
}
