#!/usr/bin/env bash
# What sealing (and TLS) cost a real station at its normal rate: three halond on loopback per security mode, the
# modes side by side; prints a Markdown table (messages/s, CPU, CPU per message) for docs/benchmarks.md.
#
# Usage: bench/bench-sealing.sh [--no-publish] [-- options of bench_sealing.py, e.g. --rounds 5 --window-seconds 60]
#   --no-publish   use the Release build run by `dotnet` instead of native (AOT) binaries
# Binaries go to $HALON_BENCH_OUT (default /tmp/halon-bench-bin). About 6 minutes with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${HALON_BENCH_OUT:-/tmp/halon-bench-bin}
publish=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-publish) publish=0 ;;
    --) shift; extra+=("$@"); break ;;
    *) echo "bench-sealing.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done

if [ $publish = 1 ]; then
  echo "publishing native halond and halonctl to $out ..." >&2
  mkdir -p "$out"
  for project in hosts/Halon.Daemon hosts/Halon.Ctl; do
    dotnet publish "$project" -c Release -r linux-x64 -o "$out" -nologo -v q >&2
  done
  halond="$out/halond"; halonctl="$out/halonctl"
else
  for project in hosts/Halon.Daemon hosts/Halon.Ctl; do
    dotnet build "$project" -c Release -nologo -v q >&2
  done
  halond="dotnet hosts/Halon.Daemon/bin/Release/net10.0/halond.dll"
  halonctl="dotnet hosts/Halon.Ctl/bin/Release/net10.0/halonctl.dll"
fi

exec python3 bench/bench_sealing.py --halond "$halond" --halonctl "$halonctl" --command "bench/bench-sealing.sh${*:+ $*}" "${extra[@]}"
