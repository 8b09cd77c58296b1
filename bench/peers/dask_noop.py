"""No-op tasks/s on Dask distributed: a scheduler and 2 worker processes
(1 thread each) on this machine, a client submitting N tasks at once."""
import json
import sys
import time

from dask.distributed import Client, LocalCluster


def noop(x):
    return x


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.gather(client.map(noop, range(100), pure=False))  # warm up
        start = time.perf_counter()
        futures = client.map(noop, range(n), pure=False)
        client.gather(futures)
        secs = time.perf_counter() - start
    print(json.dumps({"system": "dask", "tasks": n, "seconds": secs,
                      "per_second": n / secs}))


if __name__ == "__main__":
    main()
