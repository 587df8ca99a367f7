"""Command line: python3 -m cutter_agent {status|discover|dryrun} ...

No subcommand reaches production: discover only reads a file, dryrun runs the
simulator, and every output ends with production=REFUSED.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

import cutter_agent

from .discover import DiscoverError, cutplan_digest, discover, rows_to_jsonl
from .modes import Mode
from .orchestrator import OrchestratorRunner


def _status() -> dict:
    info = {
        "version": cutter_agent.__version__,
        "milestone": cutter_agent.__milestone__,
        "execution_enabled": cutter_agent.execution_enabled(),
    }
    wiring = getattr(cutter_agent, "__live_wiring__", None)
    if wiring:
        info["live_wiring"] = wiring
    return info


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="cutter_agent")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("status", help="version, milestone and kill-switch state")
    for name in ("discover", "dryrun"):
        sp = sub.add_parser(name)
        sp.add_argument("document")
        sp.add_argument("--doc-code", default="ICX-CONST")
    sub.choices["dryrun"].add_argument("--cut-id", default="dryrun-1")
    args = p.parse_args(argv)

    if args.cmd == "status":
        print(json.dumps(_status(), sort_keys=True))
        return 0
    try:
        with open(args.document, encoding="utf-8") as fh:
            rows = discover(fh.read(), args.doc_code)
    except (OSError, DiscoverError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.cmd == "discover":
        sys.stdout.write(rows_to_jsonl(rows))
        print(f"units={len(rows)} cutplan_sha256={cutplan_digest(rows)} production=REFUSED")
        return 0
    result = OrchestratorRunner(Mode.DRYRUN).run(rows, cut_id=args.cut_id, document_code=args.doc_code)
    print(f"mode=dryrun units={len(rows)} created={len(result.state.created)} "
          f"verify={result.verify['result']} production_mutation={result.production_mutation} production=REFUSED")
    return 0 if result.verify["result"] == "pass" else 1
