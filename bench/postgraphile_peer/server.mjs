// PostGraphile 5 as the peer of the gateway in bench/query_vs_raw.py.
//
//   DATABASE_URL=postgres://... PORT=5678 node server.mjs
//
// Configured the way its users would: the amber preset over the store's `public` tables and the
// `bench_peer` schema, whose STABLE SQL function `directory(organization)` is the subtree page
// (bench/_peer.py creates it). No GraphiQL, no watch mode, no explain: what a production
// deployment serves. The pool allows as many connections as the gateway's and the raw server's
// (20). /healthz answers once the schema is built, so the bench starts measuring a warm server.
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const port = Number(process.env.PORT ?? 5678);
const connectionString = process.env.DATABASE_URL;
if (!connectionString) {
  console.error("set DATABASE_URL to the bench store's URL");
  process.exit(2);
}

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public", "bench_peer"],
      poolConfig: { max: 20 },
    }),
  ],
  grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false, dangerouslyAllowAllCORSRequests: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
await pgl.getSchema(); // build before listening: /healthz means ready
const handler = pgl.createServ(grafserv).createHandler();
const server = createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"status":"ok"}');
    return;
  }
  handler(req, res);
});
server.keepAliveTimeout = 65_000;
server.listen(port, "127.0.0.1");
const stop = () => server.close(() => pgl.release().then(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
