// A real OpenID provider (panva's `oidc-provider`, pinned in package-lock.json) on loopback,
// for the Rust OIDC discovery test (tests/oidc/run).
//
//   node tests/oidc/provider.mjs [PORT]        (or PORT=... in the environment)
//
// Issuer http://127.0.0.1:PORT, listening on 127.0.0.1 only. Discovery is at
// /.well-known/openid-configuration, the JWKS at the `jwks_uri` it names (oidc-provider's
// default: /jwks). One confidential client, `scopes-test` / `scopes-test-secret`
// (client_secret_basic or client_secret_post), may use only the client_credentials grant.
// A token request with `resource=urn:scopes:api` (the default when no resource is given)
// gets an RFC 9068 JWT access token (header `typ: at+jwt`) with `aud: urn:scopes:api`, the
// granted scopes (any of `me items admin`) in `scope`, signed ES256; with
// `resource=urn:scopes:api-rs` the same, signed RS256; with `resource=urn:scopes:api-opaque`
// an opaque token, for introspection (enabled, with revocation). With a `DPoP` proof (RFC 9449,
// enabled), the token is bound to the proof's key (tests/oidc/dpop.mjs). Both signing keys are generated at
// startup, so nothing private is committed and every run has fresh keys and `kid`s.
//
// stdout carries exactly one line, `READY http://127.0.0.1:PORT`, once the port is open;
// anything oidc-provider has to say goes to stderr. No outbound requests are made: the
// provider's `fetch` hook refuses them.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? process.env.PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node provider.mjs PORT   (or PORT=... in the environment)');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

// stdout is reserved for the READY line: oidc-provider prints its notices with console.info.
console.info = console.error;
console.log = console.error;

// oidc-provider 9 warns at import time on any Node.js release older than v22 ("Jod"). This
// harness runs on the machine's Node.js 20, where it works (checked by tests/oidc/run), so that
// single known line is dropped; every other warning still reaches stderr.
const warn = console.warn;
console.warn = (...args) => {
  if (String(args[0]).includes('Unsupported runtime. Use Node.js')) return;
  warn(...args);
};
const { default: Provider, errors } = await import('oidc-provider');
console.warn = warn;

// Signing keys, generated per run. The `alg` on each JWK pins what it signs, so the JWKS shows
// `kid`, `alg` and `use: sig` for both.
function signingKey(kty, options, alg) {
  const { privateKey } = generateKeyPairSync(kty, options);
  return { ...privateKey.export({ format: 'jwk' }), kid: `${alg.toLowerCase()}-${randomUUID()}`, alg, use: 'sig' };
}
const jwks = {
  keys: [
    signingKey('ec', { namedCurve: 'P-256' }, 'ES256'),
    signingKey('rsa', { modulusLength: 2048 }, 'RS256'),
  ],
};

// The resource servers (RFC 8707 resource indicators) whose tokens are JWTs.
const TOKEN_TTL = 600;
const resourceServers = {
  'urn:scopes:api': { alg: 'ES256', scope: 'me items admin' },
  'urn:scopes:api-rs': { alg: 'RS256', scope: 'me items admin' },
};
// An MCP server (tests/mcp/run): MCP_RESOURCE is its canonical URI, e.g.
// http://127.0.0.1:8001/mcp, for which tokens carry `items:read` and `items:write`.
const MCP_SCOPES = ['items:read', 'items:write'];
if (process.env.MCP_RESOURCE) {
  resourceServers[process.env.MCP_RESOURCE] = { alg: 'ES256', scope: MCP_SCOPES.join(' ') };
}
const DEFAULT_RESOURCE = 'urn:scopes:api';
// A resource server whose access tokens are opaque: the API introspects them (RFC 7662) at
// the `introspection_endpoint` discovery names, as client scopes-test.
const OPAQUE_RESOURCE = 'urn:scopes:api-opaque';

// A minimal in-memory adapter: passing one stops oidc-provider's "development-only in-memory
// adapter" warning. JWT access tokens are not stored at all; this only ever holds the little
// the provider keeps for other flows, and dies with the process.
const store = new Map();
class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    store.set(this.key(id), { payload, expiresAt });
    if (payload.uid) store.set(`uid:${payload.uid}`, this.key(id));
    if (payload.userCode) store.set(`userCode:${payload.userCode}`, this.key(id));
    if (payload.grantId) {
      const grant = store.get(`grant:${payload.grantId}`) ?? new Set();
      grant.add(this.key(id));
      store.set(`grant:${payload.grantId}`, grant);
    }
  }

  static lookup(key) {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  async find(id) {
    return MemoryAdapter.lookup(this.key(id));
  }

  async findByUid(uid) {
    return MemoryAdapter.lookup(store.get(`uid:${uid}`));
  }

  async findByUserCode(userCode) {
    return MemoryAdapter.lookup(store.get(`userCode:${userCode}`));
  }

  async consume(id) {
    const payload = MemoryAdapter.lookup(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of store.get(`grant:${grantId}`) ?? []) store.delete(key);
    store.delete(`grant:${grantId}`);
  }
}

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  jwks,
  clients: [
    {
      client_id: 'scopes-test',
      client_secret: 'scopes-test-secret',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      // Either method is accepted: oidc-provider registers one method per client, and
      // client_secret_basic clients may also use client_secret_post (see below).
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  scopes: ['me', 'items', 'admin', ...MCP_SCOPES],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    // RFC 9449: a token request with a DPoP proof gets a token bound to its key (`cnf.jkt`
    // in a JWT; in the introspection answer of an opaque one), `token_type: DPoP`.
    dPoP: { enabled: true },
    // RFC 7662 and RFC 7009, for the opaque tokens.
    // Only the API's own client may introspect or revoke.
    introspection: { enabled: true, allowedPolicy: async (_ctx, client) => client.clientId === 'scopes-test' },
    revocation: { enabled: true, allowedPolicy: async (_ctx, client) => client.clientId === 'scopes-test' },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => DEFAULT_RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resourceIndicator) => {
        if (resourceIndicator === OPAQUE_RESOURCE) {
          return {
            scope: 'me items admin',
            audience: resourceIndicator,
            accessTokenFormat: 'opaque',
            accessTokenTTL: TOKEN_TTL,
          };
        }
        const server = resourceServers[resourceIndicator];
        if (!server) throw new errors.InvalidTarget();
        return {
          scope: server.scope,
          audience: resourceIndicator,
          accessTokenFormat: 'jwt',
          accessTokenTTL: TOKEN_TTL,
          jwt: { sign: { alg: server.alg } },
        };
      },
    },
  },
  ttl: {
    AccessToken: TOKEN_TTL,
    ClientCredentials: TOKEN_TTL,
  },
  // Browser-facing errors (only /auth and the like; this client cannot use them) as plain JSON,
  // without the default page's notice.
  renderError: async (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
  // No outbound requests, whatever a request asks for (jwks_uri, request_uri, ...).
  fetch: async (url) => {
    throw new Error(`outbound request refused: ${url}`);
  },
});

const server = createServer(provider.callback());
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${issuer}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
