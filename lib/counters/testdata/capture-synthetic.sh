#!/usr/bin/env bash
# Regenerates the synthetic-* captures in this directory: a ruleset shaped like felix's
# (v3.32-style comments and marks, from felix/rules/endpoints.go, policy.go, static.go) loaded into
# throwaway network namespaces, real packets pushed through it, and the real counters saved with
# iptables-legacy-save -c, iptables-nft-save -c and nft -j list ruleset.
#
# Everything happens inside namespaces this script creates (ncnt-*-$$) and deletes on exit; the
# host namespace's firewall is never touched and no address outside 10.99.0.0/24 is contacted.
# Replace these files with real felix captures (felix-<version>-<backend>-<probe>.*) once the
# netns provider runs felix; the unit tests name the files they read in one table.
#
# Usage (root): lib/counters/testdata/capture-synthetic.sh
set -euo pipefail
OUT=$(cd "$(dirname "$0")" && pwd)
ID=$$
NODE=ncnt-node-$ID
CLIENT=ncnt-client-$ID
SERVER=ncnt-server-$ID
K8S_NS=ncnt
CLIENT_IP=10.99.0.2
SERVER_IP=10.99.0.3
PIDS=()

# Calico CNI's host-side veth name: cali + sha1("<namespace>.<pod>")[:11].
iface() { printf 'cali%s' "$(printf '%s.%s' "$1" "$2" | sha1sum | cut -c1-11)"; }
CLI_IF=$(iface "$K8S_NS" client)
SRV_IF=$(iface "$K8S_NS" server)

# hashutils.GetLengthLimitedID(prefix, id, 28), computed independently of lib/counters.
chain_name() {
  node -e '
    const [prefix, id] = process.argv.slice(1);
    const max = 28;
    const total = Buffer.byteLength(prefix) + Buffer.byteLength(id);
    if (total > max || (total === max && id.startsWith("_"))) {
      const h = require("node:crypto").createHash("sha256").update(id).digest("base64url");
      process.stdout.write(prefix + "_" + h.slice(0, max - 1 - prefix.length));
    } else process.stdout.write(prefix + id);' "$1" "$2"
}
# felix v3.32 (felix/types/policy_id.go): "<short kind>/<namespace>/<name>", a Kubernetes policy keeping its own name.
ALLOW_CHAIN=$(chain_name cali-pi- "knp/$K8S_NS/allow-client-to-server")
DENY_CHAIN=$(chain_name cali-pi- "np/$K8S_NS/deny-udp-5353")

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for n in "$NODE" "$CLIENT" "$SERVER"; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT

# Deterministic felix-looking rule ids ("cali:" + 16 base64url chars).
rid() { printf 'cali:%s' "$(printf '%s' "$1" | sha256sum | xxd -r -p | base64 | tr '+/' '-_' | cut -c1-16)"; }

topology() {
  PIDS=()
  for n in "$NODE" "$CLIENT" "$SERVER"; do ip netns add "$n"; ip -n "$n" link set lo up; done
  ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
  # Proxy ARP answers for the pods' gateway 169.254.1.1 only if the node routes it elsewhere; a
  # real node has a default route, this one gets a veth pair of its own so nothing leaves the namespace.
  ip -n "$NODE" link add ncnt0 type veth peer name ncnt1
  ip -n "$NODE" link set ncnt0 up
  ip -n "$NODE" link set ncnt1 up
  ip -n "$NODE" route add 169.254.1.1/32 dev ncnt0
  wire "$CLIENT" "$CLI_IF" "$CLIENT_IP"
  wire "$SERVER" "$SRV_IF" "$SERVER_IP"
}

# Wiring as Calico's CNI plugin does it (cni-plugin/pkg/dataplane/linux/dataplane_linux.go).
wire() {
  local pod=$1 hostif=$2 ip=$3
  ip link add "$hostif" netns "$NODE" type veth peer name eth0 netns "$pod"
  ip -n "$NODE" link set "$hostif" address ee:ee:ee:ee:ee:ee up
  ip netns exec "$NODE" sysctl -qw "net.ipv4.conf.$hostif.proxy_arp=1" "net.ipv4.neigh.$hostif.proxy_delay=0" "net.ipv4.conf.$hostif.forwarding=1"
  ip -n "$NODE" route add "$ip/32" dev "$hostif"
  ip -n "$pod" addr add "$ip/32" dev eth0
  ip -n "$pod" link set eth0 up
  ip -n "$pod" route add 169.254.1.1 dev eth0 scope link
  ip -n "$pod" route add default via 169.254.1.1 dev eth0
}

