"""Self-test of the chaos checker: synthetic runs with one defect each, which
the checker must report, and a clean run, which it must pass.

    /usr/bin/python3 -m unittest tests/chaos/test_checker.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import chaos_checker as cc  # noqa: E402
from chaos import KINDS  # noqa: E402  (the driver's mix of jobs)


def job(line, kind, inp, chunk=1, node="n1", sent=1.0, done=2.0):
    return cc.Job(key=f"C{chunk}:{line}", chunk=chunk, line=line, kind=kind,
                  skill=KINDS[kind].skill, input=inp, submitted_to=node,
                  sent=sent, done=done)


def ok(line, output, node="n1"):
    return {"line": line, "status": "OK", "output": output, "error": "",
            "node": node}


def execution(skill, inp, exec_id, us, node="n1"):
    return cc.Execution(skill=skill, input=inp, exec_id=exec_id, us=us,
                        node=node, source="journal")


def clean_run():
    """Four jobs, each answered once and correctly."""
    jobs = [job(1, "sha256", "a"), job(2, "echo", "b"),
            job(3, "record", "tag-3"), job(4, "record-idem", "tag-4")]
    results = [
        (1, ok(1, cc.sha256_hex("a"))),
        (1, ok(2, "b")),
        (1, ok(3, cc.sha256_hex("tag-3") + " 10.1.1")),
        (1, ok(4, cc.sha256_hex("tag-4") + " 10.1.2")),
    ]
    execs = [execution("record", "tag-3", "10.1.1", 100),
             execution("record-idem", "tag-4", "10.1.2", 200)]
    chunks = [cc.Chunk(id=1, node="n1", lines=4, started=0.5, ended=2.5,
                       exit_code=0)]
    return cc.Run(kinds=KINDS, jobs=jobs, chunks=chunks, results=results,
                  executions=execs)


class CheckerTest(unittest.TestCase):
    def categories(self, run):
        rep = cc.check(run)
        return rep, set(rep.failure_counts())

    def test_clean_run_passes(self):
        rep, cats = self.categories(clean_run())
        self.assertTrue(rep.passed, rep.failures)
        self.assertEqual(rep.by_status["OK"], 4)
        self.assertIn("VERDICT: PASS", cc.format_report(clean_run(), rep))

    def test_lost_job_is_reported(self):
        run = clean_run()
        run.results = [r for r in run.results if r[1]["line"] != 2]
        run.chunks[0].exit_code = 1
        rep, cats = self.categories(run)
        self.assertEqual(cats, {"lost", "client-incomplete"})
        self.assertIn("C1:2", rep.failures[0][1])
        run.faults = [cc.Fault(id=7, kind="kill", t=1.5, nodes=["n1"],
                               wall="12:00:01.500")]
        text = cc.format_report(run, rep)
        self.assertIn("VERDICT: FAIL", text)
        # Failed jobs are summed up by client, next to the faults near it.
        self.assertIn("[lost] C1 on n1 (0.5-2.5 s): 1 jobs (echo 1); faults: "
                      "#7 kill n1 at 1.5 s (12:00:01.500)", text)

    def test_duplicate_result_is_reported(self):
        run = clean_run()
        run.results.append((1, ok(2, "b")))
        rep, cats = self.categories(run)
        self.assertEqual(cats, {"duplicate"})

    def test_result_for_a_line_never_sent_is_reported(self):
        run = clean_run()
        run.results.append((1, ok(9, "x")))
        _, cats = self.categories(run)
        self.assertEqual(cats, {"unknown-result"})

    def test_wrong_output_is_reported(self):
        run = clean_run()
        run.results[0] = (1, ok(1, cc.sha256_hex("not a")))
        rep, cats = self.categories(run)
        self.assertEqual(cats, {"wrong-output"})
        run = clean_run()
        run.results[1] = (1, ok(2, "c"))
        _, cats = self.categories(run)
        self.assertEqual(cats, {"wrong-output"})

    def test_record_output_naming_no_execution_is_wrong(self):
        run = clean_run()
        run.results[2] = (1, ok(3, cc.sha256_hex("tag-3") + " 99.9.9"))
        _, cats = self.categories(run)
        self.assertEqual(cats, {"wrong-output"})

    def test_double_execution_of_a_non_idempotent_job_is_reported(self):
        run = clean_run()
        run.executions.append(execution("record", "tag-3", "11.1.1", 150,
                                        node="n2"))
        rep, cats = self.categories(run)
        self.assertEqual(cats, {"double-execution"})
        self.assertIn("ran 2 times", rep.failures[0][1])

    def test_double_execution_of_an_idempotent_job_is_fine(self):
        run = clean_run()
        run.executions.insert(0, execution("record-idem", "tag-4", "11.1.1",
                                           150, node="n2"))
        rep, _ = self.categories(run)
        self.assertTrue(rep.passed, rep.failures)
        self.assertEqual(rep.retried_executions, 1)

    def test_stale_result_is_reported(self):
        # The accepted execution ran on n1 while n1 was stopped, before
        # another one of the same job on n2: the attempt given up was
        # accepted instead of the retry.
        run = clean_run()
        run.executions.append(execution("record-idem", "tag-4", "12.1.1",
                                        300, node="n2"))
        run.windows.append(cc.Window(node="n1", start_us=150, end_us=400,
                                     kind="stop"))
        rep, cats = self.categories(run)
        self.assertEqual(cats, {"stale-result"})
        # A retry on the accepted execution's own node tells it too.
        run = clean_run()
        run.executions.append(execution("record-idem", "tag-4", "12.1.1",
                                        300, node="n1"))
        _, cats = self.categories(run)
        self.assertEqual(cats, {"stale-result"})

    def test_an_unexplained_later_execution_is_a_warning(self):
        # No fault says which attempt was given up: n1 may have declared a
        # healthy n2 lost, whose attempt then ran late.
        run = clean_run()
        run.executions.append(execution("record-idem", "tag-4", "12.1.1",
                                        300, node="n2"))
        rep, _ = self.categories(run)
        self.assertTrue(rep.passed, rep.failures)
        self.assertEqual([c for c, _ in rep.warnings], ["stale-result-suspect"])

    def test_a_cut_link_gives_up_no_attempt_where_the_job_was_sent(self):
        # n1, where the job was submitted, was partitioned from n3 or lost
        # packets when it ran the job itself: nothing made it give that
        # attempt up, so the later one on n2 is a warning, not a failure.
        for kind in ("partition", "loss"):
            run = clean_run()
            run.executions.append(execution("record-idem", "tag-4", "12.1.1",
                                            300, node="n2"))
            run.windows.append(cc.Window(node="n1", start_us=150, end_us=400,
                                         kind=kind))
            rep, _ = self.categories(run)
            self.assertTrue(rep.passed, rep.failures)
            self.assertEqual([c for c, _ in rep.warnings],
                             ["stale-result-suspect"])
            # Sent to n2 and run on n1 across the cut link: given up.
            run.jobs[3].submitted_to = "n2"
            _, cats = self.categories(run)
            self.assertEqual(cats, {"stale-result"}, kind)

    def test_late_execution_on_a_stalled_node_is_not_stale(self):
        # n2 was stopped; the attempt sent there before ran after the retry
        # on n1 had answered. Its result is rightly dropped.
        run = clean_run()
        run.executions.append(execution("record-idem", "tag-4", "12.1.1",
                                        300, node="n2"))
        run.windows.append(cc.Window(node="n2", start_us=50, end_us=250,
                                     kind="stop"))
        rep, _ = self.categories(run)
        self.assertTrue(rep.passed, rep.failures)
        self.assertEqual(rep.late_executions, 1)

    def test_a_stall_after_the_accepted_run_excuses_nothing(self):
        # n2 was stopped, but long after the accepted execution ran: that
        # stall cannot be why the job was tried again, so the later
        # execution there is not counted as a late one.
        run = clean_run()
        run.executions.append(execution("record-idem", "tag-4", "12.1.1",
                                        30_000_000, node="n2"))
        run.windows.append(cc.Window(node="n2", start_us=25_000_000,
                                     end_us=28_000_000, kind="stop"))
        rep, _ = self.categories(run)
        self.assertEqual(rep.late_executions, 0)
        self.assertEqual([c for c, _ in rep.warnings], ["stale-result-suspect"])

    def test_execution_of_an_unknown_input_is_reported(self):
        run = clean_run()
        run.executions.append(execution("record", "nobody", "13.1.1", 100))
        _, cats = self.categories(run)
        self.assertEqual(cats, {"phantom-execution"})

    def test_invalid_status_is_reported(self):
        run = clean_run()
        run.results[1] = (1, {"line": 2, "status": "MAYBE", "output": ""})
        _, cats = self.categories(run)
        self.assertEqual(cats, {"invalid-status"})

    def test_unsubmitted_chunk_is_excluded_but_must_not_run(self):
        run = clean_run()
        run.jobs.append(job(1, "record", "tag-never", chunk=2))
        run.chunks.append(cc.Chunk(id=2, node="n3", lines=1, exit_code=3,
                                   unsubmitted=True))
        rep, _ = self.categories(run)
        self.assertTrue(rep.passed, rep.failures)
        self.assertEqual(rep.unsubmitted_jobs, 1)
        run.executions.append(execution("record", "tag-never", "14.1.1", 100))
        _, cats = self.categories(run)
        self.assertEqual(cats, {"phantom-execution"})

    def test_faults_count_the_jobs_in_flight_on_their_nodes(self):
        run = clean_run()
        run.jobs[0].submitted_to = "n2"
        run.faults = [
            cc.Fault(id=1, kind="kill", t=1.5, nodes=["n2"]),   # job 1
            cc.Fault(id=2, kind="kill", t=3.0, nodes=["n2"]),   # none: done
            cc.Fault(id=3, kind="stop", t=1.5, nodes=["n3"]),   # none there
            cc.Fault(id=4, kind="crash", t=1.5, nodes=["n1"]),  # all ran on n1
        ]
        rep = cc.check(run)
        self.assertEqual(rep.touched, {1: 1, 2: 0, 3: 0, 4: 4})
        text = cc.format_report(run, rep)
        self.assertIn("faults", text)
        self.assertIn("kill", text)

    def test_a_timeout_made_by_the_client_is_a_job_lost_by_the_node(self):
        run = clean_run()
        run.client_addresses = {"10.0.0.1:4710"}
        run.results[1] = (1, {"line": 2, "status": "TIMEOUT", "output": "",
                              "node": "10.0.0.1:4710",
                              "error": "no answer from node 10.0.0.1:4710"})
        rep, cats = self.categories(run)
        self.assertEqual(cats, {"lost-by-node"})
        self.assertEqual(rep.client_made["TIMEOUT"], 1)
        # A TIMEOUT the node made is an answer.
        run.results[1] = (1, {"line": 2, "status": "TIMEOUT", "output": "",
                              "node": "n1", "error": "did not finish"})
        rep, _ = self.categories(run)
        self.assertTrue(rep.passed, rep.failures)

    def test_node_lost_made_by_the_client_needs_its_node_to_die(self):
        run = clean_run()
        run.client_addresses = {"10.0.0.1:4710"}
        run.results[1] = (1, {"line": 2, "status": "NODE_LOST", "output": "",
                              "node": "10.0.0.1:4710",
                              "error": "lost the connection"})
        _, cats = self.categories(run)
        self.assertEqual(cats, {"false-node-lost"})
        run.faults = [cc.Fault(id=1, kind="kill", t=1.5, nodes=["n1"])]
        rep, _ = self.categories(run)
        self.assertTrue(rep.passed, rep.failures)
        run.faults = [cc.Fault(id=1, kind="crash", t=1.5, nodes=["n1"],
                               detail="crash gateway of n1")]
        rep, _ = self.categories(run)
        self.assertTrue(rep.passed, rep.failures)

    def test_node_lost_naming_an_untouched_member_is_a_warning(self):
        run = clean_run()
        lost = {"line": 3, "status": "NODE_LOST", "output": "", "node": "n1",
                "error": "member n2 was lost (member n2 is down); not retried"}
        run.results[2] = (1, lost)
        rep, cats = self.categories(run)
        self.assertTrue(rep.passed, rep.failures)
        self.assertEqual([c for c, _ in rep.warnings],
                         ["healthy-member-declared-lost"])
        self.assertIn("warnings", cc.format_report(run, rep))
        run.faults = [cc.Fault(id=1, kind="stop", t=0.5, nodes=["n2"])]
        rep, _ = self.categories(run)
        self.assertEqual(rep.warnings, [])

    def test_outstanding_jobs_found_by_the_driver_fail_the_run(self):
        run = clean_run()
        run.extra_failures.append(("outstanding", "n1 holds 3 jobs"))
        rep, cats = self.categories(run)
        self.assertEqual(cats, {"outstanding"})
        self.assertIn("FAIL  no job outstanding", cc.format_report(run, rep))


if __name__ == "__main__":
    unittest.main()
