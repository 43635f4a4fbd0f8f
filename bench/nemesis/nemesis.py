#!/usr/bin/env python3
"""Nemesis suite on real hosts: Halon and etcd side by side, in network namespaces on one bridge.

Each node (PEERS station peers, SATELLITES satellites) gets a network namespace; the station peers' namespaces also
hold one etcd member each (5 members by default, at etcd's default timings). Native halond processes run with a
cluster key and JSON logs and are bootstrapped with `halonctl bootstrap station|satellite --wait`, run from inside a
namespace. An observer namespace runs poller.py, which asks every node for its status every 50 ms.

Nemeses, in this order (the leader-targeted ones alternate Halon and etcd run by run; the whole-network ones hit both
systems at once, so that both meet the same conditions at the same moment):

  quiet       nothing, for WINDOW seconds (the baseline)
  kill        kill -9 of the master (etcd: the leader); restarted 2 s later, as systemd's RestartSec=2s would
  minority    the master and one peer cut from the other three, for HOLD seconds, then healed
  split       a 2/2/1 split (no side has a majority), for HOLD seconds, then healed
  one-way     the other peers stop hearing the master (it still hears them), for HOLD seconds, then healed
  loss-5      5 % loss on every link (each node drops 5 % of what reaches it), for WINDOW seconds
  loss-20     20 % loss on every link, for WINDOW seconds
  pause       SIGSTOP of the master for PAUSE seconds, then SIGCONT
  reinstall   a satellite is killed, its data dir wiped, started in listen mode and bootstrapped again (Halon only)
  cpu         stress-ng --cpu (2 x cores) starves the whole machine for CPU_SECONDS

Partitions are iptables rules on the system's own port (9070 for Halon, etcd's peer port 2380), so the other system
is left alone; loss applies to every packet between nodes. Figures and safety checks: see analysis.py. The table goes
to stdout (Markdown), progress to stderr. Exit status: 0, or 1 when a safety check failed or the suite could not run
(never for availability figures); a machine that cannot make network namespaces is skipped with exit status 0.

Run it through bench/nemesis/run.sh, which publishes the native binaries first; see docs/testing.md.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import analysis
import cluster
import net

RESTART_DELAY_SECONDS = 2.0  # halond.service's RestartSec=2s
STEADY_HOLD_SECONDS = 1.0
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PRESETS = {
    # The durations the availability targets are stated for: 60 s loss windows, 10 minutes of CPU starvation, medians
    # over 10 kills. About 25 minutes.
    "full": {"window": 60, "quiet": 120, "hold": 10, "pause": 3, "cpu": 600, "kill": 10, "partition": 6, "one_way": 3,
             "pause_runs": 5, "reinstall": 3},
    # For CI: every nemesis once or twice, a few minutes in all.
    "short": {"window": 12, "quiet": 10, "hold": 4, "pause": 2, "cpu": 20, "kill": 2, "partition": 1, "one_way": 1,
              "pause_runs": 1, "reinstall": 1},
}
SCENARIOS = ["quiet", "kill", "minority", "split", "one-way", "loss-5", "loss-20", "pause", "reinstall", "cpu"]
DESCRIPTIONS = {
    "quiet": "quiet station, {quiet} s",
    "kill": "`kill -9` master, restarted after 2 s",
    "minority": "master + 1 peer cut from the rest, {hold} s",
    "split": "2/2/1 split, {hold} s, then heal",
    "one-way": "the peers stop hearing the master (one way), {hold} s",
    "loss-5": "5 % loss on every link, {window} s",
    "loss-20": "20 % loss on every link, {window} s",
    "pause": "`SIGSTOP` master {pause} s, then `SIGCONT`",
    "reinstall": "satellite reinstalled (data dir wiped, bootstrapped again)",
    "cpu": "CPU starvation (`stress-ng --cpu {cpu_workers}`), {cpu} s",
}


def progress(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class NotRecovered(Exception):
    """A system did not come back to a steady state in time: recorded with the run, and the suite goes on."""


class Live:
    """The poller's answers as they arrive (the latest per node), for the suite's own decisions."""

    def __init__(self, path):
        self.path = path
        self.latest = {}
        self._file = None
        self._partial = ""
        self.fresh_seconds = analysis.FRESH_SECONDS

    def refresh(self):
        if self._file is None:
            try:
                self._file = open(self.path, errors="replace")
            except FileNotFoundError:
                return
        for _ in range(100000):
            chunk = self._file.readline()
            if not chunk:
                break
            if not chunk.endswith("\n"):
                self._partial += chunk
                continue
            line, self._partial = self._partial + chunk, ""
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if "n" in record and "err" not in record:
                self.latest[record["n"]] = record
            elif "poller" in record and record["poller"] == "halonctl":
                progress(f"poller: asking halond through halonctl ({record.get('why')})")
                self.fresh_seconds = analysis.FRESH_SECONDS_HALONCTL

    def fresh(self, node):
        record = self.latest.get(node)
        return record if record and record["t1"] > time.time() - self.fresh_seconds else None

    def close(self):
        if self._file is not None:
            self._file.close()


class Suite:
    def __init__(self, args, root, network, processes, halon, etcd, live):
        self.args = args
        self.root = root
        self.net = network
        self.processes = processes
        self.halon = halon
        self.etcd = etcd
        self.live = live
        self.runs = []  # one dict per run of a nemesis against one system
        self.systems = {}
        if halon:
            self.systems["halon"] = {"kind": "halon", "members": halon.peers, "satellites": halon.satellites,
                                     "address": halon.address, "process": halon.process, "ports": [cluster.HALON_PORT],
                                     "host": {n: n for n in halon.peers + halon.satellites}}
        if etcd:
            self.systems["etcd"] = {"kind": "etcd", "members": etcd.members, "satellites": [],
                                    "address": etcd.client_address, "process": etcd.process, "ports": [cluster.ETCD_PEER_PORT],
                                    "host": etcd.host}

    # ------------------------------------------------------------------------------------------------ views

    def view(self, system):
        self.live.refresh()
        answers = {m: self.live.fresh(m) for m in system["members"]}
        if system["kind"] == "halon":
            return analysis.halon_view(answers, system["members"], system["address"])
        return analysis.etcd_view(answers, system["members"])

    def leader(self, system):
        """(node, epoch or term) of the running coordinator (etcd: leader) known to a majority, or None."""
        available, who, _ = self.view(system)
        if not available:
            return None
        if system["kind"] == "halon":
            return self.halon.name_of[who[0]], who[1]
        for member in system["members"]:
            record = self.live.fresh(member)
            if record and record.get("id") == who:
                return member, record.get("tm", 0)
        return None

    def settled(self, system):
        available, _, everyone = self.view(system)
        if not (available and everyone):
            return False
        for satellite in system["satellites"]:
            record = self.live.fresh(satellite)
            if not record or not record.get("an") or not record["an"][1]:
                return False
        return True

    def steady(self, names, timeout=None):
        """Waits until every named system has a coordinator (leader) known to all its members, and every satellite is
        acknowledged, for STEADY_HOLD_SECONDS without a break."""
        timeout = timeout or self.args.recover_seconds
        deadline = time.time() + timeout
        since = None
        while time.time() < deadline:
            if all(self.settled(self.systems[n]) for n in names):
                since = since or time.time()
                if time.time() - since >= STEADY_HOLD_SECONDS:
                    return time.time()
            else:
                since = None
            time.sleep(0.05)
        raise NotRecovered(f"{', '.join(names)} not steady within {timeout} s")

    def wait(self, what, predicate, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.live.refresh()
            value = predicate()
            if value:
                return value
            time.sleep(0.02)
        return None

    # ------------------------------------------------------------------------------------------------ repair

    def repair(self, names):
        """After a run that did not recover: heal the network, wake and restart whatever the nemesis left down."""
        self.net.heal()
        for name in names:
            for process in self.systems[name]["process"].values():
                process.resume()
                if not process.alive():
                    process.start()

    # ------------------------------------------------------------------------------------------------ runs

    def record(self, scenario, name, **fields):
        run = {"scenario": scenario, "system": name, **fields}
        self.runs.append(run)
        return run

    def targeted(self, scenario, repetitions, action):
        """Runs action(system name) `repetitions` times per system, alternating the systems run by run."""
        for repetition in range(repetitions):
            for name in self.systems:
                if scenario == "reinstall" and name != "halon":
                    continue
                progress(f"{scenario} {repetition + 1}/{repetitions}: {name}")
                before = len(self.runs)
                try:
                    self.steady([name])
                    run = action(name, repetition)
                    run["end"] = self.steady([name])
                    run["recovered"] = True
                except NotRecovered as e:
                    progress(f"{scenario}: {e}; repairing and going on")
                    run = self.runs[-1] if len(self.runs) > before else self.record(scenario, name, t=time.time())
                    run["end"], run["recovered"], run["note"] = time.time(), False, str(e)
                    self.repair([name])

    def whole(self, scenario, seconds, start, stop):
        """One window for every system at once: start(), `seconds` of it, stop(), then wait for all to be steady."""
        names = list(self.systems)
        progress(f"{scenario}: {seconds} s, {', '.join(names)} at once")
        try:
            self.steady(names)
        except NotRecovered as e:
            progress(f"{scenario}: {e} before the start; repairing, and skipping this window")
            self.repair(names)
            for name in names:
                self.record(scenario, name, t=time.time(), end=time.time(), recovered=False, note=str(e))
            return
        runs = [self.record(scenario, name, t=time.time(), window=True) for name in names]
        try:
            in_place = start()
            for run in runs:
                run["t"] = in_place or run["t"]  # from the moment the fault is in place
            time.sleep(max(0.0, runs[0]["t"] + seconds - time.time()))
        finally:
            healed = stop()
        for run in runs:
            run["heal"] = healed or time.time()
        try:
            end = self.steady(names)
            recovered = True
        except NotRecovered as e:
            progress(f"{scenario}: {e}; repairing and going on")
            end, recovered = time.time(), False
            self.repair(names)
        for run in runs:
            run["end"], run["recovered"] = end, recovered

    # ------------------------------------------------------------------------------------------------ nemeses

    def target(self, system):
        leader = self.leader(system)
        if leader is None:
            raise NotRecovered("no leader at the start of the run")
        return leader

    def kill(self, name, _):
        system = self.systems[name]
        victim, old = self.target(system)
        process = system["process"][victim]
        t = process.kill()
        run = self.record("kill", name, t=t, old=old, victim=victim)
        self.wait("a new leader", lambda: (self.leader(system) or (victim,))[0] != victim, 30)
        time.sleep(max(0.0, t + RESTART_DELAY_SECONDS - time.time()))
        process.start()
        run["restarted"] = time.time()
        return run

    def partition(self, scenario, name, _):
        system = self.systems[name]
        victim, old = self.target(system)
        members = system["members"]
        others = [m for m in members if m != victim]
        majority = len(members) // 2 + 1
        begun = time.time()
        if scenario == "minority":
            minority = [victim] + others[:len(members) - majority - 1]
            groups = [minority, [m for m in members if m not in minority]]
            t = self.net.partition(hosts(system, groups), ports=system["ports"])
        elif scenario == "split":
            size = majority - 1  # no group reaches a majority: 2/2/1 of 5, 1/1/1 of 3, 3/3/1 of 7
            ordered = [victim] + others
            groups = [ordered[i:i + size] for i in range(0, len(ordered), size)]
            t = self.net.partition(hosts(system, groups), ports=system["ports"])
        else:
            groups = [[victim], others]
            t = self.net.cut(system["host"][victim], [system["host"][o] for o in others], ports=system["ports"])
        # The fault counts from the moment every rule is in place; `begun` is when the first went in.
        run = self.record(scenario, name, t=t, begun=begun, old=old, victim=victim, groups=groups)
        time.sleep(max(0.0, t + self.args.hold - time.time()))
        run["heal_begun"] = time.time()
        run["heal"] = self.net.heal()
        return run

    def pause(self, name, _):
        system = self.systems[name]
        victim, old = self.target(system)
        process = system["process"][victim]
        t = process.pause()
        run = self.record("pause", name, t=t, old=old, victim=victim)
        time.sleep(self.args.pause)
        run["heal"] = process.resume()
        return run

    def reinstall(self, name, repetition):
        halon = self.halon
        satellite = halon.satellites[repetition % len(halon.satellites)]
        process = halon.process[satellite]
        t = process.kill()
        run = self.record("reinstall", name, t=t, victim=satellite)
        halon.wipe(satellite)
        process.start()
        try:
            halon.bootstrap_satellites([satellite], timeout_seconds=int(self.args.recover_seconds))
        except cluster.SuiteError as e:
            raise NotRecovered(str(e)) from e
        run["bootstrapped"] = time.time()
        return run


def hosts(system, groups):
    """The groups of members as groups of the nodes (namespaces) they run on."""
    return [[system["host"][m] for m in group] for group in groups]


# ---------------------------------------------------------------------------------------------------- figures

def figures(runs, systems, answers, logs, elections):
    """Per scenario and system: availability, master changes, failover, heal, convergence; see the table's notes."""
    results = {}
    for run in runs:
        system = systems[run["system"]]
        entry = results.setdefault(run["scenario"], {}).setdefault(run["system"], {
            "runs": 0, "not_recovered": 0, "available": 0, "samples": 0, "changes": 0,
            "failover": [], "no_failover": 0, "raced": 0, "heal": [], "converge": [], "acknowledged": []})
        entry["runs"] += 1
        if not run.get("recovered"):
            entry["not_recovered"] += 1
        until = run["heal"] if run.get("window") else run["end"]
        cuts = [(r["t"], r["heal"], r["groups"], r["scenario"] == "one-way") for r in runs
                if r["system"] == run["system"] and r.get("groups") and r.get("heal")]
        available, samples = analysis.availability(system, answers, run["t"], until, cuts)
        entry["available"] += available
        entry["samples"] += samples
        entry["changes"] += elections[run["system"]].changes(run["t"], until)
        if run["scenario"] in ("kill", "minority", "one-way", "pause"):
            found = elections[run["system"]]
            earlier = found.first_new(run["t"] - STEADY_HOLD_SECONDS, run["old"])
            failover = found.first_new(run["t"], run["old"])
            if earlier is not None and earlier < STEADY_HOLD_SECONDS:
                entry["raced"] += 1  # a new master was elected between the suite's last look and its fault
            elif failover is not None and failover <= run["end"] - run["t"]:
                entry["failover"].append(failover)
            else:
                entry["no_failover"] += 1
        if run.get("heal") is not None and run["scenario"] not in ("pause", "quiet"):
            heal = analysis.first_sample(system, answers, run["heal"], run["end"] + 1, lambda v: v[0], cuts)
            converge = analysis.first_sample(system, answers, run["heal"], run["end"] + 1, lambda v: v[0] and v[2], cuts)
            if heal is not None:
                entry["heal"].append(heal)
            if converge is not None:
                entry["converge"].append(converge)
        if run["scenario"] == "reinstall":
            acks = [l["t"] for l in logs[run["victim"]] if l.get("event") == "AnnouncementAcknowledged" and l["t"] > run["t"]]
            if acks:
                entry["acknowledged"].append(min(acks) - run["t"])
    return results


