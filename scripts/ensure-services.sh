#!/usr/bin/env bash
# Starts the local services the integration tests use, if they are not running already:
# PostgreSQL 5432, Redis 6379, RabbitMQ 5672. Used by .ci/run; harmless to run twice.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
    local name=$1 port=$2
    for _ in $(seq 1 60); do
        port_open "$port" && return 0
        sleep 1
    done
    echo "ensure-services: $name did not come up on port $port" >&2
    return 1
}

if ! port_open 5432; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
    wait_for PostgreSQL 5432
fi
if ! port_open 6379; then
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
        --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    wait_for Redis 6379
fi
if ! port_open 5672; then
    rabbitmq-server -detached || true
    wait_for RabbitMQ 5672
fi
exit 0
