// Gets a client-credentials access token from the provider of tests/oidc/provider.mjs and prints
// it (only the token, one line) to stdout. For manual checks and documentation; the Rust test
// makes the same request itself.
//
//   node tests/oidc/token.mjs ISSUER [RESOURCE] [SCOPE]
//
// ISSUER defaults to $SCOPES_OIDC_ISSUER, RESOURCE to $SCOPES_OIDC_RESOURCE or urn:scopes:api,
// SCOPE to "me items"; the client is $SCOPES_OIDC_CLIENT_ID / $SCOPES_OIDC_CLIENT_SECRET or
// scopes-test / scopes-test-secret. The token endpoint comes from OIDC discovery; the client
// authenticates with HTTP Basic (client_secret_basic).
//
// With --decode, the token's header and payload are printed as JSON (to stderr) too, after
// checking its signature against the provider's JWKS (from discovery's jwks_uri) with `jose`,
// and its iss, aud and typ.

const args = process.argv.slice(2).filter((a) => a !== '--decode');
const decode = process.argv.includes('--decode');
const issuer = args[0] ?? process.env.SCOPES_OIDC_ISSUER;
const resource = args[1] ?? process.env.SCOPES_OIDC_RESOURCE ?? 'urn:scopes:api';
const scope = args[2] ?? 'me items';
const clientId = process.env.SCOPES_OIDC_CLIENT_ID ?? 'scopes-test';
const clientSecret = process.env.SCOPES_OIDC_CLIENT_SECRET ?? 'scopes-test-secret';
if (!issuer) {
  console.error('usage: node token.mjs ISSUER [RESOURCE] [SCOPE] [--decode]');
  process.exit(2);
}

async function getJson(url, init) {
  const response = await fetch(url, init);
  const body = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${body}`);
  return JSON.parse(body);
}

const discovery = await getJson(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
// RFC 6749 section 2.3.1: form-urlencode the id and secret before joining them for Basic.
const basic = Buffer.from(
  `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
).toString('base64');
const tokenResponse = await getJson(discovery.token_endpoint, {
  method: 'POST',
  headers: {
    authorization: `Basic ${basic}`,
    'content-type': 'application/x-www-form-urlencoded',
  },
  body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
});
const token = tokenResponse.access_token;

if (decode) {
  const { createRemoteJWKSet, jwtVerify } = await import('jose');
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const { protectedHeader, payload } = await jwtVerify(token, jwks, {
    issuer: discovery.issuer,
    audience: resource,
    typ: 'at+jwt',
  });
  console.error(JSON.stringify({ header: protectedHeader, payload }, null, 2));
}

console.log(token);