iptables_ruleset() {
  local c=$CLI_IF s=$SRV_IF
  cat <<RULES
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:cali-PREROUTING - [0:0]
-A PREROUTING -m comment --comment "$(rid raw-pre)" -j cali-PREROUTING
-A cali-PREROUTING -m comment --comment "$(rid raw-clear)" -j MARK --set-xmark 0x0/0xf0000
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:cali-FORWARD - [0:0]
:cali-from-wl-dispatch - [0:0]
:cali-to-wl-dispatch - [0:0]
:cali-fw-$c - [0:0]
:cali-tw-$c - [0:0]
:cali-fw-$s - [0:0]
:cali-tw-$s - [0:0]
:$ALLOW_CHAIN - [0:0]
:$DENY_CHAIN - [0:0]
:cali-pri-kns.$K8S_NS - [0:0]
:cali-pro-kns.$K8S_NS - [0:0]
:cali-pri-ksa.$K8S_NS.default - [0:0]
:cali-pro-ksa.$K8S_NS.default - [0:0]
-A FORWARD -m comment --comment "$(rid fwd-jump)" -j cali-FORWARD
-A FORWARD -m comment --comment "$(rid fwd-accept)" -m comment --comment "Policy explicitly accepted packet." -m mark --mark 0x10000/0x10000 -j ACCEPT
-A cali-FORWARD -m comment --comment "$(rid cf-clear)" -j MARK --set-xmark 0x0/0x70000
-A cali-FORWARD -i cali+ -m comment --comment "$(rid cf-from)" -j cali-from-wl-dispatch
-A cali-FORWARD -o cali+ -m comment --comment "$(rid cf-to)" -j cali-to-wl-dispatch
-A cali-from-wl-dispatch -i $c -m comment --comment "$(rid fd-c)" -g cali-fw-$c
-A cali-from-wl-dispatch -i $s -m comment --comment "$(rid fd-s)" -g cali-fw-$s
-A cali-from-wl-dispatch -m comment --comment "$(rid fd-unknown)" -m comment --comment "Unknown interface" -j DROP
-A cali-to-wl-dispatch -o $c -m comment --comment "$(rid td-c)" -g cali-tw-$c
-A cali-to-wl-dispatch -o $s -m comment --comment "$(rid td-s)" -g cali-tw-$s
-A cali-to-wl-dispatch -m comment --comment "$(rid td-unknown)" -m comment --comment "Unknown interface" -j DROP
$(profile_only_chain fw "$c" pro)
$(profile_only_chain tw "$c" pri)
$(profile_only_chain fw "$s" pro)
-A cali-tw-$s -m comment --comment "$(rid tws-ct)" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A cali-tw-$s -m comment --comment "$(rid tws-inv)" -m conntrack --ctstate INVALID -j DROP
-A cali-tw-$s -m comment --comment "$(rid tws-clear)" -j MARK --set-xmark 0x0/0x30000
-A cali-tw-$s -m comment --comment "$(rid tws-tier)" -m comment --comment "Start of tier default" -j MARK --set-xmark 0x0/0x20000
-A cali-tw-$s -m comment --comment "$(rid tws-j1)" -m mark --mark 0x0/0x20000 -j $DENY_CHAIN
-A cali-tw-$s -m comment --comment "$(rid tws-r1)" -m comment --comment "Return if policy accepted" -m mark --mark 0x10000/0x10000 -j RETURN
-A cali-tw-$s -m comment --comment "$(rid tws-j2)" -m mark --mark 0x0/0x20000 -j $ALLOW_CHAIN
-A cali-tw-$s -m comment --comment "$(rid tws-r2)" -m comment --comment "Return if policy accepted" -m mark --mark 0x10000/0x10000 -j RETURN
-A cali-tw-$s -m comment --comment "$(rid tws-eot)" -m comment --comment "End of tier default. Drop if no policies passed packet" -m mark --mark 0x0/0x20000 -j DROP
-A cali-tw-$s -m comment --comment "$(rid tws-p1)" -j cali-pri-kns.$K8S_NS
-A cali-tw-$s -m comment --comment "$(rid tws-pr1)" -m comment --comment "Return if profile accepted" -m mark --mark 0x10000/0x10000 -j RETURN
-A cali-tw-$s -m comment --comment "$(rid tws-p2)" -j cali-pri-ksa.$K8S_NS.default
-A cali-tw-$s -m comment --comment "$(rid tws-pr2)" -m comment --comment "Return if profile accepted" -m mark --mark 0x10000/0x10000 -j RETURN
-A cali-tw-$s -m comment --comment "$(rid tws-nop)" -m comment --comment "Drop if no profiles matched" -j DROP
-A $DENY_CHAIN -p udp -m comment --comment "$(rid deny-1)" -m comment --comment "NetworkPolicy $K8S_NS/deny-udp-5353 ingress" -m udp --dport 5353 -j MARK --set-xmark 0x40000/0x40000
-A $DENY_CHAIN -m comment --comment "$(rid deny-2)" -m mark --mark 0x40000/0x40000 -j DROP
-A $ALLOW_CHAIN -s $CLIENT_IP/32 -p tcp -m comment --comment "$(rid allow-1)" -m comment --comment "KubernetesNetworkPolicy $K8S_NS/allow-client-to-server ingress" -m multiport --dports 8080 -j MARK --set-xmark 0x10000/0x10000
-A cali-pri-kns.$K8S_NS -m comment --comment "$(rid pri-kns)" -m comment --comment "Profile kns.$K8S_NS ingress" -j MARK --set-xmark 0x10000/0x10000
-A cali-pro-kns.$K8S_NS -m comment --comment "$(rid pro-kns)" -m comment --comment "Profile kns.$K8S_NS egress" -j MARK --set-xmark 0x10000/0x10000
COMMIT
RULES
}

