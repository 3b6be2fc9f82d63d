//! Verifier configuration: what is refused when the service starts.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine;
use scopes_core::{Algorithm, ConfigError, Key, Verifier};
use scopes_tests::{EC_PUBLIC, ED_PUBLIC, RSA_PUBLIC, SECRET, block_on, claims, sign};

#[test]
fn a_verifier_needs_a_key() {
    assert_eq!(
        Verifier::builder().build().unwrap_err(),
        ConfigError::NoKeys
    );
    assert_eq!(
        Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .scope_claims(Vec::<String>::new())
            .build()
            .unwrap_err(),
        ConfigError::NoScopeClaims
    );
}

#[test]
fn a_secret_is_only_an_hmac_key_and_a_public_key_never_is() {
    assert_eq!(
        Key::secret(Algorithm::RS256, SECRET).unwrap_err(),
        ConfigError::NotHmac(Algorithm::RS256)
    );
    assert_eq!(
        Key::public_pem(Algorithm::HS256, RSA_PUBLIC).unwrap_err(),
        ConfigError::HmacWithPublicKey(Algorithm::HS256)
    );
    assert_eq!(
        Key::public_der(Algorithm::HS512, [1, 2, 3]).unwrap_err(),
        ConfigError::HmacWithPublicKey(Algorithm::HS512)
    );
}

#[test]
fn weak_hmac_secrets_are_refused() {
    let weak = Key::hs256("secret").unwrap_err();
    assert_eq!(
        weak,
        ConfigError::WeakSecret {
            algorithm: Algorithm::HS256,
            min_len: 32,
            len: 6
        }
    );
    assert_eq!(
        weak.to_string(),
        "the HS256 secret is 6 bytes; it must be at least 32 (generate one with `openssl rand -hex 32`)"
    );
    assert!(Key::secret(Algorithm::HS512, [0u8; 63]).is_err());
    assert!(Key::secret(Algorithm::HS512, [0u8; 64]).is_ok());
}

#[test]
fn keys_must_parse_for_their_algorithm() {
    assert_eq!(
        Key::public_pem(Algorithm::ES256, RSA_PUBLIC).unwrap_err(),
        ConfigError::InvalidKey(Algorithm::ES256)
    );
    assert_eq!(
        Key::public_pem(Algorithm::RS256, ED_PUBLIC).unwrap_err(),
        ConfigError::InvalidKey(Algorithm::RS256)
    );
    assert_eq!(
        Key::public_pem(Algorithm::EdDSA, "not a pem").unwrap_err(),
        ConfigError::InvalidKey(Algorithm::EdDSA)
    );
    assert_eq!(
        Key::public_der(Algorithm::EdDSA, []).unwrap_err(),
        ConfigError::InvalidKey(Algorithm::EdDSA)
    );
}

#[test]
fn rsa_keys_shorter_than_2048_bits_are_refused() {
    let pem = include_str!("keys/rsa1024_public.pem");
    let der = include_bytes!("keys/rsa1024_public.der");
    for algorithm in [Algorithm::RS256, Algorithm::PS256, Algorithm::RS512] {
        let weak = ConfigError::WeakRsaKey {
            algorithm,
            bits: 1024,
        };
        assert_eq!(Key::public_pem(algorithm, pem).unwrap_err(), weak);
        assert_eq!(Key::public_der(algorithm, der).unwrap_err(), weak);
        assert!(Key::public_pem(algorithm, RSA_PUBLIC).is_ok());
        assert!(Key::public_der(algorithm, scopes_tests::RSA_PUBLIC_DER).is_ok());
    }
    assert_eq!(
        Key::public_pem(Algorithm::RS256, pem)
            .unwrap_err()
            .to_string(),
        "the RS256 key is 1024 bits; RSA keys must be at least 2048 bits (RFC 7518 §3.3)"
    );
    // DER that is not an RSAPublicKey is refused when the key is made, not on every
    // token.
    assert_eq!(
        Key::public_der(Algorithm::RS256, [0x30, 0x03, 0x02, 0x01, 0x01]).unwrap_err(),
        ConfigError::InvalidKey(Algorithm::RS256)
    );
    assert_eq!(
        Key::public_der(Algorithm::RS256, [1, 2, 3]).unwrap_err(),
        ConfigError::InvalidKey(Algorithm::RS256)
    );
}

#[test]
fn a_pem_key_is_never_an_hmac_secret() {
    for secret in [
        RSA_PUBLIC,
        ED_PUBLIC,
        "\n  -----BEGIN PRIVATE KEY-----\nabc",
    ] {
        assert_eq!(
            Key::hs256(secret).unwrap_err(),
            ConfigError::HmacWithPublicKey(Algorithm::HS256)
        );
    }
}

