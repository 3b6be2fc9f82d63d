//! DPoP proofs (RFC 9449 §4.3): the checks a resource server makes of the `DPoP` header
//! before it trusts a DPoP-bound access token, and the JWK thumbprint (RFC 7638) the
//! token's `cnf.jkt` must equal.
//!
//! The request side (the `DPoP` scheme, the request's URL, the replay check, nonces)
//! is `http::dpop`'s.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, AlgorithmFamily};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::json::{DistinctMembers, Present};
use crate::error::DpopError as ProofError;
use crate::keys::{Key, is_object};

/// What a proof is checked against.
pub(crate) struct Request<'r> {
    /// The request's method (`GET`).
    pub(crate) method: &'r str,
    /// The request's URI as the client addressed it, without query and fragment
    /// (`https://api.example.com/items`).
    pub(crate) uri: &'r str,
    /// The access token the proof goes with (its `ath`); none at a token endpoint,
    /// where the proof asks for a token (RFC 9449 §4.2: no `ath` then).
    pub(crate) access_token: Option<&'r str>,
    /// Seconds since the epoch.
    pub(crate) now: f64,
}

/// The rules: the algorithms accepted, how old a proof may be, and the clock skew
/// tolerated (a proof from up to `leeway` in the future).
pub(crate) struct Rules<'a> {
    pub(crate) algorithms: &'a [Algorithm],
    pub(crate) lifetime: Duration,
    pub(crate) leeway: Duration,
}

/// A checked proof: its key's thumbprint (for `cnf.jkt`), its `jti` and `iat` (for the
/// replay check) and its `nonce` (for the server's, when it asks for one).
#[derive(Debug, PartialEq)]
pub(crate) struct Checked {
    pub(crate) thumbprint: String,
    pub(crate) jti: String,
    pub(crate) iat: f64,
    pub(crate) nonce: Option<String>,
}

/// A proof's header. A member given twice is refused (serde's derive does; the `jwk`'s
/// members, [`DistinctMembers`]).
#[derive(Deserialize)]
struct Header {
    typ: Option<String>,
    alg: String,
    jwk: Option<DistinctMembers>,
    /// Extensions the proof says must be understood: none are, so any `crit` member,
    /// even `null`, refuses it (RFC 7515 §4.1.11), as an access token's does.
    #[serde(default)]
    crit: Present,
    /// RFC 7797's option, which must be listed in `crit`: refused without it too, as
    /// an access token's header is.
    #[serde(default)]
    b64: Present,
}

#[derive(Deserialize)]
struct Claims {
    jti: Option<String>,
    htm: Option<String>,
    htu: Option<String>,
    iat: Option<f64>,
    ath: Option<String>,
    nonce: Option<String>,
}