# An endpoint chain with no policy in this direction: only the profiles decide.
profile_only_chain() {
  local dir=$1 ifc=$2 pfx=$3 ch="cali-$1-$2"
  cat <<RULES
-A $ch -m comment --comment "$(rid "$ch-ct")" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A $ch -m comment --comment "$(rid "$ch-inv")" -m conntrack --ctstate INVALID -j DROP
-A $ch -m comment --comment "$(rid "$ch-clear")" -j MARK --set-xmark 0x0/0x30000
$( [ "$dir" = fw ] && printf '%s\n' "-A $ch -p udp -m comment --comment \"$(rid "$ch-vx")\" -m comment --comment \"Drop VXLAN encapped packets originating in workloads\" -m multiport --dports 4789 -j DROP" )
-A $ch -m comment --comment "$(rid "$ch-p1")" -j cali-$pfx-kns.$K8S_NS
-A $ch -m comment --comment "$(rid "$ch-pr1")" -m comment --comment "Return if profile accepted" -m mark --mark 0x10000/0x10000 -j RETURN
-A $ch -m comment --comment "$(rid "$ch-p2")" -j cali-$pfx-ksa.$K8S_NS.default
-A $ch -m comment --comment "$(rid "$ch-pr2")" -m comment --comment "Return if profile accepted" -m mark --mark 0x10000/0x10000 -j RETURN
-A $ch -m comment --comment "$(rid "$ch-nop")" -m comment --comment "Drop if no profiles matched" -j DROP
RULES
}

