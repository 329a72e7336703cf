# syntax=docker/dockerfile:1
# plugway studio: build every workspace package with tsc (nx), then run `node apps/studio/dist/main.js` on node:20-slim.
# Build from the repository root:  docker build -f deploy/docker/studio.Dockerfile -t plugway/studio .

FROM node:20-slim AS build
WORKDIR /src
# better-sqlite3 compiles its native addon when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY . .
RUN npm ci --no-audit --no-fund \
 && npx nx run @plugway/studio:build --output-style=static \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim AS runtime
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 STUDIO_DATA_DIR=/var/lib/plugway/studio
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
# Workspace packages resolve through node_modules symlinks to their package.json + dist.
COPY --from=build /src/libs ./libs
COPY --from=build /src/proto/package.json ./proto/package.json
COPY --from=build /src/proto/dist ./proto/dist
COPY --from=build /src/apps/studio/package.json ./apps/studio/package.json
COPY --from=build /src/apps/studio/dist ./apps/studio/dist
RUN mkdir -p /var/lib/plugway/studio /var/lib/plugway/plugins && chown -R node:node /var/lib/plugway
USER node
EXPOSE 3000
VOLUME ["/var/lib/plugway"]
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "apps/studio/dist/main.js"]
