//! Scope names checked against a table at compile time, in whichever crate uses it.
//!
//! `#[requires_scopes]` cannot see a table declared elsewhere, so for each scope literal
//! it emits a free constant that asks [`check_scope`] about it, with the literal's hash
//! (computed by the attribute):
//!
//! ```ignore
//! const _: () = check_scope::<auth::Scopes>("auth::Scopes", "itemz", 0x3e78_8bbf_4f41_3854);
//! ```
//!
//! rustc evaluates it while compiling the using crate and reports the panic on the
//! literal:
//!
//! ```text
//! unknown scope `itemz` in `#[requires_scopes]`: table `auth::Scopes` does not declare it; did you mean `items`?
//! ```
//!
//! Every literal has its own constant, so every mistake of a build is reported.
//! Everything here is a `const fn`.

use super::{ScopeInfo, ScopeSet, ScopeTable};

/// Room for a message (names longer than this are cut on a character boundary).
const CAP: usize = 512;

/// A compile-time error message.
#[derive(Debug, Clone, Copy)]
pub struct Message {
    bytes: [u8; CAP],
    len: usize,
}

impl Message {
    const fn new() -> Self {
        Self {
            bytes: [0; CAP],
            len: 0,
        }
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.bytes.split_at(self.len).0) {
            Ok(text) => text,
            Err(_) => "unknown scope in `#[requires_scopes]`",
        }
    }

    const fn push(mut self, text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut take = bytes.len();
        if self.len + take > CAP {
            take = CAP - self.len;
            // Never cut a character in two.
            while take > 0 && take < bytes.len() && bytes[take] & 0xC0 == 0x80 {
                take -= 1;
            }
        }
        let mut i = 0;
        while i < take {
            self.bytes[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn push_number(self, mut number: usize) -> Self {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (number % 10) as u8;
            number /= 10;
            if number == 0 {
                break;
            }
        }
        match core::str::from_utf8(digits.split_at(start).1) {
            Ok(text) => self.push(text),
            Err(_) => self,
        }
    }
}

/// Whether `a` and `b` are the same string.
pub(crate) const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// FNV-1a (64 bits) of `name`: where a table's [`slots`] place it. `#[requires_scopes]`
/// computes the same hash of each literal (scopes-macros `scope_hash`), so that the
/// check rustc evaluates per literal compares numbers rather than hashing names.
const fn name_hash(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// A slot that holds no scope.
const EMPTY: u16 = u16::MAX;

/// The open-addressing index of a table's names, built once per table at compile time:
/// `S` (a power of two above twice the number of scopes, chosen by `scopes!`) slots,
/// each the index of the scope whose name hashes there (linear probing) or empty. A
/// lookup then compares one or two names, not all of them: each scope literal of
/// `#[requires_scopes]` is looked up while compiling the using crate, by rustc's
/// interpreter, where every comparison counts.
pub const fn slots<const S: usize>(scopes: &[ScopeInfo]) -> [u16; S] {
    let mut slots = [EMPTY; S];
    // Otherwise (a table built by hand) the slots stay empty and lookups compare every
    // name, as `index_in` decides by the same rule.
    if !hashed(S, scopes.len()) {
        return slots;
    }
    let mut i = 0;
    while i < scopes.len() {
        let mut at = name_hash(scopes[i].name) as usize & (S - 1);
        while slots[at] != EMPTY {
            at = (at + 1) & (S - 1);
        }
        slots[at] = i as u16;
        i += 1;
    }
    slots
}

/// The hash of the name in each of a table's `slots` (0 where a slot is empty): with
/// them, a literal's check probes `slots` comparing the hash `#[requires_scopes]`
/// computed, and reads no name at all.
pub const fn slot_hashes<const S: usize>(scopes: &[ScopeInfo], slots: &[u16]) -> [u64; S] {
    let mut hashes = [0; S];
    if slots.len() != S {
        return hashes;
    }
    let mut at = 0;
    while at < S {
        let slot = slots[at];
        if slot != EMPTY && (slot as usize) < scopes.len() {
            hashes[at] = name_hash(scopes[slot as usize].name);
        }
        at += 1;
    }
    hashes
}

/// Whether `slots` slots index `scopes` scopes: a power of two, more slots than scopes
/// (an empty slot always ends a probe), and every index below `EMPTY`.
const fn hashed(slots: usize, scopes: usize) -> bool {
    slots.is_power_of_two() && scopes < slots && scopes < EMPTY as usize
}

/// The index of the scope called `name` among `scopes`, through their `slots` (or,
/// without them, by comparing every name).
pub(crate) const fn index_in(scopes: &[ScopeInfo], slots: &[u16], name: &str) -> Option<usize> {
    if !hashed(slots.len(), scopes.len()) {
        let mut i = 0;
        while i < scopes.len() {
            if same(scopes[i].name, name) {
                return Some(i);
            }
            i += 1;
        }
        return None;
    }
    let mask = slots.len() - 1;
    let mut at = name_hash(name) as usize & mask;
    let mut probes = 0;
    while probes < slots.len() {
        let slot = slots[at];
        if slot == EMPTY {
            return None;
        }
        let index = slot as usize;
        if index < scopes.len() && same(scopes[index].name, name) {
            return Some(index);
        }
        at = (at + 1) & mask;
        probes += 1;
    }
    None
}

/// `None` when table `T` declares an OpenAPI security scheme; else the error to report
/// where its operations are documented (without one, `security` would be `[]`, which
/// OpenAPI reads as "no authentication").
pub const fn missing_scheme<T: ScopeTable>(table: &str) -> Option<Message> {
    let schemes = T::SECURITY;
    if T::INCOMPLETE || schemes.oauth2.is_some() || schemes.openid_connect.is_some() {
        return None;
    }
    let message = Message::new().push("table `").push(table).push("`");
    // Where to add the scheme: the table may be another crate's.
    let message = match T::MODULE.is_empty() {
        true => message,
        false => message.push(" (declared in `").push(T::MODULE).push("`)"),
    };
    Some(
        message
            .push(" declares no OpenAPI security scheme, so its operations cannot be documented as secured; ")
            .push("declare one after its scopes in its `scopes!`, e.g. `oauth2 \"OAuth2PasswordBearer\" { password { token_url: \"/token\" } }` ")
            .push("or `openid_connect { url: \"https://auth.example.com/.well-known/openid-configuration\" }`"),
    )
}

/// The index of scope `name` in table `T`, or `usize::MAX` when the table does not
/// declare it, found by `hash`, the name's `name_hash` that `#[requires_scopes]`
/// computes: a declared name is found by comparing that number along the table's
/// slots, which is most of what rustc's interpreter would spend here. Without hashes (a
/// table built by hand), names are compared.
///
/// Two different names with one 64-bit hash would be a 2^-64 accident, and two names
/// that differ in one character never have one hash (each FNV-1a step is a bijection).
pub const fn scope_index<T: ScopeTable>(name: &str, hash: u64) -> usize {
    let (slots, hashes) = (T::SLOTS, T::HASHES);
    // The rule `slots` and `index_in` follow: past it the slots are left empty.
    if hashes.len() == slots.len() && hashed(slots.len(), T::SCOPES.len()) {
        let mask = slots.len() - 1;
        let mut at = hash as usize & mask;
        let mut probes = 0;
        while probes < slots.len() && slots[at] != EMPTY {
            if hashes[at] == hash {
                return slots[at] as usize;
            }
            at = (at + 1) & mask;
            probes += 1;
        }
        return usize::MAX;
    }
    match index_in(T::SCOPES, T::SLOTS, name) {
        Some(index) => index,
        None => usize::MAX,
    }
}

/// Panics, at compile time, when table `T` does not declare `name`: the check each
/// scope literal's constant evaluates (one call, so that each constant is cheap to
/// build; `hash` as for [`scope_index`]).
#[track_caller]
pub const fn check_scope<T: ScopeTable>(table: &str, name: &str, hash: u64) {
    if T::INCOMPLETE || scope_index::<T>(name, hash) != usize::MAX {
        return;
    }
    match unknown_scope::<T>(table, name) {
        Some(message) => panic!("{}", message.as_str()),
        // The names say it is declared, the hashes do not (a table built by hand with
        // hashes of its own): the requirement would lose it, so the build fails.
        None => panic!("`#[requires_scopes]`: the table's `HASHES` do not match its names"),
    }
}

/// [`check_scope`] for `scope_set!`: the same check, its error naming that macro.
#[track_caller]
pub const fn check_granted_scope<T: ScopeTable>(table: &str, name: &str, hash: u64) {
    if T::INCOMPLETE || scope_index::<T>(name, hash) != usize::MAX {
        return;
    }
    match unknown_scope_in::<T>("`scope_set!`", table, name) {
        Some(message) => panic!("{}", message.as_str()),
        None => panic!("`scope_set!`: the table's `HASHES` do not match its names"),
    }
}

/// The alternatives of a `#[requires_scopes]` requirement of table `T`, each the set of
/// its scopes. `spec` gives, for each alternative in turn, how many names it has, then
/// each name's `name_hash`; `names` gives the names themselves in the same order, apart
/// by a space (read only for a table built without `HASHES`). A name the table does
/// not declare counts for nothing: its literal's own check ([`check_scope`]) reports
/// it. `N`, the table's number of words, is inferred from `T::Words`, so the macros need
/// not know it. `scope_set!` builds its one set here too.
///
/// One call whose arguments are literals per requirement, rather than a call per
/// alternative: rustc type-checks it for every `cargo check` (and evaluates it only
/// when the handler is built), and such a call is the cheapest there is to check. Its
/// evaluation probes the table's hashes and parses no text.
///
/// # Panics
///
/// At compile time, when `spec` does not describe `A` alternatives (the macro writes
/// both).
pub const fn alternatives<T, const N: usize, const A: usize>(
    names: &str,
    spec: &[u64],
) -> [ScopeSet<T>; A]
where
    T: ScopeTable<Words = [u64; N]>,
{
    let by_hash = T::HASHES.len() == T::SLOTS.len() && hashed(T::SLOTS.len(), T::SCOPES.len());
    let mut sets = [ScopeSet::from_words([0; N]); A];
    let (mut next, mut at) = (0, 0);
    let mut alternative = 0;
    while alternative < A {
        assert!(
            next < spec.len(),
            "`spec` describes fewer alternatives than `A`"
        );
        let size = spec[next] as usize;
        next += 1;
        assert!(next + size <= spec.len(), "`spec` is cut short");
        let mut words = [0u64; N];
        let mut member = 0;
        while member < size {
            let index = if by_hash {
                scope_index::<T>("", spec[next])
            } else {
                let (name, after) = next_name(names, at);
                at = after;
                scope_index::<T>(name, spec[next])
            };
            if index / 64 < N {
                words[index / 64] |= 1 << (index % 64);
            }
            next += 1;
            member += 1;
        }
        sets[alternative] = ScopeSet::from_words(words);
        alternative += 1;
    }
    assert!(
        next == spec.len(),
        "`spec` describes more alternatives than `A`"
    );
    sets
}

/// The name of `names` (apart by spaces) that starts at or after byte `at`, and the
/// byte after it: in a constant, where indexing a `str` is not allowed.
const fn next_name(names: &str, mut at: usize) -> (&str, usize) {
    let bytes = names.as_bytes();
    while at < bytes.len() && bytes[at] == b' ' {
        at += 1;
    }
    let start = at;
    while at < bytes.len() && bytes[at] != b' ' {
        at += 1;
    }
    let (head, _) = bytes.split_at(at);
    let (_, name) = head.split_at(start);
    match core::str::from_utf8(name) {
        Ok(name) => (name, at),
        Err(_) => panic!("a scope name is split at a character boundary"),
    }
}

/// Panics, at compile time, when the table of requirement `R` declares no OpenAPI
/// security scheme (`security_of!` evaluates it for a handler's requirement type; `T`
/// is inferred from `R`).
pub const fn check_scheme_of<T: ScopeTable, R: super::HandlerOf<T>>() {
    if let Some(message) = missing_scheme::<T>(T::NAME) {
        panic!("{}", message.as_str())
    }
}

/// `None` when table `T` declares `name`; else the error to report, with the closest
/// declared scope or the list of them. `table` is the table's path as written.
pub const fn unknown_scope<T: ScopeTable>(table: &str, name: &str) -> Option<Message> {
    unknown_scope_in::<T>("`#[requires_scopes]`", table, name)
}

/// [`unknown_scope`], naming the macro `site`.
const fn unknown_scope_in<T: ScopeTable>(site: &str, table: &str, name: &str) -> Option<Message> {
    let scopes = T::SCOPES;
    if index_in(scopes, T::SLOTS, name).is_some() {
        return None;
    }
    let message = Message::new()
        .push("unknown scope `")
        .push(name)
        .push("` in ")
        .push(site)
        .push(": table `")
        .push(table)
        .push("` does not declare it; ");
    Some(match closest(scopes, name) {
        Some(near) => message.push("did you mean `").push(near).push("`?"),
        None if scopes.is_empty() => message.push("it declares no scopes"),
        None => declared(message.push("it declares "), scopes),
    })
}

/// "`a`, `b`, `c`" (at most eight names, then how many more).
const fn declared(mut message: Message, scopes: &[ScopeInfo]) -> Message {
    const MAX: usize = 8;
    let mut i = 0;
    while i < scopes.len() && i < MAX {
        if i > 0 {
            message = message.push(", ");
        }
        message = message.push("`").push(scopes[i].name).push("`");
        i += 1;
    }
    if scopes.len() > MAX {
        message = message
            .push(" and ")
            .push_number(scopes.len() - MAX)
            .push(" more");
    }
    message
}

/// The declared scope closest to `name`, if close enough to be a likely typo (the same
/// rule as the proc-macro's: at most a third of the name's length in edits, case
/// differences counting less).
const fn closest<'a>(scopes: &'a [ScopeInfo], name: &str) -> Option<&'a str> {
    let limit = typo_limit(name);
    let mut best: Option<&str> = None;
    let mut best_distance = usize::MAX;
    let mut i = 0;
    while i < scopes.len() {
        let candidate = scopes[i].name;
        if let Some(distance) = typo_distance(name, candidate, limit)
            && distance < best_distance
        {
            best = Some(candidate);
            best_distance = distance;
        }
        i += 1;
    }
    best
}

