"""The suite's network: one namespace per node and one for the observer, all on a Linux bridge that lives in a
namespace of its own, so that nothing is added to the machine's own network and no packet of the suite leaves the
namespaces it made. Faults are iptables rules in a chain of each node's namespace (NEMESIS, jumped to from INPUT):
a partition drops what comes from the other side, loss drops a random fraction of what comes from any node. The
observer's address is accepted before that chain, so the poller always sees every node.

Deleting a namespace deletes its interfaces and its iptables rules with it; close() does that for every namespace
this object made (the processes inside must be stopped first: see cluster.py's Processes).
"""

import subprocess
import time

SUBNET = "10.77.0"  # a /24; the namespaces are private, so this cannot collide with the machine's own networks
OBSERVER_ADDRESS = f"{SUBNET}.2"
CHAIN = "NEMESIS"


class NetworkError(Exception):
    pass


def _matches(ports):
    """The iptables matches for one system's traffic: TCP and UDP with one of `ports` at either end (Halon sends
    heartbeats and votes as datagrams on its TCP port too), or everything when no ports are given."""
    if not ports:
        return [[]]
    listed = ",".join(str(p) for p in ports)
    return [["-p", protocol, "-m", "multiport", "--ports", listed] for protocol in ("tcp", "udp")]


def run(*args, check=True, timeout=20):
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise NetworkError(f"{' '.join(args)}: {result.stderr.strip() or result.stdout.strip() or 'exit ' + str(result.returncode)}")
    return result


def can_make_namespaces():
    """(True, "") when this process can make a network namespace with a bridge and iptables in it, else (False, why)."""
    probe = f"hnprobe{int(time.time() * 1000) % 100000}"
    try:
        run("ip", "netns", "add", probe)
    except (NetworkError, FileNotFoundError, subprocess.TimeoutExpired) as e:
        return False, f"cannot make a network namespace ({e}); the suite needs root (CAP_NET_ADMIN) and iproute2"
    try:
        run("ip", "-n", probe, "link", "add", "br0", "type", "bridge")
        run("ip", "netns", "exec", probe, "iptables", "-A", "INPUT", "-m", "statistic", "--mode", "random",
            "--probability", "0.5", "-j", "DROP")
        return True, ""
    except (NetworkError, FileNotFoundError, subprocess.TimeoutExpired) as e:
        return False, f"a network namespace works but not a bridge or iptables' statistic match in it ({e})"
    finally:
        run("ip", "netns", "del", probe, check=False)


