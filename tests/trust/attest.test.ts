import type { LedgerEntry } from '../../src/context/ledger.js';
import { Ledger, PolicyRefusal } from '../../src/context/ledger.js';
import { evaluateCondition, forbiddenAttestation, nonMutationAttestation, parseLedger } from '../../src/report/attest.js';
import type { Forbidden } from '../../src/macro/types.js';

// A ledger built through the real Ledger class, as the runner will.
function o8cLedger(): LedgerEntry[] {
  const l = new Ledger('none');
  const rec = (action: string, target: string, extra: Partial<LedgerEntry> = {}) =>
    l.record({ gate: 'G0', action, target, host: 'vps', mutating: false, outcome: 'ok', ...extra });
  rec('exec', 'git -C /src status --porcelain', { host: 'local' }); // 1
  rec('ssh', 'sha256sum -c /opt/cutter/MANIFEST'); // 2
  rec('ssh', 'systemctl is-active cutter'); // 3 read-only systemctl
  rec('db.tx', 'cutter_exec@127.0.0.1:5432/directus', { scope: 'db', outcome: 'rolled-back' }); // 4
  rec('file.write', 'reports/O8C/r/evidence/rows.json', { mutating: true, scope: 'run', host: 'local' }); // 5
  try {
    l.authorize({ gate: 'G7', action: 'ssh', target: 'systemctl restart cutter', host: 'vps', mutating: true, scope: 'deploy' }); // 6 refused
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyRefusal);
  }
  rec('db.tx', 'cutter_exec@127.0.0.1:5432/directus', { scope: 'db', outcome: 'rolled-back' }); // 7
  rec('db.tx', 'cutter_verify@127.0.0.1:5432/directus', { scope: 'db', outcome: 'rolled-back' }); // 8
  // round-trip through JSONL, as the attestation is computed from ledger.jsonl
  return parseLedger(l.toJsonl());
}

const FACTS = {
  G0: { kill_switch: 'False', v04_head: 'e93424b' },
  G4: { leaked: 0, counts: { before: 158, after: 158 } },
  G7: { execution_enabled: false },
};

describe('forbiddenAttestation', () => {
  const entries = o8cLedger();
  const rules: Forbidden[] = [
    { name: 'Deploy / restart a service', ledger: { matches: 'systemctl (restart|start|enable)' } },
    { name: 'Any systemctl call', ledger: { matches: 'systemctl' } },
    { name: 'Leave execution_enabled True', done_if: [{ fact: 'G7.execution_enabled', equals: 'True' }] },
    {
      name: 'Leak probe rows',
      done_if: [
        { fact: 'G4.leaked', gte: 1 },
        { fact: 'G4.counts.after', not_equals: 158 },
      ],
    },
    {
      name: 'Patch the v0.4 skeleton',
      done_if: [{ fact: 'G8.v04_changed', equals: true }],
      ledger: { action: 'ssh', matches: '/opt/v04', mutating: true },
    },
    { name: 'Log secrets' },
  ];
  const rows = forbiddenAttestation(rules, entries, FACTS);
  const by = (name: string) => rows.find((r) => r.name === name)!;

  test('a refused attempt is cited but is NOT DONE', () => {
    expect(by('Deploy / restart a service')).toMatchObject({
      status: 'NOT DONE',
      ledger: [6],
      text: 'NOT DONE — no ledger entry matches /systemctl (restart|start|enable)/ (examined 8 entries: #1, #2, #3, #4, #5, #6, #7, #8); 1 attempt was refused before it happened (#6)',
    });
  });
  test('a matching entry makes it DONE and cites it', () => {
    expect(by('Any systemctl call')).toMatchObject({
      status: 'DONE',
      ledger: [3],
      text: 'DONE — ledger #3: ssh systemctl is-active cutter',
    });
  });
  test('fact conditions: NOT DONE cites the fact value; "True" vs boolean false compares as different', () => {
    expect(by('Leave execution_enabled True')).toMatchObject({
      status: 'NOT DONE',
      text: 'NOT DONE — G7.execution_enabled = false',
      facts: ['G7.execution_enabled = false'],
    });
    expect(by('Leak probe rows')).toMatchObject({ status: 'NOT DONE', text: 'NOT DONE — G4.leaked = 0; G4.counts.after = 158' });
  });
  test('a missing fact never yields NOT DONE', () => {
    expect(by('Patch the v0.4 skeleton')).toMatchObject({
      status: 'NOT CHECKED',
      text: 'NOT CHECKED — G8.v04_changed is missing (gate not run or fact not reported); no ledger entry matches mutating ssh //opt/v04/ (examined 1 mutating ssh entry: #6)',
    });
  });
  test('no rule and no condition → NOT CHECKED', () => {
    expect(by('Log secrets')).toMatchObject({
      status: 'NOT CHECKED',
      text: 'NOT CHECKED — no ledger rule, observed rule or fact condition in the macro',
    });
  });
  test('DONE by fact', () => {
    const [row] = forbiddenAttestation([{ name: 'x', done_if: [{ fact: 'G7.execution_enabled', equals: 'True' }] }], entries, {
      G7: { execution_enabled: 'True' },
    });
    expect(row).toMatchObject({ status: 'DONE', text: 'DONE — G7.execution_enabled = True (done if G7.execution_enabled = True)' });
  });
  test('an empty ledger says so', () => {
    const [row] = forbiddenAttestation([{ name: 'x', ledger: { matches: 'rm -rf' } }], [], {});
    expect(row.text).toBe('NOT DONE — no ledger entry matches /rm -rf/ (examined 0 entries (none in the ledger))');
  });
});

