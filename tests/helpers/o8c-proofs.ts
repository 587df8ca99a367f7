// The O8C G4 proof set against the iu-cutter sample, shared by gate tests and the kill fixture.
import type { RollbackProofParams } from '../../gates/rollback-proof.js';

export const IU_TABLES = ['public.information_unit', 'public.unit_version', 'public.iu_lifecycle_log'];
/** The serial sequences fn_iu_create draws from: nextval is not undone by ROLLBACK, so the proof set accepts them. */
export const IU_SEQUENCES = ['public.information_unit_id_seq', 'public.unit_version_id_seq', 'public.iu_lifecycle_log_id_seq'];
export const PROBE_PREFIX = 'ICX-CONST/O8C-RB-PROBE';
export const PROBE_SQL = `select count(*) from public.information_unit where canonical_address like '${PROBE_PREFIX}%'`;

/** fn_iu_create as cutter_exec: created (+1 everywhere), a refusal, a direct INSERT denied, the probe row visible in-txn. */
export function o8cProofs(database = 'main'): RollbackProofParams {
  return {
    database,
    role: 'cutter_exec',
    tables: IU_TABLES,
    probes: [{ name: 'probe rows', sql: PROBE_SQL }],
    accept: { sequences: IU_SEQUENCES },
    proofs: [
      {
        name: 'fn_iu_create returns created',
        sql: 'select public.fn_iu_create($1, $2, $3, $4, $5, $6) as status',
        params: [`${PROBE_PREFIX}-1`, 'Probe title', 'Probe body', 'article', 'clause', 'owner/probe'],
        expect: {
          rows: 1,
          first: { status: 'created' },
          counts: { 'public.information_unit': '+1', 'public.unit_version': '+1', 'public.iu_lifecycle_log': '+1' },
        },
      },
      {
        name: 'a bare row is refused for [body, title]',
        sql: "select public.fn_iu_create($1, null, '', 'article', 'clause', 'owner/probe') as status",
        params: [`${PROBE_PREFIX}-2`],
        expect: { first: { status: 'refused: missing body,title' }, counts: { 'public.information_unit': '+1' } },
      },
      {
        name: 'cutter_exec cannot INSERT directly',
        sql: `insert into public.information_unit (canonical_address, title) values ('${PROBE_PREFIX}-3', 'x')`,
        expect: { error: 'permission denied' },
      },
      {
        name: 'the probe row is visible inside the transaction',
        sql: PROBE_SQL.replace('count(*)', 'count(*) as n'),
        expect: { rows: 1, first: { n: 1 } },
      },
    ],
  };
}
