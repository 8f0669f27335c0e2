#!/usr/bin/env bash
# Install the real servers of the real-daemon suite (tests/daemons/packages.txt) with apt-get.
# Each package is installed on its own, so one that cannot be had does not stop the others; each
# failure is printed, and the tests that need it skip naming it. Services are never started by the
# package (policy-rc.d): the tests start each daemon themselves, on 127.0.0.1 and free ports.
set -uo pipefail
cd "$(dirname "$0")/.."
list=tests/daemons/packages.txt
packages=$(sed -e 's/#.*//' "$list" | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
[ -n "$packages" ] || { echo "daemons: none listed in $list"; exit 0; }
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "daemons: not root or no apt-get: not installing ($(echo $packages)); their tests will skip"
  exit 0
fi
missing=()
for package in $packages; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "daemons: all installed ($(echo $packages | wc -w) packages)"
  exit 0
fi
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || echo "daemons: apt-get update failed; trying with the lists on the machine"
failed=()
for package in "${missing[@]}"; do
  if ! apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1; then
    failed+=("$package")
  fi
done
echo "daemons: installed $((${#missing[@]} - ${#failed[@]})) of ${#missing[@]} missing packages"
[ ${#failed[@]} -eq 0 ] || echo "daemons: could not install: ${failed[*]} (their tests will skip, naming them)"
exit 0
