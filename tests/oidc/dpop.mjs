// A DPoP client (RFC 9449) made with `jose`: gets DPoP-bound access tokens from the provider of
// tests/oidc/provider.mjs (a JWT for urn:scopes:api, an opaque one for urn:scopes:api-opaque),
// then calls the API at API_URL (the Rust test's server, which requires DPoP and server nonces)
// the way a client does, and checks what it answers: admitted with a fresh proof (after the
// nonce dance), refused for a replayed proof, a bound token sent as Bearer, a proof for another
// URL or method, and a proof of another key.
//
//   node tests/oidc/dpop.mjs ISSUER API_URL
//
// The client is $SCOPES_OIDC_CLIENT_ID / $SCOPES_OIDC_CLIENT_SECRET (client_secret_basic).
// Prints one line per check to stderr and `OK <n> checks` to stdout; exits 1 on the first
// failure.

import { randomUUID, createHash } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { check, done } from './check.mjs';

const [issuer, api] = process.argv.slice(2);
if (!issuer || !api) {
  console.error('usage: node dpop.mjs ISSUER API_URL');
  process.exit(2);
}
const clientId = process.env.SCOPES_OIDC_CLIENT_ID ?? 'scopes-test';
const clientSecret = process.env.SCOPES_OIDC_CLIENT_SECRET ?? 'scopes-test-secret';

async function dpopKey() {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk };
}

async function proof(key, htm, htu, { token, nonce } = {}) {
  const claims = { htm, htu, jti: randomUUID() };
  if (token) claims.ath = createHash('sha256').update(token).digest('base64url');
  if (nonce) claims.nonce = nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk })
    .setIssuedAt()
    .sign(key.privateKey);
}

const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
check(discovery.dpop_signing_alg_values_supported?.includes('ES256'), 'the provider supports DPoP (ES256)');
const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');

// A DPoP-bound token from the token endpoint (answering the provider's nonce if it asks).
async function token(key, resource) {
  let nonce;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const response = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        dpop: await proof(key, 'POST', discovery.token_endpoint, { nonce }),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'me items', resource }),
    });
    const body = await response.json();
    if (response.ok) {
      check(body.token_type === 'DPoP', `a DPoP-bound token for ${resource}`, JSON.stringify(body));
      return body.access_token;
    }
    nonce = response.headers.get('dpop-nonce');
    if (body.error !== 'use_dpop_nonce' || !nonce) throw new Error(`token: ${response.status} ${JSON.stringify(body)}`);
  }
  throw new Error('token: the provider kept asking for a nonce');
}

let apiNonce;
// GET `path` with the token as the client sends it; answers the API's nonce once.
async function call(path, tokenValue, key, { scheme = 'DPoP', htu, htm = 'GET', reuse } = {}) {
  const url = `${api}${path}`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const dpop = reuse ?? (await proof(key, htm, htu ?? url, { token: tokenValue, nonce: apiNonce }));
    const headers = { authorization: `${scheme} ${tokenValue}` };
    if (scheme === 'DPoP') headers.dpop = dpop;
    const response = await fetch(url, { headers });
    const challenge = response.headers.get('www-authenticate') ?? '';
    if (response.status === 401 && challenge.includes('use_dpop_nonce') && !reuse) {
      apiNonce = response.headers.get('dpop-nonce');
      check(Boolean(apiNonce), 'the API gives its nonce in DPoP-Nonce');
      continue;
    }
    return { status: response.status, challenge, body: await response.text(), proof: dpop };
  }
  throw new Error('the API kept asking for a nonce');
}

const key = await dpopKey();
const other = await dpopKey();
for (const resource of ['urn:scopes:api', 'urn:scopes:api-opaque']) {
  const bound = await token(key, resource);
  const admitted = await call('/items/', bound, key);
  check(admitted.status === 200 && admitted.body === 'items', `${resource}: admitted with a fresh proof`, JSON.stringify(admitted));
  const replayed = await call('/items/', bound, key, { reuse: admitted.proof });
  check(replayed.status === 401 && replayed.challenge.includes('invalid_dpop_proof'), `${resource}: a replayed proof is refused`, replayed.challenge);
  const bearer = await call('/items/', bound, key, { scheme: 'Bearer' });
  check(bearer.status === 401 && bearer.challenge.startsWith('DPoP'), `${resource}: the bound token as Bearer is refused`, bearer.challenge);
  const elsewhere = await call('/items/', bound, key, { htu: `${api}/admin/` });
  check(elsewhere.status === 401 && elsewhere.challenge.includes('htu'), `${resource}: a proof for another URL is refused`, elsewhere.challenge);
  const method = await call('/items/', bound, key, { htm: 'POST' });
  check(method.status === 401 && method.challenge.includes('htm'), `${resource}: a proof for another method is refused`, method.challenge);
  const stolen = await call('/items/', bound, other);
  check(stolen.status === 401 && stolen.challenge.includes('Invalid DPoP key binding'), `${resource}: a proof of another key is refused`, stolen.challenge);
}
done();
