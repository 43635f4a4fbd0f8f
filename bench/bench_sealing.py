#!/usr/bin/env python3
"""What sealing costs a real station: three halond on loopback, bootstrapped, left to run at their normal rate (a
heartbeat per follower every 10 ms tick, the replies, the probes), one station per security mode, all running at once
so that whatever else loads the machine falls on every mode alike. For each window it reads every node's transport
totals (halonctl status --json: messages sent) and its CPU time (/proc/PID/stat), and prints messages per second, CPU
and CPU per message per mode, and each mode's CPU against the first mode's in the same window, as a Markdown table.
Run through bench/bench-sealing.sh, which builds the binaries; see its header.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
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
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def log(message):
    print(message, file=sys.stderr, flush=True)


class Station:
    def __init__(self, args, mode, root):
        self.args = args
        self.mode = mode
        self.root = root
        self.ports = free_ports(3)
        self.nodes = [f"127.0.0.1:{p}" for p in self.ports]
        self.processes = []
        self.security = []
        if mode == "cluster-key":
            key = os.path.join(root, "cluster.key")
            subprocess.run(args.halonctl + ["key", "generate", key], check=True, capture_output=True)
            self.security = ["--cluster-key-file", key]
            self.node_security = self.security
        elif mode == "tls":
            pki = os.path.join(root, "pki")
            subprocess.run(args.halonctl + ["certs", "--out", pki, "--nodes", ",".join(self.nodes)], check=True, capture_output=True)
            self.node_security = ["--tls-cert", f"{pki}/127.0.0.1.crt", "--tls-key", f"{pki}/127.0.0.1.key", "--tls-ca", f"{pki}/ca.crt"]
            self.security = ["--tls-cert", f"{pki}/halonctl.crt", "--tls-key", f"{pki}/halonctl.key", "--tls-ca", f"{pki}/ca.crt"]
        else:
            self.node_security = []

    def start(self):
        for node, port in zip(self.nodes, self.ports):
            data = os.path.join(self.root, f"data-{port}")
            log_file = open(os.path.join(self.root, f"halond-{port}.log"), "w")
            self.processes.append(subprocess.Popen(
                self.args.halond + ["--listen", node, "--data-dir", data, "--log-level", "Warning"] + self.node_security,
                stdout=log_file, stderr=subprocess.STDOUT))
        result = subprocess.run(
            self.args.halonctl + ["bootstrap", "station", "--peers", ",".join(self.nodes), "--wait", "--timeout", "60s"] + self.security,
            capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"bootstrap failed in mode {self.mode}: {result.stderr}")

    def totals(self):
        sent = 0
        for node in self.nodes:
            result = subprocess.run(self.args.halonctl + ["status", "--node", node, "--json"] + self.security, capture_output=True, text=True, check=True)
            status = json.loads(result.stdout)
            if status["security"]["mode"] != self.mode:
                raise RuntimeError(f"{node} runs in mode {status['security']['mode']}, not {self.mode}")
            sent += status["transport_totals"]["messages_sent"]
        return sent

    def cpu(self):
        return sum(cpu_seconds(p.pid) for p in self.processes)

    def stop(self):
        for p in self.processes:
            p.send_signal(signal.SIGKILL)
            p.wait()


def measure(args, modes):
    """One round: a station per mode, started together, measured over the same window."""
    roots = {m: tempfile.mkdtemp(prefix=f"halon-bench-sealing-{m}-") for m in modes}
    stations = {m: Station(args, m, roots[m]) for m in modes}
    try:
        for station in stations.values():
            station.start()
        time.sleep(args.settle_seconds)
        before = {m: (s.totals(), s.cpu()) for m, s in stations.items()}
        t0 = time.monotonic()
        time.sleep(args.window_seconds)
        elapsed = time.monotonic() - t0
        after_cpu = {m: s.cpu() for m, s in stations.items()}
        results = {}
        for mode, station in stations.items():
            messages = (station.totals() - before[mode][0]) / elapsed
            cpu = (after_cpu[mode] - before[mode][1]) / elapsed
            results[mode] = {"messages_per_second": messages, "cpu_percent": cpu * 100, "cpu_us_per_message": cpu / messages * 1e6}
        return results
    finally:
        for mode, station in stations.items():
            station.stop()
            shutil.rmtree(roots[mode], ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--halond", required=True)
    parser.add_argument("--halonctl", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--window-seconds", type=float, default=30)
    parser.add_argument("--settle-seconds", type=float, default=5)
    parser.add_argument("--modes", default="insecure,cluster-key,tls")
    parser.add_argument("--command", default="bench/bench-sealing.sh")
    args = parser.parse_args()
    args.halond = args.halond.split()
    args.halonctl = args.halonctl.split()
    modes = args.modes.split(",")
    load_before = os.getloadavg()[0]
    rounds = []
    for round_number in range(args.rounds):
        log(f"round {round_number + 1}/{args.rounds}: {', '.join(modes)} side by side, {args.window_seconds:.0f} s window ...")
        rounds.append(measure(args, modes))
        log(f"  {rounds[-1]}")
    load_after = os.getloadavg()[0]

    def median(mode, field):
        return statistics.median(r[mode][field] for r in rounds)

    def paired(mode):
        return statistics.median(r[mode]["cpu_percent"] / r[modes[0]]["cpu_percent"] - 1 for r in rounds) * 100

    print(f"Three halond per mode on 127.0.0.1 at the station's normal rate, the modes' stations running side by side; "
          f"{args.rounds} rounds of {args.window_seconds:.0f} s (medians); load average {load_before:.1f} before, "
          f"{load_after:.1f} after. Command: `{args.command}`")
    print()
    print(f"| mode | messages/s (station) | CPU (3 processes) | CPU per message | CPU vs {modes[0]}, same window (median) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for mode in modes:
        print(f"| {mode} | {median(mode, 'messages_per_second'):,.0f} | {median(mode, 'cpu_percent'):.1f} % | "
              f"{median(mode, 'cpu_us_per_message'):.0f} µs | {paired(mode):+.1f} % |")


if __name__ == "__main__":
    main()
