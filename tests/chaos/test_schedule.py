"""The chaos test's fault schedule: a function of the seed and the options
only, which keeps enough nodes up for the load to flow.

    /usr/bin/python3 -m unittest tests/chaos/test_schedule.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import chaos  # noqa: E402


def out_of_service(f):
    """When a disruptive fault takes its node out: [start, end)."""
    if f["kind"] == "kill":
        return f["t"], f["t"] + f["down"]
    if f["kind"] == "kill-on-join":
        return f["t"], f["t"] + f["down"] + f["down2"]
    return f["t"], f["t"] + f["duration"]


class ScheduleTest(unittest.TestCase):
    def test_the_same_seed_gives_the_same_schedule(self):
        a = chaos.make_schedule(7, 4, 300, 2.0, True)
        self.assertEqual(a, chaos.make_schedule(7, 4, 300, 2.0, True))
        self.assertNotEqual(a, chaos.make_schedule(8, 4, 300, 2.0, True))

    def test_every_kind_of_fault_is_scheduled_within_the_run(self):
        plan = chaos.make_schedule(1, 4, 600, 1.5, True)
        kinds = {f["kind"] for f in plan}
        self.assertEqual(kinds, {k for k, _ in chaos.FAULT_MIX})
        for f in plan:
            self.assertGreaterEqual(f["t"], chaos.WARMUP)
            self.assertLess(f["t"], 600 - chaos.COOLDOWN)
        self.assertEqual([f["id"] for f in plan], list(range(1, len(plan) + 1)))

    def test_no_network_faults_without_namespaces(self):
        plan = chaos.make_schedule(1, 4, 600, 1.5, False)
        self.assertFalse({f["kind"] for f in plan} & chaos.NETWORK_FAULTS)

    def test_enough_nodes_stay_up(self):
        for nodes in (3, 4, 5, 7):
            allowed = max(1, nodes - 3)
            plan = chaos.make_schedule(3, nodes, 900, 1.0, True)
            spans = [out_of_service(f) for f in plan
                     if f["kind"] in chaos.DISRUPTIVE]
            for start, _ in spans:
                down = sum(1 for s, e in spans if s <= start < e)
                self.assertLessEqual(down, allowed, (nodes, start))

    def test_network_faults_name_distinct_nodes(self):
        plan = chaos.make_schedule(5, 4, 900, 1.0, True)
        for f in plan:
            self.assertIn(f["node"], range(1, 5))
            if f["kind"] == "partition":
                self.assertNotEqual(f["node"], f["peer"])
            if f["kind"] == "loss":
                self.assertTrue(0.0 < f["p"] < 1.0)


if __name__ == "__main__":
    unittest.main()
