"""The Rust port and FastAPI's own tutorial app, side by side on 127.0.0.1: tokens each
mints are accepted by the other, and the port in its FastAPI mode answers the tutorial
session exactly as FastAPI does. Run by .ci/run (see README)."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest

HERE = Path(__file__).resolve().parent
SECRET = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"
PORT_BIN = os.environ.get("SCOPES_TUTORIAL_BIN", str(HERE.parents[1] / "target" / "debug" / "tutorial"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_listening(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def start(command, port, env=None):
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, cwd=HERE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_listening(port, process)
    return process


@pytest.fixture(scope="module")
def servers():
    fastapi_port, rust_port, rust_fastapi_port = free_port(), free_port(), free_port()
    processes = [
        start([sys.executable, "-m", "uvicorn", "tutorial005:app", "--host", "127.0.0.1", "--port", str(fastapi_port)],
              fastapi_port),
        start([PORT_BIN], rust_port, {"ADDR": f"127.0.0.1:{rust_port}"}),
        start([PORT_BIN], rust_fastapi_port, {"ADDR": f"127.0.0.1:{rust_fastapi_port}", "SCOPES_RESPONSE_MODE": "fastapi"}),
    ]
    urls = {name: f"http://127.0.0.1:{port}" for name, port in
            [("fastapi", fastapi_port), ("rust", rust_port), ("rust_fastapi_mode", rust_fastapi_port)]}
    yield urls
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def login(base, username="johndoe", password="secret", scope="me items"):
    form = {"grant_type": "password", "username": username, "password": password, "scope": scope}
    response = httpx.post(f"{base}/token", data=form, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def call(base, path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = httpx.get(f"{base}{path}", headers=headers, timeout=10)
    return response.status_code, response.headers.get("www-authenticate"), response.json()


def test_fastapi_tokens_work_on_the_port(servers):
    full = login(servers["fastapi"])
    me = login(servers["fastapi"], scope="me")
    assert call(servers["rust"], "/users/me/items/", full) == (200, None, [{"item_id": "Foo", "owner": "johndoe"}])
    assert call(servers["rust"], "/users/me/", me)[0] == 200
    assert call(servers["rust"], "/users/me/items/", me) == (
        403, 'Bearer error="insufficient_scope", scope="items me"', {"detail": "Not enough permissions"})


def test_port_tokens_work_on_fastapi(servers):
    full = login(servers["rust"])
    me = login(servers["rust"], scope="me")
    claims = jwt.decode(full, SECRET, algorithms=["HS256"])
    assert claims["sub"] == "johndoe" and claims["scopes"] == ["me", "items"]
    assert call(servers["fastapi"], "/users/me/items/", full) == (200, None, [{"item_id": "Foo", "owner": "johndoe"}])
    assert call(servers["fastapi"], "/users/me/items/", me) == (
        401, 'Bearer scope="items me"', {"detail": "Not enough permissions"})


def test_the_fastapi_mode_answers_the_session_as_fastapi(servers):
    fastapi, rust = servers["fastapi"], servers["rust_fastapi_mode"]
    expired = jwt.encode({"sub": "johndoe", "scopes": ["me", "items"], "exp": int(time.time()) - 60}, SECRET, "HS256")
    ghost = jwt.encode({"sub": "ghost", "scopes": ["me", "items"], "exp": int(time.time()) + 600}, SECRET, "HS256")
    no_sub = jwt.encode({"scopes": ["me", "items"], "exp": int(time.time()) + 600}, SECRET, "HS256")
    # FastAPI reads `scopes` alone, as a list: `scope`/`scp` grant nothing, a string is refused.
    elsewhere = jwt.encode({"sub": "johndoe", "scopes": [], "scope": "me items", "scp": ["me", "items"],
                            "exp": int(time.time()) + 600}, SECRET, "HS256")
    as_string = jwt.encode({"sub": "johndoe", "scopes": "me items", "exp": int(time.time()) + 600}, SECRET, "HS256")
    tokens = {
        "full": (login(fastapi), login(rust)),
        "me": (login(fastapi, scope="me"), login(rust, scope="me")),
        "items": (login(fastapi, scope="items"), login(rust, scope="items")),
        "none": (login(fastapi, scope=""), login(rust, scope="")),
        "alice": (login(fastapi, "alice", "secret2"), login(rust, "alice", "secret2")),
        "expired": (expired, expired),
        "ghost": (ghost, ghost),
        "no sub": (no_sub, no_sub),
        "scope elsewhere": (elsewhere, elsewhere),
        "scopes as a string": (as_string, as_string),
        "tampered": (login(fastapi)[:-4] + "AAAA", login(rust)[:-4] + "AAAA"),
        "anonymous": (None, None),
    }
    compared = 0
    for path in ["/users/me/", "/users/me/items/", "/status/"]:
        for name, (from_fastapi, from_rust) in tokens.items():
            assert call(rust, path, from_rust) == call(fastapi, path, from_fastapi), (path, name)
            compared += 1
    assert compared == 36

    for username, password in [("johndoe", "wrong"), ("nobody", "secret")]:
        form = {"grant_type": "password", "username": username, "password": password}
        theirs = httpx.post(f"{fastapi}/token", data=form, timeout=10)
        ours = httpx.post(f"{rust}/token", data=form, timeout=10)
        assert (ours.status_code, ours.json()["detail"]) == (theirs.status_code, theirs.json()["detail"]) == (
            400, "Incorrect username or password")


def test_a_form_without_grant_type_is_refused_as_rfc_6749_asks(servers):
    # FastAPI's `OAuth2PasswordRequestForm` takes it as `password`; RFC 6749 §4.3.2
    # requires it, and `PasswordForm` does (`LaxPasswordForm` is FastAPI's).
    form = {"username": "johndoe", "password": "secret", "scope": "me"}
    assert httpx.post(f"{servers['fastapi']}/token", data=form, timeout=10).status_code == 200
    for name in ["rust", "rust_fastapi_mode"]:
        ours = httpx.post(f"{servers[name]}/token", data=form, timeout=10)
        assert ours.status_code == 400, ours.text
        assert ours.json()["error"] == "invalid_request"
        assert "grant_type=password" in ours.json()["detail"]


def test_an_oauth_client_library_logs_in_as_with_fastapi(servers):
    """Authlib's OAuth 2 client (nobody here wrote it), with each way it authenticates a
    client, logs in with the password grant and calls the API, on FastAPI's app and on
    the port alike; on the port, its errors are RFC 6749's, which the library reads."""
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.integrations.requests_client import OAuth2Session as OAuth2Client

    for name in ["fastapi", "rust"]:
        base = servers[name]
        for method in ["client_secret_post", "client_secret_basic", "none"]:
            with OAuth2Client(client_id="swagger", client_secret="", scope="me items",
                              token_endpoint_auth_method=method) as client:
                token = client.fetch_token(f"{base}/token", username="johndoe", password="secret", timeout=10)
                assert token["token_type"].lower() == "bearer", (name, method, token)
                response = client.get(f"{base}/users/me/items/", timeout=10)
                assert (response.status_code, response.json()) == (
                    200, [{"item_id": "Foo", "owner": "johndoe"}]), (name, method)
    with OAuth2Client(client_id="swagger", client_secret="", scope="me") as client:
        token = client.fetch_token(f"{servers['rust']}/token", username="johndoe", password="secret", timeout=10)
        assert token["scope"] == "me"
        response = client.get(f"{servers['rust']}/users/me/items/", timeout=10)
        assert response.status_code == 403
        assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="items me"'
        with pytest.raises(OAuthError) as refused:
            client.fetch_token(f"{servers['rust']}/token", username="johndoe", password="wrong", timeout=10)
        assert refused.value.error == "invalid_grant"
        with pytest.raises(OAuthError) as refused:
            client.fetch_token(f"{servers['rust']}/token", username="johndoe", password="secret", scope="me billing",
                               timeout=10)
        assert refused.value.error == "invalid_scope"


