"""The official MCP Python SDK (PyPI `mcp`, pinned in requirements.txt) as the client of the
MCP example: run by tests/mcp/run, after tests/mcp/client.mjs, against the same servers.

    python tests/mcp/python/client.py <MCP server URL> <issuer>

The client credentials are oidc-provider's (tests/oidc/provider.mjs) unless MCP_CLIENT_ID and
MCP_CLIENT_SECRET name others (the example's development ones). Every HTTP exchange the SDK
makes is recorded, so the checks see the protocol, not only the results:

1. Discovery read by the SDK's own functions: the 401 challenge names the metadata document
   and the scopes; the metadata names the authorization server, whose metadata names the
   token endpoint.
2. A client_credentials client (ClientCredentialsOAuthProvider, `items:read items:write`),
   the SDK's default connect mode: 401, then the metadata, then a token request carrying
   `resource` (RFC 8707), then the retry; tools listed, add_item and list_items called.
3. A client whose token storage already holds a token for `items:read` only (the SDK would
   otherwise ask for the challenge's scopes), in the handshake-era mode that makes a session:
   initialize without a 401, list_items; add_item answered 403 insufficient_scope, the SDK
   asks for a token with `items:write` and retries, and the tool runs. The server's
   Mcp-Session-Id is echoed on every later request, the retry and the closing DELETE too.

Prints one line per check; on the first failure prints it and the HTTP exchanges, and exits 1.
Bounded: 45 s in all, 10 s per HTTP request. Loopback only: the URLs are the arguments.
"""

import base64
import json
import logging
import os
import sys
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlparse

import anyio
import httpx2
from mcp import Client
from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
from mcp.client.auth.utils import (
    build_oauth_authorization_server_metadata_discovery_urls,
    extract_field_from_www_auth,
    extract_resource_metadata_from_www_auth,
    extract_scope_from_www_auth,
)
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthMetadata, OAuthToken, ProtectedResourceMetadata

DEADLINE = 45
HTTP_TIMEOUT = httpx2.Timeout(10)
BOTH = "items:read items:write"


class Failed(Exception):
    pass


def check(ok: bool, what: str, got: object = None) -> None:
    if not ok:
        raise Failed(what if got is None else f"{what} (got {got!r})")
    print(f"ok: {what}", flush=True)


def text(result) -> str:
    return "".join(getattr(part, "text", "") for part in result.content)


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def scopes(scope: str | None) -> set[str]:
    return set((scope or "").split())


@dataclass
class Exchange:
    method: str
    url: str
    rpc: str | None  # the JSON-RPC method of a POST to the MCP server
    form: dict[str, str]  # a token request's form, client_secret left out
    status: int
    sent_session: str | None
    got_session: str | None
    challenge: str | None
    error: str | None  # the challenge's `error`, as the SDK reads it

    def __str__(self) -> str:
        return (
            f"{self.method} {self.url} {self.rpc or ''} {self.form or ''} -> {self.status}"
            f" session sent={self.sent_session} received={self.got_session} www-authenticate={self.challenge}"
        )


class Recorder:
    """An httpx2 client for the SDK that records every exchange (the OAuth flow's too)."""

    def __init__(self) -> None:
        self.log: list[Exchange] = []

    def client(self, auth: httpx2.Auth | None = None) -> httpx2.AsyncClient:
        async def on_response(response: httpx2.Response) -> None:
            request = response.request
            try:
                body = request.content.decode()
            except Exception:  # a streamed body: not one of ours
                body = ""
            rpc, form = None, {}
            if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                form = {k: v[0] for k, v in parse_qs(body).items() if k != "client_secret"}
            elif body.startswith("{"):
                rpc = json.loads(body).get("method")
            self.log.append(
                Exchange(
                    request.method,
                    str(request.url),
                    rpc,
                    form,
                    response.status_code,
                    request.headers.get("mcp-session-id"),
                    response.headers.get("mcp-session-id"),
                    response.headers.get("www-authenticate"),
                    extract_field_from_www_auth(response, "error"),
                )
            )

        return httpx2.AsyncClient(auth=auth, timeout=HTTP_TIMEOUT, event_hooks={"response": [on_response]})


class Storage:
    """The SDK's TokenStorage, in memory; `tokens` may be pre-loaded."""

    def __init__(self, tokens: OAuthToken | None = None) -> None:
        self.tokens = tokens
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


