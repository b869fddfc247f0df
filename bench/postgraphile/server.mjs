// PostGraphile v5 as a user would run it in production over the benchmark's
// database: the schema built once at start from introspection, the
// many-to-many and connection-filter plugins (with filters across relations,
// which Q4 needs), no GraphiQL, no explain, no watch mode. One process, or
// with --workers N that many sharing the port through node:cluster, as
// campus's workers share theirs.
//
//   DATABASE_URL=postgres://... node server.mjs --port 8000 [--host 127.0.0.1] [--workers 1]
//
// GET /healthz answers 200 once the schema is built; GraphQL is at /graphql.
import cluster from "node:cluster";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

import { PgManyToManyPreset } from "@graphile-contrib/pg-many-to-many";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    workers: { type: "string", default: "1" },
  },
});
const connectionString = process.env.DATABASE_URL;
const workers = Number(values.workers);
if (!connectionString || !values.port || !(workers >= 1)) {
  console.error("usage: DATABASE_URL=postgres://... node server.mjs --port N [--workers N]");
  process.exit(2);
}

const preset = {
  extends: [PostGraphileAmberPreset, PgManyToManyPreset, PostGraphileConnectionFilterPreset],
  pgServices: [makePgService({ connectionString, schemas: ["public"] })],
  schema: { connectionFilterRelations: true },
  grafserv: { graphiql: false, watch: false, websockets: false },
  grafast: { explain: false },
};

async function serve() {
  const pgl = postgraphile(preset);
  await pgl.getSchemaResult();
  const handle = pgl.createServ(grafserv).createHandler();
  const server = createServer((req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      return;
    }
    handle(req, res, () => res.writeHead(404).end());
  });
  server.listen(Number(values.port), values.host);
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      server.close();
      server.closeAllConnections();
      pgl.release().finally(() => process.exit(0));
    });
  }
}

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      for (const worker of Object.values(cluster.workers)) worker.kill(signal);
    });
  }
} else {
  await serve();
}
