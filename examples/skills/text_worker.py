"""Two text skills in one Python worker: `upper` and `textstats`.

skills.conf registers both, each with its own pool of worker processes; the
request names the skill, so one program can serve several.

  upper       the input in upper case (UTF-8)
  textstats   {"chars": N, "words": N, "lines": N, "top": [[word, count], ...]}
"""

import collections
import json
import sys

import troupe_worker


def upper(text: str) -> str:
    return text.upper()


def textstats(text: str) -> str:
    words = text.split()
    top = collections.Counter(w.lower() for w in words).most_common(3)
    return json.dumps({"chars": len(text), "words": len(words),
                       "lines": text.count("\n") + (1 if text else 0),
                       "top": top}, sort_keys=True)


SKILLS = {"upper": upper, "textstats": textstats}


def run(data: bytes, job: troupe_worker.Job) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise troupe_worker.BadInput(f"input is not UTF-8 text ({e.reason} "
                                     f"at byte {e.start})")
    skill = SKILLS.get(job.skill)
    if skill is None:
        raise ValueError(f"this worker does not know skill '{job.skill}'")
    return skill(text).encode()


if __name__ == "__main__":
    print(f"text_worker ready (python {sys.version.split()[0]})",
          file=sys.stderr)
    troupe_worker.serve(run)
