# syntax=docker/dockerfile:1
# plugway edge gateway: build with tsc (nx), run `node apps/edge-gateway/dist/main.js` on node:20-slim.
# Build from the repository root:  docker build -f deploy/docker/edge-gateway.Dockerfile -t plugway/edge-gateway .

FROM node:20-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY . .
RUN npm ci --no-audit --no-fund \
 && npx nx run @plugway/edge-gateway:build --output-style=static \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim AS runtime
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 OCI_PLUGINS_CACHE_DIR=/var/lib/microgateway/plugins OCI_PLUGINS_REQUIRE_SIGNATURE=true
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/libs ./libs
COPY --from=build /src/proto/package.json ./proto/package.json
COPY --from=build /src/proto/dist ./proto/dist
COPY --from=build /src/apps/edge-gateway/package.json ./apps/edge-gateway/package.json
COPY --from=build /src/apps/edge-gateway/dist ./apps/edge-gateway/dist
RUN mkdir -p /var/lib/microgateway/plugins /etc/plugway && chown -R node:node /var/lib/microgateway
USER node
EXPOSE 8080
VOLUME ["/var/lib/microgateway/plugins"]
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGHUP reloads the plugins without dropping requests: docker kill -s HUP <container>
CMD ["node", "apps/edge-gateway/dist/main.js"]