def seconds(values):
    if not values:
        return "–"
    text = f"{analysis.median(values) * 1000:,.0f} ms" if analysis.median(values) < 10 else f"{analysis.median(values):.1f} s"
    if len(values) > 1:
        worst = max(values)
        text += f" ({worst * 1000:,.0f} ms)" if worst < 10 else f" ({worst:.1f} s)"
    return text


def pair(halon, etcd, cell, ratio=None):
    h = cell(halon) if halon else "–"
    e = cell(etcd) if etcd else "–"
    text = f"{h} / {e}" if etcd else h
    if ratio and halon and etcd:
        a, b = ratio(halon), ratio(etcd)
        if a and b:
            text += f" ({a / b:.2f}×)"
    return text


def table(results, safety_by_scenario, meta):
    lines = [
        f"Nemesis suite, {meta['date']}: {meta['peers']} station peers and {meta['satellites']} satellites "
        f"({meta['halon']}) against etcd {meta['etcd']} ({meta['peers']} members, default timings); "
        f"{meta['cpus']} CPUs, load average {meta['load_before']} before and {meta['load_after']} after.",
        "",
        "| nemesis | runs | available (Halon / etcd) | master changes | failover, median (worst) | heal → coordinator | heal → all peers agree | Halon safety: overlaps, lost acks |",
        "| --- | ---: | --- | --- | --- | --- | --- | --- |",
    ]
    for scenario in [s for s in SCENARIOS if s in results]:
        halon, etcd = results[scenario].get("halon"), results[scenario].get("etcd")
        runs = pair(halon, etcd, lambda r: str(r["runs"]) + (f" ({r['not_recovered']} not recovered)" if r["not_recovered"] else ""))
        availability = pair(halon, etcd, lambda r: f"{100.0 * r['available'] / r['samples']:.1f} %" if r["samples"] else "–")
        changes = pair(halon, etcd, lambda r: str(r["changes"]))
        failover = pair(halon, etcd, lambda r: seconds(r["failover"]) + (f", {r['no_failover']} without" if r["no_failover"] else "")
                        + (f", {r['raced']} raced" if r["raced"] else ""),
                        lambda r: analysis.median(r["failover"])) if scenario in ("kill", "minority", "one-way", "pause") else "–"
        heal = pair(halon, etcd, lambda r: seconds(r["heal"]), lambda r: analysis.median(r["heal"])) \
            if any(r and r["heal"] for r in (halon, etcd)) else "–"
        converge = pair(halon, etcd, lambda r: seconds(r["converge"]), lambda r: analysis.median(r["converge"])) \
            if any(r and r["converge"] for r in (halon, etcd)) else "–"
        if scenario == "reinstall" and halon:
            failover = "acknowledged again " + seconds(halon["acknowledged"]) + " after the kill"
        safety = safety_by_scenario.get(scenario, {"overlap": 0, "lost": 0, "excused": 0})
        safe = f"{safety['overlap']}, {safety['lost']}" + (f" ({safety['excused']} stepped down on waking)" if safety["excused"] else "")
        description = DESCRIPTIONS[scenario].format(**meta["durations"])
        lines.append(f"| {description} | {runs} | {availability} | {changes} | {failover} | {heal} | {converge} | {safe} |")
    outside = safety_by_scenario.get(None)
    if outside and (outside["overlap"] or outside["lost"] or outside["excused"]):
        lines.append(f"| between nemeses (start-up, steady waits) | | | | | | | {outside['overlap']}, {outside['lost']}"
                     + (f" ({outside['excused']} stepped down on waking)" if outside["excused"] else "") + " |")
    lines += [
        "",
        f"Command: `{meta['command']}`. Poller: {meta['poller']}.",
        "",
        "Availability: the share of samples (one every 50 ms) at which a coordinator (etcd: a leader) runs and a "
        f"majority of the peers name it, each node's view being its latest status answer from the last {meta['fresh_ms']} ms "
        "(a peer cut off from that master by a partition does not count); over "
        "the nemesis and the recovery after it (loss, CPU and quiet: over the window). Master changes: masters "
        "elected (etcd: leaders), from the logs, over the same span. Failover: from the fault to the new "
        "coordinator's start line (etcd: `became leader` at a higher term). Heal → coordinator: from the heal to the "
        "first sample at which a coordinator known to a majority runs (0 if one ran through the heal); heal → all "
        "peers agree: until every peer names it. Halon/etcd ratios in brackets. A run \"without\" saw no new "
        "coordinator before the system was steady again; a \"raced\" run is left out of the failover figures because "
        "another master was elected just before the fault landed (between the suite's last look and its action). halond runs at the niceness of its "
        f"systemd unit ({meta['halond_nice']:+d}), etcd at Debian's unit's (0).",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- main

def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="the CI version: every nemesis once or twice, a few minutes")
    parser.add_argument("--bin", help="directory holding native halond and halonctl")
    parser.add_argument("--check", action="store_true",
                        help="only check that this machine can run the suite: exit 0 if it can, 3 (with the reason) if not")
    parser.add_argument("--peers", type=int, default=5)
    parser.add_argument("--satellites", type=int, default=3)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma list of: {', '.join(SCENARIOS)}")
    parser.add_argument("--no-etcd", action="store_true", help="run Halon alone")
    parser.add_argument("--repetitions", type=int, help="runs of every repeated nemesis (overrides the preset)")
    parser.add_argument("--window", type=float, help="seconds of each loss window")
    parser.add_argument("--quiet", type=float, help="seconds of the quiet window")
    parser.add_argument("--hold", type=float, help="seconds a partition holds")
    parser.add_argument("--pause", type=float, help="seconds the master stays SIGSTOPped")
    parser.add_argument("--cpu", type=float, help="seconds of CPU starvation")
    parser.add_argument("--poller", choices=["wire", "halonctl"], default="wire",
                        help="how the observer asks halond: its control protocol over one connection per node (default), "
                             "or `halonctl status --json` every 250 ms (also the automatic fallback)")
    parser.add_argument("--station-option", action="append", default=[], metavar="ARG",
                        help="an extra argument for `halonctl bootstrap station` (repeat it; e.g. a timing profile's flag)")
    parser.add_argument("--halond-option", action="append", default=[], metavar="ARG",
                        help="an extra argument for every halond (repeat it)")
    parser.add_argument("--recover-seconds", type=float, default=90, help="how long a system may take to be steady again")
    parser.add_argument("--json", help="also write every run and figure to this file")
    parser.add_argument("--keep", action="store_true", help="keep the logs and the poller's answers (always kept on a violation)")
    parser.add_argument("--command", help="the command line to print with the table")
    parser.add_argument("--reanalyse", metavar="DIR", help="print the table and the checks again from a kept run's directory")
    args = parser.parse_args(argv)
    preset = PRESETS["short" if args.short else "full"]
    for key in ("window", "quiet", "hold", "pause", "cpu"):
        if getattr(args, key) is None:
            setattr(args, key, preset[key])
    args.counts = {s: args.repetitions or preset[k] for s, k in
                   (("kill", "kill"), ("minority", "partition"), ("split", "partition"), ("one-way", "one_way"),
                    ("pause", "pause_runs"), ("reinstall", "reinstall"))}
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown or not 1 <= args.peers <= 7 or args.satellites < 0:
        parser.error(f"unknown scenarios {unknown}" if unknown else "--peers must be 1..7 and --satellites 0 or more")
    if not args.bin and not args.check and not args.reanalyse:
        parser.error("--bin DIR is required (the directory of native halond and halonctl)")
    return args


