# Huiying: one image for every role (api, worker, migrate). See docker-compose.yml.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, so source edits do not invalidate this layer. tsx (which runs the
# TypeScript sources) is a runtime dependency, so dev dependencies are left out.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# The sources (src, workers, migrations, …); .dockerignore keeps tests and local state out.
COPY --chown=node:node . .
RUN mkdir -p /app/data && chown node:node /app /app/data

USER node

ENV PORT=3000 HOST=0.0.0.0
EXPOSE 3000

# `docker run … huiying` runs API and workers in one process; compose splits them with
# `npm start -- --role api` / `--role worker` and runs `npm run migrate` once.
CMD ["npm", "start"]
