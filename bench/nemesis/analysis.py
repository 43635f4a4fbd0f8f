"""What the suite concludes from what it saw: the poller's answers, the nodes' logs, and its own records of what it
did (kills, pauses, partitions, each with time.time(); the nodes' logs carry the same clock, to the millisecond).

Availability is judged on a grid of samples, one every SAMPLE_SECONDS: at each sample every node's view is its latest
answer that arrived within FRESH_SECONDS (a node with no such answer, killed, paused or starved, counts as knowing
nothing). Halon is available at a sample when some peer says it is master and runs the coordinator, and a majority
of the peers (itself included) name that same coordinator and epoch; etcd when some member says it is the leader and a
majority of members name it as leader. While the suite holds a partition, a member that cannot hear that master (it
is on the other side) does not count, however sure it is: it has not heard from it since the cut. The same rule, the
same poller and the same grid for both.

The safety checks (Halon only: etcd has no coordinator or satellites) are described at safety().
"""

import bisect
import json
import re
import statistics
from datetime import datetime

SAMPLE_SECONDS = 0.05
FRESH_SECONDS = 0.25
# When the poller falls back to halonctl (an answer every 250 ms at best), an answer stays fresh for longer.
FRESH_SECONDS_HALONCTL = 0.75
# A request the node's loop left unanswered this long shows the loop was not running (paused, starved, or blocked).
UNANSWERED_SECONDS = 0.1
# Gaps of up to this long between two stretches of unanswered requests do not break a stall witness: the poller waits
# this long before it reconnects after a timeout (poller.RECONNECT_INTERVAL plus slack).
WITNESS_GAP_SECONDS = 0.15
ETCD_LEADER = re.compile(r"became leader at term (\d+)")


def parse_time(text):
    """An ISO 8601 time ("2025-01-31T12:00:00.662Z") as seconds since the epoch."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def read_json_lines(path):
    records = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        records.append(json.loads(line))
                    except ValueError:
                        pass  # a line cut short by SIGKILL
    except FileNotFoundError:
        pass
    return records


def halon_log(path):
    """halond's JSON log lines, each with "t" (seconds) added."""
    lines = []
    for record in read_json_lines(path):
        if "time" in record:
            record["t"] = parse_time(record["time"])
            lines.append(record)
    return lines


def etcd_elections(path):
    """[(time, term)] of every "became leader at term N" in an etcd member's zap log."""
    elections = []
    for record in read_json_lines(path):
        match = ETCD_LEADER.search(record.get("msg", ""))
        if match and "ts" in record:
            ts = record["ts"]
            elections.append((parse_time(ts) if isinstance(ts, str) else float(ts), int(match.group(1))))
    return elections


def median(values):
    return statistics.median(values) if values else None


# ---------------------------------------------------------------------------------------------------- samples

class Answers:
    """Every answer of the poller, per node, in arrival order; and its notes (a fallback to halonctl, for one)."""

    def __init__(self, path):
        self.by_node = {}
        self.notes = []
        self.fresh_seconds = FRESH_SECONDS
        for record in read_json_lines(path):
            if "poller" in record:
                self.notes.append(record)
            elif "n" in record:
                self.by_node.setdefault(record["n"], []).append(record)
        if any(note.get("poller") == "halonctl" for note in self.notes):
            self.fresh_seconds = FRESH_SECONDS_HALONCTL
        self._downs = {}
        self._arrivals = {}
        for node, records in self.by_node.items():
            records.sort(key=lambda r: r["t1"])
            self._arrivals[node] = [r["t1"] for r in records]

    def went_down(self, node, times):
        """The moments the suite killed, stopped or paused the node: an answer from before one of them is not the
        node's view after it, however fresh."""
        self._downs[node] = sorted(times)

    def at(self, node, t):
        """The node's latest successful answer that arrived in (t - fresh_seconds, t], unless the node went down
        between that answer and t; or None."""
        arrivals = self._arrivals.get(node)
        if not arrivals:
            return None
        index = bisect.bisect_right(arrivals, t) - 1
        while index >= 0 and arrivals[index] > t - self.fresh_seconds:
            record = self.by_node[node][index]
            if "err" not in record:
                downs = self._downs.get(node)
                if downs:
                    after = bisect.bisect_right(downs, record["t1"])
                    if after < len(downs) and downs[after] <= t:
                        return None
                return record
            index -= 1
        return None

    def of(self, node):
        return self.by_node.get(node, [])


