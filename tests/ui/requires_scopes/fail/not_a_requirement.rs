//! A plain struct where a requirement marker is expected (an MCP tool's, a layer's):
//! the error says it is not one, and how to declare one.

use scopes_core::{Key, McpScopesLayer, RequireScopesLayer, Verifier, scopes};

scopes! {
    pub Scopes {
        "items:write": "Change items.",
    }
}

struct WriteItems;

fn main() {
    let verifier = Verifier::new(Key::hs256([7; 32]).unwrap()).unwrap();
    let _guard = McpScopesLayer::<Scopes>::new(&verifier).tool::<WriteItems>("add_item");
    let _layer = RequireScopesLayer::<Scopes, WriteItems>::new(&verifier);
}
