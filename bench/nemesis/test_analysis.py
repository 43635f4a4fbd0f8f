"""The suite's checks on made-up histories: each safety check must fire on the history it exists for, and stay quiet
on the legitimate histories that look like it (a paused master that steps down on waking, a killed master with no
stop line, a coordinator restarted in its own epoch). Run: python3 -m unittest discover -s bench/nemesis -v
"""

import json
import os
import tempfile
import unittest

import analysis
import wire

T = 1_800_000_000.0  # an arbitrary base time
ADDRESS = {"p1": "10.0.0.1:9070", "p2": "10.0.0.2:9070", "p3": "10.0.0.3:9070", "s1": "10.0.0.9:9070"}
SYSTEM = {"kind": "halon", "members": ["p1", "p2", "p3"], "satellites": ["s1"], "address": ADDRESS}


def line(t, event, node, **fields):
    return {"t": T + t, "event": event, "node": ADDRESS[node], **fields}


def started(t, node, epoch, satellites=0, restart=0):
    return line(t, "CoordinatorStarted", node, epoch=epoch, satellites=satellites, restart=restart)


def stopped(t, node, epoch):
    return line(t, "CoordinatorStopped", node, epoch=epoch, reason="lease lapsed")


def answer(node, t0, t1, state="follower", coordinator=None, satellites=None):
    record = {"n": node, "t0": T + t0, "t1": T + t1, "st": state,
              "c": [ADDRESS[coordinator[0]], coordinator[1]] if coordinator else None}
    if satellites is not None:
        record["sat"] = [[ADDRESS[s], i] for s, i in satellites]
    return record


class Answers(analysis.Answers):
    def __init__(self, records):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            for record in records:
                f.write(json.dumps(record) + "\n")
        try:
            super().__init__(f.name)
        finally:
            os.unlink(f.name)


def check(logs, answers=(), lives=None, pauses=None):
    logs = {n: sorted(logs.get(n, []), key=lambda l: l["t"]) for n in ADDRESS}
    return analysis.safety(SYSTEM, logs, lives or {}, pauses or {}, Answers(list(answers)), T + 100)


class ExclusivityTests(unittest.TestCase):
    def test_a_clean_failover_passes(self):
        violations, excused = check({"p1": [started(0, "p1", 1), stopped(5.0, "p1", 1)], "p2": [started(5.3, "p2", 2)]})
        self.assertEqual([], violations)
        self.assertEqual([], excused)

    def test_two_live_coordinators_at_once_are_a_violation(self):
        # p1 logs its stop a second after p2 started, and answered the poller in between: it was running.
        violations, _ = check(
            {"p1": [started(0, "p1", 1), stopped(6.0, "p1", 1)], "p2": [started(5.0, "p2", 2)]},
            [answer("p1", 5.5, 5.501, "master", ("p1", 1))])
        kinds = [kind for _, kind, _ in violations]
        self.assertEqual(["overlap", "overlap"], kinds)  # the logs' intervals, and the answer after the newer start
        self.assertIn("epoch 2 started on p2", violations[0][2])

    def test_an_overlap_with_no_witness_of_a_stall_is_a_violation(self):
        violations, excused = check({"p1": [started(0, "p1", 1), stopped(6.0, "p1", 1)], "p2": [started(5.0, "p2", 2)]})
        self.assertEqual(1, len(violations))
        self.assertEqual([], excused)

    def test_a_sigstopped_master_that_steps_down_on_waking_is_excused(self):
        # Paused by the suite from 4.0 to 7.0; p2 started at 4.3; p1 logged its stop at 7.002, on waking.
        violations, excused = check(
            {"p1": [started(0, "p1", 1), stopped(7.002, "p1", 1)], "p2": [started(4.3, "p2", 2)]},
            [answer("p1", 3.98, 7.004, "follower", ("p2", 2))],  # the request it held while paused
            pauses={"p1": [[T + 4.0, T + 7.0]]})
        self.assertEqual([], violations)
        self.assertEqual(1, len(excused))
        self.assertIn("stepped down on waking", excused[0][1])

    def test_a_starved_master_witnessed_by_an_unanswered_request_is_excused(self):
        violations, excused = check(
            {"p1": [started(0, "p1", 1), stopped(5.6, "p1", 1)], "p2": [started(5.2, "p2", 2)]},
            [answer("p1", 4.9, 5.61, "follower", ("p2", 2))])
        self.assertEqual([], violations)
        self.assertEqual(1, len(excused))

    def test_a_witness_that_ends_before_the_stop_line_does_not_excuse(self):
        violations, _ = check(
            {"p1": [started(0, "p1", 1), stopped(5.6, "p1", 1)], "p2": [started(5.2, "p2", 2)]},
            [answer("p1", 4.9, 5.3, "follower", ("p2", 2))])
        self.assertEqual(1, len(violations))

    def test_a_killed_master_ends_its_interval_at_the_kill(self):
        violations, _ = check(
            {"p1": [started(0, "p1", 1), started(20.0, "p1", 3)], "p2": [started(5.2, "p2", 2), stopped(19.0, "p2", 2)]},
            lives={"p1": [[T - 1, T + 5.0, "SIGKILL"], [T + 7.0, None, None]]})
        self.assertEqual([], violations)

    def test_a_coordinator_restarted_in_its_own_epoch_is_not_an_overlap(self):
        violations, _ = check({"p1": [started(0, "p1", 1), stopped(3.0, "p1", 1), started(3.2, "p1", 1, restart=1),
                                      stopped(9.0, "p1", 1)],
                               "p2": [started(9.4, "p2", 2)]})
        self.assertEqual([], violations)

    def test_an_epoch_that_goes_back_is_a_violation(self):
        violations, _ = check({"p1": [started(0, "p1", 3), stopped(2.0, "p1", 3)], "p2": [started(4.0, "p2", 2)]})
        self.assertEqual(1, len(violations))
        self.assertIn("epoch 2 started on p2 after epoch 3", violations[0][2])

    def test_an_answer_claiming_an_old_coordinator_asked_before_the_newer_start_is_fine(self):
        violations, _ = check(
            {"p1": [started(0, "p1", 1), stopped(5.0, "p1", 1)], "p2": [started(5.3, "p2", 2)]},
            [answer("p1", 4.95, 5.4, "master", ("p1", 1))])
        self.assertEqual([], violations)


