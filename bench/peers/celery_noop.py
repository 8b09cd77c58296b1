"""No-op tasks/s on Celery with a Redis broker and result backend and 2
prefork worker processes on this machine.

    python3 celery_noop.py worker REDIS_URL   # runs the worker
    python3 celery_noop.py run REDIS_URL N    # submits N tasks, waits for all
"""
import json
import sys
import time

from celery import Celery, group

url = sys.argv[2] if len(sys.argv) > 2 else "redis://127.0.0.1:6379/0"
app = Celery("celery_noop", broker=url, backend=url)
app.conf.update(worker_prefetch_multiplier=64, result_expires=600,
                broker_connection_retry_on_startup=True)


@app.task
def noop(x):
    return x


def run(n):
    group(noop.s(i) for i in range(50)).apply_async().get(timeout=60)  # warm up
    start = time.perf_counter()
    res = group(noop.s(i) for i in range(n)).apply_async()
    res.get(timeout=600)
    secs = time.perf_counter() - start
    print(json.dumps({"system": "celery", "tasks": n, "seconds": secs,
                      "per_second": n / secs}))


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        app.worker_main(["worker", "--concurrency=2", "--pool=prefork",
                         "--loglevel=WARNING", "--without-gossip",
                         "--without-mingle", "--without-heartbeat"])
    else:
        run(int(sys.argv[3]) if len(sys.argv) > 3 else 5000)
