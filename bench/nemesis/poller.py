#!/usr/bin/env python3
"""The suite's observer: asks every node for its status every INTERVAL seconds and writes one JSON line per answer.

Runs inside the observer namespace (nemesis.py starts it with `ip netns exec`), one thread per node, each on one
long-lived connection: halond's control protocol (wire.py; status is answered by the node's loop after it has
issued every tick that fell due, so an answer shows the node's state after any stall), and etcd's gRPC gateway
(POST /v3/maintenance/status, the call behind `etcdctl endpoint status`). A node gets its next request only after
it answered the last one, or after the request timed out; a SIGSTOPped node thus holds one request until it wakes.

Each line: {"n": node, "t0": time the request was sent, "t1": time the answer arrived, ...} with, for Halon,
"st" (state), "tm" (term), "c" ([node, epoch] of the coordinator it knows, or null), "sat" ([[node, incarnation],
...], only from a node that runs the coordinator), "an" ([incarnation, acknowledged] of a satellite's announcer);
for etcd "id" (member id), "ld" (the leader it knows, "0" for none), "tm" (raft term); or "err" when the request
failed. Times are time.time(): the same clock as the nodes' logs and the suite's own records.

If halond does not speak the control protocol as wire.py knows it (another protocol version, TLS), or Python lacks
the `cryptography` package that wire.py needs to seal frames with the cluster key, the Halon threads fall back to
running `halonctl status --json` every HALONCTL_INTERVAL seconds, and say why in one {"poller": "halonctl"} line.
"""

import argparse
import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time

import wire

HALONCTL_INTERVAL = 0.25
RECONNECT_INTERVAL = 0.1


class Output:
    def __init__(self, path):
        self._file = open(path, "a", buffering=1)
        self._lock = threading.Lock()

    def write(self, record):
        line = json.dumps(record, separators=(",", ":"))
        with self._lock:
            self._file.write(line + "\n")

    def close(self):
        with self._lock:
            self._file.close()


