// Hosts of a target: `local` or `ssh://user@host:port`, and how a command reaches them.
import type { TargetInfo } from '../gate.js';

export interface HostSpec {
  name: string;
  kind: 'local' | 'ssh';
  url: string;
  user?: string;
  hostname?: string;
  port?: number;
  identity?: string;
  knownHosts?: string;
}

/** Looks up a host of the target by name; `local` always exists. */
export function resolveHost(target: TargetInfo, name: string): HostSpec {
  if (name === 'local') return { name, kind: 'local', url: 'local' };
  const raw = (target.hostSpecs as Record<string, HostSpec> | undefined)?.[name];
  if (!raw) throw new Error(`unknown host "${name}": the target declares ${Object.keys(target.hosts).concat('local').join(', ')}`);
  return raw;
}

/** Parses a target's host entry (`local`, `ssh://user@host:port`, or {url, identity, known_hosts}). */
export function parseHost(name: string, entry: string | { url: string; identity?: string; known_hosts?: string }, baseDir: string): HostSpec {
  const url = typeof entry === 'string' ? entry : entry.url;
  if (url === 'local') return { name, kind: 'local', url };
  const m = /^ssh:\/\/([^@/\s]+)@([^:/\s]+)(?::(\d+))?$/.exec(url);
  if (!m) throw new Error(`host "${name}": expected local or ssh://user@host:port, got ${url}`);
  const spec: HostSpec = { name, kind: 'ssh', url, user: m[1], hostname: m[2], port: m[3] ? Number(m[3]) : 22 };
  if (typeof entry !== 'string') {
    const abs = (p: string) => (p.startsWith('/') ? p : `${baseDir}/${p}`);
    if (entry.identity) spec.identity = abs(entry.identity);
    if (entry.known_hosts) spec.knownHosts = abs(entry.known_hosts);
  }
  return spec;
}

/** Turns a program + args into the command that runs it on the host (identity for local). */
export function commandForHost(spec: HostSpec, file: string, args: string[]): { file: string; args: string[] } {
  if (spec.kind === 'local') return { file, args };
  // SSH transport lands with the deploy issue (#5); say so rather than pretend.
  throw new Error(`host "${spec.name}" (${spec.url}): SSH hosts are not supported yet`);
}
