#!/usr/bin/env bash
# Ten thousand virtual satellites against a station of five native halond on loopback, with fsync (halond always
# syncs its data dir), over real TCP with a cluster key:
#   - publishes native halond and halonctl (or takes $HALON_BIN, a directory holding both) and builds halon-loadgen;
#   - starts the peers on 127.0.0.1 (free ports, temp data dirs), bootstraps the station with
#     `halonctl bootstrap station --wait`, then runs halon-loadgen: N satellites, each on its own address in
#     127.100.0.0/16, announcing at once; it prints the time from the first announcement to the last
#     acknowledgement, acknowledgements per second, p50/p99 latency and the peers' CPU and memory;
#   - with --kill-master, kill -9 of the master once half the satellites are acknowledged: halon-loadgen reports when
#     the new coordinator was seen and when its table held every satellite acknowledged before the kill, and the
#     script checks with `halonctl status --json` that the coordinator's table holds every acknowledged satellite.
# Every process is stopped by its PID and every temp dir removed on exit (HALON_BENCH_KEEP=1 keeps the temp dir with
# the peers' logs; HALON_LOG_LEVEL sets their level, Warning by default).
#
# Usage: bench/bench-satellites.sh [--satellites N] [--peers P] [--kill-master] [--json] [--no-publish] [-- loadgen options]
set -euo pipefail
cd "$(dirname "$0")/.."
satellites=10000
peers=5
kill_master=0
json=0
publish=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --satellites) satellites=$2; shift ;;
    --peers) peers=$2; shift ;;
    --kill-master) kill_master=1 ;;
    --json) json=1 ;;
    --no-publish) publish=0 ;;
    --) shift; extra+=("$@"); break ;;
    *) echo "bench-satellites.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done

if [ -n "${HALON_BIN:-}" ]; then
  halond="$HALON_BIN/halond"; halonctl="$HALON_BIN/halonctl"
elif [ $publish = 1 ]; then
  out=${HALON_BENCH_OUT:-/tmp/halon-bench-bin}
  echo "publishing native halond and halonctl to $out ..." >&2
  mkdir -p "$out"
  for project in hosts/Halon.Daemon hosts/Halon.Ctl; do
    dotnet publish "$project" -c Release -r linux-x64 -o "$out" -nologo -v q >&2
  done
  halond="$out/halond"; halonctl="$out/halonctl"
else
  for project in hosts/Halon.Daemon hosts/Halon.Ctl; do dotnet build "$project" -c Release -nologo -v q >&2; done
  halond="dotnet hosts/Halon.Daemon/bin/Release/net10.0/halond.dll"
  halonctl="dotnet hosts/Halon.Ctl/bin/Release/net10.0/halonctl.dll"
fi
# The generator is native too where halond is (it shares the machine with the station it measures, so the JIT's and
# the runtime's own work would be counted against the station's time).
if [ -n "${HALON_BIN:-}" ] && [ -x "$HALON_BIN/halon-loadgen" ]; then
  loadgen="$HALON_BIN/halon-loadgen"
elif [ $publish = 1 ] && [ -z "${HALON_BIN:-}" ]; then
  echo "publishing native halon-loadgen to $out ..." >&2
  dotnet publish bench/Halon.LoadGen -c Release -r linux-x64 -p:PublishAot=true -o "$out" -nologo -v q >&2
  loadgen="$out/halon-loadgen"
else
  echo "building halon-loadgen ..." >&2
  dotnet build bench/Halon.LoadGen -c Release -nologo -v q >&2
  loadgen="dotnet bench/Halon.LoadGen/bin/Release/net10.0/halon-loadgen.dll"
fi

root=$(mktemp -d /tmp/halon-bench-satellites.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${HALON_BENCH_KEEP:-}" ]; then echo "kept $root (peer logs node*.log, the report)" >&2; else rm -rf "$root"; fi
}
trap cleanup EXIT INT TERM

