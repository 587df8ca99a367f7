// `gaterun run --junit FILE`: the run's gates (and PASS criteria) as JUnit test cases, for CI test-report views.
import type { GateRecord, RunRecord } from '../runner/types.js';

/** Escapes text for an XML attribute or element and drops characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- these are exactly the characters XML 1.0 forbids
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The failing checks and the summary: what a CI view shows when the case is opened. */
function failureText(g: GateRecord): string {
  const failing = g.checks.filter((c) => c.status === 'FAIL').map((c) => `${c.id ? `${c.id} ` : ''}FAIL ${c.text}`);
  const lines = [g.summary, ...failing];
  if (g.crash) lines.push(g.crash.stack || g.crash.message);
  if (g.report) lines.push(`report: ${g.report}`);
  return lines.join('\n');
}

function gateCase(r: RunRecord, g: GateRecord, after?: GateRecord): string {
  const x = after ?? g;
  const open = `    <testcase name="${xmlEscape(`${x.id} ${x.label || x.title}`)}" classname="${xmlEscape(`gaterun.${r.macro.id}`)}" time="${seconds(x.durationMs)}"`;
  const msg = xmlEscape(x.summary.split('\n')[0]);
  switch (x.status) {
    case 'PASS':
      return `${open}/>`;
    case 'FAIL':
      return x.crash
        ? `${open}>\n      <error message="${msg}" type="CRASH">${xmlEscape(failureText(x))}</error>\n    </testcase>`
        : `${open}>\n      <failure message="${msg}" type="FAIL">${xmlEscape(failureText(x))}</failure>\n    </testcase>`;
    case 'BLOCKED':
    case 'ABORTED':
      return `${open}>\n      <error message="${msg}" type="${x.status}">${xmlEscape(failureText(x))}</error>\n    </testcase>`;
    default:
      // NOT_RUN (an earlier gate stopped the run) and PENDING (runs after signing, no result yet).
      return `${open}>\n      <skipped message="${xmlEscape(x.reason ?? x.summary)}"/>\n    </testcase>`;
  }
}

/** The JUnit XML document of a finished run: one test case per gate and per PASS criterion; `finalize` are the gates run after signing. */
export function junitXml(record: RunRecord, finalize: GateRecord[] = []): string {
  const after = new Map(finalize.map((g) => [g.id, g]));
  const gates = record.gates.map((g) => ({ g, x: after.get(g.id) ?? g }));
  const cases = gates.map(({ g, x }) => gateCase(record, g, x));
  // Criteria are only evaluated once every gate passed; listing them otherwise would report results that do not exist.
  const allPassed = gates.every(({ x }) => x.status === 'PASS' || x.status === 'PENDING');
  for (const c of record.criteria) {
    const open = `    <testcase name="${xmlEscape(`criterion ${c.name}`)}" classname="${xmlEscape(`gaterun.${record.macro.id}.criteria`)}" time="0.000"`;
    if (c.met) cases.push(`${open}/>`);
    else if (allPassed)
      cases.push(
        `${open}>\n      <failure message="${xmlEscape(`NO — ${c.evidence}`)}" type="CRITERION">${xmlEscape(c.evidence)}</failure>\n    </testcase>`,
      );
    else
      cases.push(
        `${open}>\n      <skipped message="${xmlEscape(`not decided: the run stopped at ${record.outcome.stopped_at ?? 'a gate'}`)}"/>\n    </testcase>`,
      );
  }
  const count = (re: RegExp) => cases.filter((c) => re.test(c)).length;
  const failures = count(/<failure /);
  const errs = count(/<error /);
  const skipped = count(/<skipped /);
  const time = seconds(gates.reduce((n, { x }) => n + x.durationMs, 0));
  const props = [
    ['final_outcome', record.final_outcome.final_outcome],
    ['run_id', record.run_id],
    ['signature', record.final_outcome.signature],
    ['production_mutation', record.final_outcome.production_mutation],
  ]
    .map(([k, v]) => `      <property name="${k}" value="${xmlEscape(String(v))}"/>`)
    .join('\n');
  const counts = `tests="${cases.length}" failures="${failures}" errors="${errs}" skipped="${skipped}" time="${time}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="gaterun" ${counts}>`,
    `  <testsuite name="${xmlEscape(`${record.macro.id} — ${record.macro.title}`)}" ${counts} timestamp="${xmlEscape(record.started_at)}" hostname="${xmlEscape(record.host)}">`,
    '    <properties>',
    props,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
