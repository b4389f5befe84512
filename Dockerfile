# Tandem in one container: the web app and the sync server on one port, documents in /data.
#   docker build -t tandem .
#   docker run -d -p 3000:3000 -v tandem-data:/data tandem
# Every variable of the README's Configuration table can be set with -e (or compose's env_file).

# Build: every dependency (next build needs the dev ones: TypeScript, types), compiled once.
FROM node:20-bookworm AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
# The lockfile alone first: this layer (npm ci, better-sqlite3's native build) is reused for as
# long as the dependencies stay the same, whatever else changed; npm's download cache is kept
# between builds too. patches/ with it: npm ci's postinstall applies them (patch-package).
COPY package.json package-lock.json ./
COPY patches ./patches
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
# The production build, then the dev dependencies removed from the same node_modules (nothing is
# installed or compiled twice); the build cache and the SWC compiler (~100 MB) are only for
# building.
RUN npx next build \
  && npm prune --omit=dev --no-audit --no-fund \
  && rm -rf .next/cache node_modules/@next/swc-*

# Runtime: Node.js and what the server reads, nothing to compile with.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=sqlite:/data/tandem.db
WORKDIR /app
# Owned by root and read-only to the server: it can write its data, never its code.
COPY --from=build /app/package.json /app/next.config.js /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/.next ./.next
COPY --from=build /app/server ./server
COPY --from=build /app/lib ./lib
COPY --from=build /app/app ./app
COPY --from=build /app/components ./components
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
# Ready = storage answers and appends are not failing (/readyz). The slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1, not npm: `docker stop`'s SIGTERM reaches the server, which stores every
# pending change, closes sockets with 1012 and exits 0 (a second signal exits at once).
CMD ["node", "--import", "tsx", "server/app.ts"]