def halon_view(answers, peers, address, deaf=None):
    """(available, coordinator (address, epoch) or None, every peer agrees) from one answer (or None) per peer.
    deaf(peer, master) tells that the peer cannot hear the master (a partition the suite made): its belief in that
    master is then stale and does not count."""
    majority = len(peers) // 2 + 1
    for master in peers:
        record = answers.get(master)
        if not (record and record.get("st") == "master" and record.get("c") and record["c"][0] == address[master]):
            continue
        coordinator = tuple(record["c"])
        knowing = [p for p in peers if answers.get(p) and answers[p].get("c") and tuple(answers[p]["c"]) == coordinator]
        hearing = [p for p in knowing if not (deaf and deaf(p, master))]
        if len(hearing) >= majority:
            return True, coordinator, len(knowing) == len(peers)
    return False, None, False


def etcd_view(answers, members, deaf=None):
    """(available, leader member id or None, every member agrees) from one answer (or None) per member; deaf as above."""
    majority = len(members) // 2 + 1
    for leader in members:
        record = answers.get(leader)
        if not (record and record.get("ld") not in (None, "0") and record.get("ld") == record.get("id")):
            continue
        knowing = [m for m in members if answers.get(m) and answers[m].get("ld") == record["id"]]
        hearing = [m for m in knowing if not (deaf and deaf(m, leader))]
        if len(hearing) >= majority:
            return True, record["id"], len(knowing) == len(members)
    return False, None, False


def grid(start, end):
    count = max(0, int((end - start) / SAMPLE_SECONDS) + 1)
    return (start + i * SAMPLE_SECONDS for i in range(count))


def deafness(cuts, t):
    """deaf(member, leader) for the partitions in force at time t: [(start, heal, groups, one_way)], where a one-way
    cut's first group is the node the others stop hearing."""
    active = [(groups, one_way) for start, heal, groups, one_way in cuts if start <= t < heal]
    if not active:
        return None

    def deaf(member, leader):
        for groups, one_way in active:
            if one_way:
                if leader in groups[0] and member not in groups[0]:
                    return True
            elif not any(member in g and leader in g for g in groups):
                return True
        return False
    return deaf


def view_at(system, answers, t, cuts=()):
    members = system["members"]
    snapshot = {m: answers.at(m, t) for m in members}
    deaf = deafness(cuts, t)
    if system["kind"] == "halon":
        return halon_view(snapshot, members, system["address"], deaf)
    return etcd_view(snapshot, members, deaf)


def availability(system, answers, start, end, cuts=()):
    """(available samples, samples) over [start, end]."""
    available = total = 0
    for t in grid(start, end):
        total += 1
        available += 1 if view_at(system, answers, t, cuts)[0] else 0
    return available, total


def first_sample(system, answers, start, end, predicate, cuts=()):
    """Seconds from start to the first sample in [start, end] whose view satisfies predicate, or None."""
    for t in grid(start, end):
        if predicate(view_at(system, answers, t, cuts)):
            return t - start
    return None


# ---------------------------------------------------------------------------------------------------- elections

class Elections:
    """Masters elected and coordinators started (Halon), leaders elected (etcd), from the logs, in time order."""

    def __init__(self, kind, logs):
        self.kind = kind
        self.masters = []  # (time, term, node)
        self.coordinators = []  # (time, epoch, node): Halon's new coordinators; etcd's leaders again
        if kind == "halon":
            for node, lines in logs.items():
                for line in lines:
                    if line.get("event") == "BecameMaster":
                        self.masters.append((line["t"], line.get("term", 0), node))
                    elif line.get("event") == "CoordinatorStarted":
                        # A master restarts its coordinator in the same epoch when its lease lapsed and was renewed
                        # ("restart" counts every start on the node); first_new() looks for a higher epoch only.
                        self.coordinators.append((line["t"], line.get("epoch", 0), node))
        else:
            for node, elections in logs.items():
                for t, term in elections:
                    self.masters.append((t, term, node))
            self.coordinators = list(self.masters)
        self.masters.sort()
        self.coordinators.sort()

    def changes(self, start, end):
        return sum(1 for t, _, _ in self.masters if start <= t <= end)

    def first_new(self, after, older_than):
        """Seconds from `after` to the first coordinator (leader) started after it with an epoch (term) above
        `older_than`, or None."""
        for t, epoch, _ in self.coordinators:
            if t >= after and epoch > older_than:
                return t - after
        return None


