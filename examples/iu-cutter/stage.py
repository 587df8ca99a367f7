#!/usr/bin/env python3
"""Materialise a stage of the iu-cutter v0.6 sample into a directory.

    python3 stage.py <base|o8a|o8d|o8f> <outdir>   copy src/ and lay the overlays up to <stage> over it
    python3 stage.py changes <o8a|o8d|o8f>         list that overlay's files as 'M path' / 'A path'
                                                   relative to the stage before it

An overlay directory holds full file contents at the same relative paths as
the tree; applying it means copying its files over the tree. Overlays never
delete files. Standard library only.
"""

import filecmp
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "src")
STAGES = ["base", "o8a", "o8d", "o8f"]
OVERLAYS = {
    "o8a": os.path.join(HERE, "changes", "o8a-live-wiring"),
    "o8d": os.path.join(HERE, "changes", "o8d-patch"),
    "o8f": os.path.join(HERE, "changes", "o8f-features"),
}
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def overlay_files(stage):
    root = OVERLAYS[stage]
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for f in sorted(filenames):
            if f.endswith(".pyc"):
                continue
            out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return sorted(out)


def materialise(stage, outdir):
    if stage not in STAGES:
        raise SystemExit(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
    if os.path.exists(outdir) and os.listdir(outdir):
        raise SystemExit(f"{outdir} exists and is not empty")
    shutil.copytree(SRC, outdir, ignore=IGNORE, dirs_exist_ok=True)
    for s in STAGES[1:STAGES.index(stage) + 1]:
        for rel in overlay_files(s):
            dst = os.path.join(outdir, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(os.path.join(OVERLAYS[s], rel), dst)


def changes(stage):
    """M/A lines of one overlay against the tree of the stage before it."""
    import tempfile

    prev = STAGES[STAGES.index(stage) - 1]
    with tempfile.TemporaryDirectory() as d:
        tree = os.path.join(d, "tree")
        materialise(prev, tree)
        lines = []
        for rel in overlay_files(stage):
            old = os.path.join(tree, rel)
            if not os.path.exists(old):
                lines.append(f"A {rel}")
            elif filecmp.cmp(old, os.path.join(OVERLAYS[stage], rel), shallow=False):
                lines.append(f"= {rel}")  # unchanged: an overlay should not carry these
            else:
                lines.append(f"M {rel}")
    return lines


def main(argv):
    if len(argv) == 2 and argv[0] == "changes" and argv[1] in OVERLAYS:
        for line in changes(argv[1]):
            print(line)
        return 0
    if len(argv) == 2 and argv[0] in STAGES:
        materialise(argv[0], argv[1])
        print(f"stage {argv[0]} -> {argv[1]}")
        return 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
