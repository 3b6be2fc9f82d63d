// A table of more than 64 scopes uses two words per set.
use scopes_core::{ScopeSet, requires_scopes, scopes};

scopes! {
    Scopes {
        "s00": "s", "s01": "s", "s02": "s", "s03": "s", "s04": "s", "s05": "s", "s06": "s", "s07": "s",
        "s08": "s", "s09": "s", "s10": "s", "s11": "s", "s12": "s", "s13": "s", "s14": "s", "s15": "s",
        "s16": "s", "s17": "s", "s18": "s", "s19": "s", "s20": "s", "s21": "s", "s22": "s", "s23": "s",
        "s24": "s", "s25": "s", "s26": "s", "s27": "s", "s28": "s", "s29": "s", "s30": "s", "s31": "s",
        "s32": "s", "s33": "s", "s34": "s", "s35": "s", "s36": "s", "s37": "s", "s38": "s", "s39": "s",
        "s40": "s", "s41": "s", "s42": "s", "s43": "s", "s44": "s", "s45": "s", "s46": "s", "s47": "s",
        "s48": "s", "s49": "s", "s50": "s", "s51": "s", "s52": "s", "s53": "s", "s54": "s", "s55": "s",
        "s56": "s", "s57": "s", "s58": "s", "s59": "s", "s60": "s", "s61": "s", "s62": "s", "s63": "s",
        "s64": "s", "s65": "s" implies ["s00", "s64"],
    }
}

#[requires_scopes("s00", "s65")]
async fn handler() {}

fn main() {
    assert_eq!(core::mem::size_of::<ScopeSet<Scopes>>(), 16);
    let set = ScopeSet::<Scopes>::granted_by(["s65"]);
    assert_eq!(set.to_string(), "s00 s64 s65");
    let _ = handler::<scopes_core::Verifier>;
}