# Felix's nftables mode: one "ip calico" table, chains prefixed with the logical table
# (felix/nftables/table_layer.go), a counter on every rule, comments joined with "; ".
nft_ruleset() {
  local c=$CLI_IF s=$SRV_IF
  cat <<RULES
table ip calico {
  chain raw-PREROUTING { type filter hook prerouting priority raw; policy accept;
    counter jump raw-cali-PREROUTING comment "$(rid raw-pre)"
  }
  chain raw-cali-PREROUTING {
    counter meta mark set meta mark & 0xfff0ffff comment "$(rid raw-clear)"
  }
  chain filter-FORWARD { type filter hook forward priority filter; policy drop;
    counter jump filter-cali-FORWARD comment "$(rid fwd-jump)"
    meta mark & 0x00010000 == 0x00010000 counter accept comment "$(rid fwd-accept); Policy explicitly accepted packet."
  }
  chain filter-cali-FORWARD {
    counter meta mark set meta mark & 0xfff8ffff comment "$(rid cf-clear)"
    iifname "cali*" counter jump filter-cali-from-wl-dispatch comment "$(rid cf-from)"
    oifname "cali*" counter jump filter-cali-to-wl-dispatch comment "$(rid cf-to)"
  }
  chain filter-cali-from-wl-dispatch {
    iifname "$c" counter goto filter-cali-fw-$c comment "$(rid fd-c)"
    iifname "$s" counter goto filter-cali-fw-$s comment "$(rid fd-s)"
    counter drop comment "$(rid fd-unknown); Unknown interface"
  }
  chain filter-cali-to-wl-dispatch {
    oifname "$c" counter goto filter-cali-tw-$c comment "$(rid td-c)"
    oifname "$s" counter goto filter-cali-tw-$s comment "$(rid td-s)"
    counter drop comment "$(rid td-unknown); Unknown interface"
  }
$(nft_profile_only_chain fw "$c" pro)
$(nft_profile_only_chain tw "$c" pri)
$(nft_profile_only_chain fw "$s" pro)
  chain filter-cali-tw-$s {
    ct state established,related counter accept comment "$(rid tws-ct)"
    ct state invalid counter drop comment "$(rid tws-inv)"
    counter meta mark set meta mark & 0xfffcffff comment "$(rid tws-clear)"
    counter meta mark set meta mark & 0xfffdffff comment "$(rid tws-tier); Start of tier default"
    meta mark & 0x00020000 == 0x00000000 counter jump filter-$DENY_CHAIN comment "$(rid tws-j1)"
    meta mark & 0x00010000 == 0x00010000 counter return comment "$(rid tws-r1); Return if policy accepted"
    meta mark & 0x00020000 == 0x00000000 counter jump filter-$ALLOW_CHAIN comment "$(rid tws-j2)"
    meta mark & 0x00010000 == 0x00010000 counter return comment "$(rid tws-r2); Return if policy accepted"
    meta mark & 0x00020000 == 0x00000000 counter drop comment "$(rid tws-eot); End of tier default. Drop if no policies passed packet"
    counter jump filter-cali-pri-kns.$K8S_NS comment "$(rid tws-p1)"
    meta mark & 0x00010000 == 0x00010000 counter return comment "$(rid tws-pr1); Return if profile accepted"
    counter jump filter-cali-pri-ksa.$K8S_NS.default comment "$(rid tws-p2)"
    meta mark & 0x00010000 == 0x00010000 counter return comment "$(rid tws-pr2); Return if profile accepted"
    counter drop comment "$(rid tws-nop); Drop if no profiles matched"
  }
  chain filter-$DENY_CHAIN {
    udp dport 5353 counter meta mark set meta mark | 0x00040000 comment "$(rid deny-1); NetworkPolicy $K8S_NS/deny-udp-5353 ingress"
    meta mark & 0x00040000 == 0x00040000 counter drop comment "$(rid deny-2)"
  }
  chain filter-$ALLOW_CHAIN {
    ip saddr $CLIENT_IP tcp dport 8080 counter meta mark set meta mark | 0x00010000 comment "$(rid allow-1); KubernetesNetworkPolicy $K8S_NS/allow-client-to-server ingress"
  }
  chain filter-cali-pri-kns.$K8S_NS {
    counter meta mark set meta mark | 0x00010000 comment "$(rid pri-kns); Profile kns.$K8S_NS ingress"
  }
  chain filter-cali-pro-kns.$K8S_NS {
    counter meta mark set meta mark | 0x00010000 comment "$(rid pro-kns); Profile kns.$K8S_NS egress"
  }
  chain filter-cali-pri-ksa.$K8S_NS.default {
    counter
  }
  chain filter-cali-pro-ksa.$K8S_NS.default {
    counter
  }
}
RULES
}

