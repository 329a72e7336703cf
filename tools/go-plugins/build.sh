#!/usr/bin/env bash
# Builds the Go go-plugin test peer(s) from Debian's Go packages (no Go module proxy is needed or used).
# Usage: tools/go-plugins/build.sh <outdir> [echo-plugin|go-host|auth-service]   → prints the path of the built binary.
#   echo-plugin (default): a plugin served with go-plugin's plugin.Serve (the host under test is ours).
#   go-host: a host built on go-plugin's plugin.NewClient (the plugin under test is ours, e.g. an SDK example).
#   auth-service: a plain net/http auth_request target for the side-by-side bench (no go-plugin).
# Exit 3 (with a message) when no Go toolchain can be had on this machine — except under CI (CI set), where that is a
# failure (exit 1): a skipped Go interop test must never pass silently there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:?usage: build.sh <outdir> [echo-plugin|go-host|auth-service]}
target=${2:-echo-plugin}
case "$target" in echo-plugin|go-host|auth-service) ;; *) echo "build.sh: unknown target \"$target\" (echo-plugin, go-host or auth-service)" >&2; exit 2 ;; esac
[ -f "$here/$target/main.go" ] || { echo "build.sh: $here/$target/main.go is missing" >&2; exit 2; }
unavailable() { echo "build.sh: $*" >&2; if [ -n "${CI:-}" ]; then exit 1; else exit 3; fi; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

pkgs=(golang-go golang-github-hashicorp-go-plugin-dev golang-google-grpc-dev golang-google-protobuf-dev protobuf-compiler protoc-gen-go-grpc golang-goprotobuf-dev)
need_install() { command -v go >/dev/null && command -v protoc >/dev/null && command -v protoc-gen-go >/dev/null && command -v protoc-gen-go-grpc >/dev/null && [ -d /usr/share/gocode/src/github.com/hashicorp/go-plugin ]; }
if ! need_install; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${pkgs[@]}" >&2 \
      || { apt-get -o DPkg::Lock::Timeout=600 update >&2 && apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${pkgs[@]}" >&2; } \
      || unavailable "could not install Go packages (${pkgs[*]})"
  else
    unavailable "Go toolchain and go-plugin sources missing, and apt-get is not usable here"
  fi
fi

gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
# Go code for plugway's contract .proto files (written from AI Studio's wire contract), one Go package per proto package.
gen="$gopath/src/github.com/plugway/plugway/proto"
mkdir -p "$gen" "$gopath/src/$target"
for f in plugin/plugin.proto config_provider/config_provider.proto; do
  protoc -I "$repo/proto" --go_out="$gen" --go_opt=paths=source_relative --go-grpc_out="$gen" --go-grpc_opt=paths=source_relative \
    "$repo/proto/$f" >&2
done
cp "$here/$target"/*.go "$gopath/src/$target/"
cd "$gopath/src/$target"
GOPATH="$gopath:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOPROXY=off GOCACHE="${GOCACHE:-$HOME/.cache/plugway-go-build}" \
  go build -o "$out/$target" . >&2
echo "$out/$target"