class Poller:
    def __init__(self, args):
        self.args = args
        self.key = wire.load_key(args.key) if args.key else None
        self.out = Output(args.out)
        self.stop = threading.Event()
        self.use_halonctl = threading.Event()
        self._fallback_lock = threading.Lock()
        self.deadline = time.time() + args.seconds_max

    def running(self):
        return not self.stop.is_set() and time.time() < self.deadline

    def fall_back(self, why):
        """Switches every Halon thread to halonctl, said in one line however many threads find the reason at once."""
        with self._fallback_lock:
            if self.use_halonctl.is_set():
                return
            self.out.write({"poller": "halonctl", "why": why, "t": time.time()})
            self.use_halonctl.set()

    def pace(self, next_at, interval):
        """Sleeps until next_at; returns the next slot (skipping the ones already missed)."""
        now = time.time()
        if next_at > now:
            self.stop.wait(next_at - now)
            return next_at + interval
        return now + interval

    # ------------------------------------------------------------------------------------------------ Halon

    def halon(self, name, address):
        host, port = address.rsplit(":", 1)
        connection, next_at, last_error = None, time.time(), None
        while self.running():
            if self.use_halonctl.is_set():
                self.halonctl(name, address)
                return
            next_at = self.pace(next_at, self.args.interval)
            t0 = time.time()
            try:
                if connection is None:
                    connection = wire.ControlConnection(host, int(port), self.key, self.args.timeout)
                    t0 = time.time()
                status = connection.status()
            except wire.ProtocolMismatch as e:
                self.fall_back(f"{name}: {e}")
                continue
            except (OSError, wire.WireError) as e:
                if connection is not None:
                    connection.close()
                    connection = None
                last_error = self.failed(name, t0, e, last_error)
                next_at = max(next_at, time.time() + RECONNECT_INTERVAL)
                continue
            last_error = None
            self.out.write(self.halon_record(name, t0, time.time(), status))
        if connection is not None:
            connection.close()

    def halonctl(self, name, address):
        command = [self.args.halonctl, "status", "--node", address, "--json", "--timeout", f"{int(self.args.timeout)}s"]
        if self.args.key:
            command += ["--cluster-key-file", self.args.key]
        next_at = time.time()
        while self.running():
            next_at = self.pace(next_at, HALONCTL_INTERVAL)
            t0 = time.time()
            try:
                result = subprocess.run(command, capture_output=True, text=True, timeout=self.args.timeout + 5)
                status = json.loads(result.stdout) if result.returncode == 0 else None
            except (subprocess.TimeoutExpired, ValueError):
                status = None
            if status is None:
                self.out.write({"n": name, "t0": round(t0, 4), "t1": round(time.time(), 4), "err": "halonctl"})
            else:
                self.out.write(self.halon_record(name, t0, time.time(), status))

    def failed(self, name, t0, e, last_error):
        """Records a failed status call (every timeout, other errors once until the next success); returns the error."""
        error = "timeout" if isinstance(e, socket.timeout) else type(e).__name__
        if error == "timeout" or error != last_error:
            self.out.write({"n": name, "t0": round(t0, 4), "t1": round(time.time(), 4), "err": error})
        return error

    @staticmethod
    def halon_record(name, t0, t1, status):
        coordinator = status.get("coordinator")
        record = {"n": name, "t0": round(t0, 4), "t1": round(t1, 4), "st": status.get("state"), "tm": status.get("term"),
                  "c": [coordinator["node"], coordinator["epoch"]] if coordinator else None}
        if coordinator and coordinator["node"] == status.get("node"):
            record["sat"] = [[s["node"], s["incarnation"]] for s in status.get("satellites") or [] if s.get("acknowledged")]
        announcer = status.get("announcer")
        if announcer:
            record["an"] = [announcer["incarnation"], announcer["acknowledged"]]
        return record

    # ------------------------------------------------------------------------------------------------ etcd

    def etcd(self, name, address):
        host, port = address.rsplit(":", 1)
        connection, next_at, last_error = None, time.time(), None
        while self.running():
            next_at = self.pace(next_at, self.args.interval)
            t0 = time.time()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(host, int(port), timeout=self.args.timeout)
                connection.request("POST", "/v3/maintenance/status", body=b"{}", headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                body = response.read()
                if response.status != 200:
                    raise OSError(f"HTTP {response.status}")
                status = json.loads(body)
            except (OSError, http.client.HTTPException, ValueError) as e:
                if connection is not None:
                    connection.close()
                    connection = None
                last_error = self.failed(name, t0, e, last_error)
                next_at = max(next_at, time.time() + RECONNECT_INTERVAL)
                continue
            last_error = None
            header = status.get("header", {})
            self.out.write({"n": name, "t0": round(t0, 4), "t1": round(time.time(), 4), "id": header.get("member_id", "0"),
                            "ld": status.get("leader", "0"), "tm": int(status.get("raftTerm", 0) or 0)})
        if connection is not None:
            connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--halon", nargs="*", default=[], help="NAME=HOST:PORT of each halond")
    parser.add_argument("--etcd", nargs="*", default=[], help="NAME=HOST:PORT of each etcd client URL")
    parser.add_argument("--key", help="the cluster key file")
    parser.add_argument("--halonctl", default="halonctl", help="halonctl, for the fallback")
    parser.add_argument("--halonctl-only", action="store_true", help="ask halond through halonctl from the start")
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds a node may take to answer one request")
    parser.add_argument("--seconds-max", type=float, default=4 * 3600, help="stop by itself after this long")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    poller = Poller(args)
    if args.halonctl_only:
        poller.fall_back("--poller halonctl")
    elif poller.key and wire.SEALING_UNAVAILABLE:
        poller.fall_back(wire.SEALING_UNAVAILABLE + "; polling through halonctl")
    signal.signal(signal.SIGTERM, lambda *_: poller.stop.set())
    signal.signal(signal.SIGINT, lambda *_: poller.stop.set())
    threads = []
    for kind, targets in (("halon", args.halon), ("etcd", args.etcd)):
        for target in targets:
            name, address = target.split("=", 1)
            thread = threading.Thread(target=getattr(poller, kind), args=(name, address), name=name, daemon=True)
            thread.start()
            threads.append(thread)
    poller.out.write({"poller": "started", "t": time.time(), "interval": args.interval})
    while poller.running():
        poller.stop.wait(0.5)
    poller.stop.set()
    for thread in threads:
        thread.join(timeout=args.timeout + 1)
    poller.out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