describe('forbidden rules on exec see remote commands too', () => {
  test('a rule on action exec matches a command recorded as ssh on a remote host, and says what it examined', () => {
    const entries = o8cLedger();
    const [hit] = forbiddenAttestation([{ name: 'restart', ledger: { action: 'exec', matches: 'systemctl' } }], entries, {});
    expect(hit).toMatchObject({ status: 'DONE', ledger: [3] });
    const [miss] = forbiddenAttestation([{ name: 'crontab', ledger: { action: 'exec', matches: 'crontab' } }], entries, {});
    expect(miss.status).toBe('NOT DONE');
    expect(miss.text).toContain('examined 4 exec entries: #1, #2, #3, #6');
  });
});

describe('forbidden rules on observed changes', () => {
  const observed = {
    what: 'fingerprints of 1 database, 0 protected paths',
    changes: [
      { source: 'database' as const, where: 'main', text: 'sequence public.s 1 → 2 (after G4)', status: 'accepted' },
      { source: 'database' as const, where: 'main', text: 'public.item 3 → 4 (after G2)', status: 'unexplained' },
    ],
  };
  test('DONE on an unexplained match, citing it; an accepted change never counts', () => {
    const [hit, miss] = forbiddenAttestation(
      [
        { name: 'db', observed: { source: 'database' } },
        { name: 'seq', observed: { matches: '^sequence' } },
      ],
      [],
      {},
      observed,
    );
    expect(hit).toMatchObject({ status: 'DONE', text: 'DONE — observed: main: public.item 3 → 4 (after G2)' });
    expect(miss.status).toBe('NOT DONE');
    expect(miss.text).toContain('examined fingerprints of 1 database, 0 protected paths; 2 changes seen');
  });
  test('NOT CHECKED when nothing was observed; files-only rules ignore database changes', () => {
    expect(forbiddenAttestation([{ name: 'x', observed: {} }], [], {}, null)[0].status).toBe('NOT CHECKED');
    expect(forbiddenAttestation([{ name: 'f', observed: { source: 'files' } }], [], {}, observed)[0].status).toBe('NOT DONE');
  });
});

describe('unreachableRules (plan warnings)', () => {
  test('names rules that can never be DONE, and only those', async () => {
    const { unreachableRules } = await import('../../src/macro/rule-warnings.js');
    const warnings = unreachableRules({
      mutation: 'deploy',
      forbidden: [
        { name: 'db write', ledger: { action: 'db.tx', mutating: true } },
        { name: 'typo', ledger: { action: 'exce', matches: 'rm' } },
        { name: 'restart', ledger: { action: 'exec', matches: 'systemctl' } },
      ],
    });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/forbidden\[0\] "db write": db.tx entries are never mutating/);
    expect(warnings[1]).toMatch(/forbidden\[1\] "typo": no gate records the ledger action "exce"/);
    expect(unreachableRules({ mutation: 'none', forbidden: [{ name: 'm', ledger: { mutating: true } }] })[0]).toMatch(
      /enforced, never DONE/,
    );
  });
});

