//! The set of switches a reference server runs with: faults (rules broken) or tolerated variants
//! (rules honoured another way). One set type for both; the catalogues stay apart.
use std::collections::BTreeSet;

/// A named switch of the reference server.
pub trait Switch: Copy + Ord {
    fn name(self) -> &'static str;
}

/// The switches a server runs with; empty for the default reference.
#[derive(Debug, Clone)]
pub struct Switches<T>(BTreeSet<T>);

impl<T> Default for Switches<T> {
    fn default() -> Self {
        Switches(BTreeSet::new())
    }
}

impl<T: Switch> Switches<T> {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn has(&self, s: T) -> bool {
        self.0.contains(&s)
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|s| s.name()).collect()
    }
}

impl<T: Switch> FromIterator<T> for Switches<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Switches(iter.into_iter().collect())
    }
}
