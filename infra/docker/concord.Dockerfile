# One image for the Concord services and CLI; the command picks writer, mirror or reconciler.
# Build context: the repository root after `pnpm install && pnpm build` on the host (see
# .dockerignore) — `concord images build` does both, so no registry is needed inside.
# NODE_IMAGE provides /usr/local/bin/node: the official node image by default, concord-node
# (the host's binary on the debootstrap base) without a registry.
ARG NODE_IMAGE=node:20-bookworm-slim
ARG BASE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE} AS node
FROM ${BASE_IMAGE}
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY . /app
ENV NODE_ENV=production
CMD ["node", "services/writer/dist/main.js"]
