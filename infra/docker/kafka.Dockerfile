# Single-node KRaft Kafka for the compose deployment and the containers stack provider.
# Build context: the broker jars resolved from Maven Central by infra/kafka/pom.xml (libs/)
# plus this folder's kafka-entrypoint.sh — `concord images build` stages both (docs/containers.md).
# BASE_IMAGE: Debian bookworm; the official debian:bookworm-slim by default, the base built
# with debootstrap on machines without a registry.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless \
  && rm -rf /var/lib/apt/lists/*
COPY libs/ /opt/kafka/libs/
COPY kafka-entrypoint.sh /opt/kafka/bin/kafka-entrypoint.sh
RUN chmod 0755 /opt/kafka/bin/kafka-entrypoint.sh && mkdir -p /var/lib/kafka/data
ENTRYPOINT ["/opt/kafka/bin/kafka-entrypoint.sh"]
