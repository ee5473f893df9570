//! Simulated time: integer microseconds since the start of the run. Never read from a clock.
//!
//! Two types, so the compiler tells a point in time from a span and neither from a bare
//! number: an [`Instant`] (when something happens) and a [`Duration`] (how long). Only the
//! arithmetic that means something exists — `Instant ± Duration`, `Instant - Instant`,
//! `Duration ± Duration`, `Duration × / u64` — and values are built with a unit in the name
//! (`ms(5)`, `secs(4)`, `Instant::from_micros`), so a value in seconds can no longer be
//! compared with one in microseconds.
//!
//! All arithmetic saturates (at zero and at `u64::MAX` µs) instead of panicking or wrapping:
//! timeouts and delays come from user input (scenarios, share links, the console), and the
//! engine must never panic on them. Saturation is also what the old `u64` code did where it
//! was careful (`saturating_mul`, `saturating_sub`), and it does not change any trace for
//! values that fit. `Instant - Instant` is zero when the right side is later, as with the
//! standard library's instants; use [`Instant::checked_duration_since`] to tell that case apart.
//!
//! Both types serialize as plain integers of microseconds, so no wire format changes.

use serde::{Deserialize, Serialize};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Sub, SubAssign};

const MICROS_PER_MS: u64 = 1_000;
const MICROS_PER_SEC: u64 = 1_000_000;

/// A point in simulated time: microseconds since the run started.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Instant(u64);

/// A span of simulated time, in microseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Duration(u64);

/// A duration of `v` microseconds.
pub const fn us(v: u64) -> Duration {
    Duration(v)
}

/// A duration of `v` milliseconds (saturating).
pub const fn ms(v: u64) -> Duration {
    Duration(v.saturating_mul(MICROS_PER_MS))
}

/// A duration of `v` seconds (saturating).
pub const fn secs(v: u64) -> Duration {
    Duration(v.saturating_mul(MICROS_PER_SEC))
}

impl Instant {
    /// The start of the run.
    pub const ZERO: Instant = Instant(0);
    /// The end of time: later than any event (saturated arithmetic ends here).
    pub const MAX: Instant = Instant(u64::MAX);

    pub const fn from_micros(v: u64) -> Self {
        Instant(v)
    }

    /// The instant `v` milliseconds after the start (saturating).
    pub const fn from_millis(v: u64) -> Self {
        Instant(v.saturating_mul(MICROS_PER_MS))
    }

    /// The instant `v` seconds after the start (saturating).
    pub const fn from_secs(v: u64) -> Self {
        Instant(v.saturating_mul(MICROS_PER_SEC))
    }

    /// The time since the run started.
    pub const fn since_start(self) -> Duration {
        Duration(self.0)
    }

    /// Microseconds since the start.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Whole milliseconds since the start, rounded down.
    pub const fn as_millis(self) -> u64 {
        self.0 / MICROS_PER_MS
    }

    /// Whole milliseconds since the start, rounded up (so seeking there passes `self`).
    pub const fn as_millis_ceil(self) -> u64 {
        self.0.div_ceil(MICROS_PER_MS)
    }

    /// Whole seconds since the start, rounded down.
    pub const fn as_secs(self) -> u64 {
        self.0 / MICROS_PER_SEC
    }

    /// Seconds since the start as a float, for display and charts only (never for decisions).
    pub fn as_secs_f64(self) -> f64 {
        self.since_start().as_secs_f64()
    }