async def discover(recorder: Recorder, server: str, issuer: str) -> OAuthMetadata:
    metadata_url = urljoin(server, "/.well-known/oauth-protected-resource" + urlparse(server).path)
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "probe", "version": "1"},
        },
    }
    async with recorder.client() as http:
        refused = await http.post(server, json=initialize, headers={"accept": "application/json, text/event-stream"})
        check(refused.status_code == 401, "initialize without a token: 401", refused.status_code)
        named = extract_resource_metadata_from_www_auth(refused)
        check(named == metadata_url, f"the challenge names {metadata_url}", named)
        scope = extract_scope_from_www_auth(refused)
        check(scope == BOTH, f'the challenge names scope "{BOTH}"', scope)

        document = (await http.get(metadata_url)).raise_for_status()
        prm = ProtectedResourceMetadata.model_validate_json(document.content)
        raw = document.json()
        check(raw["resource"] == server and str(prm.resource) == server, f"the metadata's resource is {server}", raw)
        check(raw["authorization_servers"] == [issuer], f"the metadata names the authorization server {issuer}", raw)
        check(prm.scopes_supported == ["items:read", "items:write"], "the metadata names the scopes", raw)

        for url in build_oauth_authorization_server_metadata_discovery_urls(issuer, server):
            answer = await http.get(url)
            if answer.status_code == 200:
                as_metadata = OAuthMetadata.model_validate_json(answer.content)
                break
        else:
            raise Failed(f"no authorization server metadata for {issuer}")
        check(str(as_metadata.issuer).rstrip("/") == issuer, f"{url} is {issuer}'s metadata", str(as_metadata.issuer))
        check(
            "client_credentials" in (as_metadata.grant_types_supported or ["client_credentials"]),
            f"the token endpoint {as_metadata.token_endpoint} allows client_credentials",
        )
        return as_metadata


def mcp_requests(recorder: Recorder, server: str, since: int = 0) -> list[Exchange]:
    return [e for e in recorder.log[since:] if e.url == server]


def token_requests(recorder: Recorder, token_endpoint: str, since: int = 0) -> list[Exchange]:
    return [e for e in recorder.log[since:] if e.url == token_endpoint]


async def writer(recorder: Recorder, server: str, issuer: str, token_endpoint: str, client_id: str, secret: str):
    provider = ClientCredentialsOAuthProvider(server, Storage(), client_id, secret, scope=BOTH, issuer=issuer)
    async with recorder.client(provider) as http, Client(streamable_http_client(server, http_client=http)) as client:
        first, *after = mcp_requests(recorder, server)
        check(first.status == 401, "the SDK's first request (no token) is answered 401")
        metadata = [e for e in recorder.log if "/.well-known/oauth-protected-resource/" in e.url]
        check([e.status for e in metadata] == [200], "the SDK read the protected resource metadata")
        tokens = token_requests(recorder, token_endpoint)
        check([e.status for e in tokens] == [200], f"the SDK got a token at {token_endpoint}")
        form = tokens[0].form
        check(
            form.get("grant_type") == "client_credentials" and form.get("resource") == server,
            f"its token request: grant_type=client_credentials, resource={server}, scope={form.get('scope')!r}",
        )
        check(
            bool(after) and all(e.status < 300 for e in after),
            f"with it, the SDK connected: {', '.join(map(str, (e.rpc for e in after)))}"
            f" (protocol {client.protocol_version})",
        )
        token = provider.context.current_tokens
        access = claims(token.access_token)
        check(
            access.get("aud") in (server, [server]) and scopes(token.scope) == scopes(BOTH),
            f"the token is for {server}, with {BOTH}",
            access,
        )

        names = sorted(tool.name for tool in (await client.list_tools()).tools)
        check(names == ["add_item", "list_items"], "tools/list: add_item, list_items", names)
        added = text(await client.call_tool("add_item", {"name": "Baz"}))
        check("added Baz" in added, f"add_item ran: {added!r}", added)
        listed = text(await client.call_tool("list_items", {}))
        check("Baz" in listed, f"list_items ran: {listed!r}", listed)


