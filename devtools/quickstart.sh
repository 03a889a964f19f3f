#!/usr/bin/env bash
# README command 1: install dependencies, build, bring up the virtual testbed
# and run the gateway on its embedded default configuration, in the
# foreground (Ctrl-C stops it cleanly). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

devtools/install-deps.sh
[[ -d build ]] || meson setup build
ninja -C build
pktgen-tests/testbed.sh up
cat <<'HINT'

Sluice is starting on the testbed. From another shell, for example:
  ip netns exec sl-client ping 198.18.0.1          # the gateway's front address
  ip netns exec sl-client arping -c 3 198.18.0.1
  ip netns exec sl-up ping 198.19.0.1              # its back address
  ip netns exec sl-client ping 198.19.0.2          # routed to the upstream host
  echo hello | ip netns exec sl-client nc -N 198.18.0.1 7   # Sluice's TCP echo
  ip netns exec sl-client curl http://198.18.0.1:8080/      # L4 relay to nginx
  ip netns exec sl-client curl -v http://198.18.0.1/        # HTTP proxy, sample pool
  ip netns exec sl-client curl http://198.18.0.1/healthz    # a fixed-response route
  dpdk-telemetry.py -f sluice                      # then /sluice/counters, /sluice/tcp/conns ...
  curl http://127.0.0.1:9180/api/v1/routes         # REST API (docs/rest-api.md)
  curl http://127.0.0.1:9180/metrics               # Prometheus metrics
  telnet 127.0.0.1 9123                            # console: help, show members (docs/console.md)
Changes made through the API or console apply live; to keep them across
restarts, run from a file: sluiced --dump-config > FILE; sluiced -c FILE.
Ctrl-C stops the gateway; 'pktgen-tests/testbed.sh down' removes the testbed.

HINT
exec build/app/sluiced/sluiced
