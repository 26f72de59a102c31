#!/bin/sh
# Starts a single-node KRaft broker: `kafka-entrypoint.sh <server.properties>`, or without an
# argument from KAFKA_* variables as the apache/kafka image reads them (KAFKA_LOG_DIRS ->
# log.dirs; `__` -> `_`, `___` -> `-`), so docker-compose.yml runs on either image. Formats the
# storage on first start with CLUSTER_ID (random when unset).
set -eu
props="${1:-}"
if [ -z "$props" ]; then
  props=/opt/kafka/server.properties
  : > "$props"
  env | grep '^KAFKA_' | grep -v '^KAFKA_HEAP_OPTS=\|^KAFKA_JVM_OPTS=' | while IFS='=' read -r key value; do
    name=$(printf '%s' "${key#KAFKA_}" | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g' | tr 'A-Z' 'a-z')
    printf '%s=%s\n' "$name" "$value" >> "$props"
  done
  grep -q '^log.dirs=' "$props" || echo 'log.dirs=/var/lib/kafka/data' >> "$props"
fi
cat > /opt/kafka/log4j2.properties <<'LOG'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.console.ref = STDOUT
logger.state.name = state.change.logger
logger.state.level = WARN
LOG
jvm="${KAFKA_HEAP_OPTS:--Xmx256m -Xms64m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true -Dlog4j2.configurationFile=/opt/kafka/log4j2.properties ${KAFKA_JVM_OPTS:-}"
dirs=$(sed -n 's/^log\.dirs=//p' "$props" | cut -d, -f1)
if [ ! -f "$dirs/meta.properties" ]; then
  id="${CLUSTER_ID:-$(cat /proc/sys/kernel/random/uuid | tr -d '-' | cut -c1-22)}"
  # shellcheck disable=SC2086
  java $jvm -cp '/opt/kafka/libs/*' kafka.tools.StorageTool format --ignore-formatted -t "$id" -c "$props"
fi
# shellcheck disable=SC2086
exec java $jvm -cp '/opt/kafka/libs/*' kafka.Kafka "$props"
