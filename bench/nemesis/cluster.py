"""The processes of the suite and the two clusters it runs: Halon (halond station peers and satellites) and etcd (one
member in each station peer's namespace), each process started inside its node's namespace with `ip netns exec`,
which execs the program itself, so the PID the suite holds is the program's own.

Every process is registered in Processes, which records each life of it (start, end, how it ended) and its pauses
(SIGSTOP to SIGCONT) for the safety checks, and which stops every process still running on close(), by PID (and by
the process group the suite created for stress-ng, whose workers are its children).
"""

import os
import shutil
import signal
import subprocess
import time

HALON_PORT = 9070
ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380


class SuiteError(Exception):
    """The suite could not do what it needed to (a node that never answers, a bootstrap that fails)."""


class Process:
    def __init__(self, name, command, log_path, nice=0, group=False):
        self.name = name
        self.command = command
        self.log_path = log_path
        self.nice = nice
        self.group = group  # the process leads a group of its own and its children die with it
        self.popen = None
        self.lives = []  # [start, end or None, how]
        self.pauses = []  # [SIGSTOP time, SIGCONT time or None]

    def start(self):
        if self.alive():
            raise SuiteError(f"{self.name} is already running")
        log = open(self.log_path, "ab")
        nice = self.nice
        self.popen = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      start_new_session=True, preexec_fn=(lambda: os.nice(nice)) if nice else None)
        log.close()
        self.lives.append([time.time(), None, None])

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def _ended(self, how, at=None):
        at = time.time() if at is None else at
        if self.lives and self.lives[-1][1] is None:
            self.lives[-1][1], self.lives[-1][2] = at, how
        if self.pauses and self.pauses[-1][1] is None:
            self.pauses[-1][1] = at

    def kill(self):
        """SIGKILL, as a crash or `kill -9`; returns the time it was sent (the end of this life)."""
        sent = time.time()
        if self.alive():
            self._signal(signal.SIGKILL)
            self.popen.wait(timeout=30)
        self._ended("SIGKILL", sent)
        return sent

    def terminate(self, timeout=15):
        """SIGTERM, then SIGKILL if it has not stopped within the timeout."""
        if self.alive():
            self.resume()
            self._signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.popen.wait(timeout=30)
        self._ended("SIGTERM")

    def pause(self):
        sent = time.time()
        self._signal(signal.SIGSTOP)
        self.pauses.append([sent, None])
        return sent

    def resume(self):
        if self.pauses and self.pauses[-1][1] is None:
            self._signal(signal.SIGCONT)
            self.pauses[-1][1] = time.time()
            return self.pauses[-1][1]
        return None

    def _signal(self, number):
        if not self.alive():
            return
        if self.group:
            os.killpg(self.popen.pid, number)  # the group this suite made for it (start_new_session)
        else:
            os.kill(self.popen.pid, number)


class Processes:
    def __init__(self):
        self.all = []

    def add(self, process):
        self.all.append(process)
        return process

    def close(self):
        for process in self.all:
            if process.alive():
                try:
                    process.resume()
                    process.kill()
                except (OSError, subprocess.TimeoutExpired):
                    pass


def read_tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


# ---------------------------------------------------------------------------------------------------- Halon

