"""The worker SDK that used to live here is now `troupe.worker`, in the
troupe package (python/troupe/worker.py):

    from troupe import worker          # instead of: import troupe_worker
    worker.serve(fn)                   # fn(data: bytes, job: worker.JobInfo)

This module keeps skills written against it running: it re-exports
`serve`, `BadInput` and `Job` (now `JobInfo`), finding the package where
Python does (installed, or PYTHONPATH) or else in the python/ folder of the
checkout it sits in.
"""

import sys
from pathlib import Path

try:
    import troupe.worker  # noqa: F401
except ModuleNotFoundError as e:
    if e.name != "troupe":
        raise  # e.g. protobuf is missing: say so
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

from troupe.worker import BadInput, JobInfo, serve  # noqa: E402

Job = JobInfo

__all__ = ["serve", "BadInput", "Job"]
