#!/usr/bin/env bash
# Install what Sluice needs to build, run and test on Debian 12, from Debian's
# own packages. Idempotent; run as root.
set -euo pipefail

packages=(
    # build
    build-essential meson ninja-build pkg-config python3
    libdpdk-dev dpdk libhyperscan-dev libconfig-dev libjemalloc-dev
    # management plane: REST server and JSON
    libmicrohttpd-dev libjansson-dev
    # sanitizers and fuzzing (clang's runtimes)
    clang libclang-rt-14-dev
    # testbed and test peers
    iproute2 nftables ethtool iputils-ping arping tcpdump
    python3-scapy nginx-light curl wrk apache2-utils
    # management tests: console over telnet, Prometheus text parser
    telnet python3-prometheus-client
    # the README's and quick start's commands: nc, dpdk-telemetry.py
    netcat-openbsd dpdk-dev
    # benchmarks (pktgen-tests/bench): the peer reverse proxies
    haproxy
    # benchmarks (pktgen-tests/bench): instruction counts
    valgrind
)

if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: run as root (apt-get)" >&2
    exit 1
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# Debian starts nginx and haproxy on install; the testbed runs its own in
# namespaces.
for svc in nginx haproxy; do
    if command -v systemctl >/dev/null && systemctl is-active -q "$svc" 2>/dev/null; then
        systemctl disable --now "$svc" >/dev/null 2>&1 || true
    fi
done
echo "install-deps: installed ${missing[*]}"
