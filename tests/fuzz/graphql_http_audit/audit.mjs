// Runs graphql-http's server audits (the GraphQL-over-HTTP spec's conformance list) against a
// live gateway and prints one JSON line per audit: {id, name, status, reason}. The caller
// (tests/fuzz/test_graphql_http_audit.py) decides what must pass.
// Usage: node audit.mjs <endpoint url> [bearer token]
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url) {
  console.error('usage: node audit.mjs <endpoint url> [bearer token]');
  process.exit(2);
}

// every audit's request carries the caller's token, as a client of this gateway would
const fetchWithToken = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn: fetchWithToken });
for (const result of results) {
  let reason = result.status === 'ok' ? null : result.reason;
  if (result.status !== 'ok' && result.response) {
    // what the gateway answered, so a failure can be read without re-running it
    const body = await result.response.text().catch(() => '');
    reason = `${reason} (HTTP ${result.response.status}: ${body.slice(0, 300)})`;
  }
  console.log(JSON.stringify({ id: result.id, name: result.name, status: result.status, reason }));
}
