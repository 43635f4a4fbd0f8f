#!/usr/bin/env bash
# The nemesis suite on real hosts: publishes native halond and halonctl, installs what the suite needs when it is
# missing (iproute2, iptables, etcd-server, stress-ng; Debian, as root), and runs bench/nemesis/nemesis.py.
#
# Usage: bench/nemesis/run.sh [--short] [--no-publish] [options of nemesis.py]
#   --short        the CI version (a few minutes): fails only on a safety violation, prints the table
#   (no --short)   the full run for docs/benchmarks.md (about 25 minutes; 10 of them starve the machine's CPUs)
#   --no-publish   use the binaries already in $HALON_NEMESIS_BIN
# Binaries go to $HALON_NEMESIS_BIN (default artifacts/nemesis-bin in the checkout). Run it as root: it makes network namespaces.
# A machine that cannot make them (no root, no CAP_NET_ADMIN) skips the suite with a message and exit status 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${HALON_NEMESIS_BIN:-$PWD/artifacts/nemesis-bin}
publish=1
args=()
for arg in "$@"; do
  case "$arg" in
    --no-publish) publish=0 ;;
    *) args+=("$arg") ;;
  esac
done

if [ "$(id -u)" != 0 ]; then
  echo "nemesis: skipped: the suite makes network namespaces and needs root" >&2
  exit 0
fi

missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v stress-ng >/dev/null 2>&1 || missing+=(stress-ng)
if [ ${#missing[@]} -gt 0 ]; then
  echo "nemesis: installing ${missing[*]} (Debian)" >&2
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    echo "nemesis: could not install ${missing[*]}; the suite runs without what is missing (see its messages)" >&2
  fi
fi
if ! command -v ip >/dev/null 2>&1 || ! command -v iptables >/dev/null 2>&1; then
  echo "nemesis: skipped: ip (iproute2) and iptables are needed to make the namespaces and the faults" >&2
  exit 0
fi

# Can this machine make a namespace with a bridge and iptables in it? If not, say why and skip (exit 0).
check=0
python3 bench/nemesis/nemesis.py --check || check=$?
if [ $check = 3 ]; then exit 0; elif [ $check != 0 ]; then exit $check; fi

if [ $publish = 1 ]; then
  echo "nemesis: publishing native halond and halonctl to $out (the first time takes a few minutes)" >&2
  mkdir -p "$out"
  for project in hosts/Halon.Daemon hosts/Halon.Ctl; do
    dotnet publish "$project" -c Release -r linux-x64 -o "$out" -nologo -v q >&2
  done
fi

exec python3 bench/nemesis/nemesis.py --bin "$out" --command "bench/nemesis/run.sh${*:+ $*}" "${args[@]}"
