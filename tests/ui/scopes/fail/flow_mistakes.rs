scopes_core::scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
    }
    oauth2 "OAuth2PasswordBearer" {
        pasword { token_url: "token" },
        client_credentials {},
        authorization_code { authorization_url: "https://auth.example.com/authorize", token_uri: "x" },
        implicit { authorization_url: "" },
        implicit { authorization_url: "https://auth.example.com/authorize" },
    }
}

fn main() {}