async def reader(recorder: Recorder, server: str, issuer: str, token_endpoint: str, client_id: str, secret: str):
    async with recorder.client() as http:
        answer = await http.post(
            token_endpoint,
            data={"grant_type": "client_credentials", "scope": "items:read", "resource": server},
            auth=(client_id, secret),
        )
    check(answer.status_code == 200, "a token for items:read only, from the token endpoint directly", answer.text)
    narrow = OAuthToken.model_validate_json(answer.content)
    check(scopes(narrow.scope) == {"items:read"}, "its scope is items:read", narrow.scope)

    start = len(recorder.log)
    storage = Storage(narrow)
    provider = ClientCredentialsOAuthProvider(server, storage, client_id, secret, scope="items:read", issuer=issuer)
    async with (
        recorder.client(provider) as http,
        Client(streamable_http_client(server, http_client=http), mode="legacy") as client,
    ):
        connect = mcp_requests(recorder, server, start)
        check(
            all(e.status < 300 for e in connect) and not token_requests(recorder, token_endpoint, start),
            f"initialize with the stored token: no 401, no token request (protocol {client.protocol_version})",
        )
        session = connect[0].got_session
        check(connect[0].rpc == "initialize" and bool(session), f"the server opened session {session}")

        listed = text(await client.call_tool("list_items", {}))
        check("Foo" in listed, "list_items ran with items:read", listed)

        before = len(recorder.log)
        added = text(await client.call_tool("add_item", {"name": "Qux"}))
        calls = [e for e in mcp_requests(recorder, server, before) if e.rpc == "tools/call"]
        check(
            [(e.status, e.error) for e in calls[:1]] == [(403, "insufficient_scope")],
            f"add_item with items:read: 403, {calls[0].challenge if calls else None}",
        )
        tokens = token_requests(recorder, token_endpoint, before)
        form = tokens[0].form if tokens else {}
        check(
            [e.status for e in tokens] == [200]
            and "items:write" in scopes(form.get("scope"))
            and form.get("resource") == server,
            f"the SDK asked for a new token: scope={form.get('scope')!r}, resource={server}",
        )
        check(
            [e.status for e in calls] == [403, 200] and "added Qux" in added,
            f"it retried add_item with the new token, and the tool ran: {added!r}",
            added,
        )
        token = provider.context.current_tokens
        check(
            "items:write" in scopes(token.scope) and storage.tokens is token,
            f"the SDK stored the new token: {token.scope!r}",
        )
        listed = text(await client.call_tool("list_items", {}))
        check("Qux" in listed, f"list_items in the same session: {listed!r}", listed)

    later = mcp_requests(recorder, server, start)[1:]
    check(
        all(e.sent_session == session for e in later),
        f"all {len(later)} later requests to the server carried Mcp-Session-Id {session}",
    )
    gets = [e.status for e in later if e.method == "GET"]
    check(all(status == 200 for status in gets), f"the SDK's GET stream(s) accepted: {gets}")
    deletes = [e.status for e in later if e.method == "DELETE"]
    check(len(deletes) == 1 and deletes[0] < 300, f"closing: DELETE of the session -> {deletes}")


async def main(server: str, issuer: str) -> None:
    client_id = os.environ.get("MCP_CLIENT_ID", "scopes-test")
    secret = os.environ.get("MCP_CLIENT_SECRET", "scopes-test-secret")
    deadline = anyio.current_time() + DEADLINE
    for name, phase in (("discovery", None), ("writer", writer), ("reader", reader)):
        recorder = Recorder()
        try:
            with anyio.fail_at(deadline):
                if phase is None:
                    token_endpoint = str((await discover(recorder, server, issuer)).token_endpoint)
                else:
                    await phase(recorder, server, issuer, token_endpoint, client_id, secret)
        except BaseException:
            print(f"Python MCP interop: the HTTP exchanges of {name}:", file=sys.stderr)
            for exchange in recorder.log:
                print(f"  {exchange}", file=sys.stderr)
            raise


def first_failure(error: BaseException) -> BaseException:
    """The Failed (or else the first error) inside the exception groups anyio may wrap it in."""
    if isinstance(error, BaseExceptionGroup):
        leaves = [first_failure(e) for e in error.exceptions]
        return next((e for e in leaves if isinstance(e, Failed)), leaves[0])
    return error


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: python client.py <MCP server URL> <issuer>", file=sys.stderr)
        sys.exit(2)
    # The SDK expects 200 or 204 to a DELETE and logs a warning otherwise (rmcp answers 202):
    # the DELETE is checked above.
    logging.getLogger("mcp.client.streamable_http").setLevel(logging.ERROR)
    try:
        anyio.run(main, *sys.argv[1:])
    except BaseException as error:
        failure = first_failure(error)
        kind = "" if isinstance(failure, Failed) else f"{type(failure).__name__}: "
        if isinstance(failure, TimeoutError):
            kind = f"timed out after {DEADLINE} s: "
        print(f"FAIL: {kind}{failure}", file=sys.stderr)
        sys.exit(1)
    print("Python MCP interop: all checks passed")