# ---------------------------------------------------------------------------------------------------- safety

def coordinator_intervals(logs, lives, run_end):
    """[(start, end, epoch, node)] of every Halon coordinator, from its start line to its stop line, or to the end of
    the process's life (a SIGKILL, a SIGTERM), or to the end of the run. A master whose lease lapsed stops its
    coordinator and starts it again, in the same epoch, when a majority answers again: two intervals."""
    intervals = []
    for node, lines in logs.items():
        ends = sorted(end for _, end, _ in lives.get(node, []) if end is not None)
        open_epoch, opened = None, None
        for line in lines:
            event = line.get("event")
            if open_epoch is not None:
                # A process that died without a stop line: the coordinator ended with the process.
                died = next((e for e in ends if opened <= e <= line["t"]), None)
                if died is not None:
                    intervals.append((opened, died, open_epoch, node))
                    open_epoch = None
            if event == "CoordinatorStarted":
                if open_epoch is not None:  # a start with no stop line before it: the older one ended here at the latest
                    intervals.append((opened, line["t"], open_epoch, node))
                open_epoch, opened = line.get("epoch", 0), line["t"]
            elif event in ("CoordinatorStopped", "Stopped") and open_epoch is not None:
                if event == "Stopped" or line.get("epoch", open_epoch) == open_epoch:
                    intervals.append((opened, line["t"], open_epoch, node))
                    open_epoch = None
        if open_epoch is not None:
            died = next((e for e in ends if e >= opened), None)
            intervals.append((opened, died if died is not None else run_end, open_epoch, node))
    return sorted(intervals)


def stall_witness(node, answers, pauses):
    """Merged [start, end] stretches in which the node's loop demonstrably did not run: the suite had it SIGSTOPped, or
    a status request to it stayed unanswered for UNANSWERED_SECONDS or more (timed out, or answered late)."""
    stretches = [(p, c) for p, c in pauses.get(node, []) if c is not None]
    for record in answers.of(node):
        if record["t1"] - record["t0"] >= UNANSWERED_SECONDS:
            stretches.append((record["t0"], record["t1"]))
    stretches.sort()
    merged = []
    for start, end in stretches:
        if merged and start <= merged[-1][1] + WITNESS_GAP_SECONDS:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def covered(stretches, start, end):
    return any(s <= start and end <= e for s, e in stretches)


