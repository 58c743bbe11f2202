#!/bin/bash
# Starts the broker as the official apache/kafka image does: every KAFKA_FOO_BAR variable
# becomes the property foo.bar; the storage is formatted on the first start.
set -euo pipefail
config=/opt/kafka/config/server.properties
: >"$config"
while IFS='=' read -r name value; do
  [[ "$name" == KAFKA_* ]] || continue
  property=$(tr '[:upper:]_' '[:lower:].' <<<"${name#KAFKA_}")
  echo "$property=$value" >>"$config"
done < <(env)
cat >/opt/kafka/config/log4j2.properties <<'LOG'
status = warn
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
LOG
java_opts=(-Xmx512m -XX:+UseSerialGC -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties -cp '/opt/kafka/libs/*')
log_dir=$(sed -n 's/^log.dirs=//p' "$config")
if [[ ! -f "${log_dir:-/var/lib/kafka/data}/meta.properties" ]]; then
  java "${java_opts[@]}" kafka.tools.StorageTool format -t "${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" -c "$config"
fi
exec java "${java_opts[@]}" kafka.Kafka "$config"
