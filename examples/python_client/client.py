"""troupe from Python: one job, many jobs in order, jobs as they end, and a
failure as an exception.

Start a node with the test skills (for `fail`), then run this with Debian's
python3 from the checkout (or anywhere once the package is installed):

    troupe node --test-skills &
    PYTHONPATH=python /usr/bin/python3 examples/python_client/client.py
"""

import argparse

import troupe


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--node", default="127.0.0.1:4710", help="HOST:PORT")
    args = ap.parse_args()

    with troupe.Client(args.node) as client:
        # One job: its Result, or an exception if it did not end OK.
        result = client.submit("wordcount", "to be or not to be")
        print(f"wordcount: {result.output}")

        # Many jobs on one stream, 128 per message, results in input order.
        inputs = [f"item {i}" for i in range(1000)]
        results = list(client.map("echo", inputs))
        assert [r.output for r in results] == inputs
        print(f"map: {len(results)} results in order, the last "
              f"{results[-1].output!r}")

        # Jobs of any skills, results as they end; tags say which is which.
        jobs = [troupe.Job("sleep", "300", tag="slow"),
                troupe.Job("echo", "hi", tag="fast")]
        for result in client.as_completed(jobs):
            print(f"first to end: {result.tag}" if result.index == 1 else
                  f"then: {result.tag} after {result.run_us // 1000} ms")

        # A job that fails raises its status's exception, result attached;
        # check=False returns it as a result instead.
        try:
            client.submit("fail", "on purpose")
        except troupe.SkillError as e:
            print(f"fail: {type(e).__name__}: {e}")
        except troupe.UnknownSkill:
            print("fail: the node has no test skills (--test-skills)")


if __name__ == "__main__":
    main()
