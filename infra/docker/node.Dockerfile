# A Node 20 image for machines without a registry: the base plus the host's own node binary
# (Debian's nodejs is 18). Build context: a folder holding that binary as `node`.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
COPY node /usr/local/bin/node
RUN chmod 0755 /usr/local/bin/node && node --version
