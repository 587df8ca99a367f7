// Writing a small text file on a host through ctx.exec (so it lands in the ledger and obeys the policy).
import type { ExecResult, GateContext } from '../gate.js';

/** Writes `content` to `path` on a host atomically (temp file + mv); returns the exec result. */
export async function writeFileOnHost(ctx: GateContext, path: string, content: string, options: { host?: string; mutates?: boolean; scope?: 'run' | 'source' | 'deploy' } = {}): Promise<ExecResult> {
  return ctx.exec('sh', ['-c', 'cat > "$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"', 'sh', path], {
    host: options.host,
    input: content,
    mutates: options.mutates,
    scope: options.scope,
  });
}