def test_the_openapi_document_is_valid_openapi_3_1(servers):
    """The port's /openapi.json against the OpenAPI 3.1 schema, with a real validator."""
    from openapi_spec_validator import OpenAPIV31SpecValidator

    document = httpx.get(servers["rust"] + "/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    errors = [error.message for error in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []


def test_the_aide_document_is_valid_openapi_3_1():
    """aide's document of tests/test_aide.rs (written by its cargo test, which runs first)
    against the OpenAPI 3.1 schema: the same validator as for utoipa's."""
    from openapi_spec_validator import OpenAPIV31SpecValidator

    path = os.environ.get("SCOPES_AIDE_DOCUMENT", str(HERE.parents[1] / "target" / "tmp" / "aide-openapi.json"))
    assert os.path.exists(path), f"{path} is missing: run `cargo test -p scopes-tests --test test_aide` first"
    with open(path) as file:
        document = json.load(file)
    assert document["components"]["securitySchemes"]["OAuth2PasswordBearer"]["type"] == "oauth2"
    errors = [error.message for error in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []


def test_the_openapi_document_secures_as_fastapi_does(servers):
    """Security scheme and per-operation security equal FastAPI's, read off both servers."""
    ours = httpx.get(servers["rust"] + "/openapi.json").json()
    theirs = httpx.get(servers["fastapi"] + "/openapi.json").json()
    assert ours["components"]["securitySchemes"] == theirs["components"]["securitySchemes"]
    for path in ["/users/me/", "/users/me/items/", "/status/"]:
        assert ours["paths"][path]["get"]["security"] == theirs["paths"][path]["get"]["security"], path
    assert theirs["paths"]["/users/me/items/"]["get"]["security"] == [{"OAuth2PasswordBearer": ["items", "me"]}]


def test_the_docs_page_serves_swagger_ui(servers):
    """/docs answers Swagger UI (from utoipa-swagger-ui's vendored assets) pointing at /openapi.json."""
    page = httpx.get(servers["rust"] + "/docs")
    assert page.status_code == 200
    assert "swagger-ui" in page.text
    config = httpx.get(servers["rust"] + "/docs/swagger-initializer.js")
    assert config.status_code == 200
    assert "/openapi.json" in config.text
