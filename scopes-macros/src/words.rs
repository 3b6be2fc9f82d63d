//! The bit storage of a table's sets.

use proc_macro2::TokenStream;
use quote::quote;

/// The number of 64-bit words a set of `len` scopes needs (at least one).
pub(crate) fn words_for(len: usize) -> usize {
    len.div_ceil(64).max(1)
}

/// `[w0, w1, …]` with the bits of `indices` set.
pub(crate) fn words_literal(indices: impl IntoIterator<Item = usize>, words: usize) -> TokenStream {
    let mut bits = vec![0u64; words];
    for index in indices {
        bits[index / 64] |= 1 << (index % 64);
    }
    quote!([#(#bits),*])
}
