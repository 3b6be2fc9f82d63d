use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "payments:process": "Send payments.",
    }
}

#[requires_scopes("payments:process", acr = [])]
async fn no_acr_value() {}

#[requires_scopes("payments:process", acr = ["urn:example:mfa", "two words", "urn:example:mfa"])]
async fn bad_acr_values() {}

#[requires_scopes("payments:process", max_age = "300")]
async fn max_age_as_text() {}

#[requires_scopes("payments:process", max_age = -5)]
async fn negative_max_age() {}

#[requires_scopes("payments:process", acr = "phr", max_age = 60, acr = "mfa", max_age = 30)]
async fn given_twice() {}

fn main() {}
