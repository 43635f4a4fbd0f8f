#!/usr/bin/env bash
# Halon against etcd on loopback, side by side in one run:
#   - Halon cold bootstrap (3 and 5 peers): halond processes already listening, then the time of
#     `halonctl bootstrap station --wait`, and from the command to the coordinator's start (halond's log);
#   - Halon failover: kill -9 the master, time until a new coordinator starts; the old master is restarted
#     (autoboot) before the next round; then 60 s of a quiet station, counting master changes (must be 0);
#   - etcd (Debian's etcd-server, installed if missing), 3 and 5 members at default settings: cold start to
#     leader, and kill -9 of the leader to a new leader, polled with `etcdctl endpoint status -w json`;
#   - ZooKeeper (Debian's zookeeper 3.8, installed if missing), 3 and 5 members at the sample config's timings,
#     the same two figures, polled with its `srvr` command.
# It prints a Markdown table to stdout, ready for docs/benchmarks.md, and progress on stderr.
#
# Usage: bench/bench-hosts.sh [--quick] [--no-publish] [--no-etcd] [--no-zookeeper] [-- options of bench_hosts.py]
#   --quick          3 repetitions, 10 s quiet check (a smoke run, not figures to publish)
#   --no-publish     use the Release build run by `dotnet` instead of native (AOT) binaries
#   --no-etcd        skip etcd
#   --no-zookeeper   skip ZooKeeper
# Binaries go to $HALON_BENCH_OUT (default /tmp/halon-bench-bin). Takes about 6 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${HALON_BENCH_OUT:-/tmp/halon-bench-bin}
publish=1
etcd=1
zookeeper=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) extra+=(--repetitions 3 --etcd-repetitions 2 --zookeeper-repetitions 1 --quiet-seconds 10) ;;
    --no-publish) publish=0 ;;
    --no-etcd) extra+=(--etcd-members); etcd=0 ;;
    --no-zookeeper) extra+=(--zookeeper-members); zookeeper=0 ;;
    --) shift; extra+=("$@"); break ;;
    *) echo "bench-hosts.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done

if [ $publish = 1 ]; then
  echo "publishing native halond and halonctl to $out (the first time takes a few minutes) ..." >&2
  mkdir -p "$out"
  for project in hosts/Halon.Daemon hosts/Halon.Ctl; do
    dotnet publish "$project" -c Release -r linux-x64 -o "$out" -nologo -v q >&2
  done
  halond="$out/halond"; halonctl="$out/halonctl"; binaries="native AOT halond and halonctl"
else
  echo "building Release halond and halonctl ..." >&2
  for project in hosts/Halon.Daemon hosts/Halon.Ctl; do
    dotnet build "$project" -c Release -nologo -v q >&2
  done
  halond="dotnet hosts/Halon.Daemon/bin/Release/net10.0/halond.dll"
  halonctl="dotnet hosts/Halon.Ctl/bin/Release/net10.0/halonctl.dll"
  binaries="Release halond.dll and halonctl.dll under dotnet"
fi

install() { # package... : Debian packages, installed only when running as root
  if [ "$(id -u)" = 0 ]; then
    echo "installing $* (Debian) ..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >&2 || echo "could not install $*; skipped" >&2
  else
    echo "$* not installed and this is not root; skipped" >&2
  fi
}
if [ $etcd = 1 ] && { ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; }; then install etcd-server etcd-client; fi
if [ $zookeeper = 1 ] && [ ! -e /usr/share/java/zookeeper.jar ]; then install zookeeper; fi

exec python3 bench/bench_hosts.py --halond "$halond" --halonctl "$halonctl" --binaries "$binaries" \
  --command "bench/bench-hosts.sh${*:+ $*}" "${extra[@]}"