head -c 32 /dev/urandom > "$root/cluster.key"
chmod 600 "$root/cluster.key"
ulimit -n "$(ulimit -Hn)" # Each peer may hold two connections per satellite at the master.

# Free ports, one per peer.
mapfile -t ports < <(python3 -c "
import socket
socks = [socket.socket() for _ in range(2 * $peers)]
for s in socks: s.bind(('127.0.0.1', 0))
print('\n'.join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()")
list=""
peer_args=()
metrics=()
for i in $(seq 0 $((peers - 1))); do
  address="127.0.0.1:${ports[$i]}"
  mkdir -p "$root/node$i"
  # shellcheck disable=SC2086
  metrics[$i]="127.0.0.1:${ports[$((i + peers))]}"
  $halond --listen "$address" --data-dir "$root/node$i" --cluster-key-file "$root/cluster.key" --log-level "${HALON_LOG_LEVEL:-Warning}" \
    --metrics-listen "${metrics[$i]}" > "$root/node$i.log" 2>&1 &
  pids+=($!)
  peer_args+=(--peer "$address=$!")
  list="${list:+$list,}$address"
done

echo "bootstrapping a station of $peers peers ($list) ..." >&2
# shellcheck disable=SC2086
$halonctl bootstrap station --peers "$list" --cluster-key-file "$root/cluster.key" --wait --timeout 60s >&2

options=(--station "$list" --satellites "$satellites" --cluster-key-file "$root/cluster.key" "${peer_args[@]}")
[ $kill_master = 1 ] && options+=(--kill-master-at 0.5)
[ $json = 1 ] && options+=(--json)
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
status=0
# shellcheck disable=SC2086
nice -n "${HALON_LOADGEN_NICE:-0}" $loadgen "${options[@]}" "${extra[@]}" > "$root/report" || status=$?
cat "$root/report"

# Group commit: durable writes (each one fsync) against the messages and commands they covered, per peer still up.
for i in $(seq 0 $((peers - 1))); do
  python3 - "http://${metrics[$i]}/metrics" "127.0.0.1:${ports[$i]}" <<'PY' || true
import sys, urllib.request
try:
    text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
except OSError:
    print(f"peer {sys.argv[2]}: no metrics (stopped)")
    sys.exit(0)
values = {}
for line in text.splitlines():
    for name in ("halon_persists_total", "halon_persist_inputs_total"):
        if line.startswith(name + " ") or line.startswith(name + "{"):
            values[name] = values.get(name, 0) + float(line.rsplit(" ", 1)[1])
writes, inputs = values.get("halon_persists_total", 0), values.get("halon_persist_inputs_total", 0)
print(f"peer {sys.argv[2]}: {writes:.0f} durable writes for {inputs:.0f} messages and commands ({inputs / writes if writes else 0:.1f} per write)")
PY
done

if [ $kill_master = 1 ]; then
  # The coordinator's table, as an operator's tools see it: every satellite the generator counted is in it.
  coordinator=$(python3 - "$root/report" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
try:
    print(json.loads(text)["failover"]["new_coordinator"] or "")
except ValueError:
    m = re.search(r"new coordinator (\S+)", text)
    print(m.group(1) if m and m.group(1) != "none" else "")
PY
)
  if [ -n "$coordinator" ]; then
    # shellcheck disable=SC2086
    $halonctl status --node "$coordinator" --cluster-key-file "$root/cluster.key" --json > "$root/status.json"
    python3 - "$root/status.json" "$satellites" <<'PY'
import json, sys
status = json.load(open(sys.argv[1]))
node = status[0] if isinstance(status, list) else status
sats = node.get("satellites") or []
acknowledged = sum(1 for s in sats if s.get("acknowledged"))
print(f"halonctl status --json on the new coordinator {node.get('node')}: {acknowledged} satellites acknowledged in its table (of {sys.argv[2]})")
PY
  fi
fi
exit $status