def halond_nice():
    """The Nice= of the shipped systemd unit, so that halond runs here as it runs in production."""
    try:
        with open(os.path.join(REPO, "hosts", "Halon.Daemon", "halond.service")) as f:
            for line in f:
                if line.strip().startswith("Nice="):
                    return int(line.strip().split("=", 1)[1])
    except (OSError, ValueError):
        pass
    return 0


def load():
    return os.getloadavg()[0]


def main(argv):
    args = parse(argv)
    if args.reanalyse:
        return analyse(args.reanalyse, args.json)[0]
    if os.geteuid() != 0:
        print("nemesis: skipped: the suite makes network namespaces and needs root", file=sys.stderr)
        return 3 if args.check else 0
    possible, why = net.can_make_namespaces()
    if not possible:
        print(f"nemesis: skipped: {why}", file=sys.stderr)
        return 3 if args.check else 0
    if args.check:
        return 0
    for tool in ("halond", "halonctl"):
        if not os.access(os.path.join(args.bin, tool), os.X_OK):
            print(f"nemesis: {os.path.join(args.bin, tool)} is missing; publish it first (bench/nemesis/run.sh does)", file=sys.stderr)
            return 1
    use_etcd = not args.no_etcd and shutil.which("etcd") is not None
    if not args.no_etcd and not use_etcd:
        progress("etcd is not installed (apt-get install etcd-server); running Halon alone")
    if "cpu" in args.scenarios and shutil.which("stress-ng") is None:
        progress("stress-ng is not installed (apt-get install stress-ng); skipping the cpu nemesis")
        args.scenarios.remove("cpu")

    # A signal ends the run through the same clean-up as an exception.
    def interrupted(number, _):
        raise KeyboardInterrupt(f"signal {number}")
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    root = tempfile.mkdtemp(prefix="halon-nemesis-")
    network = net.Network(f"hn{os.getpid()}")
    processes = cluster.Processes()
    keep = args.keep
    try:
        status, keep = run_suite(args, root, network, processes, use_etcd)
        return status
    except KeyboardInterrupt:
        progress("interrupted; cleaning up")
        return 1
    except (cluster.SuiteError, net.NetworkError, NotRecovered, subprocess.TimeoutExpired) as e:
        progress(f"nemesis: the suite could not run: {e}")
        keep = True
        return 1
    finally:
        processes.close()
        problems = network.close()
        for problem in problems:
            progress(f"clean-up: {problem}")
        if keep:
            progress(f"logs and answers kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def run_suite(args, root, network, processes, use_etcd):
    peers = [f"p{i + 1}" for i in range(args.peers)]
    satellites = [f"s{i + 1}" for i in range(args.satellites)]
    meta = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(), "peers": args.peers, "satellites": args.satellites,
            "load_before": f"{load():.1f}", "halond_nice": halond_nice(),
            "command": args.command or "python3 bench/nemesis/nemesis.py " + " ".join(sys.argv[1:]),
            "halon": "native halond and halonctl, cluster key", "etcd": "not run",
            "durations": {"quiet": f"{args.quiet:g}", "hold": f"{args.hold:g}", "window": f"{args.window:g}",
                          "pause": f"{args.pause:g}", "cpu": f"{args.cpu:g}", "cpu_workers": 2 * os.cpu_count()}}
    if args.station_option:
        meta["halon"] += ", `halonctl bootstrap station " + " ".join(args.station_option) + "`"
    if args.halond_option:
        meta["halon"] += ", `halond " + " ".join(args.halond_option) + "`"
    progress(f"network namespaces {network.prefix}-*: {len(peers)} peers, {len(satellites)} satellites; data in {root}")
    network.create(peers + satellites)
    key_path = os.path.join(root, "cluster.key")
    with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(os.urandom(32).hex() + "\n")

    halon = cluster.HalonCluster(network, processes, root, args.bin, key_path, peers, satellites, meta["halond_nice"],
                                 halond_options=args.halond_option, station_options=args.station_option)
    etcd = cluster.EtcdCluster(network, processes, root, peers, 0) if use_etcd else None
    if etcd:
        meta["etcd"] = cluster.version(["etcd", "--version"]).replace("etcd Version: ", "")

    answers_path = os.path.join(root, "answers.jsonl")
    poller_command = network.observer_prefix() + [
        sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "poller.py"), "--out", answers_path,
        "--key", key_path, "--halonctl", os.path.join(args.bin, "halonctl"),
        "--halon", *[f"{n}={a}" for n, a in halon.address.items()]]
    if args.poller == "halonctl":
        poller_command.append("--halonctl-only")
    if etcd:
        poller_command += ["--etcd", *[f"{m}={a}" for m, a in etcd.client_address.items()]]
    # The observer gets ahead of the nodes for CPU, so that a starved node is seen as starved, not a starved poller.
    poller = processes.add(cluster.Process("poller", poller_command, os.path.join(root, "poller.log"), nice=-10))
    poller.start()
    live = Live(answers_path)
    suite = Suite(args, root, network, processes, halon, etcd, live)

    progress("starting halond on every node" + (" and etcd on every peer" if etcd else ""))
    for node in peers + satellites:
        halon.start(node)
    if etcd:
        for member in etcd.members:
            etcd.start(member)
    if not suite.wait("halond answering", lambda: all(live.fresh(n) for n in peers + satellites), 60):
        raise cluster.SuiteError("not every halond answers within 60 s:\n" + "".join(
            f"{n}: {cluster.read_tail(halon.log_path(n), 5)}" for n in peers + satellites if not live.fresh(n)))
    progress("bootstrapping the station and the satellites (halonctl --wait)")
    halon.bootstrap(timeout_seconds=int(args.recover_seconds))
    suite.steady(list(suite.systems))
    progress("steady: " + ", ".join(f"{n} leader {suite.leader(s)[0]}" for n, s in suite.systems.items()))

    for scenario in args.scenarios:
        if scenario == "quiet":
            suite.whole("quiet", args.quiet, lambda: None, lambda: None)
        elif scenario == "kill":
            suite.targeted("kill", args.counts["kill"], suite.kill)
        elif scenario in ("minority", "split", "one-way"):
            suite.targeted(scenario, args.counts[scenario], lambda name, r, s=scenario: suite.partition(s, name, r))
        elif scenario in ("loss-5", "loss-20"):
            probability = 0.05 if scenario == "loss-5" else 0.20
            suite.whole(scenario, args.window, lambda p=probability: network.loss(peers + satellites, p), network.heal)
        elif scenario == "pause":
            suite.targeted("pause", args.counts["pause"], suite.pause)
        elif scenario == "reinstall" and satellites:
            suite.targeted("reinstall", args.counts["reinstall"], suite.reinstall)
        elif scenario == "cpu":
            stress = processes.add(cluster.Process(
                "stress-ng", ["stress-ng", "--cpu", str(2 * os.cpu_count()), "--timeout", f"{int(args.cpu) + 30}s"],
                os.path.join(root, "stress-ng.log"), group=True))
            suite.whole("cpu", args.cpu, stress.start, stress.terminate)

    progress("stopping every process; reading the logs")
    for process in processes.all:
        if process is not poller:
            process.terminate()
    time.sleep(0.3)
    poller.terminate()
    live.close()
    meta["load_after"] = f"{load():.1f}"
    run_end = time.time()

    systems = {}
    for name, system in suite.systems.items():
        logs = {n: (halon.log_path(n) if name == "halon" else etcd.log_path(n)) for n in system["process"]}
        systems[name] = {key: system[key] for key in ("kind", "members", "satellites", "address")}
        systems[name]["logs"] = logs
        systems[name]["lives"] = {n: p.lives for n, p in system["process"].items()}
        systems[name]["pauses"] = {n: p.pauses for n, p in system["process"].items()}
    with open(os.path.join(root, "state.json"), "w") as f:
        json.dump({"meta": meta, "runs": suite.runs, "run_end": time.time(), "systems": systems}, f, indent=1)
    return analyse(root, args.json, args.keep)