/// Members of a private key: a proof's `jwk` must have none (RFC 9449 §4.3, 12).
const PRIVATE: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Checks `proof` for `request` (RFC 9449 §4.3, steps 1 to 11; the replay check of
/// `jti` and the nonce are the caller's).
pub(crate) fn check(
    proof: &str,
    request: &Request<'_>,
    rules: &Rules<'_>,
) -> Result<Checked, ProofError> {
    let mut parts = proof.split('.');
    let (Some(header_b64), Some(claims_b64), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ProofError::Malformed);
    };
    // The one base64url decoder of the crate's token paths (`with_decoded`).
    // Each segment a JSON object (serde's derive would take an array too), nested no
    // deeper than a token's claims may be (serde skips what it does not read at any
    // depth, and anyone can send a proof).
    let decode = |segment: &str| match crate::keys::with_decoded(segment, <[u8]>::to_vec) {
        Ok(json)
            if is_object(&json)
                && core::str::from_utf8(&json).is_ok_and(super::json::within_depth) =>
        {
            Ok(json)
        }
        _ => Err(ProofError::Malformed),
    };
    let header: Header =
        serde_json::from_slice(&decode(header_b64)?).map_err(|_| ProofError::Malformed)?;
    // `dpop+jwt`, with or without its `application/` prefix (RFC 7515 §4.1.9).
    if !header
        .typ
        .as_deref()
        .is_some_and(|typ| super::jws::media_type(typ).eq_ignore_ascii_case("dpop+jwt"))
    {
        return Err(ProofError::Type);
    }
    let algorithm: Algorithm = header.alg.parse().map_err(|_| ProofError::Algorithm)?;
    if algorithm.family() == AlgorithmFamily::Hmac || !rules.algorithms.contains(&algorithm) {
        return Err(ProofError::Algorithm);
    }
    if header.crit.0 || header.b64.0 {
        return Err(ProofError::Malformed);
    }
    let jwk = header.jwk.ok_or(ProofError::Key)?.0;
    if PRIVATE.iter().any(|member| jwk.contains_key(*member)) {
        return Err(ProofError::Key);
    }
    let thumbprint = thumbprint(&jwk).ok_or(ProofError::Key)?;
    // A client's key seldom says its algorithm: it is the proof's (an RSA key signs
    // PS256 as well as RS256). The key's type and curve must still fit it.
    let mut jwk = jwk;
    jwk.entry("alg")
        .or_insert_with(|| Value::from(header.alg.as_str()));
    let parsed: Jwk = serde_json::from_value(Value::Object(jwk)).map_err(|_| ProofError::Key)?;
    let key = Key::from_jwk(&parsed).map_err(|_| ProofError::Key)?;
    if key.algorithm() != algorithm {
        return Err(ProofError::Key);
    }
    let message = &proof[..header_b64.len() + 1 + claims_b64.len()];
    match key
        .prepared
        .verify(signature, message.as_bytes(), &key.key, algorithm)
    {
        Ok(true) => {}
        _ => return Err(ProofError::Signature),
    }
    let claims: Claims =
        serde_json::from_slice(&decode(claims_b64)?).map_err(|_| ProofError::Malformed)?;
    let jti = claims
        .jti
        .filter(|jti| !jti.is_empty())
        .ok_or(ProofError::Id)?;
    if claims.htm.as_deref() != Some(request.method) {
        return Err(ProofError::Method);
    }
    let htu = claims.htu.ok_or(ProofError::Uri)?;
    if !same_uri(&htu, request.uri) {
        return Err(ProofError::Uri);
    }
    let iat = claims.iat.ok_or(ProofError::IssuedAt)?;
    let (lifetime, leeway) = (rules.lifetime.as_secs_f64(), rules.leeway.as_secs_f64());
    if !(iat >= request.now - lifetime - leeway && iat <= request.now + leeway) {
        return Err(ProofError::IssuedAt);
    }
    if let Some(access_token) = request.access_token {
        let expected = URL_SAFE_NO_PAD.encode(crate::keys::sha256(access_token.as_bytes()));
        if claims.ath.as_deref() != Some(expected.as_str()) {
            return Err(ProofError::TokenHash);
        }
    }
    Ok(Checked {
        thumbprint,
        jti,
        iat,
        nonce: claims.nonce,
    })
}

/// `htu` names `uri`: equal once both leave out query and fragment and are normalized
/// as RFC 9449 §4.3 (9) suggests (RFC 3986 §6.2.2 and §6.2.3) but for one step: scheme
/// and host in lower case, the scheme's default port left out, an empty path as `/`,
/// percent-encodings in upper case and those of unreserved characters decoded. Dot
/// segments (`.`, `..`) are not removed (§6.2.2.3) but compared as written, on both
/// sides: the router does not remove them (axum routes
/// `/x/../admin` to `/x/{*rest}`), so a path with them names another resource than the
/// path without, and a proof is taken only for the path it names. (Removing them from
/// `htu` alone let a proof for `/x/../items`, refused where it was sent, be taken at
/// `/items`, unused; from both, a proof for `/admin` at `/x/../admin`.)
fn same_uri(htu: &str, uri: &str) -> bool {
    normalize(htu).is_some_and(|htu| Some(htu) == normalize(uri))
}