def safety(system, logs, lives, pauses, answers, run_end):
    """Halon's two safety properties, each checked two ways.

    Coordinator exclusivity.
    1. From the logs: no coordinator starts while an older one's interval (start line to stop line, or to its
       process's death) is open. A master whose loop was paused, starved or blocked through the moment the newer one started logs
       its stop only on waking, after the newer one's start, although it did nothing in between (its loop issues the
       missed ticks, finds its lease lapsed and stops before it reads any message). Such an overlap is counted as
       "stepped down on waking", not as a violation, when the stall is witnessed from outside for the whole overlap:
       the suite had the process SIGSTOPped, or the poller's status request to it stayed unanswered (halond answers
       status from its loop, after the missed ticks). Any other overlap is a violation.
    2. From the poller: no node answers that it runs a coordinator after a newer coordinator started (its status was
       requested after the newer one's start line). Such an answer comes from a running loop, so this is a violation
       whatever the logs say.
    Also: coordinator epochs never go back (a start with an epoch below one that started earlier).

    Acknowledged satellites.
    3. From the logs: every coordinator starts knowing at least as many satellites as had been acknowledged before
       it started (its start line's count; a satellite counts once, whatever its incarnations).
    4. From the poller: every answer of a node that runs the coordinator lists every satellite acknowledged before the
       answer was requested, with at least the acknowledged incarnation.

    Returns a list of violations [(time, "overlap" or "lost", text)] and a list of excused overlaps [(time, text)].
    """
    violations, excused = [], []
    address = system["address"]
    name_of = {a: n for n, a in address.items()}
    intervals = coordinator_intervals({n: logs[n] for n in system["members"]}, lives, run_end)
    witnesses = {n: stall_witness(n, answers, pauses) for n in system["members"]}

    # 1 and the epoch order.
    highest = None
    for index, (start_b, end_b, epoch_b, node_b) in enumerate(intervals):
        if highest is not None and epoch_b < highest[0] and node_b != highest[1]:
            violations.append((start_b, "overlap", f"coordinator epoch {epoch_b} started on {node_b} after epoch {highest[0]} had started on {highest[1]}"))
        if highest is None or epoch_b >= highest[0]:
            highest = (epoch_b, node_b)
        for start_a, end_a, epoch_a, node_a in intervals[:index]:
            if node_a == node_b or not start_a <= start_b < end_a:
                continue
            text = (f"coordinator epoch {epoch_b} started on {node_b} at {stamp(start_b)} while epoch {epoch_a} on "
                    f"{node_a} ({stamp(start_a)} to {stamp(end_a)}) had not logged its stop")
            if covered(witnesses[node_a], start_b, end_a):
                excused.append((start_b, text + f"; {node_a}'s loop did not run meanwhile (paused, starved of CPU or blocked: "
                                                 f"a request to it went unanswered throughout) and it stepped down on waking"))
            else:
                violations.append((start_b, "overlap", text))

    # 2.
    starts = [(s, e, n) for s, _, e, n in intervals]
    for node in system["members"]:
        for record in answers.of(node):
            c = record.get("c")
            if "err" in record or record.get("st") != "master" or not c or c[0] != address[node]:
                continue
            newer = next(((s, e, n) for s, e, n in starts if e > c[1] and n != node and s < record["t0"]), None)
            if newer:
                violations.append((record["t0"], "overlap", f"{node} answered at {stamp(record['t1'])} (asked at {stamp(record['t0'])}) that it "
                                                  f"runs coordinator epoch {c[1]}, after epoch {newer[1]} started on {newer[2]} at {stamp(newer[0])}"))

    # 3 and 4.
    acknowledged = acknowledgements(logs, system["satellites"], name_of)
    for start, _, epoch, node in intervals:
        line = next((l for l in logs[node] if l.get("event") == "CoordinatorStarted" and l["t"] == start), None)
        before = {s for s, _, t in acknowledged if t < start}
        if line is not None and line.get("satellites", 0) < len(before):
            violations.append((start, "lost", f"coordinator epoch {epoch} on {node} started knowing {line.get('satellites')} satellites; "
                                      f"{len(before)} had been acknowledged before ({', '.join(sorted(before))})"))
    for node in system["members"]:
        for record in answers.of(node):
            if "sat" not in record:
                continue
            held = {s: i for s, i in record["sat"]}
            for satellite, incarnation, t in acknowledged:
                if t < record["t0"] and held.get(address[satellite], 0) < incarnation:
                    violations.append((record["t0"], "lost", f"{node}, running coordinator epoch {record['c'][1]}, holds "
                                                      f"{satellite} at incarnation {held.get(address[satellite], 'none')}; "
                                                      f"incarnation {incarnation} was acknowledged at {stamp(t)}"))
                    break
    violations.sort()
    return violations, excused


def acknowledgements(logs, satellites, name_of):
    """[(satellite, incarnation, time)]: the first time each satellite incarnation was known to be acknowledged, from
    the coordinator's line or the satellite's own, whichever came first."""
    first = {}
    for node, lines in logs.items():
        for line in lines:
            if line.get("event") == "SatelliteAcknowledged":
                key = (name_of.get(line.get("satellite"), line.get("satellite")), line.get("incarnation", 0))
            elif line.get("event") == "AnnouncementAcknowledged" and node in satellites:
                key = (node, line.get("incarnation", 0))
            else:
                continue
            if key[0] in satellites and (key not in first or line["t"] < first[key]):
                first[key] = line["t"]
    return sorted(((s, i, t) for (s, i), t in first.items()), key=lambda a: a[2])


def stamp(t):
    return datetime.utcfromtimestamp(t).strftime("%H:%M:%S.%f")[:-3]
