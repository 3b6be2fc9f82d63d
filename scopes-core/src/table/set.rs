//! Fixed-size bit sets of the scopes of one table.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;

use super::{ScopeInfo, ScopeTable, Words};

/// A set of scopes of the table `T`, one bit per scope, stored inline (no heap).
///
/// Sets of different tables are different types, so they cannot be mixed up.
pub struct ScopeSet<T: ScopeTable> {
    words: T::Words,
    table: PhantomData<fn() -> T>,
}

impl<T: ScopeTable> ScopeSet<T> {
    /// The empty set.
    pub const EMPTY: Self = Self::from_words(<T::Words as Words>::ZERO);

    /// A set from its raw words (bit `i` of word `i / 64` is the scope of index `i`).
    ///
    /// `scopes!` and `#[requires_scopes]` use this to build sets at compile time.
    pub const fn from_words(words: T::Words) -> Self {
        Self {
            words,
            table: PhantomData,
        }
    }

    /// The raw words.
    pub fn words(&self) -> &T::Words {
        &self.words
    }

    /// The scopes of `names` that the table knows, with what they imply; unknown names
    /// are ignored.
    pub fn granted_by<'a, I>(names: I) -> Self
    where
        I: IntoIterator<Item = &'a str>,
    {
        let mut set = Self::EMPTY;
        for name in names {
            set.grant(name);
        }
        set
    }

    /// Adds the scope called `name` and everything it implies; returns whether the table
    /// knows the name.
    pub fn grant(&mut self, name: &str) -> bool {
        match T::index_of(name) {
            Some(index) => {
                self.union_with(&T::GRANTS[index]);
                true
            }
            None => false,
        }
    }

    /// Adds the scope of `index` alone (not what it implies).
    ///
    /// # Panics
    /// If `index` is not an index of the table.
    pub fn insert(&mut self, index: usize) {
        assert!(
            index < T::SCOPES.len(),
            "scope index {index} out of range for {}",
            T::NAME
        );
        self.words.as_mut()[index / 64] |= 1 << (index % 64);
    }

    /// Whether the scope of `index` is in the set.
    pub fn contains(&self, index: usize) -> bool {
        self.words
            .as_ref()
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    /// Whether every scope of `other` is in `self`.
    #[inline]
    pub fn contains_all(&self, other: &Self) -> bool {
        self.words
            .as_ref()
            .iter()
            .zip(other.words.as_ref())
            .all(|(have, need)| have & need == *need)
    }

    /// Adds every scope of `other`.
    #[inline]
    pub fn union_with(&mut self, other: &Self) {
        for (word, add) in self.words.as_mut().iter_mut().zip(other.words.as_ref()) {
            *word |= add;
        }
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.as_ref().iter().all(|word| *word == 0)
    }

    /// The number of scopes in the set.
    pub fn len(&self) -> usize {
        self.words
            .as_ref()
            .iter()
            .map(|word| word.count_ones() as usize)
            .sum()
    }

    /// The scopes of the set, in table order.
    pub fn iter(&self) -> impl Iterator<Item = &'static ScopeInfo> + '_ {
        T::SCOPES.iter().filter(|scope| self.contains(scope.index))
    }
}

// Manual impls: derives would wrongly require `T: Clone`, `T: PartialEq`, ….
impl<T: ScopeTable> Clone for ScopeSet<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ScopeTable> Copy for ScopeSet<T> {}

impl<T: ScopeTable> Default for ScopeSet<T> {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl<T: ScopeTable> PartialEq for ScopeSet<T> {
    fn eq(&self, other: &Self) -> bool {
        self.words == other.words
    }
}

impl<T: ScopeTable> Eq for ScopeSet<T> {}

impl<T: ScopeTable> Hash for ScopeSet<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.words.hash(state);
    }
}

impl<T: ScopeTable> fmt::Debug for ScopeSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(|scope| scope.name))
            .finish()
    }
}

/// Space-delimited names, as in an OAuth2 `scope` parameter.
impl<T: ScopeTable> fmt::Display for ScopeSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope.name)?;
        }
        Ok(())
    }
}
