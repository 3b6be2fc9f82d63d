// An OAuth client nobody here wrote: panva's `oauth4webapi` (pinned in package-lock.json). It
// finds the provider of tests/oidc/provider.mjs through discovery, gets client-credentials
// tokens from it (Bearer, and DPoP-bound with the library's DPoP handle), then calls the API at
// API_URL (the Rust test's server: Bearer or DPoP, server nonces, DPoP algs "ES256 EdDSA") with
// the library's `protectedResourceRequest`, and checks what the library makes of the answers:
// admitted as Bearer; admitted as DPoP after the nonce retry the library documents; refused for
// a missing scope (403) and a bad token (401), with the `WWW-Authenticate` challenges as the
// library parses them (a challenge it cannot parse is a failure here, not worked around).
//
//   node tests/oidc/client.mjs ISSUER API_URL
//
// The client is $SCOPES_OIDC_CLIENT_ID / $SCOPES_OIDC_CLIENT_SECRET (client_secret_basic), the
// resource $SCOPES_OIDC_RESOURCE. Prints one line per check to stderr and `OK <n> checks` to
// stdout; exits 1 on the first failure, and within 15 s whatever happens.

import { isDeepStrictEqual, inspect } from 'node:util';
import * as oauth from 'oauth4webapi';
import { check, done } from './check.mjs';

const [issuer, api] = process.argv.slice(2);
if (!issuer || !api) {
  console.error('usage: node client.mjs ISSUER API_URL');
  process.exit(2);
}
const clientId = process.env.SCOPES_OIDC_CLIENT_ID ?? 'scopes-test';
const clientSecret = process.env.SCOPES_OIDC_CLIENT_SECRET ?? 'scopes-test-secret';
const resource = process.env.SCOPES_OIDC_RESOURCE ?? 'urn:scopes:api';
// What the Rust test's verifier takes (`Dpop::algorithms`), as its challenges say.
const ALGS = 'ES256 EdDSA';

setTimeout(() => {
  console.error('FAILED: not done after 15 s');
  process.exit(1);
}, 15_000).unref();

// Plain http on loopback, which the library refuses unless told; no request may hang.
const http = { [oauth.allowInsecureRequests]: true, signal: () => AbortSignal.timeout(5_000) };

const issuerUrl = new URL(issuer);
const as = await oauth.processDiscoveryResponse(
  issuerUrl,
  await oauth.discoveryRequest(issuerUrl, { ...http, algorithm: 'oidc' }),
);
check(
  as.issuer === issuer && as.token_endpoint === `${issuer}/token`,
  'discovery: the issuer and its token endpoint',
  inspect({ issuer: as.issuer, token_endpoint: as.token_endpoint }),
);

const client = { client_id: clientId };
const clientAuth = oauth.ClientSecretBasic(clientSecret);
const dpop = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));

// A client-credentials token with `scope`, DPoP-bound when `DPoP` is given; retried once on
// the provider's nonce error, as the library's examples do.
async function token(scope, DPoP) {
  const request = () =>
    oauth.clientCredentialsGrantRequest(as, client, clientAuth, { scope, resource }, { ...http, DPoP });
  let response = await request();
  const processResponse = () => oauth.processClientCredentialsResponse(as, client, response);
  const result = await processResponse().catch(async (err) => {
    if (DPoP && oauth.isDPoPNonceError(err)) {
      response = await request();
      return processResponse();
    }
    throw err;
  });
  const type = DPoP ? 'dpop' : 'bearer';
  check(
    result.token_type === type && result.scope === scope && typeof result.access_token === 'string',
    `a ${type} token with scope "${scope}"`,
    inspect({ ...result, access_token: typeof result.access_token }),
  );
  return result.access_token;
}

// One character off in the signature.
function tampered(value) {
  const at = value.length - 3;
  return value.slice(0, at) + (value[at] === 'x' ? 'y' : 'x') + value.slice(at + 1);
}