/// [`closest`]'s rule at run time, for names that are not a table's scopes (an MCP
/// server's tools): the candidate closest to `name`, if it is a likely typo.
pub(crate) fn closest_name<'a>(
    candidates: impl IntoIterator<Item = &'a str>,
    name: &str,
) -> Option<&'a str> {
    let limit = typo_limit(name);
    candidates
        .into_iter()
        .filter_map(|candidate| Some((typo_distance(name, candidate, limit)?, candidate)))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// The most edits a typo of `name` makes: a third of its length, at least one.
const fn typo_limit(name: &str) -> usize {
    let third = chars(name) / 3;
    if third == 0 { 1 } else { third }
}

/// How far `candidate` is from `name`, when at most `limit` (a case difference counts
/// less than another letter).
const fn typo_distance(name: &str, candidate: &str, limit: usize) -> Option<usize> {
    // The distance is at least the difference in length: the names too long or too
    // short are not compared (a large table then costs rustc's evaluation little).
    if name.len().abs_diff(candidate.len()) > limit {
        return None;
    }
    let exact = distance(name, candidate, false);
    let folded = distance(name, candidate, true);
    let distance = if folded < usize::MAX && folded + 1 < exact {
        folded + 1
    } else {
        exact
    };
    if distance <= limit {
        Some(distance)
    } else {
        None
    }
}

