#!/usr/bin/env bash
# Installs everything the test suite needs on a Debian/Ubuntu machine:
# the MIT Kerberos KDC and tools (for the Kerberos API tests, with a throw-away realm),
# curl with GSS-API (for `curl --negotiate`), wrk (benchmarks), then Tradewind itself
# with its test, Kerberos and Celery extras. Needs root or passwordless sudo for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(krb5-kdc krb5-admin-server krb5-user libkrb5-dev curl wrk chromium chromium-driver)
packages+=(postgresql)  # tests/faults/ start private servers with its initdb and pg_ctl
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo -n)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

python3 -m pip install --quiet --disable-pip-version-check -e '.[test,kerberos,celery]'