const items = new URL('/items/', api);
const call = (accessToken, DPoP) =>
  oauth.protectedResourceRequest(accessToken, 'GET', items, undefined, undefined, { ...http, DPoP });

async function admitted(response, what) {
  const body = await response.text();
  check(response.status === 200 && body === 'items', what, `${response.status} ${body}`);
}

// The library's error for a challenged answer: the status and the parsed challenges, exactly.
function refusedAs(err, status, challenges, what) {
  if (!(err instanceof oauth.WWWAuthenticateChallengeError)) throw err;
  const raw = err.response.headers.get('www-authenticate');
  check(
    err.status === status && isDeepStrictEqual(err.cause, challenges),
    `${what} (WWW-Authenticate: ${raw})`,
    `\n  status ${err.status}\n  WWW-Authenticate: ${raw}\n  parsed:   ${inspect(err.cause, { depth: 4 })}\n  expected: ${inspect(challenges, { depth: 4 })}`,
  );
  return err;
}

// A refusal the library must parse: a response it hands back instead means it found no
// challenge it could read in the header.
async function refused(request, status, challenges, what) {
  let response;
  try {
    response = await request;
  } catch (err) {
    return refusedAs(err, status, challenges, what);
  }
  check(false, what, `the library parsed no challenge: ${response.status}, WWW-Authenticate: ${response.headers.get('www-authenticate')}`);
}

const bearer = await token('me items');
const narrowBearer = await token('me');
const bound = await token('me items', dpop);
const narrowBound = await token('me', dpop);

await admitted(await call(bearer), 'Bearer: admitted');

// DPoP: the first proof has no nonce; the library caches the API's and the retry is admitted.
const nonceErrors = [];
const retried = await call(bound, dpop).catch((err) => {
  if (oauth.isDPoPNonceError(err)) {
    nonceErrors.push(err);
    return call(bound, dpop);
  }
  throw err;
});
check(nonceErrors.length === 1, 'DPoP: the first proof is answered with a nonce error', `${nonceErrors.length}`);
const [nonceError] = nonceErrors;
refusedAs(
  nonceError,
  401,
  [
    {
      scheme: 'dpop',
      parameters: {
        error: 'use_dpop_nonce',
        error_description: 'Resource server requires nonce in DPoP proof',
        algs: ALGS,
      },
    },
    { scheme: 'bearer', parameters: {} },
  ],
  'DPoP: the nonce challenge, parsed',
);
check(Boolean(nonceError.response.headers.get('dpop-nonce')), 'DPoP: the nonce comes in DPoP-Nonce');
await admitted(retried, 'DPoP: admitted after the nonce retry');
// The nonce is cached now: the next request is admitted at once.
await admitted(await call(bound, dpop), 'DPoP: admitted again with the cached nonce');

await refused(
  call(narrowBearer),
  403,
  [
    { scheme: 'bearer', parameters: { error: 'insufficient_scope', scope: 'items' } },
    { scheme: 'dpop', parameters: { algs: ALGS } },
  ],
  'Bearer without the scope: 403 insufficient_scope, parsed',
);
await refused(
  call(narrowBound, dpop),
  403,
  [
    { scheme: 'dpop', parameters: { error: 'insufficient_scope', scope: 'items', algs: ALGS } },
    { scheme: 'bearer', parameters: {} },
  ],
  'DPoP without the scope: 403 insufficient_scope, parsed',
);
await refused(
  call(tampered(bearer)),
  401,
  [
    {
      scheme: 'bearer',
      parameters: { error: 'invalid_token', error_description: 'The token signature is invalid' },
    },
    { scheme: 'dpop', parameters: { algs: ALGS } },
  ],
  'Bearer with a bad signature: 401 invalid_token, parsed',
);
await refused(
  call(tampered(bound), dpop),
  401,
  [
    {
      scheme: 'dpop',
      parameters: { error: 'invalid_token', error_description: 'The token signature is invalid', algs: ALGS },
    },
    { scheme: 'bearer', parameters: {} },
  ],
  'DPoP with a bad signature: 401 invalid_token, parsed',
);
done();
