// Switches a live path to another tree with no instant at which the live path is missing or incomplete.
//
// The live path is a symlink to a tree beside it (`iu-cutter-v0.6 -> iu-cutter-v0.6.release-<ts>`), and a switch
// is Deployer's: a new symlink under a temp name, then one rename(2) over the live path (`mv -T`). A live path
// that is still a real directory (the layout before symlinks) is turned into a symlink with renameat2
// RENAME_EXCHANGE (through python3's ctypes; no `mv --exchange` before coreutils 9.5), which is atomic too.
// Only when the host has neither does it fall back to two renames, and says so (mode `two-renames`).
// The previous tree is moved aside under a caller-chosen name when it sits beside the live path; a tree
// elsewhere (a symlink someone else made) is left where it is. Nothing is deleted.
import type { Evidence, GateContext } from '../gate.js';

// Exit codes: 20 target tree missing, 21 cannot make the temp symlink, 22 switch failed (live path unchanged),
// 23 switched, but moving the previous tree aside failed, 24 the live path is neither a symlink nor a directory,
// 25 the name for the previous tree is taken (nothing changed).
const SWITCH_SCRIPT = `set -u
live=$1; new=$2; aside=$3; link=$4
parent=$(dirname -- "$live")
[ -d "$new" ] || exit 20
if [ -e "$aside" ] || [ -L "$aside" ]; then exit 25; fi
case $new in "$parent"/*/*) to=$new ;; "$parent"/*) to=\${new#"$parent"/} ;; *) to=$new ;; esac
ln -s -- "$to" "$link" || exit 21
exchange() {
  python3 -c 'import ctypes, os, sys
f = ctypes.CDLL(None, use_errno=True).renameat2
sys.exit(0 if f(-100, os.fsencode(sys.argv[1]), -100, os.fsencode(sys.argv[2]), 2) == 0 else 1)' "$1" "$2" 2>/dev/null
}
if [ -L "$live" ]; then
  old=$(readlink -- "$live")
  mv -T -- "$link" "$live" || { rm -f -- "$link"; exit 22; }
  echo mode=symlink
  case $old in /*) prev=$old ;; *) prev=$parent/$old ;; esac
  if [ ! -d "$prev" ] || [ "$prev" -ef "$new" ]; then echo previous=
  elif [ "$(dirname -- "$prev")" = "$parent" ]; then mv -T -- "$prev" "$aside" || exit 23; echo "previous=$aside"
  else echo "previous=$prev"; fi
elif [ -d "$live" ]; then
  if exchange "$link" "$live"; then
    echo mode=exchange
    mv -T -- "$link" "$aside" || exit 23
  else
    mv -T -- "$live" "$aside" || { rm -f -- "$link"; exit 22; }
    mv -T -- "$link" "$live" || { mv -T -- "$aside" "$live"; rm -f -- "$link"; exit 22; }
    echo mode=two-renames
  fi
  echo "previous=$aside"
elif [ -e "$live" ]; then
  rm -f -- "$link"; exit 24
else
  mv -T -- "$link" "$live" || { rm -f -- "$link"; exit 22; }
  echo mode=first
  echo previous=
fi`;

/** How the live path was switched: atomically by symlink rename or exchange, by two renames, or created. */
export type SwitchMode = 'symlink' | 'exchange' | 'two-renames' | 'first';

export interface SwitchResult {
  ok: boolean;
  mode: SwitchMode | null;
  /** Where the previous live tree is now (moved to `aside`, or left where it was); null when there was none. */
  previous: string | null;
  /** Why it failed, in words, when !ok. */
  error?: string;
  /** The script's exit code (20 = the tree to switch to does not exist; see WHY). */
  code: number | null;
  /** True when the live path was already switched but moving the previous tree aside failed. */
  switched: boolean;
  evidence: Evidence;
}

const WHY: Record<number, string> = {
  // keep in step with the exit codes of SWITCH_SCRIPT
  20: 'the tree to switch to does not exist',
  21: 'cannot create the temporary symlink',
  22: 'the rename onto the live path failed; the live path is unchanged',
  23: 'the live path was switched, but moving the previous tree aside failed',
  24: 'the live path exists but is neither a symlink nor a directory',
  25: 'the name for the previous tree already exists; nothing was changed',
};

/** The temp name of the new symlink beside `live` (free it, or check it is free, before switching). */
export const linkNameFor = (live: string, stamp: string) => `${live}.link-${stamp}`;

/**
 * Points `live` at the directory `tree` in one atomic step (see the file comment); the previous tree, when it sits
 * beside `live`, is renamed to `aside`. One mutating exec on the host.
 */
export async function switchLive(
  ctx: GateContext,
  o: { host: string; live: string; tree: string; aside: string; link: string; title: string },
): Promise<SwitchResult> {
  const r = await ctx.exec('sh', ['-c', SWITCH_SCRIPT, 'sh', o.live, o.tree, o.aside, o.link], {
    host: o.host,
    mutates: true,
    scope: 'deploy',
  });
  const evidence = { ...r.evidence, title: o.title };
  const mode = (/^mode=(\S+)$/m.exec(r.stdout)?.[1] ?? null) as SwitchMode | null;
  const previous = /^previous=(.*)$/m.exec(r.stdout)?.[1] || null;
  if (r.exitCode === 0) return { ok: true, code: 0, mode, previous, switched: true, evidence };
  const why = WHY[r.exitCode ?? -1] ?? `exit ${r.exitCode}`;
  return {
    ok: false,
    code: r.exitCode,
    mode,
    previous,
    switched: r.exitCode === 23,
    error: `${why}${r.stderr.trim() ? `: ${r.stderr.trim().slice(0, 300)}` : ''}`,
    evidence,
  };
}

/** Words for a report line: how atomic the switch was. */
export function describeSwitch(mode: SwitchMode | null): string {
  switch (mode) {
    case 'symlink':
      return 'symlink replaced by one rename (atomic)';
    case 'exchange':
      return 'directory exchanged for a symlink with renameat2 RENAME_EXCHANGE (atomic)';
    case 'two-renames':
      return 'NOT atomic: the host has no renameat2 (python3), so the directory was replaced by two renames';
    case 'first':
      return 'no live path before; symlink created';
    default:
      return 'unknown';
  }
}
