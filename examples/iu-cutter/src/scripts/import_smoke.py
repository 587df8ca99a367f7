#!/usr/bin/env python3
"""Import smoke for a deployed tree: python3 scripts/import_smoke.py (from the tree root).

Prints one line of key=value facts; exit 0 when every cutter_agent module imports.
"""

import importlib
import os
import pkgutil
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, root)

import cutter_agent  # noqa: E402

failed = []
names = []
for info in pkgutil.iter_modules(cutter_agent.__path__):
    if info.name == "__main__":
        continue
    names.append(info.name)
    try:
        importlib.import_module(f"cutter_agent.{info.name}")
    except Exception as e:  # report every broken module, not just the first
        failed.append(f"{info.name}({type(e).__name__}: {e})")

facts = [
    f"version={cutter_agent.__version__}",
    f"milestone={cutter_agent.__milestone__}",
    f"__execution_enabled__={cutter_agent.__execution_enabled__}",
    f"execution_enabled()={cutter_agent.execution_enabled()}",
]
if hasattr(cutter_agent, "__live_wiring__"):
    facts.append(f"__live_wiring__={cutter_agent.__live_wiring__}")
facts.append(f"modules={len(names)}")
facts.append("import=OK" if not failed else "import=FAILED " + " ".join(failed))
print(" ".join(facts))
sys.exit(0 if not failed else 1)