class Network:
    """Namespaces NAME-sw (the bridge), NAME-obs (the observer) and NAME-<node> for each node, with their addresses."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.switch = f"{prefix}-sw"
        self.observer = f"{prefix}-obs"
        self.namespaces = []  # every namespace made, in order; close() deletes them
        self.address = {}  # node name -> IPv4 address
        self.namespace = {}  # node name -> namespace
        self._faulted = set()  # nodes whose NEMESIS chain may hold rules

    def create(self, nodes):
        """Makes the bridge, the observer and one namespace per node name; nodes get .10, .11, ... in order."""
        self._add_namespace(self.switch)
        run("ip", "-n", self.switch, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", self.switch, "link", "set", "br0", "up")
        self._attach(self.observer, OBSERVER_ADDRESS, 0)
        for index, node in enumerate(nodes):
            namespace = f"{self.prefix}-{node}"
            address = f"{SUBNET}.{10 + index}"
            self._attach(namespace, address, index + 1)
            self.address[node] = address
            self.namespace[node] = namespace
            ns = ["ip", "netns", "exec", namespace, "iptables"]
            run(*ns, "-N", CHAIN)
            run(*ns, "-A", "INPUT", "-s", OBSERVER_ADDRESS, "-j", "ACCEPT")
            run(*ns, "-A", "INPUT", "-j", CHAIN)

    def _add_namespace(self, namespace):
        run("ip", "netns", "add", namespace)
        self.namespaces.append(namespace)

    def _attach(self, namespace, address, index):
        self._add_namespace(namespace)
        port = f"p{index}"
        # The pair is made with one end in each namespace: no interface ever appears in the machine's own namespace.
        run("ip", "link", "add", "eth0", "netns", namespace, "type", "veth", "peer", "name", port, "netns", self.switch)
        run("ip", "-n", self.switch, "link", "set", port, "master", "br0")
        run("ip", "-n", self.switch, "link", "set", port, "up")
        run("ip", "-n", namespace, "link", "set", "lo", "up")
        run("ip", "-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
        run("ip", "-n", namespace, "link", "set", "eth0", "up")

    def exec_prefix(self, node):
        return ["ip", "netns", "exec", self.namespace[node]]

    def observer_prefix(self):
        return ["ip", "netns", "exec", self.observer]

    # ------------------------------------------------------------------------------------------------ faults

    def _apply(self, rules):
        """Appends {node: [rule arguments]} to each node's NEMESIS chain, every namespace at once (one iptables-restore
        each, run side by side), so that a partition falls into place within milliseconds, not one node after another.
        Returns the time the last namespace had its rules."""
        commands = {}
        for node, node_rules in rules.items():
            # -i eth0: only what crosses the bridge. A node's traffic to itself (etcd's gateway calls its own gRPC
            # server at the node's address) goes over lo and is never a fault's business.
            text = "*filter\n" + "".join(f"-A {CHAIN} -i eth0 {' '.join(rule)}\n" for rule in node_rules) + "COMMIT\n"
            commands[node] = (["ip", "netns", "exec", self.namespace[node], "iptables-restore", "--noflush"], text)
            self._faulted.add(node)
        self._all(commands)
        return time.time()

    def _all(self, commands):
        running = {node: subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for node, (command, _) in commands.items()}
        problems = []
        for node, process in running.items():
            try:
                _, error = process.communicate(commands[node][1], timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                error, process.returncode = "timed out", 1
            if process.returncode != 0:
                problems.append(f"{node}: {error.strip()}")
        if problems:
            raise NetworkError("iptables: " + "; ".join(problems))

    def partition(self, groups, ports=None):
        """Each group hears only itself: every node drops what comes from nodes of the other groups. With `ports`,
        only TCP and UDP with one of those ports at either end are dropped (one system's traffic; the other is left alone).
        Returns the time the partition was complete."""
        rules = {}
        for group in groups:
            others = [n for g in groups if g is not group for n in g]
            for node in group:
                rules[node] = [["-s", self.address[other], *match, "-j", "DROP"] for other in others for match in _matches(ports)]
        return self._apply(rules)

    def cut(self, sender, receivers, ports=None):
        """One way: the receivers stop hearing the sender, which still hears them. Returns when it is in place."""
        return self._apply({node: [["-s", self.address[sender], *match, "-j", "DROP"] for match in _matches(ports)] for node in receivers})

    def loss(self, nodes, probability):
        """Every node drops that fraction of the packets that reach it from any other node (each direction of a link).
        Returns when every node has its rule."""
        return self._apply({node: [["-s", f"{SUBNET}.0/24", "-m", "statistic", "--mode", "random", "--probability",
                                    f"{probability:.4f}", "-j", "DROP"]] for node in nodes})

    def heal(self):
        """Removes every fault rule, every namespace at once; returns the time the network was whole again."""
        self._all({node: (["ip", "netns", "exec", self.namespace[node], "iptables", "-F", CHAIN], "")
                   for node in sorted(self._faulted)})
        self._faulted.clear()
        return time.time()

    def close(self):
        """Deletes every namespace made here (and with them their interfaces, bridge and iptables rules)."""
        problems = []
        for namespace in reversed(self.namespaces):
            result = run("ip", "netns", "del", namespace, check=False)
            if result.returncode != 0:
                problems.append(f"{namespace}: {result.stderr.strip()}")
        self.namespaces.clear()
        return problems
