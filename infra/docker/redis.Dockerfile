# Debian's Redis 7 answering on every address (protected mode off, as in the official image).
# Build context: this folder.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
  && rm -rf /var/lib/apt/lists/*
COPY redis-entrypoint.sh /usr/local/bin/redis-entrypoint.sh
ENTRYPOINT ["/bin/sh", "/usr/local/bin/redis-entrypoint.sh"]
CMD ["redis-server", "--save", "", "--appendonly", "no"]