describe('evaluateCondition', () => {
  test.each([
    [{ fact: 'G0.kill_switch', equals: false }, true],
    [{ fact: 'G0.kill_switch', equals: 'False' }, true],
    [{ fact: 'G4.leaked', equals: 0 }, true],
    [{ fact: 'G4.leaked', lte: 0 }, true],
    [{ fact: 'G4.leaked', gte: 1 }, false],
    [{ fact: 'G0.v04_head', matches: '^e934' }, true],
    [{ fact: 'G9.nothing', exists: false }, true],
    [{ fact: 'G9.nothing', exists: true }, false],
    [{ fact: 'G9.nothing', equals: 1 }, undefined],
  ])('%j → %s', (cond, expected) => {
    expect(evaluateCondition(cond, FACTS)).toBe(expected);
  });
});

describe('nonMutationAttestation', () => {
  test('read-only run with rollback-only transactions: NONE, cites the transactions and the refusal', () => {
    const a = nonMutationAttestation(o8cLedger(), 'none');
    expect(a.productionMutation).toBe('NONE');
    expect(a.rows).toEqual([
      { label: 'production_mutation', value: 'NONE — no database write survived the run (checked 8 entries #1–#8)', ledger: [] },
      { label: 'changes_outside_run_dir', value: 'none', ledger: [] },
      { label: 'mutation_policy', value: 'none — no action outside the policy; 1 refused before it happened (#6)', ledger: [6] },
      { label: 'db_transactions', value: '3 rollback-only transactions, all rolled back (#4, #7, #8)', ledger: [4, 7, 8] },
      { label: 'run_dir_writes', value: '1 (#5) — inside the run directory only', ledger: [5] },
    ]);
  });

  test('a deploy run lists its mutations; a committed or failed transaction is not "rolled back"', () => {
    const l = new Ledger('deploy');
    l.record({
      gate: 'G5',
      action: 'scp',
      target: 'cutter.tar.gz → vps:/opt/cutter/releases/',
      host: 'vps',
      mutating: true,
      scope: 'deploy',
      outcome: 'ok',
    });
    l.record({ gate: 'G5', action: 'exec', target: 'git commit -m x', host: 'local', mutating: true, scope: 'source', outcome: 'ok' });
    l.record({ gate: 'G6', action: 'db.tx', target: 'a@h:5432/d', host: 'local', mutating: false, scope: 'db', outcome: 'rolled-back' });
    l.record({ gate: 'G6', action: 'db.tx', target: 'a@h:5432/d', host: 'local', mutating: false, scope: 'db', outcome: 'error' });
    const a = nonMutationAttestation(l.entries, 'deploy');
    // A permitted deploy/source change is a change, not a production (data) mutation.
    expect(a.productionMutation).toBe('NONE');
    expect(a.mutations.map((e) => e.seq)).toEqual([1, 2]);
    expect(a.rows[1]).toEqual({
      label: 'changes_outside_run_dir',
      value: '2: #1: scp cutter.tar.gz → vps:/opt/cutter/releases/ [deploy]; #2: exec git commit -m x [source]',
      ledger: [1, 2],
    });
    expect(a.rows[2].value).toBe('deploy — no action outside the policy; nothing refused');
    expect(a.rows[3].value).toBe('2 transactions: 1 rolled-back (#3), 1 error (#4)');
    const asNone = nonMutationAttestation(l.entries, 'none');
    expect(asNone.rows[2]).toEqual({
      label: 'mutation_policy',
      value: 'none — 2 actions outside the policy (#1, #2); nothing refused',
      ledger: [1, 2],
    });
  });

  test('a database write that survived is a production mutation', () => {
    const l = new Ledger('deploy');
    l.record({ gate: 'G4', action: 'db.tx', target: 'a@h:5432/d', host: 'local', mutating: true, scope: 'db', outcome: 'committed' });
    const a = nonMutationAttestation(l.entries, 'deploy');
    expect(a.productionMutation).toBe('YES — 1 database write (#1)');
    expect(a.rows[0].ledger).toEqual([1]);
  });

  test('an empty ledger is NONE with "checked 0 entries" and no transactions', () => {
    const a = nonMutationAttestation([], 'none');
    expect(a.rows.map((r) => r.value)).toEqual([
      'NONE — no database write survived the run (checked 0 entries)',
      'none',
      'none — no action outside the policy; nothing refused',
      'none',
      'none',
    ]);
  });
});
