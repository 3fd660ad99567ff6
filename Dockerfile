# Huiying: one image for every role (api, worker, migrate). See docker-compose.yml.

# --- build: every dependency, TypeScript compiled to dist/ (`npm run build`) ---------------------
FROM node:24-bookworm-slim AS build

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

# --- run: production dependencies and the compiled code, run by plain node ---------------------
FROM node:24-bookworm-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, so code edits do not invalidate this layer.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# dist/ holds the compiled code with the views, static files and migrations it reads at run time;
# scripts/build.mjs is the `prestart` check, which finds no sources here and trusts dist/.
COPY --chown=node:node scripts/build.mjs ./scripts/build.mjs
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app /app/data

USER node

ENV PORT=3000 HOST=0.0.0.0
EXPOSE 3000

# `docker run … huiying` runs API and workers in one process; compose splits them with
# `npm start -- --role api` / `--role worker` and runs `npm run migrate` once. `npm start` execs
# `node dist/src/main.js`, so `docker stop` (SIGTERM, forwarded by npm) drains it gracefully.
CMD ["npm", "start"]