fn normalize(text: &str) -> Option<String> {
    let end = text.find(['?', '#']).unwrap_or(text.len());
    let (scheme, rest) = text[..end].split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    // `host[:port]`, nothing else (no user information: a URL a client addresses has
    // none); the port left out when it is empty or the scheme's default.
    let (host, port) = split_authority(authority)?;
    let default_port = match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    };
    let mut authority = host.to_ascii_lowercase();
    // As a number (`00080` is `80`), which `split_authority` checked it is.
    let port = port.and_then(|port| port.parse::<u16>().ok());
    if let Some(port) = port.filter(|port| Some(*port) != default_port) {
        authority.push(':');
        authority.push_str(&port.to_string());
    }
    let path = if path.is_empty() { "/" } else { path };
    let mut out = String::with_capacity(path.len());
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = path.get(i + 1..i + 3)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let byte = u8::from_str_radix(hex, 16).ok()?;
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                out.push(byte as char);
            } else {
                out.push('%');
                out.push_str(&hex.to_ascii_uppercase());
            }
            i += 3;
        } else {
            out.push(bytes[i] as char);
            i += 1;
        }
    }
    Some(format!("{scheme}://{authority}{out}"))
}

/// An authority (RFC 3986 §3.2) as a client addresses a server: `host[:port]`, the host
/// a registered name or an IPv4 address (unreserved characters, sub-delims and
/// percent-encodings) or an IP literal in brackets, the port a number up to 65535 (or
/// empty). Anything
/// else (user information, a second port, a `/`, `?` or `#` that a `Host` header
/// smuggled in) is `None`.
pub(crate) fn split_authority(authority: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(literal) => {
            let end = literal.find(']')?;
            let inside = &literal[..end];
            let ip = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
            if inside.is_empty() || !inside.bytes().all(ip) {
                return None;
            }
            let after = &literal[end + 1..];
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':')?),
            };
            (&authority[..end + 2], port)
        }
        None => {
            let (host, port) = match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            };
            let name = |b: u8| {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'-' | b'.'
                            | b'_'
                            | b'~'
                            | b'%'
                            | b'!'
                            | b'$'
                            | b'&'
                            | b'\''
                            | b'('
                            | b')'
                            | b'*'
                            | b'+'
                            | b','
                            | b';'
                            | b'='
                    )
            };
            // A `%` opens a percent-encoding: two hex digits follow it.
            let encoded = |at: usize| {
                host.as_bytes()
                    .get(at + 1..at + 3)
                    .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            };
            if host.is_empty()
                || !host.bytes().all(name)
                || host.match_indices('%').any(|(at, _)| !encoded(at))
            {
                return None;
            }
            (host, port)
        }
    };
    // Digits, at most a port number's (an empty port is the scheme's default).
    match port {
        Some(port)
            if !port.bytes().all(|b| b.is_ascii_digit())
                || port.len() > 5
                || (!port.is_empty() && port.parse::<u16>().is_err()) =>
        {
            None
        }
        port => Some((host, port)),
    }
}

