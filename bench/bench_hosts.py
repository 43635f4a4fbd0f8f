#!/usr/bin/env python3
"""Halon against etcd on loopback, in one run: cold bootstrap to a coordinator/leader, and kill -9 of the
master/leader to a new one. Run through bench/bench-hosts.sh, which builds the binaries; see its header.

Timing sources, so that polling does not blur the figures:
- Halon: halond logs every line with a UTC timestamp to the millisecond. "coordinator started with epoch N" marks a
  coordinator running; the start (or the kill) is time.time() in this process just before the action. Same clock.
- etcd: `etcdctl endpoint status -w json` polled in a loop, as an operator would. Each poll costs ~10-30 ms, which
  bounds the resolution of the etcd figures (they are around a second, so this is a few per cent).
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z ")
COORDINATOR_STARTED = re.compile(r"coordinator started with epoch (\d+)")
BECAME_MASTER = re.compile(r"became master of term (\d+)")


def free_ports(count):
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def log_time(line):
    match = LOG_TIME.match(line)
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()


def percentile(values, fraction):
    ordered = sorted(values)
    rank = max(1, int(round(fraction * len(ordered) + 0.4999)))  # nearest rank
    return ordered[min(rank, len(ordered)) - 1]


def summary(values):
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median_ms": round(statistics.median(values) * 1000, 1),
        "p90_ms": round(percentile(values, 0.9) * 1000, 1),
        "min_ms": round(min(values) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


# ---------------------------------------------------------------------------------------------------- Halon

class Halond:
    def __init__(self, command, port, root):
        self.command = command
        self.port = port
        self.address = f"127.0.0.1:{port}"
        self.data_dir = os.path.join(root, f"halond-{port}")
        self.log_path = self.data_dir + ".log"
        self.process = None

    def start(self):
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            self.command + ["--listen", self.address, "--data-dir", self.data_dir, "--log-level", "Information"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()

    def kill(self):
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def lines(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []


class Halon:
    def __init__(self, halond, halonctl, root):
        self.halond = halond
        self.halonctl = halonctl
        self.root = root

    def ctl(self, *args, timeout=60):
        return subprocess.run(self.halonctl + list(args), capture_output=True, text=True, timeout=timeout)

    def status(self, node):
        result = self.ctl("status", "--node", node.address, "--json", "--timeout", "1s", timeout=10)
        return json.loads(result.stdout) if result.returncode == 0 else None

    def start(self, count):
        nodes = [Halond(self.halond, port, self.root) for port in free_ports(count)]
        for node in nodes:
            node.start()
        deadline = time.time() + 30
        for node in nodes:
            while self.status(node) is None:
                if time.time() > deadline:
                    raise RuntimeError(f"halond {node.address} does not answer:\n" + "\n".join(node.lines()[-10:]))
                time.sleep(0.01)
        return nodes

    @staticmethod
    def coordinator_starts(nodes, after):
        """(timestamp, epoch, node) of every 'coordinator started' line logged at or after `after`."""
        starts = []
        for node in nodes:
            for line in node.lines():
                match = COORDINATOR_STARTED.search(line)
                stamp = log_time(line)
                if match and stamp is not None and stamp >= after - 0.001:
                    starts.append((stamp, int(match.group(1)), node))
        return sorted(starts, key=lambda s: s[0])

    def wait_coordinator(self, nodes, after, epoch_above, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            starts = [s for s in self.coordinator_starts(nodes, after) if s[1] > epoch_above]
            if starts:
                return starts[0]
            time.sleep(0.005)
        raise RuntimeError(f"no coordinator with epoch above {epoch_above} within {timeout} s")

    def cold_bootstrap(self, peers, repetitions):
        wall, to_coordinator = [], []
        for _ in range(repetitions):
            nodes = self.start(peers)
            try:
                peer_list = ",".join(n.address for n in nodes)
                t0 = time.time()
                result = self.ctl("bootstrap", "station", "--peers", peer_list, "--wait", "--timeout", "30s")
                t1 = time.time()
                if result.returncode != 0:
                    raise RuntimeError("bootstrap failed:\n" + result.stdout + result.stderr)
                started, _, _ = self.wait_coordinator(nodes, t0, 0)
                wall.append(t1 - t0)
                to_coordinator.append(started - t0)
            finally:
                for node in nodes:
                    node.kill()
                    shutil.rmtree(node.data_dir, ignore_errors=True)
        return {"halonctl_wait_wall": summary(wall), "command_to_coordinator": summary(to_coordinator)}

    def master(self, nodes):
        for node in nodes:
            status = self.status(node) if node.process.poll() is None else None
            if status and status.get("coordinator"):
                coordinator = status["coordinator"]
                return next(n for n in nodes if n.address == coordinator["node"]), coordinator["epoch"]
        raise RuntimeError("no node reports a coordinator")

    def failover(self, peers, repetitions, quiet_seconds):
        nodes = self.start(peers)
        try:
            result = self.ctl("bootstrap", "station", "--peers", ",".join(n.address for n in nodes), "--wait", "--timeout", "30s")
            if result.returncode != 0:
                raise RuntimeError("bootstrap failed:\n" + result.stdout + result.stderr)
            times = []
            for _ in range(repetitions):
                time.sleep(1.0)  # steady state: leases held, heartbeats flowing
                master, epoch = self.master(nodes)
                survivors = [n for n in nodes if n is not master]
                t_kill = time.time()
                master.kill()
                started, new_epoch, _ = self.wait_coordinator(survivors, t_kill, epoch)
                times.append(started - t_kill)
                master.start()  # autoboot: it rejoins from its data dir, no command
                self.wait_rejoined(master, new_epoch)
            quiet = self.quiet(nodes, quiet_seconds) if quiet_seconds > 0 else None
            return {"failover": summary(times), "quiet": quiet}
        finally:
            for node in nodes:
                node.kill()
                shutil.rmtree(node.data_dir, ignore_errors=True)

    def wait_rejoined(self, node, epoch, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status = self.status(node)
            if status and status.get("state") == "follower" and (status.get("coordinator") or {}).get("epoch", 0) >= epoch:
                return
            time.sleep(0.02)
        raise RuntimeError(f"{node.address} did not rejoin")

    def quiet(self, nodes, seconds):
        """Master changes over `seconds` of a healthy, idle station: counted from the logs and from the term."""
        _, epoch_before = self.master(nodes)
        t0 = time.time()
        time.sleep(seconds)
        changes = len(self.coordinator_starts(nodes, t0))
        elections = sum(1 for n in nodes for line in n.lines() if BECAME_MASTER.search(line) and (log_time(line) or 0) >= t0)
        _, epoch_after = self.master(nodes)
        return {"seconds": seconds, "coordinator_starts": changes, "masters_elected": elections,
                "epoch_before": epoch_before, "epoch_after": epoch_after}


# ---------------------------------------------------------------------------------------------------- etcd

class Etcd:
    def __init__(self, root):
        self.root = root

    def start(self, members):
        ports = free_ports(2 * members)
        token = f"bench-{os.getpid()}-{time.time_ns()}"
        names = [f"e{i}" for i in range(members)]
        cluster = ",".join(f"{names[i]}=http://127.0.0.1:{ports[2 * i + 1]}" for i in range(members))
        processes = []
        for i in range(members):
            client, peer = ports[2 * i], ports[2 * i + 1]
            data = os.path.join(self.root, f"{token}-{names[i]}")
            log = open(data + ".log", "w")
            command = ["etcd", "--name", names[i], "--data-dir", data,
                       "--listen-client-urls", f"http://127.0.0.1:{client}", "--advertise-client-urls", f"http://127.0.0.1:{client}",
                       "--listen-peer-urls", f"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                       "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", token]
            processes.append({"endpoint": f"http://127.0.0.1:{client}", "data": data,
                              "process": subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)})
            log.close()
        return processes

    @staticmethod
    def status(members):
        """{endpoint: (member_id, leader)} for the members that answered."""
        endpoints = ",".join(m["endpoint"] for m in members)
        result = subprocess.run(["etcdctl", "--endpoints", endpoints, "--dial-timeout", "300ms", "--command-timeout", "500ms",
                                 "endpoint", "status", "-w", "json"], capture_output=True, text=True,
                                env=dict(os.environ, ETCDCTL_API="3"))
        answers = {}
        try:
            for entry in json.loads(result.stdout or "[]"):
                status = entry["Status"]
                answers[entry["Endpoint"]] = (status["header"]["member_id"], status.get("leader", 0))
        except (ValueError, KeyError):
            pass
        return answers

    def wait_leader(self, members, not_leader=None, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for member_id, leader in self.status(members).values():
                if leader and leader != not_leader:
                    return time.time(), leader
            time.sleep(0.005)
        raise RuntimeError("etcd elected no leader in time")

    @staticmethod
    def stop(members):
        for m in members:
            if m["process"].poll() is None:
                os.kill(m["process"].pid, signal.SIGKILL)
                m["process"].wait()
            shutil.rmtree(m["data"], ignore_errors=True)

    def run(self, size, repetitions):
        cold, failover = [], []
        for _ in range(repetitions):
            t0 = time.time()
            members = self.start(size)
            try:
                t_leader, leader = self.wait_leader(members)
                cold.append(t_leader - t0)
                time.sleep(1.0)
                ids = self.status(members)
                victim = next(m for m in members if ids.get(m["endpoint"], (None,))[0] == leader)
                survivors = [m for m in members if m is not victim]
                t_kill = time.time()
                os.kill(victim["process"].pid, signal.SIGKILL)
                t_new, _ = self.wait_leader(survivors, not_leader=leader)
                failover.append(t_new - t_kill)
            finally:
                self.stop(members)
        return {"cold_start_to_leader": summary(cold), "failover": summary(failover)}


# ---------------------------------------------------------------------------------------------------- ZooKeeper

class ZooKeeper:
    """Debian's zookeeper package (3.8) at the sample config's timings (tickTime 2000, initLimit 10, syncLimit 5),
    polled with the `srvr` four-letter command, whose reply has `Mode: leader|follower`."""

    CLASSPATH = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar"

    def __init__(self, root):
        self.root = root

    @staticmethod
    def available():
        return shutil.which("java") is not None and os.path.exists("/usr/share/java/zookeeper.jar")

    def start(self, members):
        ports = free_ports(3 * members)
        servers = "".join(f"server.{i + 1}=127.0.0.1:{ports[members + i]}:{ports[2 * members + i]}\n" for i in range(members))
        processes = []
        for i in range(members):
            data = os.path.join(self.root, f"zk-{time.time_ns()}-{i + 1}")
            os.makedirs(data)
            with open(os.path.join(data, "myid"), "w") as f:
                f.write(str(i + 1))
            with open(os.path.join(data, "zoo.cfg"), "w") as f:
                f.write(f"tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir={data}\nclientPort={ports[i]}\n"
                        f"admin.enableServer=false\n4lw.commands.whitelist=srvr\n{servers}")
            log = open(data + ".log", "w")
            command = ["java", "-cp", self.CLASSPATH, "-Dzookeeper.root.logger=INFO,CONSOLE", f"-Dzookeeper.log.dir={data}",
                       "org.apache.zookeeper.server.quorum.QuorumPeerMain", os.path.join(data, "zoo.cfg")]
            processes.append({"port": ports[i], "data": data,
                              "process": subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)})
            log.close()
        return processes

    @staticmethod
    def mode(port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"srvr")
                data = b""
                while chunk := s.recv(4096):
                    data += chunk
        except OSError:
            return None
        for line in data.decode(errors="replace").splitlines():
            if line.startswith("Mode:"):
                return line.split()[1]
        return None

    def wait_leader(self, members, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for member in members:
                if self.mode(member["port"]) == "leader":
                    return time.time(), member
            time.sleep(0.005)
        raise RuntimeError("ZooKeeper elected no leader in time")

    def run(self, size, repetitions):
        cold, failover = [], []
        for _ in range(repetitions):
            t0 = time.time()
            members = self.start(size)
            try:
                t_leader, leader = self.wait_leader(members)
                cold.append(t_leader - t0)
                time.sleep(1.0)
                t_kill = time.time()
                os.kill(leader["process"].pid, signal.SIGKILL)
                t_new, _ = self.wait_leader([m for m in members if m is not leader])
                failover.append(t_new - t_kill)
            finally:
                Etcd.stop(members)
        return {"cold_start_to_leader": summary(cold), "failover": summary(failover)}


# ---------------------------------------------------------------------------------------------------- report

def row(name, figures):
    if not figures or figures.get("n", 0) == 0:
        return f"| {name} | - | - | - | skipped |"
    return f"| {name} | {figures['median_ms']:.0f} ms | {figures['p90_ms']:.0f} ms | {figures['min_ms']:.0f}–{figures['max_ms']:.0f} ms | {figures['n']} |"


def report(results, args, meta):
    lines = [
        f"## Bootstrap and failover on loopback ({meta['date']}, {meta['cpus']} CPUs, {meta['halon_binaries']})",
        "",
        f"Command: `{meta['command']}`",
        "",
        "| measurement | median | p90 | range | runs |",
        "| --- | --- | --- | --- | --- |",
    ]
    for peers in args.peers:
        h = results["halon"][str(peers)]
        lines.append(row(f"Halon, {peers} peers: `halonctl bootstrap station --wait` (whole command, started halonds)", h["cold"]["halonctl_wait_wall"]))
        lines.append(row(f"Halon, {peers} peers: command → coordinator started (halond log)", h["cold"]["command_to_coordinator"]))
        lines.append(row(f"Halon, {peers} peers: `kill -9` master → new coordinator started", h["failover"]["failover"]))
    for size in args.etcd_members:
        e = results.get("etcd", {}).get(str(size))
        lines.append(row(f"etcd {meta.get('etcd_version', '')}, {size} members: cold start → leader", e and e["cold_start_to_leader"]))
        lines.append(row(f"etcd {meta.get('etcd_version', '')}, {size} members: `kill -9` leader → new leader", e and e["failover"]))
    for size in args.zookeeper_members:
        z = results.get("zookeeper", {}).get(str(size))
        lines.append(row(f"ZooKeeper 3.8, {size} members: cold start → leader", z and z["cold_start_to_leader"]))
        lines.append(row(f"ZooKeeper 3.8, {size} members: `kill -9` leader → new leader", z and z["failover"]))
    lines.append("")
    for peers in args.peers:
        quiet = results["halon"][str(peers)]["failover"].get("quiet")
        if quiet:
            lines.append(f"Quiet {peers}-peer station for {quiet['seconds']} s: {quiet['masters_elected']} masters elected, "
                         f"{quiet['coordinator_starts']} coordinator starts (epoch {quiet['epoch_before']} → {quiet['epoch_after']}).")
    lines += [
        "",
        "Halon figures use halond's own millisecond log timestamps (coordinator started) against the time the command "
        "was started or the SIGKILL sent. Halon timers: tick 10 ms, heartbeat 1 tick, election timeout 15–29 ticks, "
        "lease 11 ticks. etcd runs at its defaults (heartbeat 100 ms, election 1000 ms) and is polled with "
        "`etcdctl endpoint status -w json`. ZooKeeper (Debian's 3.8 package) runs at the sample config's timings "
        "(tickTime 2000 ms, initLimit 10, syncLimit 5) and is polled with its `srvr` command. Cold starts of etcd and "
        "ZooKeeper include their process (and JVM) start-up, since for them start and bootstrap are one step.",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--halond", required=True, help="command that runs halond, e.g. 'out/halond' or 'dotnet out/halond.dll'")
    parser.add_argument("--halonctl", required=True, help="command that runs halonctl")
    parser.add_argument("--peers", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--quiet-seconds", type=int, default=60)
    parser.add_argument("--etcd-members", type=int, nargs="*", default=[3, 5])
    parser.add_argument("--etcd-repetitions", type=int, default=5)
    parser.add_argument("--zookeeper-members", type=int, nargs="*", default=[3, 5])
    parser.add_argument("--zookeeper-repetitions", type=int, default=3)
    parser.add_argument("--json", help="also write the raw figures to this file")
    parser.add_argument("--command", default=" ".join(sys.argv))
    parser.add_argument("--binaries", default="")
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="halon-bench-")
    results = {"halon": {}, "etcd": {}, "zookeeper": {}}
    meta = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(), "command": args.command,
            "halon_binaries": args.binaries or "halond/halonctl as given"}
    try:
        halon = Halon(args.halond.split(), args.halonctl.split(), root)
        for peers in args.peers:
            print(f"halon: {peers} peers, cold bootstrap x{args.repetitions} ...", file=sys.stderr, flush=True)
            cold = halon.cold_bootstrap(peers, args.repetitions)
            # The 60 s quiet check runs once, on the largest station.
            quiet = args.quiet_seconds if peers == max(args.peers) else 0
            print(f"halon: {peers} peers, failover x{args.repetitions}" + (f", then {quiet} s quiet" if quiet else "") + " ...", file=sys.stderr, flush=True)
            failover = halon.failover(peers, args.repetitions, quiet)
            results["halon"][str(peers)] = {"cold": cold, "failover": failover}
            print(json.dumps(results["halon"][str(peers)]), file=sys.stderr, flush=True)
        if args.etcd_members and shutil.which("etcd") and shutil.which("etcdctl"):
            meta["etcd_version"] = subprocess.run(["etcd", "--version"], capture_output=True, text=True).stdout.split("\n")[0].replace("etcd Version: ", "")
            etcd = Etcd(root)
            for size in args.etcd_members:
                print(f"etcd: {size} members x{args.etcd_repetitions} ...", file=sys.stderr, flush=True)
                results["etcd"][str(size)] = etcd.run(size, args.etcd_repetitions)
                print(json.dumps(results["etcd"][str(size)]), file=sys.stderr, flush=True)
        elif args.etcd_members:
            print("etcd: not installed; skipped (apt-get install -y etcd-server etcd-client)", file=sys.stderr)
        if args.zookeeper_members and ZooKeeper.available():
            zookeeper = ZooKeeper(root)
            results["zookeeper"] = {}
            for size in args.zookeeper_members:
                print(f"zookeeper: {size} members x{args.zookeeper_repetitions} ...", file=sys.stderr, flush=True)
                results["zookeeper"][str(size)] = zookeeper.run(size, args.zookeeper_repetitions)
                print(json.dumps(results["zookeeper"][str(size)]), file=sys.stderr, flush=True)
        elif args.zookeeper_members:
            print("zookeeper: not installed; skipped (apt-get install -y zookeeper)", file=sys.stderr)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    text = report(results, args, meta)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=2)
    failed = []
    for peers in args.peers:
        h = results["halon"][str(peers)]
        quiet = h["failover"].get("quiet")
        if quiet and quiet["masters_elected"] != 0:
            failed.append(f"{quiet['masters_elected']} spurious master changes in {quiet['seconds']} s")
    if failed:
        print("FAILED: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
