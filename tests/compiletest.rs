//! Compile-time behaviour of `scopes!` and `#[requires_scopes]`: every accepted form
//! compiles (and runs), every mistake fails with the committed message.
//! Regenerate the snapshots with `TRYBUILD=overwrite` and read the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/*/pass/*.rs");
    cases.compile_fail("ui/*/fail/*.rs");
}
