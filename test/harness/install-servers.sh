#!/usr/bin/env bash
# Installs Cyrus IMAP and Courier-IMAP for the test harness without
# installing them: their Debian packages conflict with dovecot-imapd (all
# provide imap-server), so their shared-library dependencies come from apt
# and the packages themselves are unpacked with dpkg -x into a cache
# directory, where test/harness finds them (cyrus.go, courier.go).
#
# Usage: install-servers.sh [DIR]
# DIR defaults to $IMAPX_TEST_SERVERS, else /var/cache/imapx-test-servers
# as root, else ${XDG_CACHE_HOME:-~/.cache}/imapx-test-servers.
# Needs root for apt-get (skipped when nothing is missing). Idempotent: a
# cache whose stamp names the same package versions is kept.
set -euo pipefail

default_dir() {
  if [ -n "${IMAPX_TEST_SERVERS:-}" ]; then
    echo "$IMAPX_TEST_SERVERS"
  elif [ "$(id -u)" = 0 ]; then
    echo /var/cache/imapx-test-servers
  else
    echo "${XDG_CACHE_HOME:-$HOME/.cache}/imapx-test-servers"
  fi
}
dir=${1:-$(default_dir)}

# The packages unpacked, not installed.
pkgs=(cyrus-imapd cyrus-common courier-imap courier-base courier-authlib
  courier-authdaemon courier-authlib-userdb)

export DEBIAN_FRONTEND=noninteractive
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# apt-cache needs the lists: on a fresh machine they are empty.
if ! apt-cache policy cyrus-imapd 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  apt-get update -qq
fi

# The shared libraries (and sasl2-bin) that apt must provide.
install_deps() {
  local missing=()
  for d in "$@"; do
    installed "$d" || missing+=("$d")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

versions=$(apt-cache policy "${pkgs[@]}" | awk '/^[^ ]/ {p=$1} /Candidate:/ {print p $2}')
if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$versions" ] && [ -f "$dir/deps" ]; then
  # shellcheck disable=SC2046
  install_deps $(cat "$dir/deps")
  exit 0
fi

rm -rf "$dir.tmp"
mkdir -p "$dir.tmp/debs" "$dir.tmp/root"
# apt-get download writes into the current directory, as _apt where it
# can: in a root-owned directory it warns "unsandboxed", harmlessly.
if ! (cd "$dir.tmp/debs" && apt-get download -qq "${pkgs[@]}" >download.log 2>&1); then
  cat "$dir.tmp/debs/download.log" >&2
  exit 1
fi
deps=()
for deb in "$dir.tmp"/debs/*.deb; do
  dpkg -x "$deb" "$dir.tmp/root"
  # Every shared library the packages depend on (first of alternatives);
  # their other dependencies (an MTA, init scripts, debconf) are not used.
  for d in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*//; s/ //g'); do
    case $d in lib*) deps+=("$d") ;; esac
  done
done
# saslpasswd2 creates Cyrus's users (sasl2-bin conflicts with nothing).
deps+=(sasl2-bin)
printf '%s\n' "${deps[@]}" | sort -u >"$dir.tmp/deps"
# shellcheck disable=SC2046
install_deps $(cat "$dir.tmp/deps")
echo "$versions" >"$dir.tmp/stamp"
rm -rf "$dir.tmp/debs" "$dir"
mv "$dir.tmp" "$dir"