    /// The time from `earlier` to `self`; zero if `earlier` is later (saturating).
    pub const fn duration_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }

    /// The time from `earlier` to `self`, or None if `earlier` is later.
    pub const fn checked_duration_since(self, earlier: Instant) -> Option<Duration> {
        match self.0.checked_sub(earlier.0) {
            Some(v) => Some(Duration(v)),
            None => None,
        }
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);
    pub const MAX: Duration = Duration(u64::MAX);

    pub const fn from_micros(v: u64) -> Self {
        Duration(v)
    }

    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Whole milliseconds, rounded down.
    pub const fn as_millis(self) -> u64 {
        self.0 / MICROS_PER_MS
    }

    /// Whole seconds, rounded down (how MySQL shows Seconds_Behind_Source).
    pub const fn as_secs(self) -> u64 {
        self.0 / MICROS_PER_SEC
    }

    /// Microseconds past the whole seconds of [`Duration::as_secs`].
    pub const fn subsec_micros(self) -> u64 {
        self.0 % MICROS_PER_SEC
    }

    /// Seconds as a float, for display and charts only (never for decisions).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }

    /// Milliseconds as a float, for display only.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_MS as f64
    }

    /// The duration nearest to `v` seconds; negative or NaN is zero, too large saturates.
    pub fn from_secs_f64(v: f64) -> Self {
        Duration((v * MICROS_PER_SEC as f64).round() as u64)
    }

    /// The duration nearest to `v` milliseconds (from a form field or a wall clock);
    /// negative or NaN is zero, too large saturates.
    pub fn from_millis_f64(v: f64) -> Self {
        // `as` saturates and maps NaN to 0.
        Duration((v * MICROS_PER_MS as f64).round() as u64)
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.0))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, d: Duration) -> Instant {
        Instant(self.0.saturating_sub(d.0))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, d: Duration) -> Duration {
        Duration(self.0.saturating_add(d.0))
    }
}