class HalonCluster:
    """halond on every node, with a cluster key and JSON logs; halonctl run from inside a node's namespace."""

    def __init__(self, net, processes, root, binaries, key_path, peers, satellites, nice, halond_options=(), station_options=()):
        self.net = net
        self.station_options = list(station_options)
        self.root = root
        self.halonctl_path = os.path.join(binaries, "halonctl")
        self.key_path = key_path
        self.peers = list(peers)
        self.satellites = list(satellites)
        self.address = {n: f"{net.address[n]}:{HALON_PORT}" for n in self.peers + self.satellites}
        self.name_of = {a: n for n, a in self.address.items()}
        self.process = {}
        for node in self.peers + self.satellites:
            data_dir = self.data_dir(node)
            command = net.exec_prefix(node) + [
                os.path.join(binaries, "halond"), "--listen", self.address[node], "--data-dir", data_dir,
                "--cluster-key-file", key_path, "--log-format", "json", *halond_options]
            self.process[node] = processes.add(Process(f"halond {node}", command, self.log_path(node), nice=nice))

    def data_dir(self, node):
        return os.path.join(self.root, "halon", node)

    def log_path(self, node):
        return os.path.join(self.root, "halon", node + ".log")

    def station(self):
        return ",".join(self.address[p] for p in self.peers)

    def ctl(self, node, *args, timeout=90):
        """halonctl, run from inside the namespace of `node`."""
        command = self.net.exec_prefix(node) + [self.halonctl_path, *args, "--cluster-key-file", self.key_path]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)

    def start(self, node):
        os.makedirs(os.path.dirname(self.data_dir(node)), exist_ok=True)
        self.process[node].start()

    def bootstrap(self, timeout_seconds=60):
        """The station with --wait, then the satellites with --wait, each one halonctl command from the first peer."""
        first = self.peers[0]
        result = self.ctl(first, "bootstrap", "station", "--peers", self.station(), "--wait", "--timeout", f"{timeout_seconds}s",
                          *self.station_options, timeout=timeout_seconds + 30)
        if result.returncode != 0:
            raise SuiteError("halonctl bootstrap station failed:\n" + result.stdout + result.stderr)
        if self.satellites:
            self.bootstrap_satellites(self.satellites, timeout_seconds)

    def bootstrap_satellites(self, satellites, timeout_seconds=60):
        on = ",".join(self.address[s] for s in satellites)
        result = self.ctl(self.peers[0], "bootstrap", "satellite", "--station", self.station(), "--on", on, "--wait",
                          "--timeout", f"{timeout_seconds}s", timeout=timeout_seconds + 30)
        if result.returncode != 0:
            raise SuiteError("halonctl bootstrap satellite failed:\n" + result.stdout + result.stderr)

    def wipe(self, node):
        shutil.rmtree(self.data_dir(node), ignore_errors=True)


# ---------------------------------------------------------------------------------------------------- etcd

class EtcdCluster:
    """One etcd member in each station peer's namespace (members e1, e2, ... beside p1, p2, ...), at etcd's default
    timings (heartbeat 100 ms, election 1,000 ms), logging with zap as JSON to its log file."""

    def __init__(self, net, processes, root, hosts, nice):
        self.net = net
        self.root = root
        self.host = {f"e{i + 1}": host for i, host in enumerate(hosts)}
        self.members = list(self.host)
        self.client_address = {m: f"{net.address[h]}:{ETCD_CLIENT_PORT}" for m, h in self.host.items()}
        cluster = ",".join(f"{m}=http://{net.address[h]}:{ETCD_PEER_PORT}" for m, h in self.host.items())
        token = f"nemesis-{os.getpid()}-{int(time.time())}"
        self.process = {}
        for member, host in self.host.items():
            address = net.address[host]
            command = net.exec_prefix(host) + [
                "etcd", "--name", member, "--data-dir", os.path.join(root, "etcd", member),
                "--listen-client-urls", f"http://{address}:{ETCD_CLIENT_PORT}",
                "--advertise-client-urls", f"http://{address}:{ETCD_CLIENT_PORT}",
                "--listen-peer-urls", f"http://{address}:{ETCD_PEER_PORT}",
                "--initial-advertise-peer-urls", f"http://{address}:{ETCD_PEER_PORT}",
                "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", token,
                "--logger", "zap", "--log-outputs", "stderr"]
            self.process[member] = processes.add(Process(f"etcd {member}", command, self.log_path(member), nice=nice))

    def log_path(self, member):
        return os.path.join(self.root, "etcd", member + ".log")

    def start(self, member):
        os.makedirs(os.path.join(self.root, "etcd"), exist_ok=True)
        self.process[member].start()


def version(command):
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=20)
        return (result.stdout or result.stderr).strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "unknown"
