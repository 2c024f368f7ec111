#!/usr/bin/env bash
# Installs the Debian packages gst-sessionctx needs (when missing; apt needs
# root) and configures + builds the project with meson.
#   BUILD_DIR   build directory (default: <repo>/build)
#   MESON_ARGS  extra arguments for the first `meson setup`
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}

PACKAGES=(
  meson ninja-build pkg-config g++
  libglib2.0-dev libglib2.0-dev-bin libsoup-3.0-dev libjson-glib-dev libsimdjson-dev libbenchmark-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-nice
  iproute2 util-linux python3-aiortc
  gobject-introspection libgirepository1.0-dev
  gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  python3 python3-gi python3-gst-1.0 python3-websockets python3-numpy
  python3-prometheus-client
  gstreamer1.0-pocketsphinx pocketsphinx-en-us espeak-ng
  libwebrtc-audio-processing-dev
  clang-14 libclang-rt-14-dev
  glib-networking libgnutls28-dev openssl
  haproxy
  libhiredis-dev redis-server
  gdb
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages: ${missing[*]}" >&2
    echo "Run as root (apt-get install) or install them first." >&2
    exit 1
  fi
  echo "Installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson setup "$BUILD_DIR" "$ROOT" ${MESON_ARGS:-} >/dev/null
fi
meson compile -C "$BUILD_DIR" >/dev/null
