//! The set of switches a reference server runs with: faults (rules broken) or tolerated variants
//! (rules honoured another way). One set type for both; the catalogues stay apart.
//!
//! A set can also record who asks about each switch (`Asked`): the selftest runs the correct
//! reference once with every request marked by its case (`CASE_HEADER`), and then runs a fault
//! only with the cases that asked about it. A case that never asked whether a fault is on takes
//! the same path with the fault on as off: the fault cannot change its verdict.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crate::transport::http::CASE_HEADER;

tokio::task_local! {
    /// The case the request being answered belongs to (from `CASE_HEADER`).
    static ASKING: Arc<str>;
}

/// A named switch of the reference server.
pub trait Switch: Copy + Ord {
    fn name(self) -> &'static str;
}

/// The switches a server runs with; empty for the default reference.
#[derive(Clone)]
pub struct Switches<T> {
    on: BTreeSet<T>,
    /// Who asked about each switch, when recorded.
    asked: Option<Arc<Asked<T>>>,
}

impl<T: std::fmt::Debug> std::fmt::Debug for Switches<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Switches").field(&self.on).finish()
    }
}

impl<T> Default for Switches<T> {
    fn default() -> Self {
        Switches { on: BTreeSet::new(), asked: None }
    }
}

impl<T: Switch> Switches<T> {
    pub fn none() -> Self {
        Self::default()
    }

    /// The same switches, each question about them recorded in `asked`.
    pub fn recorded(self, asked: Arc<Asked<T>>) -> Self {
        Switches { asked: Some(asked), ..self }
    }

    pub fn has(&self, s: T) -> bool {
        if let Some(asked) = &self.asked {
            asked.by(s, ASKING.try_with(Arc::clone).ok());
        }
        self.on.contains(&s)
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.on.iter().map(|s| s.name()).collect()
    }
}

impl<T: Switch> FromIterator<T> for Switches<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Switches { on: iter.into_iter().collect(), asked: None }
    }
}

/// Which cases asked whether each switch is on. A question outside any case's request (at the
/// server's start, in the run's own discovery, on a request no case marked) may shape every
/// case: that switch is asked about everywhere.
#[derive(Debug)]
pub struct Asked<T> {
    by: Mutex<BTreeMap<T, Option<BTreeSet<Arc<str>>>>>,
}

impl<T> Default for Asked<T> {
    fn default() -> Self {
        Asked { by: Mutex::new(BTreeMap::new()) }
    }
}

impl<T: Switch> Asked<T> {
    fn by(&self, s: T, case: Option<Arc<str>>) {
        let mut by = self.by.lock().unwrap_or_else(|e| e.into_inner());
        let entry = by.entry(s).or_insert_with(|| Some(BTreeSet::new()));
        match (entry.as_mut(), case) {
            (Some(cases), Some(case)) => {
                cases.insert(case);
            }
            (Some(_), None) => *entry = None,
            (None, _) => {}
        }
    }

    /// The cases that asked about `s`: `None` where it was asked about everywhere, an empty set
    /// where nobody asked.
    pub fn cases(&self, s: T) -> Option<BTreeSet<String>> {
        let by = self.by.lock().unwrap_or_else(|e| e.into_inner());
        match by.get(&s) {
            None => Some(BTreeSet::new()),
            Some(None) => None,
            Some(Some(cases)) => Some(cases.iter().map(|c| c.to_string()).collect()),
        }
    }
}

/// Answers a request inside its case's scope (`CASE_HEADER`), so that a switch asked about while
/// answering it is recorded for that case.
pub async fn scoped(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let case = req.headers().get(CASE_HEADER).and_then(|v| v.to_str().ok()).map(Arc::<str>::from);
    match case {
        Some(case) => ASKING.scope(case, next.run(req)).await,
        None => {
            next.run(req).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum S {
        A,
        B,
        C,
    }
    impl Switch for S {
        fn name(self) -> &'static str {
            "s"
        }
    }

    /// A question inside a case's scope names the case; one outside any makes the switch asked
    /// about everywhere; a switch nobody asked about has no case.
    #[test]
    fn a_question_is_recorded_for_its_case_or_everywhere_outside_one() {
        let asked = Arc::new(Asked::default());
        let on: Switches<S> = [S::A].into_iter().collect::<Switches<S>>().recorded(asked.clone());
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(ASKING.scope(Arc::from("case-1"), async {
            assert!(on.has(S::A));
            assert!(!on.has(S::B));
        }));
        rt.block_on(ASKING.scope(Arc::from("case-2"), async {
            on.has(S::A);
        }));
        assert!(!on.has(S::B));
        assert_eq!(asked.cases(S::A), Some(["case-1".to_string(), "case-2".to_string()].into()));
        assert_eq!(asked.cases(S::B), None);
        assert_eq!(asked.cases(S::C), Some(BTreeSet::new()));
    }
}
