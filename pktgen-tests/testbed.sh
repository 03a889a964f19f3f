#!/usr/bin/env bash
# The virtual testbed (DESIGN.md section 4): a client and an upstream network
# namespace joined to the gateway by veth pairs. The gateway attaches to the
# root-namespace ends with net_af_packet; those ends carry no address and an
# nftables netdev rule keeps the root kernel from acting on their frames.
#
#   testbed.sh up [ID]       create (idempotent) and start the sample upstream
#   testbed.sh tap [ID]      once a gateway has made its net_tap ports ID-tf and
#                            ID-tb (drivers-conf/tap.conf), wire them to ID-front
#                            and ID-back in place of af_packet; again after each
#                            start (the taps live as long as the gateway)
#   testbed.sh vnet [ID] [whole]
#                            for the vnet port (drivers-conf/vnet.conf): the
#                            gateway ends cut its TSO segments and complete its
#                            checksums as a NIC would on a wire (what the peers
#                            see is what a wire would carry), or with `whole` pass
#                            them on uncut, as veth between kernel stacks does
#   testbed.sh down [ID]     remove everything ID created
#   testbed.sh status [ID]
#   testbed.sh hugepages     reserve 512 x 2 MiB hugepages and mount hugetlbfs
#
# ID (default "sl", at most 6 characters) keeps concurrent testbeds apart:
#   namespaces  ID-client (198.18.0.2/24)   ID-up (198.19.0.2/24, .3, .4)
#   gateway     ID-front                    ID-back
#   gateway taps ID-tf, ID-tb (the offloading port: TSO, checksums)
# Only 198.18.0.0/15 is used, and only inside these namespaces.
set -euo pipefail

