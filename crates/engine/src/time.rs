//! Simulated time: integer microseconds since the start of the run. Never read from a clock.

/// A point in simulated time, or a duration, in microseconds.
pub type Micros = u64;

pub const MICROS_PER_MS: Micros = 1_000;
pub const MICROS_PER_SEC: Micros = 1_000_000;

pub const fn ms(v: u64) -> Micros {
    v.saturating_mul(MICROS_PER_MS)
}

pub const fn secs(v: u64) -> Micros {
    v.saturating_mul(MICROS_PER_SEC)
}

/// "4.20 s": the form findings and the audit log use, so students read seconds, not microseconds.
pub fn fmt_secs(t: Micros) -> String {
    let centis = t / 10_000;
    format!("{}.{:02} s", centis / 100, centis % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_seconds_with_two_decimals() {
        assert_eq!(fmt_secs(4_200_000), "4.20 s");
        assert_eq!(fmt_secs(0), "0.00 s");
        assert_eq!(fmt_secs(61_234_567), "61.23 s");
    }

    #[test]
    fn conversions_saturate_instead_of_overflowing() {
        assert_eq!(secs(u64::MAX), u64::MAX);
        assert_eq!(ms(3), 3_000);
    }
}
