"""Two text skills in one Python worker: `upper` and `textstats`.

skills.conf registers both, each with its own pool of worker processes; the
request names the skill, so one program can serve several. It uses the
worker SDK of the troupe package (troupe.worker); skills.conf points
PYTHONPATH at this checkout's python/ folder, which an installed package
(pip or cmake --install) makes unnecessary.

  upper       the input in upper case (UTF-8)
  textstats   {"chars": N, "words": N, "lines": N, "top": [[word, count], ...]}
"""

import collections
import json
import sys

from troupe import worker


def upper(text: str) -> str:
    return text.upper()


def textstats(text: str) -> str:
    words = text.split()
    top = collections.Counter(w.lower() for w in words).most_common(3)
    return json.dumps({"chars": len(text), "words": len(words),
                       "lines": text.count("\n") + (1 if text else 0),
                       "top": top}, sort_keys=True)


if __name__ == "__main__":
    print(f"text_worker ready (python {sys.version.split()[0]})",
          file=sys.stderr)
    # text=True: inputs that are not UTF-8 end BAD_INPUT before a skill runs.
    worker.serve({"upper": upper, "textstats": textstats}, text=True)
