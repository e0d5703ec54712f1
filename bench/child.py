"""Entry point of a measured child: `python -m bench.child CASE JOB.json RESULT.json`.

The result file gets the case's dict, or `{"status": "not_available"|"error", "reason": ...}`.
Peak memory is this process's VmHWM from /proc (ru_maxrss would also count the parent's pages
that the fork copied before exec); the parent falls back to os.wait4's ru_maxrss elsewhere.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from bench.cases import CASES
from bench.engine import NotAvailable
from bench.procfs import peak_kb


def main(argv: list[str]) -> int:
    case, job_path, result_path = argv
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    try:
        result = {"status": "ok", **CASES[case](job)}
    except NotAvailable as err:
        result = {"status": "not_available", "reason": str(err)}
    except Exception as err:  # noqa: BLE001 - any engine failure is a result to report
        last = traceback.format_exc().strip().splitlines()[-1]
        result = {"status": "error", "reason": f"{type(err).__name__}: {err}"[:400],
                  "where": last[:200]}
    result["peak_kb"] = peak_kb()
    Path(result_path).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