class AcknowledgementTests(unittest.TestCase):
    ACK = line(2.0, "AnnouncementAcknowledged", "s1", incarnation=2, epoch=1)

    def test_a_coordinator_that_starts_without_an_acknowledged_satellite_is_a_violation(self):
        violations, _ = check({"s1": [self.ACK], "p1": [started(0, "p1", 1, satellites=0), stopped(5.0, "p1", 1)],
                               "p2": [started(5.3, "p2", 2, satellites=0)]})
        self.assertEqual(["lost"], [kind for _, kind, _ in violations])
        self.assertIn("started knowing 0 satellites; 1 had been acknowledged", violations[0][2])

    def test_a_coordinator_whose_state_lacks_the_acknowledged_incarnation_is_a_violation(self):
        violations, _ = check(
            {"s1": [self.ACK], "p1": [started(0, "p1", 1, satellites=1), stopped(5.0, "p1", 1)],
             "p2": [started(5.3, "p2", 2, satellites=1)]},
            [answer("p2", 6.0, 6.001, "master", ("p2", 2), satellites=[("s1", 1)])])
        self.assertEqual(["lost"], [kind for _, kind, _ in violations])
        self.assertIn("holds s1 at incarnation 1; incarnation 2 was acknowledged", violations[0][2])

    def test_a_later_incarnation_in_the_state_is_fine(self):
        violations, _ = check(
            {"s1": [self.ACK], "p1": [started(0, "p1", 1, satellites=1)]},
            [answer("p1", 6.0, 6.001, "master", ("p1", 1), satellites=[("s1", 3)])])
        self.assertEqual([], violations)

    def test_the_coordinators_line_counts_as_the_acknowledgement_when_it_comes_first(self):
        coordinator_ack = line(1.0, "SatelliteAcknowledged", "p1", satellite=ADDRESS["s1"], incarnation=2, epoch=1)
        violations, _ = check(
            {"p1": [started(0, "p1", 1, satellites=0), coordinator_ack]},
            [answer("p1", 1.5, 1.501, "master", ("p1", 1), satellites=[])])
        self.assertEqual(["lost"], [kind for _, kind, _ in violations])


