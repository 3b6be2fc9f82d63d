"""Writes two crates of N handlers each, `annotated` and `plain` (see `run`)."""
import os
import sys

root, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
state_first = os.environ.get("COMPILE_COST_STATE_FIRST") == "1"
scopes = [f"s{i}" for i in range(20)]

def requirement(i):
    a, b, c = scopes[i % 20], scopes[(i * 7 + 3) % 20], scopes[(i * 11 + 5) % 20]
    if b == a:
        b = scopes[(i + 1) % 20]
    kind = i % 4
    if kind == 0:
        return f'"{a}"'
    if kind == 1:
        return f'"{a}", "{b}"'
    if kind == 2:
        return f'any("{a}", "{b}")'
    return f'"{a}", any("{b}", all("{c}", "{a}x"))'.replace(f'"{a}x"', f'"{scopes[(i + 9) % 20]}"')

for variant in ("annotated", "plain"):
    crate = os.path.join(work, variant)
    os.makedirs(os.path.join(crate, "src"), exist_ok=True)
    with open(os.path.join(crate, "Cargo.toml"), "w") as f:
        f.write(f"""[package]
name = "compile-cost-{variant}"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
scopes-core = {{ path = "{root}/scopes-core" }}
axum = {{ version = "0.8", default-features = false, features = ["tokio", "http1"] }}
serde = {{ version = "1", features = ["derive"] }}
tokio = {{ version = "1", features = ["rt", "net"] }}

[workspace]
""")
        # `COMPILE_COST_OPTIMIZED_MACROS=1`: proc macros (and syn, quote) built optimized,
        # as an application can choose for itself (`[profile.dev.build-override]`).
        if os.environ.get("COMPILE_COST_OPTIMIZED_MACROS"):
            f.write("""
[profile.dev.build-override]
opt-level = 3
""")
    lines = [
        "#![allow(unused_imports)]",
        "use axum::{Router, routing::get};",
        "use scopes_core::{Claims, Key, Verifier, requires_scopes, scopes};",
        "",
        "scopes! {",
        "    pub Scopes {",
        *[f'        "{s}": "Scope {s}.",' for s in scopes],
        "    }",
        '    oauth2 "OAuth2" { password { token_url: "token" } }',
        "}",
        "",
        "#[derive(serde::Deserialize)]",
        "struct User { sub: String }",
        "",
    ]
    for i in range(n):
        if variant == "annotated":
            lines.append(f"#[requires_scopes({requirement(i)})]")
        if i % 4 == 0:
            lines.append(f"async fn h{i}(Claims(user): Claims<User>) -> String {{ user.sub }}")
        else:
            lines.append(f'async fn h{i}() -> &\'static str {{ "h{i}" }}')
    lines.append("")
    lines.append("fn main() {")
    lines.append("    let verifier = Verifier::new(Key::hs256([7u8; 32]).unwrap()).unwrap();")
    # `COMPILE_COST_STATE_FIRST=1`: the router's state named where the chain starts, so
    # that rustc knows it at every route instead of inferring it from `with_state` at
    # the end (which leaves each route's obligations pending through the whole chain:
    # a cost that grows with the square of the routes, for both crates).
    router = "Router::<Verifier>" if state_first else "Router"
    lines.append(f"    let app: Router = {router}::new()")
    for i in range(n):
        lines.append(f'        .route("/h{i}", get(h{i}))')
    lines.append("        .with_state(verifier);")
    lines.append("    let _ = app;")
    lines.append("    let _ = std::marker::PhantomData::<Scopes>;")
    lines.append("}")
    with open(os.path.join(crate, "src", "main.rs"), "w") as f:
        f.write("\n".join(lines) + "\n")