/// A key copied in another form than bare PEM is no secret either (a cold red-team
/// found each one admitted, and tokens signed with the public bytes admitted too).
#[test]
fn a_key_in_any_form_it_is_copied_in_is_never_an_hmac_secret() {
    let b64 = base64::engine::general_purpose::STANDARD;
    // The PEM's body without its armor lines (Keycloak's realm "Public key" field).
    let read =
        |name: &str| std::fs::read(format!("{}/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let pem_body = |pem: &str| -> String {
        pem.lines()
            .filter(|line| !line.starts_with("-----"))
            .collect()
    };
    let body = pem_body(RSA_PUBLIC);
    let der = b64.decode(&body).unwrap();
    let cert_pem =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/keys/rsa_cert.pem")).unwrap();
    let cert_body: String = cert_pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let cert_der = b64.decode(&cert_body).unwrap();
    let jwk = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"}"#;
    let forms: Vec<(&str, Vec<u8>)> = vec![
        (
            "PEM after a byte-order mark",
            [&b"\xEF\xBB\xBF"[..], RSA_PUBLIC.as_bytes()].concat(),
        ),
        (
            "PEM after a comment",
            format!("# the IdP's key\n{RSA_PUBLIC}").into_bytes(),
        ),
        (
            "PEM after openssl's text",
            format!("Public-Key: (2048 bit)\nModulus: ...\n{RSA_PUBLIC}").into_bytes(),
        ),
        ("base64 DER, one line", body.clone().into_bytes()),
        (
            "base64 DER, in lines",
            RSA_PUBLIC
                .lines()
                .filter(|line| !line.starts_with("-----"))
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes(),
        ),
        ("DER", der.clone()),
        ("a certificate's DER", cert_der),
        ("a certificate's base64", cert_body.into_bytes()),
        ("a JWK", jwk.as_bytes().to_vec()),
        ("a key set", format!(r#" {{"keys":[{jwk}]}} "#).into_bytes()),
        // From a cold review: more forms a key is copied in.
        ("PKCS#1 DER", read("rsa_public.der")),
        (
            "PKCS#1 base64",
            pem_body(&String::from_utf8(read("rsa_public_pkcs1.pem")).unwrap()).into_bytes(),
        ),
        (
            "a whole PEM file's base64",
            b64.encode(RSA_PUBLIC).into_bytes(),
        ),
        (
            "base64url DER",
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(&der)
                .into_bytes(),
        ),
        ("DER and a line break", [&der[..], b"\n"].concat()),
        (
            "a JWK after a byte-order mark",
            [&b"\xEF\xBB\xBF"[..], jwk.as_bytes()].concat(),
        ),
        ("a JWK in a list", format!("[{jwk}]").into_bytes()),
        ("quoted base64 DER", format!("\"{body}\"").into_bytes()),
    ];
    for (form, secret) in forms {
        assert_eq!(
            Key::hs256(&secret).unwrap_err(),
            ConfigError::HmacWithPublicKey(Algorithm::HS256),
            "{form}"
        );
    }
    // Secrets as people make them are kept: random bytes, their hex and base64, and
    // a JSON secret that names no key.
    for length in [32, 48, 64, 100] {
        for seed in 0..200u64 {
            // xorshift64*: deterministic, and random enough for secrets.
            let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            let bytes: Vec<u8> = (0..length)
                .map(|_| {
                    state ^= state >> 12;
                    state ^= state << 25;
                    state ^= state >> 27;
                    (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
                })
                .collect();
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            for secret in [
                bytes.clone(),
                hex.into_bytes(),
                b64.encode(&bytes).into_bytes(),
            ] {
                assert!(Key::hs256(&secret).is_ok(), "{secret:?}");
            }
        }
    }
    assert!(Key::hs256(r#"{"password": "a long and random secret 1234567890"}"#).is_ok());
    // A hostile DER as the secret, nested deep or with a long tag, is no key, and is
    // read at once (the reader of DER stops past the size of any key).
    let nested: Vec<u8> = std::iter::repeat_n([0x30u8, 0x82, 0xff, 0xff], 6000)
        .flatten()
        .collect();
    let long_tag: Vec<u8> = [&[0x1fu8][..], &[0xff; 100_000][..]].concat();
    for hostile in [nested, long_tag] {
        let started = std::time::Instant::now();
        assert!(Key::hs256(&hostile).is_ok());
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
    assert!(Key::hs256(SECRET).is_ok());
}

#[test]
fn kids_are_unique() {
    let error = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap().with_kid("a"))
        .key(
            Key::public_pem(Algorithm::RS256, RSA_PUBLIC)
                .unwrap()
                .with_kid("a"),
        )
        .build()
        .unwrap_err();
    assert_eq!(error, ConfigError::DuplicateKid("a".into()));
}

#[test]
fn debug_output_never_shows_key_material() {
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap().with_kid("k1"))
        .issuer("https://issuer.example")
        .build()
        .unwrap();
    let shown = format!("{verifier:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(
        !shown.contains(&format!("{:?}", SECRET.as_bytes())),
        "{shown}"
    );
    assert!(
        shown.contains("HS256") && shown.contains("k1") && shown.contains("https://issuer.example"),
        "{shown}"
    );
}

#[test]
fn a_realm_must_fit_in_a_challenge() {
    for realm in ["say \"hi\"", "back\\slash", "tab\there", "café"] {
        let error = Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .realm(realm)
            .build()
            .unwrap_err();
        assert_eq!(error, ConfigError::InvalidRealm, "{realm:?}");
    }
    assert!(
        Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .realm("api.example.com v2")
            .build()
            .is_ok()
    );
}

/// The DER inside a PEM file: a `SubjectPublicKeyInfo` for `BEGIN PUBLIC KEY` (the test
/// keys were made by `openssl genpkey`, so this is what `openssl pkey -pubout -outform
/// DER` writes), and what Keycloak's realm "Public key" button shows, in base64.
fn der_of(pem: &str) -> Vec<u8> {
    let base64: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(base64)
        .unwrap()
}

/// Whether a verifier of `key` alone admits a token of the test key of `algorithm`.
fn verifies(key: Key, algorithm: Algorithm) -> bool {
    let verifier = Verifier::builder().key(key).build().unwrap();
    block_on(verifier.verify(&sign(algorithm, &claims(&["me"])))).is_ok()
}

#[test]
fn subject_public_key_info_der_is_a_key_of_its_algorithm() {
    for (algorithm, pem) in [
        (Algorithm::RS256, RSA_PUBLIC),
        (Algorithm::RS512, RSA_PUBLIC),
        (Algorithm::PS256, RSA_PUBLIC),
        (Algorithm::ES256, EC_PUBLIC),
        (Algorithm::EdDSA, ED_PUBLIC),
    ] {
        let key = Key::public_der(algorithm, der_of(pem)).unwrap();
        assert!(verifies(key, algorithm), "{algorithm:?}");
    }
    // The bare forms still are.
    assert!(verifies(
        Key::public_der(Algorithm::RS256, scopes_tests::RSA_PUBLIC_DER).unwrap(),
        Algorithm::RS256
    ));
    assert!(verifies(
        Key::public_der(Algorithm::ES256, scopes_tests::EC_PUBLIC_RAW).unwrap(),
        Algorithm::ES256
    ));
    assert!(verifies(
        Key::public_der(Algorithm::EdDSA, scopes_tests::ED_PUBLIC_RAW).unwrap(),
        Algorithm::EdDSA
    ));
    // A compressed P-256 point: `02` or `03` (the parity of y), then x.
    let point = scopes_tests::EC_PUBLIC_RAW;
    let mut compressed = vec![2 | (point[64] & 1)];
    compressed.extend_from_slice(&point[1..33]);
    assert!(verifies(
        Key::public_der(Algorithm::ES256, compressed).unwrap(),
        Algorithm::ES256
    ));
    // A key of aws-lc-rs's, in its own SubjectPublicKeyInfo encoding.
    let p384 = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_FIXED_SIGNING).unwrap();
    let spki = p384.public_key().as_der().unwrap();
    assert!(Key::public_der(Algorithm::ES384, spki.as_ref()).is_ok());
    assert!(Key::public_der(Algorithm::ES384, p384.public_key().as_ref()).is_ok());
}

#[test]
fn der_of_another_algorithm_or_shape_is_refused_when_the_key_is_made() {
    let p384 = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_FIXED_SIGNING).unwrap();
    let p384 = p384.public_key().as_der().unwrap().as_ref().to_vec();
    let mut truncated = der_of(RSA_PUBLIC);
    truncated.pop();
    let cases: [(Algorithm, Vec<u8>); 9] = [
        // Another algorithm's structure.
        (Algorithm::ES256, der_of(RSA_PUBLIC)),
        (Algorithm::RS256, der_of(EC_PUBLIC)),
        (Algorithm::RS256, der_of(ED_PUBLIC)),
        (Algorithm::EdDSA, der_of(EC_PUBLIC)),
        // Another curve's.
        (Algorithm::ES256, p384),
        (Algorithm::ES384, der_of(EC_PUBLIC)),
        // Not DER, or not whole; a point of the wrong length.
        (Algorithm::RS256, truncated),
        (Algorithm::ES256, scopes_tests::EC_PUBLIC_RAW[..64].to_vec()),
        (Algorithm::EdDSA, scopes_tests::ED_PUBLIC_RAW[..31].to_vec()),
    ];
    for (algorithm, der) in cases {
        assert_eq!(
            Key::public_der(algorithm, &der).unwrap_err(),
            ConfigError::InvalidKey(algorithm),
            "{algorithm:?} {der:02x?}"
        );
    }
    // The size of an RSA key inside the structure is checked as in the bare form.
    let weak = der_of(include_str!("keys/rsa1024_public.pem"));
    assert_eq!(
        Key::public_der(Algorithm::RS256, weak).unwrap_err(),
        ConfigError::WeakRsaKey {
            algorithm: Algorithm::RS256,
            bits: 1024
        }
    );
}

/// `der` as a PEM file of `label`.
fn pem_of(label: &str, der: &[u8]) -> String {
    let base64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = base64
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

#[test]
fn pem_files_hold_a_key_of_the_algorithm_and_its_curve() {
    let rsa_cert = include_str!("keys/rsa_cert.pem");
    let ec_cert = include_str!("keys/ec_cert.pem");
    let pkcs1 = include_str!("keys/rsa_public_pkcs1.pem");
    // A certificate's subject key, and PKCS#1 for RSA, verify the tokens of their key.
    assert!(verifies(
        Key::public_pem(Algorithm::RS256, rsa_cert).unwrap(),
        Algorithm::RS256
    ));
    assert!(verifies(
        Key::public_pem(Algorithm::ES256, ec_cert).unwrap(),
        Algorithm::ES256
    ));
    assert!(verifies(
        Key::public_pem(Algorithm::RS256, pkcs1).unwrap(),
        Algorithm::RS256
    ));
    assert!(verifies(
        Key::public_pem(Algorithm::ES256, EC_PUBLIC).unwrap(),
        Algorithm::ES256
    ));

    let p384 = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_FIXED_SIGNING).unwrap();
    let p384 = pem_of("PUBLIC KEY", p384.public_key().as_der().unwrap().as_ref());
    assert!(Key::public_pem(Algorithm::ES384, &p384).is_ok());
    let cases: [(Algorithm, &str); 10] = [
        // Another curve's key: it would refuse every token, so it is refused here.
        (Algorithm::ES256, &p384),
        (Algorithm::ES384, EC_PUBLIC),
        (Algorithm::ES384, ec_cert),
        // Another algorithm's key, in each form.
        (Algorithm::ES256, rsa_cert),
        (Algorithm::RS256, ec_cert),
        (Algorithm::ES256, pkcs1),
        (Algorithm::EdDSA, EC_PUBLIC),
        // A private key where its public key belongs.
        (Algorithm::RS256, scopes_tests::RSA_PRIVATE),
        (Algorithm::ES256, scopes_tests::EC_PRIVATE),
        (Algorithm::EdDSA, scopes_tests::ED_PRIVATE),
    ];
    for (algorithm, pem) in cases {
        assert_eq!(
            Key::public_pem(algorithm, pem).unwrap_err(),
            ConfigError::InvalidKey(algorithm),
            "{algorithm:?} {pem}"
        );
    }
    // One block: a public key with its private key after it, a chain, two public keys
    // (only the first would have been read, and the second's tokens refused).
    let other_rsa = include_str!("keys/other_rsa_public.pem");
    for (algorithm, pem, blocks) in [
        (
            Algorithm::RS256,
            format!("{RSA_PUBLIC}{}", scopes_tests::RSA_PRIVATE),
            2,
        ),
        (
            Algorithm::ES256,
            format!("{EC_PUBLIC}\n{}", scopes_tests::EC_PRIVATE),
            2,
        ),
        (Algorithm::RS256, format!("{other_rsa}{RSA_PUBLIC}"), 2),
        (
            Algorithm::ES256,
            format!("{ec_cert}{ec_cert}{EC_PUBLIC}"),
            3,
        ),
    ] {
        let refused = Key::public_pem(algorithm, &pem).unwrap_err();
        assert_eq!(
            refused,
            ConfigError::SeveralPemBlocks { algorithm, blocks },
            "{pem}"
        );
        assert!(
            refused.to_string().contains("give exactly one"),
            "{refused}"
        );
    }
    // Text around the one block (`openssl x509 -text` writes it before) is no block.
    let described = format!("Certificate:\n    Data: …\n{ec_cert}\n");
    assert!(Key::public_pem(Algorithm::ES256, described).is_ok());
    // A `PUBLIC KEY` label holds a `SubjectPublicKeyInfo`, not a bare PKCS#1 key.
    let mislabelled = pkcs1.replace("RSA PUBLIC KEY", "PUBLIC KEY");
    assert_eq!(
        Key::public_pem(Algorithm::RS256, mislabelled).unwrap_err(),
        ConfigError::InvalidKey(Algorithm::RS256)
    );
}
