#!/usr/bin/env python3
"""Snapshot targets on real processes: a station peer with 10,000 satellites and 10,000 terms restarts to
waiting-for-quorum (time, RSS, data dir size), and a peer whose data dir was wiped rejoins by snapshot.

Usage: bench/snapshot_restart.py BIN_DIR BENCH_DLL [--satellites N] [--terms T] [--runs R]
  BIN_DIR    holds native halond and halonctl (dotnet publish hosts/Halon.Daemon|hosts/Halon.Ctl -c Release -r linux-x64)
  BENCH_DLL  bench/Halon.Bench's Halon.Bench.dll, whose `datadir` command writes the data dirs

Times are wall-clock from just before exec (or the bootstrap command) to the first halonctl status poll that shows
the state; each poll of the native halonctl takes a few milliseconds, which bounds the resolution. A restart is also
timed by halond's own word: from just before exec to the millisecond timestamp of its log line that enters
waiting-for-quorum (JSON log), which leaves out the poll (a status of 10,000 satellites is about 1 MB of JSON).
"""

import argparse
import datetime
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_ports(count):
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


def status(ctl, node):
    out = subprocess.run([ctl, "status", "--node", node, "--json"], capture_output=True, text=True, timeout=10)
    if out.returncode != 0:
        return None
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError:
        return None


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return -1


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path) if f != "LOCK")


def start(halond, node, data_dir, log, level="Warning"):
    return subprocess.Popen([halond, "--listen", node, "--data-dir", data_dir, "--log-level", level, "--log-format", "json"],
                            stdout=log, stderr=subprocess.STDOUT)


def logged_waiting_at(path):
    """The wall-clock time (seconds) of halond's first log line that enters waiting-for-quorum, or None."""
    with open(path) as f:
        for line in f:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if entry.get("event") == "StateChanged" and str(entry.get("to", "")).replace("-", "").lower() == "waitingforquorum":
                stamp = entry.get("time")
                if stamp:
                    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
    return None


def wait_for(ctl, node, condition, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = status(ctl, node)
        if s is not None and condition(s):
            return s
        time.sleep(0.002)
    raise SystemExit(f"timed out waiting on {node}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("bench_dll")
    parser.add_argument("--satellites", type=int, default=10_000)
    parser.add_argument("--terms", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    halond = os.path.join(args.bin_dir, "halond")
    ctl = os.path.join(args.bin_dir, "halonctl")
    root = tempfile.mkdtemp(prefix="halon-snap-")
    procs = []
    try:
        ports = free_ports(3)
        nodes = [f"127.0.0.1:{p}" for p in ports]
        peers = ",".join(nodes)
        dirs = [os.path.join(root, f"peer{i + 1}") for i in range(3)]
        for node, d in zip(nodes, dirs):
            out = subprocess.run(["dotnet", args.bench_dll, "datadir", d, node, peers, str(args.satellites), str(args.terms)],
                                 capture_output=True, text=True, check=True)
            print(out.stdout.strip())
        log = open(os.path.join(root, "halond.log"), "w")

        # 1. Restart of one peer alone (its peers down): to waiting-for-quorum.
        pristine = os.path.join(root, "pristine")
        shutil.copytree(dirs[0], pristine)
        times, logged, rss = [], [], []
        for run in range(args.runs):
            shutil.rmtree(dirs[0])
            shutil.copytree(pristine, dirs[0])
            run_log_path = os.path.join(root, f"restart{run}.log")
            run_log = open(run_log_path, "w")
            began = time.time()
            p = start(halond, nodes[0], dirs[0], run_log, level="Information")
            procs.append(p)
            s = wait_for(ctl, nodes[0], lambda s: s.get("state") == "waiting-for-quorum")
            times.append((time.time() - began) * 1000)
            run_log.flush()
            at = logged_waiting_at(run_log_path)
            if at is None:
                raise SystemExit(f"no waiting-for-quorum line in {run_log_path}")
            logged.append((at - began) * 1000)
            time.sleep(0.5)
            rss.append(rss_mib(p.pid))
            p.kill()
            p.wait()
            run_log.close()
            procs.remove(p)
        print(f"restart to waiting-for-quorum: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms over {args.runs} runs "
              f"(snapshot at {s['snapshot_index']}, {s['log_entries']} entries after it, {len(s['satellites'])} satellites)")
        print(f"restart to waiting-for-quorum by halond's log: median {statistics.median(logged):.0f} ms, max {max(logged):.0f} ms")
        print(f"RSS after restart: median {statistics.median(rss):.1f} MiB, max {max(rss):.1f} MiB")
        print(f"data dir: {dir_bytes(dirs[0]) / 1e6:.2f} MB")

        # 2. The whole station up; a follower loses its data dir and rejoins by snapshot.
        for node, d in zip(nodes, dirs):
            procs.append(start(halond, node, d, log))
        master_view = wait_for(ctl, nodes[0], lambda s: s.get("coordinator") is not None, timeout=60)
        master = master_view["coordinator"]["node"]
        victim = next(i for i, n in enumerate(nodes) if n != master)
        master_status = wait_for(ctl, master, lambda s: s.get("state") == "master")
        procs[victim].kill()
        procs[victim].wait()
        shutil.rmtree(dirs[victim])
        procs[victim] = start(halond, nodes[victim], dirs[victim], log)
        wait_for(ctl, nodes[victim], lambda s: s.get("role") == "none")
        began = time.time()
        subprocess.run([ctl, "bootstrap", "station", "--peers", peers, "--on", nodes[victim]], check=True, capture_output=True)
        joined = wait_for(ctl, nodes[victim], lambda s: s.get("snapshot_index", 0) >= master_status["snapshot_index"]
                          and sum(1 for x in s.get("satellites", []) if x.get("acknowledged")) == args.satellites)
        rejoin = (time.time() - began) * 1000
        print(f"wiped peer rejoined by snapshot in {rejoin:.0f} ms (from the bootstrap command; snapshot at {joined['snapshot_index']}, "
              f"{len(joined['satellites'])} satellites, state {joined['state']})")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