/// The JWK SHA-256 thumbprint (RFC 7638): the required members of its key type, in
/// lexicographic order, as compact JSON; `None` for another key type or a missing
/// member.
pub(crate) fn thumbprint(jwk: &Map<String, Value>) -> Option<String> {
    let members: &[&str] = match jwk.get("kty")?.as_str()? {
        "RSA" => &["e", "kty", "n"],
        "EC" => &["crv", "kty", "x", "y"],
        "OKP" => &["crv", "kty", "x"],
        _ => return None,
    };
    let mut canonical = String::from("{");
    for (i, member) in members.iter().enumerate() {
        let value = jwk.get(*member)?.as_str()?;
        if i > 0 {
            canonical.push(',');
        }
        canonical.push_str(&Value::from(*member).to_string());
        canonical.push(':');
        canonical.push_str(&Value::from(value).to_string());
    }
    canonical.push('}');
    Some(URL_SAFE_NO_PAD.encode(crate::keys::sha256(canonical.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn thumbprint_of_rfc_7638_example() {
        // RFC 7638 §3.1.
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            thumbprint(jwk.as_object().unwrap()).as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
    }

    const EC_PRIVATE: &str = include_str!("../../../tests/keys/ec_private.pem");
    const EC_PUBLIC_RAW: &[u8] = include_bytes!("../../../tests/keys/ec_public.raw");

    fn public_jwk() -> Map<String, Value> {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        json!({
            "kty": "EC", "crv": "P-256",
            "x": b64(&EC_PUBLIC_RAW[1..33]), "y": b64(&EC_PUBLIC_RAW[33..65]),
        })
        .as_object()
        .unwrap()
        .clone()
    }

    /// A proof signed with the test P-256 key, its header and claims as given.
    fn proof(header: Value, claims: Value) -> String {
        signed(&header.to_string(), &claims.to_string())
    }

    /// A proof of the header and claims written as given (a member may be repeated).
    fn signed(header: &str, claims: &str) -> String {
        let header = URL_SAFE_NO_PAD.encode(header);
        let claims = URL_SAFE_NO_PAD.encode(claims);
        let message = format!("{header}.{claims}");
        let key = jsonwebtoken::EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap();
        let signature = crate::keys::sign(message.as_bytes(), &key, Algorithm::ES256).unwrap();
        format!("{message}.{signature}")
    }

    const TOKEN: &str = "an-access-token";
    const NOW: f64 = 1_800_000_000.0;

    fn good_header() -> Value {
        json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk() })
    }

    fn good_claims() -> Value {
        json!({
            "jti": "e1j3V_bKic8-LAEB", "htm": "GET", "htu": "https://api.example.com/items",
            "iat": NOW - 5.0,
            "ath": URL_SAFE_NO_PAD.encode(crate::keys::sha256(TOKEN.as_bytes())),
        })
    }

    fn run(proof: &str) -> Result<Checked, ProofError> {
        let request = Request {
            method: "GET",
            uri: "https://api.example.com/items?page=2",
            access_token: Some(TOKEN),
            now: NOW,
        };
        let rules = Rules {
            algorithms: &[Algorithm::ES256, Algorithm::RS256, Algorithm::EdDSA],
            lifetime: Duration::from_secs(60),
            leeway: Duration::from_secs(5),
        };
        check(proof, &request, &rules)
    }

    #[test]
    fn a_good_proof_gives_its_key_s_thumbprint_and_jti() {
        let checked = run(&proof(good_header(), good_claims())).unwrap();
        assert_eq!(checked.thumbprint, thumbprint(&public_jwk()).unwrap());
        assert_eq!(checked.jti, "e1j3V_bKic8-LAEB");
    }

    #[test]
    fn a_proof_is_nested_no_deeper_than_claims() {
        let nested = |json: Value, depth: usize| {
            let text = json.to_string();
            format!(
                r#"{},"x":{}{}}}"#,
                text.strip_suffix('}').unwrap(),
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        let claims = good_claims().to_string();
        let header = good_header().to_string();
        assert!(run(&signed(&nested(good_header(), 127), &claims)).is_ok());
        for depth in [128, 100_000] {
            let deep_header = signed(&nested(good_header(), depth), &claims);
            assert_eq!(run(&deep_header), Err(ProofError::Malformed), "{depth}");
            let deep_claims = signed(&header, &nested(good_claims(), depth));
            assert_eq!(run(&deep_claims), Err(ProofError::Malformed), "{depth}");
        }
    }

    #[test]
    fn a_token_endpoint_s_proof_has_no_access_token_to_hash() {
        let mut claims = good_claims();
        claims.as_object_mut().unwrap().remove("ath");
        let proof = proof(good_header(), claims);
        // Presenting an access token: its hash is required.
        assert_eq!(run(&proof), Err(ProofError::TokenHash));
        // Asking for one: none to check.
        let request = Request {
            method: "GET",
            uri: "https://api.example.com/items",
            access_token: None,
            now: NOW,
        };
        let rules = Rules {
            algorithms: &[Algorithm::ES256, Algorithm::RS256, Algorithm::EdDSA],
            lifetime: Duration::from_secs(60),
            leeway: Duration::from_secs(5),
        };
        let checked = check(&proof, &request, &rules).unwrap();
        assert_eq!(checked.thumbprint, thumbprint(&public_jwk()).unwrap());
    }

    #[test]
    fn each_check_refuses_its_mistake() {
        let with = |mut value: Value, member: &str, new: Value| {
            value[member] = new;
            value
        };
        let mut private = public_jwk();
        private.insert("d".into(), json!("AQAB"));
        let cases = [
            (
                with(good_header(), "typ", json!("JWT")),
                good_claims(),
                ProofError::Type,
            ),
            (
                with(good_header(), "alg", json!("HS256")),
                good_claims(),
                ProofError::Algorithm,
            ),
            (
                with(good_header(), "alg", json!("ES384")),
                good_claims(),
                ProofError::Algorithm,
            ),
            (
                with(good_header(), "alg", json!("RS256")),
                good_claims(),
                ProofError::Key,
            ),
            (
                with(good_header(), "jwk", Value::Object(private)),
                good_claims(),
                ProofError::Key,
            ),
            (
                with(good_header(), "jwk", Value::Null),
                good_claims(),
                ProofError::Key,
            ),
            (
                good_header(),
                with(good_claims(), "htm", json!("POST")),
                ProofError::Method,
            ),
            (
                good_header(),
                with(good_claims(), "htu", json!("https://api.example.com/other")),
                ProofError::Uri,
            ),
            (
                good_header(),
                with(good_claims(), "iat", json!(NOW - 600.0)),
                ProofError::IssuedAt,
            ),
            (
                good_header(),
                with(good_claims(), "iat", json!(NOW + 600.0)),
                ProofError::IssuedAt,
            ),
            (
                good_header(),
                with(good_claims(), "ath", json!("bm90IHRoZSBoYXNo")),
                ProofError::TokenHash,
            ),
            (
                good_header(),
                with(good_claims(), "jti", json!("")),
                ProofError::Id,
            ),
        ];
        for (header, claims, expected) in cases {
            let proof = proof(header.clone(), claims.clone());
            assert_eq!(run(&proof), Err(expected), "{header} {claims}");
        }
        // Another key's signature, the same header.
        let good = proof(good_header(), good_claims());
        let (message, signature) = good.rsplit_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
        bytes[0] ^= 1;
        let forged = format!("{message}.{}", URL_SAFE_NO_PAD.encode(bytes));
        assert_eq!(run(&forged), Err(ProofError::Signature));
        assert_eq!(run("not.a.proof.at-all"), Err(ProofError::Malformed));
        // The header and the claims as arrays (their members in the order serde's
        // derive would take them), correctly signed: not JSON objects, so malformed.
        let claims = good_claims();
        let as_array = |value: &Value, members: &[&str]| {
            Value::Array(members.iter().map(|m| value[*m].clone()).collect())
        };
        let header = as_array(&good_header(), &["typ", "alg", "jwk"]);
        let listed = as_array(&claims, &["jti", "htm", "htu", "iat", "ath", "nonce"]);
        assert_eq!(
            run(&proof(header, good_claims())),
            Err(ProofError::Malformed)
        );
        assert_eq!(
            run(&proof(good_header(), listed)),
            Err(ProofError::Malformed)
        );
    }

    #[test]
    fn a_critical_extension_refuses_the_proof() {
        // None is understood: whatever `crit` lists, even nothing, as for access tokens.
        for crit in [json!(["x"]), json!([]), Value::Null, json!(["htm"])] {
            let mut header = good_header();
            header["crit"] = crit.clone();
            let refused = run(&proof(header, good_claims()));
            assert_eq!(refused, Err(ProofError::Malformed), "crit: {crit}");
        }
        // RFC 7797's unencoded payload, signed as if encoded: not verified as encoded.
        let mut header = good_header();
        header["b64"] = json!(false);
        header["crit"] = json!(["b64"]);
        let refused = run(&proof(header, good_claims()));
        assert_eq!(refused, Err(ProofError::Malformed));
        // And without `crit`, which RFC 7797 §6 requires beside it.
        let mut header = good_header();
        header["b64"] = json!(false);
        let refused = run(&proof(header, good_claims()));
        assert_eq!(refused, Err(ProofError::Malformed));
    }

    #[test]
    fn typ_is_dpop_jwt_with_or_without_its_application_prefix() {
        let with_typ = |typ: &str| {
            let mut header = good_header();
            header["typ"] = json!(typ);
            signed(&header.to_string(), &good_claims().to_string())
        };
        // RFC 7515 §4.1.9: a `typ` without `/` is read with `application/` before it.
        for typ in [
            "dpop+jwt",
            "DPoP+JWT",
            "application/dpop+jwt",
            "Application/DPOP+jwt",
        ] {
            assert!(run(&with_typ(typ)).is_ok(), "{typ}");
        }
        for typ in [
            "application/",
            "application/application/dpop+jwt",
            "text/dpop+jwt",
            "application/at+jwt",
            "at+jwt",
            "dpop+jwt ",
            "",
        ] {
            assert_eq!(run(&with_typ(typ)), Err(ProofError::Type), "{typ}");
        }
    }

    #[test]
    fn a_jwk_member_given_twice_refuses_the_proof() {
        let jwk = public_jwk();
        let (x, y) = (&jwk["x"], &jwk["y"]);
        let claims = good_claims().to_string();
        let header = |jwk: &str| format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{jwk}}}"#);
        // Written out, the good proof passes: the refusals below are the repetition's.
        let good = format!(r#"{{"kty":"EC","crv":"P-256","x":{x},"y":{y}}}"#);
        assert!(run(&signed(&header(&good), &claims)).is_ok());
        let other_x = json!(URL_SAFE_NO_PAD.encode([7u8; 32]));
        for jwk in [
            // Another key's `x` first: a parser keeping the first member sees another key.
            format!(r#"{{"kty":"EC","crv":"P-256","x":{other_x},"x":{x},"y":{y}}}"#),
            format!(r#"{{"kty":"EC","kty":"EC","crv":"P-256","x":{x},"y":{y}}}"#),
            format!(r#"{{"kty":"EC","crv":"P-256","x":{x},"\u0078":{x},"y":{y}}}"#),
        ] {
            let refused = run(&signed(&header(&jwk), &claims));
            assert_eq!(refused, Err(ProofError::Malformed), "jwk: {jwk}");
        }
    }

    #[test]
    fn htu_compares_without_query_fragment_and_case_of_scheme_and_host() {
        assert!(same_uri(
            "https://API.example.com/items",
            "https://api.example.com/items?x=1"
        ));
        assert!(same_uri(
            "HTTPS://api.example.com/items#f",
            "https://api.example.com/items"
        ));
        assert!(!same_uri(
            "https://api.example.com/Items",
            "https://api.example.com/items"
        ));
        assert!(!same_uri(
            "https://api.example.com/items",
            "https://evil.example.com/items"
        ));
        assert!(same_uri(
            "https://api.example.com:443/%7Eme/a%2fb",
            "https://api.example.com/~me/a%2Fb"
        ));
        assert!(same_uri("http://localhost:80", "http://localhost/"));
        assert!(!same_uri(
            "http://api.example.com/items",
            "https://api.example.com/items"
        ));
        assert!(!same_uri(
            "https://api.example.com:8443/items",
            "https://api.example.com/items"
        ));
        assert!(!same_uri("/items", "/items"));
        assert!(!same_uri(
            "https://u@api.example.com/",
            "https://api.example.com/"
        ));
        // A port after a port is no authority: its last `:80` is not the default port
        // (found by a red-team round); an empty port is the default.
        for htu in [
            "http://127.0.0.1:18401:80/items",
            "http://api.test:8080:80/items",
            "http://api.test:x/items",
            "http://[::1/items",
            "http://[zz]/items",
            "http:///items",
        ] {
            assert!(!same_uri(htu, "http://127.0.0.1:18401/items"), "{htu}");
            assert!(!same_uri(htu, "http://api.test:8080/items"), "{htu}");
        }
        assert!(same_uri("http://api.test:/items", "http://api.test/items"));
        assert!(same_uri(
            "http://api.test:00080/items",
            "http://api.test/items"
        ));
        assert!(same_uri(
            "http://api.test:08080/items",
            "http://api.test:8080/items"
        ));
        assert!(same_uri("http://[::1]:80/items", "http://[::1]/items"));
        assert!(same_uri(
            "http://[::1]:8080/items",
            "http://[::1]:8080/items"
        ));
        for authority in [
            "api.test?",
            "api.test#",
            "api.test/other",
            "u@api.test",
            "a:1:2",
            // A `%` without its two hex digits; a port past 65535.
            "api%.test",
            "api.test%4",
            "api%zz.test",
            "api.test:65536",
            "api.test:000000080",
        ] {
            assert_eq!(split_authority(authority), None, "{authority}");
        }
        assert_eq!(
            split_authority("API.test:8080"),
            Some(("API.test", Some("8080")))
        );
        assert_eq!(
            split_authority("api%2Dx.test:65535"),
            Some(("api%2Dx.test", Some("65535")))
        );
        assert!(!same_uri(
            "https://api.example.com/%zz",
            "https://api.example.com/%zz"
        ));
        assert!(!same_uri(
            "https://api.example.com/%+4",
            "https://api.example.com/%+4"
        ));
        // Dot segments, percent-encoded or not, name the path as written: a proof for
        // one is never taken for the path without them, nor the reverse (a red-team
        // round: a proof for `/x/../items`, refused where it was sent when only `htu`'s
        // were removed, was taken at `/items`).
        for htu in [
            "https://api.example.com/./items",
            "https://api.example.com/x/../items",
            "https://api.example.com/x/%2E%2E/items",
            "https://api.example.com/../items",
        ] {
            assert!(!same_uri(htu, "https://api.example.com/items"), "{htu}");
            assert!(same_uri(htu, &htu.replace("%2E", ".")), "{htu}");
            assert!(same_uri(&htu.replace("%2E", "."), htu), "{htu}");
        }
        assert!(!same_uri(
            "https://api.example.com/a/b/..",
            "https://api.example.com/a/"
        ));
        assert!(!same_uri(
            "https://api.example.com/x/../admin",
            "https://api.example.com/items"
        ));
        assert!(!same_uri(
            "https://api.example.com/items/..",
            "https://api.example.com/items"
        ));
        assert!(!same_uri(
            "https://api.example.com/admin",
            "https://api.example.com/x/../admin"
        ));
        assert!(same_uri(
            "https://api.example.com/x/../admin",
            "https://api.example.com/x/%2e%2E/admin"
        ));
        // A segment that only begins with dots is a name.
        assert!(!same_uri(
            "https://api.example.com/.items",
            "https://api.example.com/items"
        ));
    }
}