def analyse(root, json_path=None, keep=False):
    """Reads what a run left in `root` (state.json, the poller's answers, the logs), prints the table and any
    violation; returns (exit status, whether to keep the directory)."""
    with open(os.path.join(root, "state.json")) as f:
        state = json.load(f)
    meta, runs, systems = state["meta"], state["runs"], state["systems"]
    answers = analysis.Answers(os.path.join(root, "answers.jsonl"))
    for system in systems.values():
        for node, lives in system["lives"].items():
            answers.went_down(node, [end for _, end, _ in lives if end is not None] + [p for p, _ in system["pauses"][node]])
    fallback = [n for n in answers.notes if n.get("poller") == "halonctl"]
    meta["fresh_ms"] = f"{answers.fresh_seconds * 1000:.0f}"
    meta["poller"] = (f"halonctl status --json every 250 ms ({fallback[0]['why']})") if fallback \
        else "halond's control protocol and etcd's /v3/maintenance/status, every 50 ms from the observer namespace"
    halon = systems["halon"]
    logs = {n: analysis.halon_log(path) for n, path in halon["logs"].items()}
    elections = {"halon": analysis.Elections("halon", {n: logs[n] for n in halon["members"]})}
    if "etcd" in systems:
        elections["etcd"] = analysis.Elections("etcd", {m: analysis.etcd_elections(p) for m, p in systems["etcd"]["logs"].items()})
    violations, excused = analysis.safety(halon, logs, halon["lives"], halon["pauses"], answers, state["run_end"])

    results = figures(runs, systems, answers, logs, elections)
    by_scenario = {}
    for t, kind, _ in violations:
        by_scenario.setdefault(scenario_at(runs, t), {"overlap": 0, "lost": 0, "excused": 0})[kind] += 1
    for t, _ in excused:
        by_scenario.setdefault(scenario_at(runs, t), {"overlap": 0, "lost": 0, "excused": 0})["excused"] += 1
    print(table(results, by_scenario, meta), flush=True)
    for t, text in excused:
        progress(f"stepped down on waking: {text}")
    for t, kind, text in violations:
        print(f"SAFETY VIOLATION ({kind}) at {analysis.stamp(t)}: {text}", file=sys.stderr, flush=True)
    report = {"meta": meta, "runs": runs, "results": results, "violations": violations, "excused": excused}
    for path in [os.path.join(root, "report.json")] + ([json_path] if json_path else []):
        with open(path, "w") as f:
            json.dump(report, f, indent=1)
    if violations:
        print(f"nemesis: FAILED: {len(violations)} safety violations", file=sys.stderr)
        return 1, True
    return 0, keep


def scenario_at(runs, t):
    """The nemesis whose span (its first run's start to its last run's end) holds time t, or None."""
    spans = {}
    for run in runs:
        start, end = spans.get(run["scenario"], (run["t"], run.get("end", run["t"])))
        spans[run["scenario"]] = (min(start, run["t"]), max(end, run.get("end", run["t"])))
    for scenario, (start, end) in spans.items():
        if start <= t <= end:
            return scenario
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