/// The number of characters of `text`.
const fn chars(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut count, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i] & 0xC0 != 0x80 {
            count += 1;
        }
        i += 1;
    }
    count
}

/// The longest names compared (longer ones are never suggested).
const LONGEST: usize = 64;

/// Optimal-string-alignment distance over bytes (scope names are ASCII): Levenshtein's,
/// with a swap of two neighbouring letters (`itmes`) counting as one edit, as the
/// proc-macros count it; ASCII case folded or not; `usize::MAX` for names longer than
/// [`LONGEST`].
const fn distance(a: &str, b: &str, fold: bool) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() > LONGEST || b.len() > LONGEST {
        return usize::MAX;
    }
    // The rows for `a`'s first i - 2, i - 1 and i bytes.
    let mut before = [0usize; LONGEST + 1];
    let mut previous = [0usize; LONGEST + 1];
    let mut current = [0usize; LONGEST + 1];
    let mut j = 0;
    while j <= b.len() {
        previous[j] = j;
        j += 1;
    }
    let mut i = 1;
    while i <= a.len() {
        current[0] = i;
        let mut j = 1;
        while j <= b.len() {
            let (x, y) = (byte(a, i - 1, fold), byte(b, j - 1, fold));
            let substitution = previous[j - 1] + if x == y { 0 } else { 1 };
            let deletion = previous[j] + 1;
            let insertion = current[j - 1] + 1;
            let mut best = substitution;
            if deletion < best {
                best = deletion;
            }
            if insertion < best {
                best = insertion;
            }
            if i > 1
                && j > 1
                && x == byte(b, j - 2, fold)
                && byte(a, i - 2, fold) == y
                && before[j - 2] + 1 < best
            {
                best = before[j - 2] + 1;
            }
            current[j] = best;
            j += 1;
        }
        before = previous;
        previous = current;
        i += 1;
    }
    previous[b.len()]
}

