use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "a0": "a", "a1": "a", "a2": "a", "a3": "a", "a4": "a", "a5": "a", "a6": "a", "a7": "a", "a8": "a",
        "b0": "b", "b1": "b", "b2": "b", "b3": "b", "b4": "b", "b5": "b", "b6": "b", "b7": "b", "b8": "b",
    }
}

// 9 × 9 = 81 ways to satisfy it: refused rather than truncated.
#[requires_scopes(
    any("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"),
    any("b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8"),
)]
async fn combinatorial() {}

// 8 × 8 = 64 is still fine.
#[requires_scopes(
    any("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"),
    any("b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7"),
)]
async fn large() {}

fn main() {
    let _ = large;
    compile_error!("only `combinatorial` above should fail");
}
