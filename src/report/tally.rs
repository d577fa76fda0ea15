//! The outcome tally of one endpoint, drawn by the HTML report as a stacked bar in inline SVG:
//! a reader sees at a glance where the failures are, with no script and nothing fetched. Enters:
//! an endpoint's cases; leaves: the counts and each segment's place, so the template only draws.
use serde::Serialize;

use crate::model::result::{CaseResult, Summary};

/// Where the bars start and how wide a full bar is, in SVG user units (the label goes left of it).
const BAR_X: f64 = 240.0;
const BAR_WIDTH: f64 = 340.0;
/// Height of one row; the template draws the bar 14 units tall inside it.
pub const ROW: usize = 20;
/// A segment narrower than this carries no count inside it; the row's text still says it.
const LABEL_MIN: f64 = 16.0;
/// Labels longer than this are cut (the whole label is the row's tooltip).
const LABEL_CHARS: usize = 36;

/// The order of the segments and of the legend; the names are the outcomes' and the CSS classes'.
pub const OUTCOMES: [&str; 6] = ["passed", "warning", "failed", "error", "skipped", "advice"];

#[derive(Debug, Serialize)]
pub struct Segment {
    pub outcome: &'static str,
    pub count: usize,
    pub x: f64,
    pub width: f64,
    /// The count is written inside the segment, centred on `text_x`.
    pub labelled: bool,
    pub text_x: f64,
}

#[derive(Debug, Serialize)]
pub struct Bar {
    pub label: String,
    /// The whole label, what it is about and the counts, for the tooltip.
    pub title: String,
    pub y: usize,
    pub segments: Vec<Segment>,
    /// `15 passed, 1 failed, 1 advice`: the counts in words, so colour is never the only cue.
    pub counts: String,
    /// Where the words start: just right of the full bar.
    pub counts_x: f64,
}

/// One bar for `cases`, drawn in row `row` (0 at the top), named `label`; `about` goes in its
/// tooltip.
pub fn bar(label: &str, about: &str, cases: &[&CaseResult], row: usize) -> Bar {
    let s = Summary::of(cases.iter().copied());
    let counts: Vec<(&'static str, usize)> = OUTCOMES.into_iter().zip([s.passed, s.warning, s.failed, s.error, s.skipped, s.advice]).filter(|(_, n)| *n > 0).collect();
    let mut x = BAR_X;
    let segments = counts
        .iter()
        .map(|&(outcome, count)| {
            let width = round(BAR_WIDTH * count as f64 / s.total.max(1) as f64);
            let seg = Segment { outcome, count, x: round(x), width, labelled: width >= LABEL_MIN, text_x: round(x + width / 2.0) };
            x += width;
            seg
        })
        .collect();
    let words = counts.iter().map(|(o, n)| format!("{n} {o}")).collect::<Vec<_>>().join(", ");
    let shown = if label.chars().count() > LABEL_CHARS { format!("{}…", label.chars().take(LABEL_CHARS - 1).collect::<String>()) } else { label.to_string() };
    Bar { label: shown, title: format!("{label} ({about}): {words}"), y: row * ROW, segments, counts: words, counts_x: BAR_X + BAR_WIDTH + 10.0 }
}

/// One decimal is enough for a pixel, and keeps the page stable for snapshots.
fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::result::Outcome;
    use crate::report::sample;

    #[test]
    fn segments_follow_the_outcome_order_fill_the_bar_and_say_their_counts() {
        let cases = [sample::case("a/1", Outcome::Failed), sample::case("a/2", Outcome::Passed), sample::case("a/3", Outcome::Passed), sample::case("a/4", Outcome::Skipped)];
        let refs: Vec<&CaseResult> = cases.iter().collect();
        let b = bar("token", "a/…", &refs, 2);
        let shown: Vec<(&str, usize, f64, f64)> = b.segments.iter().map(|s| (s.outcome, s.count, s.x, s.width)).collect();
        assert_eq!(shown, [("passed", 2, 240.0, 170.0), ("failed", 1, 410.0, 85.0), ("skipped", 1, 495.0, 85.0)]);
        assert_eq!((b.y, b.counts.as_str(), b.title.as_str()), (40, "2 passed, 1 failed, 1 skipped", "token (a/…): 2 passed, 1 failed, 1 skipped"));
    }

    #[test]
    fn a_thin_segment_carries_no_count_and_a_long_label_is_cut() {
        let mut cases = vec![sample::case("a/bad", Outcome::Error)];
        cases.extend((0..40).map(|n| sample::case(&format!("a/{n}"), Outcome::Passed)));
        let refs: Vec<&CaseResult> = cases.iter().collect();
        let b = bar(&"x".repeat(50), "a/…", &refs, 0);
        assert!(b.segments[0].labelled && !b.segments[1].labelled, "{:?}", b.segments);
        assert_eq!(b.label.chars().count(), LABEL_CHARS);
        assert!(b.title.starts_with(&"x".repeat(50)));
    }
}
