#!/usr/bin/env bash
# The common PreSync hook script: one `kafka-topics.sh --create --if-not-exists` per topic.
#
# The harness installs Kafka's jars without the bin/ scripts, so this runs what kafka-topics.sh
# runs: kafka-run-class.sh's `java` command line with its default options (heap, G1, JMX, the tools'
# log4j settings) and the TopicCommand main class, one JVM per topic.
#
# Usage: kafka-topics-loop.sh BOOTSTRAP TOPICS_FILE      (one topic name a line)
# Environment: KAFKA_LIBS (the jars), KAFKA_LOG4J (a log4j properties file, WARN to stderr),
#              PARTITIONS, REPLICATION_FACTOR, TOPIC_CONFIGS (space-separated key=value).
set -euo pipefail
bootstrap="$1"
topics_file="$2"

# kafka-run-class.sh (Kafka 3.9) defaults when KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS,
# KAFKA_JMX_OPTS and KAFKA_LOG4J_OPTS are unset.
heap_opts=(-Xmx256M)
performance_opts=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true)
jmx_opts=(-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false)
log4j_opts=("-Dlog4j.configuration=file:${KAFKA_LOG4J}")

config_args=()
for pair in ${TOPIC_CONFIGS:-}; do config_args+=(--config "$pair"); done

while IFS= read -r topic; do
  [[ -n $topic ]] || continue
  java "${heap_opts[@]}" "${performance_opts[@]}" "${jmx_opts[@]}" "${log4j_opts[@]}" -cp "${KAFKA_LIBS}/*" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "$topic" --partitions "${PARTITIONS:-3}" --replication-factor "${REPLICATION_FACTOR:-1}" "${config_args[@]}"
done <"$topics_file"
