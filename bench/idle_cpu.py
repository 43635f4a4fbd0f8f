#!/usr/bin/env python3
"""Idle cost of halond: CPU and log lines of a steady station and an acknowledged satellite doing nothing.

Starts PEERS station peers and one satellite on free loopback ports (temporary data dirs, no cluster key), bootstraps
them with halonctl, waits until the coordinator has acknowledged the satellite, lets things settle, then reads each
process's utime + stime from /proc/PID/stat at the start and the end of a SECONDS-long window. Prints, per node, the
CPU used as a percentage of one core and the log lines written per minute at the default level (info), then stops
every process it started (by PID) and removes its directory.

Usage: bench/idle_cpu.py --halond PATH [--halonctl 'dotnet hosts/Halon.Ctl/bin/Release/net10.0/halonctl.dll']
                         [--peers 3] [--seconds 60] [--label NAME]
"""

import argparse
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        # The command name is in parentheses and may hold spaces: split after its closing one.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime and stime are fields 14 and 15


def count_lines(path):
    with open(path, "rb") as log:
        return sum(1 for _ in log)


def status(halonctl, node):
    done = subprocess.run(halonctl + ["status", "--node", node, "--json"], capture_output=True, text=True, timeout=30)
    return json.loads(done.stdout) if done.returncode == 0 else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--halond", required=True, help="halond executable (native) or halond.dll")
    parser.add_argument("--halonctl", default="dotnet hosts/Halon.Ctl/bin/Release/net10.0/halonctl.dll")
    parser.add_argument("--peers", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    halond = ["dotnet", args.halond] if args.halond.endswith(".dll") else [args.halond]
    halonctl = shlex.split(args.halonctl)
    root = tempfile.mkdtemp(prefix="halon-idle-cpu-")
    ports = free_ports(args.peers + 1)
    nodes = [f"127.0.0.1:{port}" for port in ports]
    peers, satellite = nodes[:-1], nodes[-1]
    processes = {}
    try:
        for node in nodes:
            name = node.replace(":", "-")
            log = open(os.path.join(root, name + ".log"), "wb")
            processes[node] = subprocess.Popen(
                halond + ["--listen", node, "--data-dir", os.path.join(root, name)],
                stdout=log, stderr=subprocess.STDOUT)
        time.sleep(2)
        station = ",".join(peers)
        subprocess.run(halonctl + ["bootstrap", "station", "--peers", station, "--wait", "--timeout", "60s"],
                       check=True, capture_output=True, timeout=120)
        subprocess.run(halonctl + ["bootstrap", "satellite", "--station", station, "--on", satellite, "--wait",
                                   "--timeout", "60s"], check=True, capture_output=True, timeout=120)
        time.sleep(5)  # past the bootstrap's own traffic

        before_cpu = {node: cpu_seconds(process.pid) for node, process in processes.items()}
        before_lines = {node: count_lines(os.path.join(root, node.replace(":", "-") + ".log")) for node in nodes}
        started = time.monotonic()
        time.sleep(args.seconds)
        elapsed = time.monotonic() - started
        after_cpu = {node: cpu_seconds(process.pid) for node, process in processes.items()}
        after_lines = {node: count_lines(os.path.join(root, node.replace(":", "-") + ".log")) for node in nodes}

        views = {node: status(halonctl, node) for node in peers}
        master = next((node for node, view in views.items() if view and view.get("state") == "master"), None)
        terms = sorted({view["term"] for view in views.values() if view})
        print(f"# {args.label or args.halond}: {args.peers} peers + 1 satellite, {elapsed:.0f} s idle window, "
              f"terms seen at the end {terms}")
        print("| node | role | CPU (% of one core) | log lines per minute |")
        print("| --- | --- | ---: | ---: |")
        for node in nodes:
            role = "satellite (acknowledged)" if node == satellite else ("master" if node == master else "follower")
            cpu = 100 * (after_cpu[node] - before_cpu[node]) / elapsed
            lines = (after_lines[node] - before_lines[node]) * 60 / elapsed
            print(f"| {node} | {role} | {cpu:.2f} | {lines:.0f} |")
        return 0
    finally:
        for process in processes.values():
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
