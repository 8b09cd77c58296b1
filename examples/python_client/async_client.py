"""troupe from asyncio: the calls of troupe.Client as coroutines and async
iterators (troupe.aio).

    troupe node &
    PYTHONPATH=python /usr/bin/python3 examples/python_client/async_client.py
"""

import argparse
import asyncio

import troupe
import troupe.aio


async def main(node: str) -> None:
    async with troupe.aio.Client(node) as client:
        result = await client.submit("sha256", "abc")
        print(f"sha256: {result.output}")

        async def inputs():  # inputs may come from an async source
            for i in range(500):
                yield f"line {i}"
        count = 0
        async for result in client.map("echo", inputs()):
            count += 1
        print(f"map: {count} results, in order")

        # A job that outlives the call: fetch its result by id later.
        ticket = await client.submit_detached("sleep", "100")
        result = await client.result(ticket.id)
        print(f"detached: {result.status.name}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--node", default="127.0.0.1:4710", help="HOST:PORT")
    asyncio.run(main(ap.parse_args().node))
