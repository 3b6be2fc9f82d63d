// The official MCP TypeScript SDK (npm `@modelcontextprotocol/sdk`, pinned in
// package-lock.json) as the client of the MCP example, with oidc-provider as the
// authorization server: run by tests/mcp/run.
//
//   node tests/mcp/client.mjs <MCP server URL> <issuer>
//
// 1. Discovery as the SDK does it: the 401 challenge names the metadata document and the
//    scopes; the metadata names the authorization server.
// 2. A client_credentials client configured for `items:read items:write` (the SDK's
//    ClientCredentialsProvider asks for the scope it is configured with): the SDK finds
//    the authorization server from the challenge, gets a token for the server's
//    resource (RFC 8707) and lists and calls tools.
// 3. The same client configured for `items:read` only: it lists, and `add_item` is
//    answered 403 insufficient_scope (the SDK asks for a token again, gets the same
//    scope, and gives up with the 403); the tool never ran.
//
// Prints one line per check; exits non-zero on the first failure.

import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import {
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
} from '@modelcontextprotocol/sdk/client/auth.js';

const [server, issuer] = process.argv.slice(2);
if (!server || !issuer) {
  console.error('usage: node client.mjs <MCP server URL> <issuer>');
  process.exit(2);
}
// oidc-provider's client (tests/oidc/provider.mjs), or the example's development one.
const credentials = {
  clientId: process.env.MCP_CLIENT_ID ?? 'scopes-test',
  clientSecret: process.env.MCP_CLIENT_SECRET ?? 'scopes-test-secret',
  expectedIssuer: issuer,
};
const check = (what) => console.log(`ok: ${what}`);
const text = (result) => result.content.map((part) => part.text).join('');

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe', version: '1' } },
};
const post = (body, token) =>
  fetch(server, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });

// 1. The challenge and the metadata, read by the SDK's own functions.
const refused = await post(initialize);
assert.equal(refused.status, 401);
const challenge = extractWWWAuthenticateParams(refused);
const metadataUrl = new URL('/.well-known/oauth-protected-resource/mcp', server);
assert.equal(String(challenge.resourceMetadataUrl), String(metadataUrl));
assert.equal(challenge.scope, 'items:read items:write');
check(`401 without a token names ${challenge.resourceMetadataUrl} and scope "${challenge.scope}"`);
const metadata = await discoverOAuthProtectedResourceMetadata(server, {
  resourceMetadataUrl: challenge.resourceMetadataUrl,
});
assert.equal(metadata.resource, server);
assert.deepEqual(metadata.authorization_servers, [issuer]);
assert.deepEqual(metadata.scopes_supported, ['items:read', 'items:write']);
check(`the metadata names the authorization server ${issuer} and the scopes`);

// 2. A client that may have both scopes: the SDK authorizes by itself.
const writer = new Client({ name: 'scopes-interop-writer', version: '1.0.0' });
await writer.connect(
  new StreamableHTTPClientTransport(new URL(server), {
    authProvider: new ClientCredentialsProvider({ ...credentials, scope: 'items:read items:write' }),
  }),
);
const { tools } = await writer.listTools();
assert.deepEqual(tools.map((tool) => tool.name).sort(), ['add_item', 'list_items']);
check('the SDK found the authorization server, got a token and listed the tools');
assert.match(text(await writer.callTool({ name: 'add_item', arguments: { name: 'Baz' } })), /added Baz/);
assert.match(text(await writer.callTool({ name: 'list_items', arguments: {} })), /Foo, Bar, Baz/);
check('add_item and list_items ran with items:read items:write');
const { resources } = await writer.listResources();
assert.deepEqual(resources.map((resource) => resource.uri), ['items://all']);
const read = await writer.readResource({ uri: 'items://all' });
assert.match(read.contents[0].text, /Foo, Bar, Baz/);
const prompt = await writer.getPrompt({ name: 'summarize_items' });
assert.match(prompt.messages[0].content.text, /Summarize these items: Foo, Bar, Baz/);
check('the resource items://all and the prompt summarize_items, each needing items:read, were read');

// 3. A client that asks for `items:read` only.
const readerProvider = new ClientCredentialsProvider({ ...credentials, scope: 'items:read' });
const reader = new Client({ name: 'scopes-interop-reader', version: '1.0.0' });
await reader.connect(new StreamableHTTPClientTransport(new URL(server), { authProvider: readerProvider }));
assert.match(text(await reader.callTool({ name: 'list_items', arguments: {} })), /Baz/);
check('list_items ran with items:read');
await assert.rejects(reader.callTool({ name: 'add_item', arguments: { name: 'Qux' } }), (error) => {
  assert.equal(error.code, 403, String(error));
  return true;
});
check('add_item with items:read only: the SDK received 403 (after asking for a token again)');
const token = readerProvider.tokens().access_token;
const forbidden = await post(
  { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'add_item', arguments: { name: 'Qux' } } },
  token,
);
assert.equal(forbidden.status, 403);
assert.equal(
  forbidden.headers.get('www-authenticate'),
  `Bearer error="insufficient_scope", scope="items:write items:read", resource_metadata="${metadataUrl}"`,
);
const params = extractWWWAuthenticateParams(forbidden);
assert.equal(params.error, 'insufficient_scope');
assert.equal(params.scope, 'items:write items:read');
check(`the 403 challenge: ${forbidden.headers.get('www-authenticate')}`);
assert.doesNotMatch(text(await writer.callTool({ name: 'list_items', arguments: {} })), /Qux/);
check('the refused add_item never ran');

await writer.close();
await reader.close();
console.log('MCP interop: all checks passed');