cmd=${1:-}
id=${2:-sl}
[[ ${#id} -le 6 && $id =~ ^[a-z0-9]+$ ]] || { echo "testbed: bad id '$id'" >&2; exit 2; }

ns_cli=$id-client
ns_up=$id-up
gw_front=$id-front
gw_back=$id-back
peer_front=$id-fp
peer_back=$id-bp
tap_front=$id-tf
tap_back=$id-tb
nft_table=sluice_$id
nginx_dir=/run/sluice-testbed-$id

have_ns() { ip netns list | grep -qw "^$1"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

hugepages() {
    local nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
    if [[ $(cat "$nr") -lt 512 ]]; then
        echo 512 >"$nr"
    fi
    if ! awk '$2 == "/dev/hugepages" && $3 == "hugetlbfs" { found = 1 } END { exit !found }' /proc/mounts; then
        mkdir -p /dev/hugepages
        mount -t hugetlbfs nodev /dev/hugepages
    fi
}

# Quiet a link: no IPv6 chatter, no offloads that would hand af_packet
# super-frames or frames with checksums left to hardware.
quiet_link() {
    local ns=$1 dev=$2
    local run=()
    [[ -n $ns ]] && run=(ip netns exec "$ns")
    "${run[@]}" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
    "${run[@]}" ethtool -K "$dev" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
}

make_link() {
    local gw=$1 peer=$2 ns=$3 addr=$4 gw_addr=$5
    if ! ip link show "$gw" >/dev/null 2>&1; then
        ip link add "$gw" type veth peer name "$peer"
        ip link set "$peer" netns "$ns"
    fi
    quiet_link "" "$gw"
    ip link set "$gw" up
    quiet_link "$ns" "$peer"
    in_ns "$ns" ip link set lo up
    in_ns "$ns" ip link set "$peer" up
    in_ns "$ns" ip addr replace "$addr" dev "$peer"
    # cubic, on the subnet route and the default route: BBR (the machine's
    # default) stalls 16 KiB responses on veth links.
    in_ns "$ns" ip route replace "${addr%.*}.0/24" dev "$peer" proto kernel scope link \
        src "${addr%/*}" congctl cubic
    in_ns "$ns" ip route replace default via "$gw_addr" dev "$peer" congctl cubic
}

guard_root_kernel() {
    nft list table netdev "$nft_table" >/dev/null 2>&1 && nft delete table netdev "$nft_table"
    nft -f - <<NFT
table netdev $nft_table {
    chain front { type filter hook ingress device "$gw_front" priority 0; policy drop; }
    chain back { type filter hook ingress device "$gw_back" priority 0; policy drop; }
}
NFT
}

# The offloading port: DPDK's net_tap makes a TUN/TAP device in the root
# namespace; nftables forwards every frame between it and the veth end, both
# ways, so the namespaces see the same link as with af_packet.
wire_taps() {
    local dev
    for dev in "$tap_front" "$tap_back"; do
        ip link show "$dev" >/dev/null 2>&1 || { echo "testbed: no $dev (is the gateway up?)" >&2; exit 1; }
        sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
    done
    nft list table netdev "$nft_table" >/dev/null 2>&1 && nft delete table netdev "$nft_table"
    nft -f - <<NFT
table netdev $nft_table {
    chain front { type filter hook ingress device "$gw_front" priority 0; policy drop; fwd to "$tap_front"; }
    chain tap_front { type filter hook ingress device "$tap_front" priority 0; policy drop; fwd to "$gw_front"; }
    chain back { type filter hook ingress device "$gw_back" priority 0; policy drop; fwd to "$tap_back"; }
    chain tap_back { type filter hook ingress device "$tap_back" priority 0; policy drop; fwd to "$gw_back"; }
}
NFT
}

# The vnet port hands the kernel TSO super-segments with partial checksums.
# With the gateway ends' offloads off, the kernel cuts and sums them in
# software before veth, as a NIC does for its wire; with them on (`whole`),
# they go into the peer namespace uncut, whose stack takes them as they are.
# The namespace ends leave their checksums partial and send TSO segments
# whole, as kernel stacks do on veth; the vnet port takes them as a NIC's LRO
# does (its profile's tcp_lro), and says so in each frame's header.
vnet_offloads() {
    local dev state=off
    [[ ${1:-} == whole ]] && state=on
    for dev in "$gw_front" "$gw_back"; do
        ethtool -K "$dev" tx $state tso $state gso $state >/dev/null
    done
    in_ns "$ns_cli" ethtool -K "$peer_front" tx on tso on gso on >/dev/null
    in_ns "$ns_up" ethtool -K "$peer_back" tx on tso on gso on >/dev/null
}

start_nginx() {
    mkdir -p "$nginx_dir/www"
    head -c 1024 /dev/zero | tr '\0' 'a' >"$nginx_dir/www/1k"
    head -c 16384 /dev/zero | tr '\0' 'b' >"$nginx_dir/www/16k"
    echo "sluice testbed upstream" >"$nginx_dir/www/index.html"
    cat >"$nginx_dir/nginx.conf" <<NGX
worker_processes 1;
pid $nginx_dir/nginx.pid;
error_log $nginx_dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log $nginx_dir/access.log;
    keepalive_requests 100000;
    server {
        listen 198.19.0.2:80;
        listen 198.19.0.3:80;
        listen 198.19.0.4:80;
        root $nginx_dir/www;
        location / { add_header X-Upstream \$server_addr; }
    }
}
NGX
    if [[ -f $nginx_dir/nginx.pid ]] && kill -0 "$(cat "$nginx_dir/nginx.pid")" 2>/dev/null; then
        return
    fi
    in_ns "$ns_up" nginx -c "$nginx_dir/nginx.conf"
}

stop_nginx() {
    if [[ -f $nginx_dir/nginx.pid ]]; then
        kill "$(cat "$nginx_dir/nginx.pid")" 2>/dev/null || true
    fi
    rm -rf "$nginx_dir"
}

up() {
    hugepages
    have_ns "$ns_cli" || ip netns add "$ns_cli"
    have_ns "$ns_up" || ip netns add "$ns_up"
    make_link "$gw_front" "$peer_front" "$ns_cli" 198.18.0.2/24 198.18.0.1
    make_link "$gw_back" "$peer_back" "$ns_up" 198.19.0.2/24 198.19.0.1
    in_ns "$ns_up" ip addr replace 198.19.0.3/24 dev "$peer_back"
    in_ns "$ns_up" ip addr replace 198.19.0.4/24 dev "$peer_back"
    guard_root_kernel
    if command -v nginx >/dev/null; then
        start_nginx
    fi
    echo "testbed $id up: client ns $ns_cli, upstream ns $ns_up, gateway ports $gw_front $gw_back"
}

down() {
    stop_nginx
    nft list table netdev "$nft_table" >/dev/null 2>&1 && nft delete table netdev "$nft_table"
    ip link del "$gw_front" 2>/dev/null || true
    ip link del "$gw_back" 2>/dev/null || true
    have_ns "$ns_cli" && ip netns del "$ns_cli"
    have_ns "$ns_up" && ip netns del "$ns_up"
    echo "testbed $id down"
}

status() {
    for ns in "$ns_cli" "$ns_up"; do
        if have_ns "$ns"; then
            echo "== $ns"
            in_ns "$ns" ip -br addr
        else
            echo "== $ns: absent"
        fi
    done
    ip -br link show "$gw_front" 2>/dev/null || echo "$gw_front: absent"
    ip -br link show "$gw_back" 2>/dev/null || echo "$gw_back: absent"
}

[[ $(id -u) -eq 0 ]] || { echo "testbed: run as root" >&2; exit 1; }
case $cmd in
    up) up ;;
    tap) wire_taps ;;
    vnet) vnet_offloads "${3:-}" ;;
    down) down ;;
    status) status ;;
    hugepages) hugepages ;;
    *) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