nft_profile_only_chain() {
  local dir=$1 ifc=$2 pfx=$3 ch="cali-$1-$2"
  cat <<RULES
  chain filter-$ch {
    ct state established,related counter accept comment "$(rid "$ch-ct")"
    ct state invalid counter drop comment "$(rid "$ch-inv")"
    counter meta mark set meta mark & 0xfffcffff comment "$(rid "$ch-clear")"
$( [ "$dir" = fw ] && printf '    %s\n' "udp dport 4789 counter drop comment \"$(rid "$ch-vx"); Drop VXLAN encapped packets originating in workloads\"" )
    counter jump filter-cali-$pfx-kns.$K8S_NS comment "$(rid "$ch-p1")"
    meta mark & 0x00010000 == 0x00010000 counter return comment "$(rid "$ch-pr1"); Return if profile accepted"
    counter jump filter-cali-$pfx-ksa.$K8S_NS.default comment "$(rid "$ch-p2")"
    meta mark & 0x00010000 == 0x00010000 counter return comment "$(rid "$ch-pr2"); Return if profile accepted"
    counter drop comment "$(rid "$ch-nop"); Drop if no profiles matched"
  }
RULES
}

snapshot() { # backend file
  case $1 in
    iptables-legacy) ip netns exec "$NODE" iptables-legacy-save -c | sed '/^# \(Generated\|Completed\)/s/ on .*//' >"$2.txt" ;;
    iptables-nft) ip netns exec "$NODE" iptables-nft-save -c | sed '/^# \(Generated\|Completed\)/s/ on .*//' >"$2.txt" ;;
    nftables) ip netns exec "$NODE" nft -j list ruleset | python3 -m json.tool --indent 1 >"$2.json" ;;
  esac
}

probe() { # name command...
  local name=$1; shift
  snapshot "$BACKEND" "$OUT/synthetic-$BACKEND-$name.before"
  "$@" || true
  sleep 0.2
  snapshot "$BACKEND" "$OUT/synthetic-$BACKEND-$name.after"
}

for BACKEND in iptables-legacy iptables-nft nftables; do
  topology
  case $BACKEND in
    iptables-legacy) iptables_ruleset | ip netns exec "$NODE" iptables-legacy-restore ;;
    iptables-nft) iptables_ruleset | ip netns exec "$NODE" iptables-nft-restore ;;
    nftables) nft_ruleset | ip netns exec "$NODE" nft -f - ;;
  esac
  ip netns exec "$SERVER" nc -lk 8080 >/dev/null 2>&1 &
  PIDS+=($!)
  ip netns exec "$SERVER" nc -lku 5353 >/dev/null 2>&1 &
  PIDS+=($!)
  sleep 0.3
  probe tcp-8080-allowed ip netns exec "$CLIENT" nc -z -w 2 "$SERVER_IP" 8080
  probe tcp-9090-blocked ip netns exec "$CLIENT" nc -z -w 2 "$SERVER_IP" 9090
  probe udp-5353-denied sh -c "echo probe | ip netns exec $CLIENT nc -u -w 1 $SERVER_IP 5353"
  probe icmp-server-to-client ip netns exec "$SERVER" ping -c 2 -W 1 "$CLIENT_IP"
  if [ "$BACKEND" = iptables-nft ]; then
    ip netns exec "$NODE" nft -j list ruleset | python3 -m json.tool --indent 1 >"$OUT/synthetic-iptables-nft-ruleset.nft.json"
  fi
  cleanup
done
cat >"$OUT/synthetic-meta.json" <<META
{
  "note": "Synthetic felix-shaped captures made by capture-synthetic.sh; not from a running felix.",
  "k8sNamespace": "$K8S_NS",
  "client": {"pod": "client", "ip": "$CLIENT_IP", "interface": "$CLI_IF"},
  "server": {"pod": "server", "ip": "$SERVER_IP", "interface": "$SRV_IF"},
  "allowPolicyChain": "$ALLOW_CHAIN",
  "denyPolicyChain": "$DENY_CHAIN",
  "policyIdScheme": "kind-namespace-name"
}
META
echo "captures written to $OUT"