class ViewTests(unittest.TestCase):
    def test_halon_is_available_when_a_majority_names_the_running_coordinator(self):
        master = {"st": "master", "c": [ADDRESS["p1"], 4]}
        follower = {"st": "follower", "c": [ADDRESS["p1"], 4]}
        self.assertEqual((True, (ADDRESS["p1"], 4), False), analysis.halon_view({"p1": master, "p2": follower, "p3": None}, SYSTEM["members"], ADDRESS))
        self.assertEqual((False, None, False), analysis.halon_view({"p1": master, "p2": None, "p3": None}, SYSTEM["members"], ADDRESS))
        stale = {"st": "follower", "c": [ADDRESS["p1"], 3]}
        self.assertFalse(analysis.halon_view({"p1": master, "p2": stale, "p3": None}, SYSTEM["members"], ADDRESS)[0])

    def test_a_follower_naming_a_coordinator_is_not_enough_without_the_master_itself(self):
        follower = {"st": "follower", "c": [ADDRESS["p1"], 4]}
        self.assertFalse(analysis.halon_view({"p1": None, "p2": follower, "p3": follower}, SYSTEM["members"], ADDRESS)[0])

    def test_members_cut_off_from_the_leader_do_not_count_whatever_they_believe(self):
        leader = {"id": "a", "ld": "a"}
        believer = {"id": "x", "ld": "a"}
        answers = {"e1": leader, "e2": believer, "e3": believer, "e4": believer, "e5": believer}
        members = ["e1", "e2", "e3", "e4", "e5"]
        minority = analysis.deafness([(T, T + 10, [["e1", "e2"], ["e3", "e4", "e5"]], False)], T + 1)
        self.assertFalse(analysis.etcd_view(answers, members, minority)[0])
        self.assertTrue(analysis.etcd_view(answers, members, analysis.deafness([(T, T + 10, [["e1", "e2"], ["e3", "e4", "e5"]], False)], T + 11))[0])
        one_way = analysis.deafness([(T, T + 10, [["e1"], ["e2", "e3", "e4", "e5"]], True)], T + 1)
        self.assertFalse(analysis.etcd_view(answers, members, one_way)[0])
        self.assertFalse(one_way("e1", "e2"))  # the cut node still hears the others
        self.assertTrue(one_way("e2", "e1"))

    def test_etcd_is_available_when_a_majority_names_the_leader(self):
        leader = {"id": "a", "ld": "a"}
        follower = {"id": "b", "ld": "a"}
        self.assertEqual((True, "a", True), analysis.etcd_view({"e1": leader, "e2": follower, "e3": {"id": "c", "ld": "a"}}, ["e1", "e2", "e3"]))
        self.assertFalse(analysis.etcd_view({"e1": leader, "e2": {"id": "b", "ld": "0"}, "e3": None}, ["e1", "e2", "e3"])[0])


class FreshnessTests(unittest.TestCase):
    def test_an_answer_from_before_a_kill_does_not_count_after_it(self):
        answers = Answers([answer("p1", 1.0, 1.001, "master", ("p1", 1))])
        self.assertIsNotNone(answers.at("p1", T + 1.1))
        self.assertIsNone(answers.at("p1", T + 1.001 + analysis.FRESH_SECONDS + 0.01))  # too old
        answers.went_down("p1", [T + 1.05])
        self.assertIsNotNone(answers.at("p1", T + 1.04))
        self.assertIsNone(answers.at("p1", T + 1.1))  # killed or paused since


class ElectionsTests(unittest.TestCase):
    def test_a_new_coordinator_is_a_higher_epoch_whatever_its_restart_count(self):
        logs = {"p1": [started(0, "p1", 1)], "p2": [started(5.0, "p2", 2, restart=3)]}
        elections = analysis.Elections("halon", {n: [dict(l) for l in v] for n, v in logs.items()})
        self.assertAlmostEqual(1.0, elections.first_new(T + 4.0, 1))
        self.assertIsNone(elections.first_new(T + 4.0, 2))


class WireTests(unittest.TestCase):
    def test_varints_and_fields_round_trip(self):
        data = wire._field_varint(1, 300) + wire._field_bytes(3, b"abc") + wire._field_varint(4, (1 << 64) - 5)
        fields = wire._decode(data)
        self.assertEqual(300, wire._int(fields, 1))
        self.assertEqual("abc", wire._text(fields, 3))
        self.assertEqual(-5, wire._int(fields, 4))  # int64 in two's complement

    def test_a_truncated_message_is_an_error(self):
        with self.assertRaises(wire.WireError):
            wire._decode(wire._field_bytes(3, b"abc")[:-1])


if __name__ == "__main__":
    unittest.main()
