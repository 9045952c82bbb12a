#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster on 127.0.0.1:$PGPORT owned by the `postgres` user and
# prints the URL to use. Usage: .ci/postgres.sh start DIR PORT | .ci/postgres.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then echo "postgres.sh: PostgreSQL is not installed" >&2; exit 3; fi
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
case $cmd in
  start)
    port=${3:?port}
    # Never wipe a live cluster: a server already answering on the port (or from this directory)
    # belongs to someone else, or to an earlier start.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "postgres.sh: something already listens on 127.0.0.1:$port; stop it or pick another port" >&2
      exit 3
    fi
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "'$bin/initdb' -D '$dir/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1" \
      || { cat "$dir/initdb.log" >&2; exit 3; }
    as_pg "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
      -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start >/dev/null" \
      || { cat "$dir/server.log" >&2; exit 3; }
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] && as_pg "'$bin/pg_ctl' -D '$dir/data' -m immediate stop >/dev/null 2>&1" || true
    ;;
esac
