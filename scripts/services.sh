# Throwaway PostgreSQL 15 and Redis on loopback, for tests and benchmarks. Source it, then call services_start;
# services_stop runs on exit. Installs the servers (and Debian's chromium) with apt-get when they are missing.
# PostgreSQL refuses to run as root, so as root it runs as the unprivileged 'postgres' user.

SVC_DIR=""
PG_PORT=""
REDIS_PORT=""

_free_port() {
    "${PY:-python3}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

_apt_install() {
    if [ "$(id -u)" != "0" ]; then
        echo "missing: $* (install them with apt-get, or run as root)" >&2
        return 1
    fi
    if [ -z "${_APT_UPDATED:-}" ]; then
        apt-get update -qq >/dev/null
        _APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

services_install() {
    local missing=()
    PG_BIN=""
    for candidate in /usr/lib/postgresql/1[5-9]/bin; do
        [ -x "$candidate/initdb" ] && PG_BIN="$candidate"
    done
    [ -n "$PG_BIN" ] || missing+=(postgresql-15)
    command -v redis-server >/dev/null || missing+=(redis-server)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "installing ${missing[*]}…"
        _apt_install "${missing[@]}" || return 1
        for candidate in /usr/lib/postgresql/1[5-9]/bin; do
            [ -x "$candidate/initdb" ] && PG_BIN="$candidate"
        done
    fi
}

_as_pg_user() {
    if [ "$(id -u)" = "0" ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

services_start() {
    services_install || return 1
    SVC_DIR=$(mktemp -d /tmp/sinhke-services.XXXXXX)
    chmod 755 "$SVC_DIR"
    mkdir -p "$SVC_DIR/pg"
    if [ "$(id -u)" = "0" ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$SVC_DIR" postgres
        chown postgres "$SVC_DIR/pg"
    fi
    PG_PORT=$(_free_port)
    _as_pg_user "$PG_BIN/initdb" -D "$SVC_DIR/pg/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$SVC_DIR/initdb.log" 2>&1 \
        || { cat "$SVC_DIR/initdb.log" >&2; return 1; }
    _as_pg_user "$PG_BIN/pg_ctl" -D "$SVC_DIR/pg/data" -l "$SVC_DIR/pg/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$SVC_DIR/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB" >/dev/null \
        || { cat "$SVC_DIR/pg/server.log" >&2; return 1; }
    REDIS_PORT=$(_free_port)
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
        --dir "$SVC_DIR" --logfile "$SVC_DIR/redis.log" --pidfile "$SVC_DIR/redis.pid" >/dev/null
    for _ in $(seq 50); do
        redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/sinhke"
    export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
    export TEST_REDIS_URL="$CELERY_BROKER_URL"
    export CHROMIUM_PATH=/usr/bin/chromium
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres sinhke
    echo "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"
    trap services_stop EXIT
}

services_stop() {
    [ -n "$SVC_DIR" ] || return 0
    if [ -f "$SVC_DIR/redis.pid" ]; then kill "$(cat "$SVC_DIR/redis.pid")" 2>/dev/null || true; fi
    if [ -d "$SVC_DIR/pg/data" ]; then _as_pg_user "$PG_BIN/pg_ctl" -D "$SVC_DIR/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$SVC_DIR"
    SVC_DIR=""
}
