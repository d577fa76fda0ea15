//! Whose time a pause spends. A real server lives on the wall clock: a step that must let time
//! pass (`max_age=1` lapsing, a later `auth_time`) waits it out. The embedded reference server
//! lives in the suite's own process on a clock the suite owns: the same pause advances that
//! clock instead, so the reference sees the time pass and judges it as it would have, and the run
//! does not sit idle. Nothing else changes between the two: the same request follows the pause.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The wall clock (`Clock::default()`), or one the suite owns: the wall clock plus the pauses
/// the suite took on it. Clones share their time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Milliseconds the pauses added; `None`: the wall clock, where a pause is a wait.
    advanced: Option<Arc<AtomicU64>>,
}

impl Clock {
    /// A clock the suite owns (the in-process reference's): pauses advance it, never wait.
    pub fn owned() -> Clock {
        Clock { advanced: Some(Arc::new(AtomicU64::new(0))) }
    }

    /// True for a clock the suite owns, whose pauses take no wall time.
    pub fn is_owned(&self) -> bool {
        self.advanced.is_some()
    }

    /// Seconds since the Unix epoch on this clock.
    pub fn now_secs(&self) -> u64 {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        (wall + self.advanced.as_ref().map_or(0, |a| a.load(Ordering::Relaxed))) / 1000
    }

    /// Lets `d` pass on this clock: a wait on the wall clock, an advance on an owned one.
    pub async fn pause(&self, d: Duration) {
        match &self.advanced {
            None => tokio::time::sleep(d).await,
            Some(a) => {
                a.fetch_add(d.as_millis() as u64, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pause_advances_an_owned_clock_without_waiting_and_its_clones_see_it() {
        let clock = Clock::owned();
        let seen_by_the_server = clock.clone();
        let before = seen_by_the_server.now_secs();
        let started = std::time::Instant::now();
        clock.pause(Duration::from_secs(30)).await;
        assert!(started.elapsed() < Duration::from_secs(5), "an owned clock's pause took {:?}", started.elapsed());
        let after = seen_by_the_server.now_secs();
        assert!((30..=31).contains(&(after - before)), "advanced by {} s", after - before);
    }

    #[tokio::test]
    async fn a_pause_on_the_wall_clock_waits() {
        let clock = Clock::default();
        assert!(!clock.is_owned());
        let started = std::time::Instant::now();
        clock.pause(Duration::from_millis(60)).await;
        assert!(started.elapsed() >= Duration::from_millis(60));
    }
}
