#!/bin/sh
# `redis-server ARGS`: serves on every address with protected mode off, then ARGS (the official
# image's redis.conf does the same); any other command runs as given (redis-cli…).
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  exec redis-server --bind 0.0.0.0 --protected-mode no "$@"
fi
exec "$@"