impl AddAssign for Duration {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub for Duration {
    type Output = Duration;
    fn sub(self, d: Duration) -> Duration {
        Duration(self.0.saturating_sub(d.0))
    }
}

impl SubAssign for Duration {
    fn sub_assign(&mut self, d: Duration) {
        *self = *self - d;
    }
}

impl Mul<u64> for Duration {
    type Output = Duration;
    fn mul(self, k: u64) -> Duration {
        Duration(self.0.saturating_mul(k))
    }
}

impl MulAssign<u64> for Duration {
    fn mul_assign(&mut self, k: u64) {
        *self = *self * k;
    }
}

/// Division by zero gives `Duration::MAX` (never a panic): "every 0th of a span" is never.
impl Div<u64> for Duration {
    type Output = Duration;
    fn div(self, k: u64) -> Duration {
        Duration(self.0.checked_div(k).unwrap_or(u64::MAX))
    }
}

/// How many whole `d` fit in `self`; dividing by zero gives `u64::MAX`, never a panic.
impl Div<Duration> for Duration {
    type Output = u64;
    fn div(self, d: Duration) -> u64 {
        self.0.checked_div(d.0).unwrap_or(u64::MAX)
    }
}

impl Sum for Duration {
    fn sum<I: Iterator<Item = Duration>>(iter: I) -> Duration {
        iter.fold(Duration::ZERO, Add::add)
    }
}

/// Either kind of time value, for the functions that format both.
pub trait SimTime: Copy {
    /// Microseconds (since the start of the run, for an instant).
    fn micros(self) -> u64;
}

impl SimTime for Instant {
    fn micros(self) -> u64 {
        self.0
    }
}

impl SimTime for Duration {
    fn micros(self) -> u64 {
        self.0
    }
}

/// "4.20 s": the form findings and the audit log use, so students read seconds, not
/// microseconds. Truncates to hundredths. Takes an instant or a duration.
pub fn fmt_secs(t: impl SimTime) -> String {
    let centis = t.micros() / 10_000;
    format!("{}.{:02} s", centis / 100, centis % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_seconds_with_two_decimals() {
        assert_eq!(fmt_secs(Instant::from_micros(4_200_000)), "4.20 s");
        assert_eq!(fmt_secs(Instant::ZERO), "0.00 s");
        assert_eq!(fmt_secs(us(61_234_567)), "61.23 s");
        assert_eq!(fmt_secs(ms(1_999)), "1.99 s");
    }

    #[test]
    fn conversions_saturate_instead_of_overflowing() {
        assert_eq!(secs(u64::MAX), Duration::MAX);
        assert_eq!(ms(u64::MAX), Duration::MAX);
        assert_eq!(ms(3), us(3_000));
        assert_eq!(secs(4), ms(4_000));
        assert_eq!(Instant::from_millis(u64::MAX), Instant::MAX);
        assert_eq!(Instant::from_secs(u64::MAX), Instant::MAX);
        assert_eq!(Instant::from_secs(2), Instant::ZERO + secs(2));
    }

    #[test]
    fn accessors_round_down_unless_named_ceil() {
        let t = Instant::from_micros(2_500_999);
        assert_eq!(t.as_micros(), 2_500_999);
        assert_eq!(t.as_millis(), 2_500);
        assert_eq!(t.as_millis_ceil(), 2_501);
        assert_eq!(Instant::from_micros(3_000).as_millis_ceil(), 3);
        assert_eq!(t.as_secs(), 2);
        assert_eq!(t.since_start(), us(2_500_999));
        let d = us(1_999_999);
        assert_eq!(
            (d.as_millis(), d.as_secs(), d.subsec_micros()),
            (1_999, 1, 999_999)
        );
        assert!((ms(1_500).as_secs_f64() - 1.5).abs() < 1e-12);
        assert!((Instant::from_millis(250).as_secs_f64() - 0.25).abs() < 1e-12);
        assert!((us(2_500).as_millis_f64() - 2.5).abs() < 1e-12);
    }

    #[test]
    fn instant_and_duration_arithmetic() {
        let t = Instant::from_millis(10);
        assert_eq!(t + ms(5), Instant::from_millis(15));
        assert_eq!(t - ms(4), Instant::from_millis(6));
        assert_eq!(Instant::from_millis(15) - t, ms(5));
        assert_eq!(ms(5) + ms(2) - ms(3), ms(4));
        assert_eq!(ms(5) * 3, ms(15));
        assert_eq!(ms(15) / 3, ms(5));
        assert_eq!(ms(17) / ms(5), 3);
        let mut u = t;
        u += secs(1);
        assert_eq!(u, Instant::from_millis(1_010));
        let mut d = ms(1);
        d += ms(1);
        d -= us(500);
        assert_eq!(d, us(1_500));
        d *= 2;
        assert_eq!(d, ms(3));
        assert_eq!([ms(1), ms(2)].into_iter().sum::<Duration>(), ms(3));
        assert!(Instant::ZERO < t && ms(1) < secs(1));
    }

    #[test]
    fn float_seconds_and_milliseconds_round_to_the_nearest_microsecond() {
        assert_eq!(Duration::from_millis_f64(2.5), us(2_500));
        assert_eq!(Duration::from_millis_f64(0.0004), Duration::ZERO);
        assert_eq!(Duration::from_millis_f64(0.0006), us(1));
        assert_eq!(Duration::from_millis_f64(-3.0), Duration::ZERO);
        assert_eq!(Duration::from_millis_f64(f64::NAN), Duration::ZERO);
        assert_eq!(Duration::from_millis_f64(1e30), Duration::MAX);
        assert_eq!(Duration::from_secs_f64(4.2), ms(4_200));
        assert_eq!(Duration::from_secs_f64(0.000_000_4), Duration::ZERO);
        assert_eq!(Duration::from_secs_f64(-1.0), Duration::ZERO);
    }

    #[test]
    fn arithmetic_saturates_instead_of_panicking() {
        let early = Instant::from_millis(1);
        let late = Instant::from_millis(2);
        assert_eq!(early - late, Duration::ZERO);
        assert_eq!(early.checked_duration_since(late), None);
        assert_eq!(late.checked_duration_since(early), Some(ms(1)));
        assert_eq!(early - secs(1), Instant::ZERO);
        assert_eq!(Instant::MAX + ms(1), Instant::MAX);
        assert_eq!(ms(1) - ms(2), Duration::ZERO);
        assert_eq!(Duration::MAX + ms(1), Duration::MAX);
        assert_eq!(Duration::MAX * 2, Duration::MAX);
        assert_eq!(ms(1) / 0, Duration::MAX);
        assert_eq!(ms(1) / Duration::ZERO, u64::MAX);
    }

    #[test]
    fn serializes_as_plain_microseconds() {
        let json = serde_json::to_string(&(Instant::from_micros(42), ms(3))).unwrap();
        assert_eq!(json, "[42,3000]");
        let back: (Instant, Duration) = serde_json::from_str(&json).unwrap();
        assert_eq!(back, (Instant::from_micros(42), us(3_000)));
    }
}
