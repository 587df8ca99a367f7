// Progress on screen as a listener of the gate loop: listr2 on a terminal, plus a heartbeat line when piped.
import type * as Listr2 from 'listr2';
import { createRequire } from 'node:module';
import { shownLine } from '../context/output-line.js';
import type { GateSpec } from '../macro/types.js';
import type { RunEvent, RunListener } from './events.js';
import type { GateRecord } from './types.js';

export type RendererName = 'default' | 'simple' | 'verbose' | 'silent';

interface TaskView {
  title: string;
  output: string;
  skip(message: string): void;
}

type Ending = { record: GateRecord } | { skipped: string };

/** `1m30s`, `12s`. */
export function elapsedText(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

const endTitle = (spec: GateSpec, rec: GateRecord) =>
  `${spec.id} ${spec.title} — ${rec.status.replace('_', ' ')}: ${rec.summary.split('\n')[0]} (${elapsedText(rec.durationMs)})`;

/**
 * A listr2 view of one section's gates. listr2 only shows: each task waits for the loop's `gate-end` / `gate-skip`
 * event of its gate, so the order and the stop decision stay in the gate loop. `done()` waits for the view to settle.
 */
export function listrProgress(
  specs: GateSpec[],
  o: { renderer: RendererName; toStderr?: boolean },
): { listener: RunListener; done(): Promise<void> } {
  // Silent draws nothing, so listr2 is not even loaded (~20 ms of a short run's start-up).
  if (o.renderer === 'silent') return { listener: () => undefined, done: async () => undefined };
  const { Listr, ListrLogger, ProcessOutput } = createRequire(import.meta.url)('listr2') as typeof Listr2;
  const endings = new Map<string, { promise: Promise<Ending>; resolve: (e: Ending) => void }>();
  const views = new Map<string, TaskView>();
  // A line that arrives before listr2 has started the gate's task: shown once it has.
  const earlyLines = new Map<string, string>();
  for (const spec of specs) {
    let resolve!: (e: Ending) => void;
    const promise = new Promise<Ending>((r) => (resolve = r));
    endings.set(spec.id, { promise, resolve });
  }
  const started = new Map<string, number>();
  let ticker: NodeJS.Timeout | undefined;
  // A pseudo-terminal that reports 0 columns and rows (script(1) under a pipe, some CI containers) would wrap every
  // character and cut the running gate away.
  const screen = o.toStderr ? process.stderr : process.stdout;
  if (screen.isTTY && !screen.columns) screen.columns = 80;
  if (screen.isTTY && !screen.rows) screen.rows = 24;
  const processOutput = o.toStderr ? new ProcessOutput(process.stderr, process.stderr) : undefined;
  const opts = {
    collapseSkips: false,
    collapseErrors: false,
    ...(processOutput ? { logger: new ListrLogger({ useIcons: true, processOutput }) } : {}),
  };
  const list = new Listr(
    specs.map((spec) => ({
      title: `${spec.id} ${spec.title}`,
      // The running command's last output line, under its gate's title while the gate runs.
      rendererOptions: { outputBar: 1 },
      task: async (_ctx: unknown, task: TaskView) => {
        views.set(spec.id, task);
        const early = earlyLines.get(spec.id);
        if (early) task.output = early;
        const end = await endings.get(spec.id)!.promise;
        if ('skipped' in end) return task.skip(end.skipped);
        task.title = endTitle(spec, end.record);
        // A thrown error is how listr2 draws a failed task; the run's control flow does not depend on it.
        if (end.record.status !== 'PASS') throw new Error(end.record.summary.split('\n')[0]);
      },
    })),
    {
      concurrent: false,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: o.renderer,
      fallbackRenderer: 'simple',
      rendererOptions: opts,
      fallbackRendererOptions: opts,
    },
  );
  const running = specs.length === 0 ? Promise.resolve() : list.run().then(() => undefined);
  const onTerminal = o.renderer === 'default' && (o.toStderr ? process.stderr.isTTY : process.stdout.isTTY);
  // Piped (simple renderer) every output line would be a printed line: there the heartbeat carries the last one, and
  // only warnings print. The verbose renderer was asked for: it prints them all.
  const showsOutput = (level: 'info' | 'warn') => onTerminal || o.renderer === 'verbose' || level === 'warn';
  const listener = (e: RunEvent) => {
    if (e.type === 'gate-start') {
      started.set(e.spec.id, Date.now());
      if (onTerminal) {
        clearInterval(ticker);
        // Elapsed time on the running gate, refreshed every second.
        ticker = setInterval(() => {
          const v = views.get(e.spec.id);
          if (v) v.title = `${e.spec.id} ${e.spec.title} — running ${elapsedText(Date.now() - started.get(e.spec.id)!)}`;
        }, 1000);
        ticker.unref();
      }
    } else if (e.type === 'gate-output') {
      const v = views.get(e.spec.id);
      const line = shownLine(e.line);
      if (!line || !showsOutput(e.level)) return;
      const text = e.level === 'warn' ? `warning: ${line}` : line;
      if (v) v.output = text;
      else earlyLines.set(e.spec.id, text);
    } else if (e.type === 'gate-end') {
      clearInterval(ticker);
      endings.get(e.spec.id)?.resolve({ record: e.record });
    } else if (e.type === 'gate-skip') {
      endings.get(e.spec.id)?.resolve({ skipped: e.reason });
    }
  };
  return {
    listener,
    done: async () => {
      clearInterval(ticker);
      for (const { resolve } of endings.values()) resolve({ skipped: 'not run' }); // no-op for gates already ended
      await running;
    },
  };
}

/**
 * Without a terminal, prints `G2 tests — running 1m30s, last: …` every `everyMs` while a gate runs, so a CI log that
 * watches for silence sees the run is alive.
 */
export function heartbeat(write: (line: string) => void, everyMs = 30_000): RunListener {
  let timer: NodeJS.Timeout | undefined;
  let last = '';
  let running: string | null = null;
  return (e) => {
    if (e.type === 'gate-start') {
      clearInterval(timer);
      last = '';
      running = e.spec.id;
      const t0 = Date.now();
      timer = setInterval(
        () => write(`${e.spec.id} ${e.spec.title} — running ${elapsedText(Date.now() - t0)}${last ? `, last: ${last}` : ''}`),
        everyMs,
      );
      timer.unref();
    } else if (e.type === 'gate-output') {
      // A line of an earlier gate that arrives late (throttled) does not belong to the running one.
      if (e.spec.id === running) last = shownLine(e.line) || last;
    } else if (e.type === 'gate-end' || e.type === 'gate-skip') {
      clearInterval(timer);
      running = null;
    }
  };
}