/// `bytes[k]`, ASCII case folded when `fold`.
const fn byte(bytes: &[u8], k: usize, fold: bool) -> u8 {
    match fold {
        true => bytes[k].to_ascii_lowercase(),
        false => bytes[k],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCOPES: &[ScopeInfo] = &[
        ScopeInfo {
            name: "items",
            description: "",
            index: 0,
            implies: &[],
        },
        ScopeInfo {
            name: "users:read",
            description: "",
            index: 1,
            implies: &[],
        },
    ];

    #[test]
    fn distances_and_suggestions() {
        assert_eq!(distance("itemz", "items", false), 1);
        assert_eq!(distance("", "abc", false), 3);
        assert_eq!(distance("ITEMS", "items", true), 0);
        // A swap of two neighbours is one edit, as in the proc-macros.
        assert_eq!(distance("itmes", "items", false), 1);
        assert_eq!(distance("adimn", "admin", false), 1);
        assert_eq!(distance("ITMES", "items", true), 1);
        assert_eq!(distance("ca", "abc", false), 3);
        assert_eq!(closest(SCOPES, "itmes"), Some("items"));
        assert_eq!(closest(SCOPES, "itemz"), Some("items"));
        assert_eq!(closest(SCOPES, "users:raed"), Some("users:read"));
        assert_eq!(closest(SCOPES, "Items"), Some("items"));
        assert_eq!(closest(SCOPES, "admin"), None);
        assert_eq!(index_in(SCOPES, &[], "users:read"), Some(1));
    }

    #[test]
    fn slots_find_every_name_and_nothing_else() {
        // Sixty names whose hashes collide in eight slots' worth of low bits: probing.
        let names: Vec<&'static str> = (0..60)
            .map(|i| &*Box::leak(format!("scope:{i}").into_boxed_str()))
            .collect();
        let scopes: Vec<ScopeInfo> = names
            .iter()
            .enumerate()
            .map(|(index, name)| ScopeInfo {
                name,
                description: "",
                index,
                implies: &[],
            })
            .collect();
        let slots = super::slots::<128>(&scopes);
        assert_eq!(slots.iter().filter(|&&slot| slot != EMPTY).count(), 60);
        for (index, name) in names.iter().enumerate() {
            assert_eq!(index_in(&scopes, &slots, name), Some(index));
        }
        for missing in ["", "scope:60", "Scope:1", "scope:1 ", "scope"] {
            assert_eq!(index_in(&scopes, &slots, missing), None);
        }
        // Fuller (94 %) but still hashed; too few slots (a table built by hand): left
        // empty, every name compared.
        let few = super::slots::<64>(&scopes[..]);
        assert!(
            super::slots::<32>(&scopes)
                .iter()
                .all(|&slot| slot == EMPTY)
        );
        assert_eq!(index_in(&scopes, &few, "scope:59"), Some(59));
        assert_eq!(index_in(&scopes, &[EMPTY; 32], "scope:59"), Some(59));
    }

    #[test]
    fn name_hash_is_fnv_1a_64_and_slot_hashes_follow_the_slots() {
        // The published FNV-1a test vectors, which scopes-macros' `scope_hash` meets too.
        assert_eq!(name_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(name_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(name_hash("foobar"), 0x8594_4171_f739_67e8);
        let slots = super::slots::<4>(SCOPES);
        let hashes = slot_hashes::<4>(SCOPES, &slots);
        for (slot, hash) in slots.iter().zip(hashes) {
            match *slot {
                EMPTY => assert_eq!(hash, 0),
                index => assert_eq!(hash, name_hash(SCOPES[index as usize].name)),
            }
        }
        // Slots of another size than asked: no hashes (checks then compare names).
        assert_eq!(slot_hashes::<8>(SCOPES, &slots), [0; 8]);
    }

    #[test]
    fn messages_list_the_declared_scopes_and_never_split_a_character() {
        let message = declared(Message::new().push("it declares "), SCOPES);
        assert_eq!(message.as_str(), "it declares `items`, `users:read`");
        let long = "é".repeat(CAP);
        let cut = Message::new().push("x").push(&long);
        assert!(cut.as_str().starts_with("xé"));
        assert_eq!(Message::new().push_number(1207).as_str(), "1207");
    }
}
