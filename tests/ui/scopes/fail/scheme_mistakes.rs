scopes_core::scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
    }
    oauth2 {}
    openid_connect "OAuth2" {
        discovery: "https://auth.example.com/.well-known/openid-configuration",
    }
}

fn main() {}
