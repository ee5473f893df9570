//! MySQL global transaction identifiers (GTIDs) and GTID sets.
//!
//! A GTID is `source_uuid:transaction_id`; a GTID set is, per UUID, a union of
//! inclusive intervals. Text forms, normalisation and the set operations follow
//! MySQL 8.0 (`GTID_SUBTRACT`, `GTID_SUBSET`), so a scenario can print exactly
//! what `SELECT @@gtid_executed` would show on a real server.
//!
//! Everything here is deterministic (ordered maps only) and total: parsing
//! returns a typed [`GtidParseError`] instead of panicking, and arithmetic at
//! the top of the `u64` range saturates instead of overflowing.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// An inclusive `(start, end)` range of transaction ids with `1 <= start <= end`.
type Interval = (u64, u64);

/// Input can be arbitrarily long; errors echo only this much of the offending
/// token so that a bad paste cannot blow up a log line or a UI label.
const ERROR_ECHO_CHARS: usize = 48;

// ---------------------------------------------------------------------------
// Errors

/// Why a UUID, GTID or GTID set string was rejected.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum GtidParseError {
    /// A UUID token that is not 32 hex digits in one of MySQL's layouts
    /// (`8-4-4-4-12`, 32 plain digits, or `{8-4-4-4-12}`).
    InvalidUuid { text: String },
    /// Transaction ids start at 1; MySQL rejects 0 in GTID text.
    ZeroTransactionId { offset: u64 },
    /// An interval `start-end` with `start > end`.
    StartAfterEnd { start: u64, end: u64 },
    /// A transaction id that does not fit in a `u64`.
    Overflow { digits: String },
    /// A character that cannot appear at this point.
    Unexpected {
        offset: u64,
        found: char,
        expected: &'static str,
    },
    /// The input stopped where more was required.
    UnexpectedEnd { expected: &'static str },
}

impl fmt::Display for GtidParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUuid { text } => write!(f, "invalid UUID {text:?}"),
            Self::ZeroTransactionId { offset } => {
                write!(f, "transaction id 0 at byte {offset} (ids start at 1)")
            }
            Self::StartAfterEnd { start, end } => {
                write!(f, "interval {start}-{end} starts after it ends")
            }
            Self::Overflow { digits } => write!(f, "transaction id {digits} is too large"),
            Self::Unexpected {
                offset,
                found,
                expected,
            } => write!(f, "expected {expected} at byte {offset}, found {found:?}"),
            Self::UnexpectedEnd { expected } => {
                write!(f, "expected {expected}, found end of input")
            }
        }
    }
}

impl std::error::Error for GtidParseError {}

fn echo(text: &str) -> String {
    text.chars().take(ERROR_ECHO_CHARS).collect()
}

// ---------------------------------------------------------------------------
// Uuid

/// A server UUID (`server_uuid`), the source part of a GTID.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// Big-endian, so that numeric order equals text order equals MySQL's order.
    pub fn from_u128(v: u128) -> Uuid {
        Uuid(v.to_be_bytes())
    }

    /// 128 random bits made to look like a version-4 UUID, as `auto.cnf` would hold.
    pub fn version4(bits: u128) -> Uuid {
        let v4 = (bits & !(0xF000u128 << 64) | (0x4000u128 << 64)) & !(0xC000u128 << 48)
            | (0x8000u128 << 48);
        Uuid::from_u128(v4)
    }

    pub fn as_u128(self) -> u128 {
        u128::from_be_bytes(self.0)
    }

    /// The first 8 hex digits, enough to tell a handful of servers apart in a label.
    pub fn short(self) -> String {
        let [a, b, c, d, ..] = self.0;
        format!("{a:02x}{b:02x}{c:02x}{d:02x}")
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl FromStr for Uuid {
    type Err = GtidParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut cursor = Cursor::new(s);
        cursor.skip_ws();
        let uuid = cursor.uuid()?;
        cursor.finish()?;
        Ok(uuid)
    }
}

/// Decodes one UUID token in any layout MySQL's `Uuid::parse` accepts.
fn parse_uuid_token(token: &str) -> Result<Uuid, GtidParseError> {
    let invalid = || GtidParseError::InvalidUuid { text: echo(token) };
    let (body, braced) = match token.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        Some(inner) => (inner, true),
        None => (token, false),
    };
    let dashed = body.len() == 36;
    if !dashed && (braced || body.len() != 32) {
        return Err(invalid());
    }
    let mut bytes = [0u8; 16];
    let mut nibbles = 0usize;
    for (i, b) in body.bytes().enumerate() {
        if dashed && matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return Err(invalid());
            }
            continue;
        }
        let value = hex_value(b).ok_or_else(invalid)?;
        let slot = bytes.get_mut(nibbles / 2).ok_or_else(invalid)?;
        *slot = (*slot << 4) | value;
        nibbles += 1;
    }
    Ok(Uuid(bytes))
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Gtid

/// One transaction's identity: the UUID of the server that first committed it
/// and that server's sequence number (`gno`, from 1).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Gtid {
    pub uuid: Uuid,
    pub gno: u64,
}

impl fmt::Display for Gtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.uuid, self.gno)
    }
}

impl FromStr for Gtid {
    type Err = GtidParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut cursor = Cursor::new(s);
        cursor.skip_ws();
        let uuid = cursor.uuid()?;
        cursor.skip_ws();
        cursor.expect(b':', "':'")?;
        cursor.skip_ws();
        let gno = cursor.gno()?;
        cursor.finish()?;
        Ok(Gtid { uuid, gno })
    }
}

// ---------------------------------------------------------------------------
// Parsing

/// A byte cursor over the input. It only ever steps over ASCII bytes, so its
/// position is always a char boundary and slicing by it cannot panic.
struct Cursor<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(src: &'a str) -> Self {
        Cursor { src, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn offset(&self) -> u64 {
        u64::try_from(self.pos).unwrap_or(u64::MAX)
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn take_while(&mut self, pred: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii() && pred(b)) {
            self.pos += 1;
        }
        self.src.get(start..self.pos).unwrap_or("")
    }

    /// MySQL skips C `isspace` characters, which include vertical tab.
    fn skip_ws(&mut self) {
        self.take_while(|b| b.is_ascii_whitespace() || b == 0x0b);
    }

    fn unexpected(&self, expected: &'static str) -> GtidParseError {
        match self
            .src
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            Some(found) => GtidParseError::Unexpected {
                offset: self.offset(),
                found,
                expected,
            },
            None => GtidParseError::UnexpectedEnd { expected },
        }
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), GtidParseError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn finish(&mut self) -> Result<(), GtidParseError> {
        self.skip_ws();
        if self.at_end() {
            Ok(())
        } else {
            Err(self.unexpected("end of input"))
        }
    }

    /// Takes every character that could belong to a UUID, so a typo such as a
    /// `g` inside it is reported with the whole token rather than a truncation.
    fn uuid(&mut self) -> Result<Uuid, GtidParseError> {
        let token = self.take_while(|b| b.is_ascii_alphanumeric() || b"-{}".contains(&b));
        if token.is_empty() {
            return Err(self.unexpected("UUID"));
        }
        parse_uuid_token(token)
    }

    fn gno(&mut self) -> Result<u64, GtidParseError> {
        let offset = self.offset();
        let digits = self.take_while(|b| b.is_ascii_digit());
        if digits.is_empty() {
            return Err(self.unexpected("transaction id"));
        }
        match parse_u64(digits) {
            Some(0) => Err(GtidParseError::ZeroTransactionId { offset }),
            Some(n) => Ok(n),
            None => Err(GtidParseError::Overflow {
                digits: echo(digits),
            }),
        }
    }

    /// One `:start[-end]` tail after its colon.
    fn interval(&mut self) -> Result<Interval, GtidParseError> {
        self.skip_ws();
        let start = self.gno()?;
        self.skip_ws();
        if !self.eat(b'-') {
            return Ok((start, start));
        }
        self.skip_ws();
        let end = self.gno()?;
        if start > end {
            return Err(GtidParseError::StartAfterEnd { start, end });
        }
        Ok((start, end))
    }

    /// `uuid(:interval)*`. A bare UUID adds nothing, as in MySQL.
    fn element(&mut self, set: &mut GtidSet) -> Result<(), GtidParseError> {
        let uuid = self.uuid()?;
        self.skip_ws();
        while self.eat(b':') {
            let (start, end) = self.interval()?;
            set.insert_interval(uuid, start, end);
            self.skip_ws();
        }
        Ok(())
    }
}

/// Digits only (the caller has checked); `None` on overflow.
fn parse_u64(digits: &str) -> Option<u64> {
    digits.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// MySQL tolerates empty elements (`a:1,,b:2`, a leading or trailing comma)
/// and an all-whitespace string, so this loop does too.
fn parse_gtid_set(s: &str) -> Result<GtidSet, GtidParseError> {
    let mut cursor = Cursor::new(s);
    let mut set = GtidSet::new();
    loop {
        cursor.skip_ws();
        if cursor.at_end() {
            return Ok(set);
        }
        if cursor.eat(b',') {
            continue;
        }
        cursor.element(&mut set)?;
        cursor.skip_ws();
        if !cursor.at_end() {
            cursor.expect(b',', "',' or end of input")?;
        }
    }
}

// ---------------------------------------------------------------------------
// Interval lists
//
// Each list is sorted, disjoint and non-adjacent. Keeping that invariant makes
// derived equality mean set equality and lets lookups binary-search.

fn interval_len((start, end): Interval) -> u64 {
    end.saturating_sub(start).saturating_add(1)
}

/// Whether one stored interval holds all of `[start, end]`; with non-adjacent
/// intervals no range can be covered by two of them together.
fn covers(list: &[Interval], (start, end): Interval) -> bool {
    let idx = list.partition_point(|&(_, e)| e < start);
    list.get(idx).is_some_and(|&(s, e)| s <= start && end <= e)
}

/// Inserts `[start, end]`, absorbing every interval it overlaps or touches.
fn merge_into(list: &mut Vec<Interval>, start: u64, end: u64) {
    let lo = list.partition_point(|&(_, e)| e.saturating_add(1) < start);
    let hi = list.partition_point(|&(s, _)| s <= end.saturating_add(1));
    let Some(run) = list.get(lo..hi) else {
        return;
    };
    let merged = (
        run.first().map_or(start, |&(s, _)| s.min(start)),
        run.last().map_or(end, |&(_, e)| e.max(end)),
    );
    list.splice(lo..hi, [merged]);
}

/// Appends an interval whose start is not below any already in `out`.
fn push_coalesce(out: &mut Vec<Interval>, (start, end): Interval) {
    match out.last_mut() {
        Some(last) if last.1.saturating_add(1) >= start => last.1 = last.1.max(end),
        _ => out.push((start, end)),
    }
}

fn union_lists(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.0 <= y.0 => a.next(),
            (_, Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, None) => return out,
        };
        if let Some(&iv) = next {
            push_coalesce(&mut out, iv);
        }
    }
}

fn subtract_lists(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut j = 0usize;
    for &iv in a {
        while b.get(j).is_some_and(|&(_, be)| be < iv.0) {
            j += 1;
        }
        j = carve(&mut out, iv, b, j);
    }
    out
}

/// Emits the parts of `[start, end]` not covered by `b[j..]`, and returns the
/// index of the first `b` interval that may still reach into later intervals.
/// Precondition: `b[j]`, if any, ends at or after `start`.
fn carve(out: &mut Vec<Interval>, (start, end): Interval, b: &[Interval], mut j: usize) -> usize {
    let mut cur = start;
    while let Some(&(bs, be)) = b.get(j) {
        if bs > end {
            break;
        }
        if bs > cur {
            out.push((cur, bs - 1));
        }
        if be >= end {
            return j;
        }
        // Cannot overflow: be < end.
        cur = be + 1;
        j += 1;
    }
    out.push((cur, end));
    j
}

/// Pieces of normalised lists that intersect are themselves normalised: two
/// adjacent output pieces would need a gap in `a` or `b` between them.
fn intersect_lists(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0usize, 0usize);
    while let (Some(&(a_start, a_end)), Some(&(b_start, b_end))) = (a.get(i), b.get(j)) {
        let (lo, hi) = (a_start.max(b_start), a_end.min(b_end));
        if lo <= hi {
            out.push((lo, hi));
        }
        if a_end < b_end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------
// GtidSet

/// A set of GTIDs, such as `gtid_executed` or `gtid_purged`.
#[derive(Clone, PartialEq, Eq, Debug, Default, Hash)]
pub struct GtidSet {
    /// Every list is non-empty and normalised (see "Interval lists"); an empty
    /// list is removed so that equal sets are structurally equal.
    map: BTreeMap<Uuid, Vec<Interval>>,
}

impl GtidSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Heap bytes this set holds (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        let lists: usize = self.map.values().map(|l| l.capacity()).sum();
        crate::footprint::btree_bytes(self.map.len(), size_of::<(Uuid, Vec<Interval>)>())
            + lists * size_of::<Interval>()
    }

    fn from_lists(lists: impl Iterator<Item = (Uuid, Vec<Interval>)>) -> Self {
        let map = lists.filter(|(_, list)| !list.is_empty()).collect();
        GtidSet { map }
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn contains(&self, g: Gtid) -> bool {
        covers(self.intervals(g.uuid), (g.gno, g.gno))
    }

    /// Returns whether `g` was newly added. Gno 0 is never a member.
    pub fn insert(&mut self, g: Gtid) -> bool {
        if g.gno == 0 {
            return false;
        }
        let list = self.map.entry(g.uuid).or_default();
        // Executed sets grow by one at their end, so check that before searching.
        match list.last_mut() {
            Some(last) if last.1.checked_add(1) == Some(g.gno) => last.1 = g.gno,
            Some(&mut (_, end)) if g.gno <= end.saturating_add(1) => {
                if covers(list, (g.gno, g.gno)) {
                    return false;
                }
                merge_into(list, g.gno, g.gno);
            }
            _ => list.push((g.gno, g.gno)),
        }
        true
    }

    /// Adds `start..=end`. Ranges that name no valid GTID are ignored rather
    /// than rejected, as callers build them from arithmetic on other sets.
    pub fn insert_interval(&mut self, uuid: Uuid, start: u64, end: u64) {
        if start == 0 || start > end {
            return;
        }
        merge_into(self.map.entry(uuid).or_default(), start, end);
    }

    pub fn union_with(&mut self, other: &GtidSet) {
        for (uuid, theirs) in &other.map {
            let merged = match self.map.get(uuid) {
                Some(mine) => union_lists(mine, theirs),
                None => theirs.clone(),
            };
            self.map.insert(*uuid, merged);
        }
    }

    pub fn union(&self, other: &GtidSet) -> GtidSet {
        let mut out = self.clone();
        out.union_with(other);
        out
    }

    /// `GTID_SUBTRACT(self, other)`.
    pub fn subtract(&self, other: &GtidSet) -> GtidSet {
        Self::from_lists(self.map.iter().map(|(uuid, mine)| {
            let left = subtract_lists(mine, other.intervals(*uuid));
            (*uuid, left)
        }))
    }

    pub fn intersection(&self, other: &GtidSet) -> GtidSet {
        Self::from_lists(self.map.iter().map(|(uuid, mine)| {
            let both = intersect_lists(mine, other.intervals(*uuid));
            (*uuid, both)
        }))
    }

    /// `GTID_SUBSET(self, other)`.
    pub fn is_subset_of(&self, other: &GtidSet) -> bool {
        self.map.iter().all(|(uuid, mine)| {
            let theirs = other.intervals(*uuid);
            mine.iter().all(|&iv| covers(theirs, iv))
        })
    }

    /// Saturates at `u64::MAX`: a set can hold up to 2^64 - 1 ids per UUID.
    pub fn count(&self) -> u64 {
        self.map
            .keys()
            .fold(0u64, |acc, uuid| acc.saturating_add(self.count_for(*uuid)))
    }

    pub fn count_for(&self, uuid: Uuid) -> u64 {
        self.intervals(uuid)
            .iter()
            .fold(0u64, |acc, &iv| acc.saturating_add(interval_len(iv)))
    }

    pub fn uuids(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.map.keys().copied()
    }

    pub fn intervals(&self, uuid: Uuid) -> &[(u64, u64)] {
        self.map.get(&uuid).map_or(&[], Vec::as_slice)
    }

    /// Every GTID, by UUID then gno. Unbounded for large sets: callers limit it.
    pub fn iter(&self) -> impl Iterator<Item = Gtid> + '_ {
        self.map.iter().flat_map(|(&uuid, list)| {
            list.iter()
                .flat_map(move |&(start, end)| (start..=end).map(move |gno| Gtid { uuid, gno }))
        })
    }

    /// The gno MySQL would assign next for `uuid`: the smallest unused one.
    /// Returns 0 (never a valid gno) when every gno up to `u64::MAX` is used.
    pub fn first_free_gno(&self, uuid: Uuid) -> u64 {
        match self.intervals(uuid).first() {
            Some(&(1, end)) => end.checked_add(1).unwrap_or(0),
            _ => 1,
        }
    }

    /// The highest gno for `uuid`, or 0 if it has none.
    pub fn last_gno(&self, uuid: Uuid) -> u64 {
        self.intervals(uuid).last().map_or(0, |&(_, end)| end)
    }

    pub fn without_uuid(&self, uuid: Uuid) -> GtidSet {
        self.retain_uuids(|u| u != uuid)
    }

    pub fn retain_uuids(&self, keep: impl Fn(Uuid) -> bool) -> GtidSet {
        let kept = self.map.iter().filter(|(uuid, _)| keep(**uuid));
        GtidSet {
            map: kept.map(|(uuid, list)| (*uuid, list.clone())).collect(),
        }
    }

    /// Stored intervals, the measure of a set's memory footprint.
    pub fn interval_count(&self) -> u64 {
        self.map
            .values()
            .fold(0u64, |acc, list| acc.saturating_add(list.len() as u64))
    }
}

impl fmt::Display for GtidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (uuid, list)) in self.map.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{uuid}")?;
            for &(start, end) in list {
                if start == end {
                    write!(f, ":{start}")?;
                } else {
                    write!(f, ":{start}-{end}")?;
                }
            }
        }
        Ok(())
    }
}

impl FromStr for GtidSet {
    type Err = GtidParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_gtid_set(s)
    }
}

impl FromIterator<Gtid> for GtidSet {
    fn from_iter<I: IntoIterator<Item = Gtid>>(iter: I) -> Self {
        let mut set = GtidSet::new();
        for g in iter {
            set.insert(g);
        }
        set
    }
}

// ---------------------------------------------------------------------------
// Serde: the MySQL text form, so saved scenarios read like server output.

struct TextVisitor<T>(PhantomData<T>, &'static str);

impl<T: FromStr<Err = GtidParseError>> Visitor<'_> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

macro_rules! serde_as_text {
    ($ty:ty, $expecting:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(TextVisitor(PhantomData, $expecting))
            }
        }
    };
}

serde_as_text!(Uuid, "a UUID string");
serde_as_text!(Gtid, "a GTID string such as \"uuid:7\"");
serde_as_text!(GtidSet, "a GTID set string such as \"uuid:1-5:7\"");

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const A: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    const B: &str = "4f22fb58-82db-22f2-af44-d91bba53a673";
    const C: &str = "00000000-0000-0000-0000-000000000001";

    fn uuid(s: &str) -> Uuid {
        s.parse().expect("test UUID")
    }

    fn set(s: &str) -> GtidSet {
        s.parse().expect("test GTID set")
    }

    fn gtid(u: &str, gno: u64) -> Gtid {
        Gtid { uuid: uuid(u), gno }
    }

    fn err(s: &str) -> GtidParseError {
        s.parse::<GtidSet>().expect_err("should be rejected")
    }

    /// The representation invariant every public operation must keep.
    fn assert_normalised(s: &GtidSet) {
        for (u, list) in &s.map {
            assert!(!list.is_empty(), "empty list for {u}");
            for &(start, end) in list {
                assert!(1 <= start && start <= end, "bad interval in {s}");
            }
            for pair in list.windows(2) {
                let [(_, e0), (s1, _)] = [pair[0], pair[1]];
                assert!(e0.saturating_add(1) < s1, "unmerged intervals in {s}");
            }
        }
    }

    // ---- Uuid ----------------------------------------------------------

    #[test]
    fn uuid_round_trips_and_orders_like_its_text() {
        let u = uuid(A);
        assert_eq!(u.to_string(), A);
        assert_eq!(u.short(), "3e11fa47");
        assert_eq!(Uuid::from_u128(u.as_u128()), u);
        assert_eq!(Uuid::from_u128(1).to_string(), C);
        assert_eq!(
            Uuid::default().to_string(),
            "00000000-0000-0000-0000-000000000000"
        );
        assert!(uuid(A) < uuid(B) && uuid(C) < uuid(A));
    }

    #[test]
    fn uuid_accepts_mysql_layouts_and_case() {
        let u = uuid(A);
        assert_eq!(uuid(&A.to_uppercase()), u);
        assert_eq!(uuid(&A.replace('-', "")), u);
        assert_eq!(uuid(&format!("{{{A}}}")), u);
        assert_eq!(uuid(&format!(" \n{A}\t")), u);
    }

    #[test]
    fn uuid_rejects_malformed_tokens() {
        let bad = [
            "3e11fa47-71ca-11e1-9e33-c80aa942956",   // one digit short
            "3e11fa47-71ca-11e1-9e33-c80aa942956g",  // not hex
            "3e11fa4771ca-11e1-9e33-c80aa9429562-",  // dash misplaced
            "{3e11fa4771ca11e19e33c80aa9429562}",    // braces need dashes
            "{3e11fa47-71ca-11e1-9e33-c80aa9429562", // unbalanced brace
            "zz",
        ];
        for text in bad {
            let e = text.parse::<Uuid>().expect_err(text);
            assert_eq!(e, GtidParseError::InvalidUuid { text: text.into() });
        }
        assert_eq!(
            "".parse::<Uuid>(),
            Err(GtidParseError::UnexpectedEnd { expected: "UUID" })
        );
        assert!(matches!(
            format!("{A}:1").parse::<Uuid>(),
            Err(GtidParseError::Unexpected { found: ':', .. })
        ));
    }

    #[test]
    fn invalid_uuid_error_echo_is_bounded() {
        let long = "a".repeat(10_000);
        let GtidParseError::InvalidUuid { text } = err(&long) else {
            panic!("expected InvalidUuid");
        };
        assert_eq!(text.len(), ERROR_ECHO_CHARS);
    }

    // ---- Gtid ----------------------------------------------------------

    #[test]
    fn gtid_round_trips() {
        let g = gtid(A, 23);
        assert_eq!(g.to_string(), format!("{A}:23"));
        assert_eq!(
            format!(" {} : 23 ", A.to_uppercase()).parse::<Gtid>(),
            Ok(g)
        );
        let max = format!("{A}:{}", u64::MAX);
        assert_eq!(max.parse::<Gtid>().map(|g| g.gno), Ok(u64::MAX));
    }

    #[test]
    fn gtid_rejects_ranges_zero_and_missing_parts() {
        let range = format!("{A}:1-5").parse::<Gtid>();
        assert_eq!(
            range,
            Err(GtidParseError::Unexpected {
                offset: 38,
                found: '-',
                expected: "end of input"
            })
        );
        let zero = format!("{A}:0").parse::<Gtid>();
        assert_eq!(zero, Err(GtidParseError::ZeroTransactionId { offset: 37 }));
        let no_gno = A.parse::<Gtid>();
        assert_eq!(
            no_gno,
            Err(GtidParseError::UnexpectedEnd { expected: "':'" })
        );
        let no_digits = format!("{A}:").parse::<Gtid>();
        let expected = GtidParseError::UnexpectedEnd {
            expected: "transaction id",
        };
        assert_eq!(no_digits, Err(expected));
    }

    // ---- Parsing and printing -----------------------------------------

    #[test]
    fn mysql_manual_examples_round_trip() {
        let cases = [
            ("3E11FA47-71CA-11E1-9E33-C80AA9429562:23", format!("{A}:23")),
            (
                "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5",
                format!("{A}:1-5"),
            ),
            (
                "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-3:11:47-49",
                format!("{A}:1-3:11:47-49"),
            ),
            (
                "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:11-18,\n4F22FB58-82DB-22F2-AF44-D91BBA53A673:1-27",
                format!("{A}:1-5:11-18,{B}:1-27"),
            ),
        ];
        for (input, printed) in cases {
            let parsed = set(input);
            assert_eq!(parsed.to_string(), printed);
            assert_eq!(set(&printed), parsed);
        }
    }

    #[test]
    fn empty_forms_parse_to_the_empty_set() {
        for input in ["", "   ", "\n\t", ",", " , ,\n"] {
            let s = set(input);
            assert!(s.is_empty(), "{input:?}");
            assert_eq!(s.to_string(), "");
        }
        // MySQL accepts a UUID with no intervals; it contributes nothing.
        assert!(set(A).is_empty());
        assert_eq!(set(&format!("{A},{B}:1")).to_string(), format!("{B}:1"));
    }

    #[test]
    fn normalises_unsorted_overlapping_adjacent_and_repeated() {
        let cases = [
            (format!("{A}:6-9:1-5"), format!("{A}:1-9")),
            (format!("{A}:1-5:3-7"), format!("{A}:1-7")),
            (format!("{A}:10:1-3:2:5-5:4"), format!("{A}:1-5:10")),
            (format!("{A}:5,{A}:1-4"), format!("{A}:1-5")),
            (format!("{B}:1,{A}:2"), format!("{A}:2,{B}:1")),
            (format!("{A}:1-100:20-30"), format!("{A}:1-100")),
            (format!("{A}:7:7:7"), format!("{A}:7")),
        ];
        for (input, printed) in cases {
            let s = set(&input);
            assert_normalised(&s);
            assert_eq!(s.to_string(), printed, "input {input}");
        }
    }

    #[test]
    fn parsing_tolerates_whitespace_and_extra_commas() {
        let input = format!(" \n{A} : 1 - 5 :\t11-18 ,\n\n,{} : 27 ,", B.to_uppercase());
        assert_eq!(set(&input).to_string(), format!("{A}:1-5:11-18,{B}:27"));
        assert_eq!(
            set(&format!(",{A}:1,,{A}:2,")).to_string(),
            format!("{A}:1-2")
        );
    }

    #[test]
    fn parse_errors_are_typed() {
        let cases = [
            (format!("{A}:0"), GtidParseError::ZeroTransactionId { offset: 37 }),
            (format!("{A}:1-0"), GtidParseError::ZeroTransactionId { offset: 39 }),
            (format!("{A}:5-3"), GtidParseError::StartAfterEnd { start: 5, end: 3 }),
            (
                format!("{A}:18446744073709551616"),
                GtidParseError::Overflow { digits: "18446744073709551616".into() },
            ),
            (
                format!("{A}:1-99999999999999999999999"),
                GtidParseError::Overflow { digits: "99999999999999999999999".into() },
            ),
            (
                format!("{A}:x"),
                GtidParseError::Unexpected { offset: 37, found: 'x', expected: "transaction id" },
            ),
            (
                format!("{A}:1-"),
                GtidParseError::UnexpectedEnd { expected: "transaction id" },
            ),
            (format!("{A}:"), GtidParseError::UnexpectedEnd { expected: "transaction id" }),
            (
                format!("{A}:1 2"),
                GtidParseError::Unexpected { offset: 39, found: '2', expected: "',' or end of input" },
            ),
            (
                format!("{A}:1;"),
                GtidParseError::Unexpected { offset: 38, found: ';', expected: "',' or end of input" },
            ),
            (
                format!("{A}:1,:2"),
                GtidParseError::Unexpected { offset: 39, found: ':', expected: "UUID" },
            ),
            (
                format!("{A}:-3"),
                GtidParseError::Unexpected { offset: 37, found: '-', expected: "transaction id" },
            ),
            (
                format!("{A}:+3"),
                GtidParseError::Unexpected { offset: 37, found: '+', expected: "transaction id" },
            ),
            (
                "é".to_string(),
                GtidParseError::Unexpected { offset: 0, found: 'é', expected: "UUID" },
            ),
            (
                "2174B383-5441-11E8-B90A-C80AA9429562:1-3, 24DA167-0C0C-11E8-8442-00059A3C7B00:1-19"
                    .to_string(),
                GtidParseError::InvalidUuid { text: "24DA167-0C0C-11E8-8442-00059A3C7B00".into() },
            ),
            (
                "garbage".to_string(),
                GtidParseError::InvalidUuid { text: "garbage".into() },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(err(&input), expected, "input {input:?}");
        }
    }

    #[test]
    fn errors_display_what_was_wrong() {
        let messages = [
            (err("nope"), "invalid UUID \"nope\""),
            (
                err(&format!("{A}:0")),
                "transaction id 0 at byte 37 (ids start at 1)",
            ),
            (
                err(&format!("{A}:9-2")),
                "interval 9-2 starts after it ends",
            ),
            (
                err(&format!("{A}:99999999999999999999")),
                "transaction id 99999999999999999999 is too large",
            ),
            (
                err(&format!("{A}:1?")),
                "expected ',' or end of input at byte 38, found '?'",
            ),
            (
                err(&format!("{A}:")),
                "expected transaction id, found end of input",
            ),
        ];
        for (e, text) in messages {
            assert_eq!(e.to_string(), text);
        }
        let boxed: Box<dyn std::error::Error> = Box::new(err("x"));
        assert!(boxed.source().is_none());
    }

    #[test]
    fn full_u64_range_does_not_overflow() {
        let full = set(&format!("{A}:1-{}", u64::MAX));
        assert_eq!(full.count(), u64::MAX);
        assert_eq!(
            full.union(&set(&format!("{B}:1-{}", u64::MAX))).count(),
            u64::MAX
        );
        assert_eq!(full.first_free_gno(uuid(A)), 0);
        assert_eq!(full.last_gno(uuid(A)), u64::MAX);
        assert!(full.contains(gtid(A, u64::MAX)));
        let holed = full.subtract(&set(&format!("{A}:5:{}", u64::MAX)));
        let expected = format!("{A}:1-4:6-{}", u64::MAX - 1);
        assert_eq!(holed.to_string(), expected);
        assert_eq!(holed.first_free_gno(uuid(A)), 5);
        assert!(full.subtract(&full).is_empty());
        assert_eq!(full.intersection(&holed), holed);
        assert!(holed.is_subset_of(&full) && !full.is_subset_of(&holed));
    }

    #[test]
    fn inserting_at_u64_max_edges() {
        let mut s = GtidSet::new();
        assert!(s.insert(gtid(A, u64::MAX)));
        assert!(!s.insert(gtid(A, u64::MAX)));
        assert!(s.insert(gtid(A, u64::MAX - 1)));
        s.insert_interval(uuid(A), u64::MAX - 5, u64::MAX);
        s.insert_interval(uuid(A), u64::MAX, u64::MAX);
        assert_eq!(s.intervals(uuid(A)), &[(u64::MAX - 5, u64::MAX)]);
        assert_eq!(s.count(), 6);
        assert_eq!(s.iter().count(), 6);
        assert_normalised(&s);
    }

    // ---- Set algebra ---------------------------------------------------

    #[test]
    fn gtid_subtract_matches_mysql_manual() {
        let base = set(&format!("{A}:21-57"));
        let cases = [
            (format!("{A}:21"), format!("{A}:22-57")),
            (format!("{A}:20-25"), format!("{A}:26-57")),
            (format!("{A}:23-24"), format!("{A}:21-22:25-57")),
        ];
        for (minus, expected) in cases {
            assert_eq!(base.subtract(&set(&minus)).to_string(), expected);
        }
    }

    #[test]
    fn gtid_subset_matches_mysql_manual() {
        let base = set(&format!("{A}:21-57"));
        assert!(set(&format!("{A}:23")).is_subset_of(&base));
        assert!(set(&format!("{A}:23-25")).is_subset_of(&base));
        assert!(!set(&format!("{A}:20-25")).is_subset_of(&base));
        assert!(GtidSet::new().is_subset_of(&base));
        assert!(GtidSet::new().is_subset_of(&GtidSet::new()));
        assert!(!base.is_subset_of(&GtidSet::new()));
        // Two stored intervals never jointly cover a range, because they are non-adjacent.
        assert!(!set(&format!("{A}:4-6")).is_subset_of(&set(&format!("{A}:1-4:6-9"))));
    }

    #[test]
    fn subtract_across_several_uuids_and_edges() {
        let left = set(&format!("{A}:1-10:20-30,{B}:1-5,{C}:7"));
        let right = set(&format!("{A}:1:10:15-25:30-40,{B}:1-5,{C}:8"));
        let expected = format!("{C}:7,{A}:2-9:26-29");
        assert_eq!(left.subtract(&right), set(&expected));
        assert_eq!(left.subtract(&GtidSet::new()), left);
        assert!(GtidSet::new().subtract(&left).is_empty());
        // One right interval spanning two left ones must carve both.
        let spanning = set(&format!("{A}:5-25"));
        assert_eq!(
            left.subtract(&spanning),
            set(&format!("{A}:1-4:26-30,{B}:1-5,{C}:7"))
        );
    }

    #[test]
    fn union_merges_across_uuids() {
        let left = set(&format!("{A}:1-5:20,{B}:3"));
        let right = set(&format!("{A}:6-9:19,{C}:1-2"));
        let expected = format!("{C}:1-2,{A}:1-9:19-20,{B}:3");
        let joined = left.union(&right);
        assert_eq!(joined.to_string(), set(&expected).to_string());
        assert_normalised(&joined);
        assert_eq!(right.union(&left), joined);
        let mut in_place = left.clone();
        in_place.union_with(&right);
        assert_eq!(in_place, joined);
        assert_eq!(left.union(&GtidSet::new()), left);
    }

    #[test]
    fn intersection_keeps_only_shared_gtids() {
        let left = set(&format!("{A}:1-10:20-30,{B}:1-5"));
        let right = set(&format!("{A}:5-22:30,{C}:1-100"));
        assert_eq!(
            left.intersection(&right).to_string(),
            format!("{A}:5-10:20-22:30")
        );
        assert!(left.intersection(&GtidSet::new()).is_empty());
        assert!(!left.intersection(&right).map.contains_key(&uuid(B)));
    }

    #[test]
    fn counts_and_queries() {
        let s = set(&format!("{A}:1-5:11-18,{B}:1-27"));
        assert_eq!(s.count(), 5 + 8 + 27);
        assert_eq!(s.count_for(uuid(A)), 13);
        assert_eq!(s.count_for(uuid(C)), 0);
        assert_eq!(s.uuids().collect::<Vec<_>>(), vec![uuid(A), uuid(B)]);
        assert_eq!(s.intervals(uuid(A)), &[(1, 5), (11, 18)]);
        assert!(s.intervals(uuid(C)).is_empty());
        assert_eq!(s.interval_count(), 3);
        assert_eq!(s.last_gno(uuid(A)), 18);
        assert_eq!(s.last_gno(uuid(C)), 0);
        assert!(s.contains(gtid(A, 11)) && !s.contains(gtid(A, 6)) && !s.contains(gtid(A, 0)));
        assert_eq!(s.without_uuid(uuid(A)).to_string(), format!("{B}:1-27"));
        assert_eq!(s.without_uuid(uuid(C)), s);
        assert_eq!(
            s.retain_uuids(|u| u == uuid(A)).to_string(),
            format!("{A}:1-5:11-18")
        );
        assert!(s.retain_uuids(|_| false).is_empty());
        let first: Vec<String> = s.iter().take(6).map(|g| g.to_string()).collect();
        assert_eq!(first.last().map(String::as_str), Some(&*format!("{A}:11")));
    }

    #[test]
    fn first_free_gno_fills_the_lowest_gap() {
        let u = uuid(A);
        assert_eq!(GtidSet::new().first_free_gno(u), 1);
        assert_eq!(set(&format!("{A}:2-9")).first_free_gno(u), 1);
        assert_eq!(set(&format!("{A}:1-4:6-9")).first_free_gno(u), 5);
        assert_eq!(set(&format!("{A}:1-9")).first_free_gno(u), 10);
        assert_eq!(set(&format!("{B}:1-9")).first_free_gno(u), 1);
    }

    #[test]
    fn insert_appends_on_the_fast_path_and_fills_gaps() {
        let u = uuid(A);
        let mut s = GtidSet::new();
        for gno in 1..=1000 {
            assert!(s.insert(Gtid { uuid: u, gno }));
        }
        assert_eq!(s.intervals(u), &[(1, 1000)]);
        assert!(!s.insert(gtid(A, 500)));
        assert!(!s.insert(gtid(A, 0)));
        assert!(s.insert(gtid(A, 1002)));
        assert_eq!(s.interval_count(), 2);
        assert!(s.insert(gtid(A, 1001)));
        assert_eq!(s.intervals(u), &[(1, 1002)]);
        let mut gaps = set(&format!("{A}:1-3:7-9"));
        assert!(gaps.insert(gtid(A, 5)));
        assert!(gaps.insert(gtid(A, 4)) && gaps.insert(gtid(A, 6)));
        assert_eq!(gaps.to_string(), format!("{A}:1-9"));
        assert!(!GtidSet::new().contains(gtid(A, 1)));
    }

    #[test]
    fn insert_interval_ignores_invalid_ranges() {
        let mut s = GtidSet::new();
        s.insert_interval(uuid(A), 0, 5);
        s.insert_interval(uuid(A), 6, 5);
        assert!(s.is_empty() && s.uuids().next().is_none());
        s.insert_interval(uuid(A), 10, 20);
        s.insert_interval(uuid(A), 1, 3);
        s.insert_interval(uuid(A), 4, 9);
        assert_eq!(s.to_string(), format!("{A}:1-20"));
        s.insert_interval(uuid(A), 30, 40);
        s.insert_interval(uuid(A), 50, 60);
        s.insert_interval(uuid(A), 15, 55);
        assert_eq!(s.to_string(), format!("{A}:1-60"));
    }

    #[test]
    fn from_iterator_collects_gtids() {
        let s: GtidSet = [gtid(B, 2), gtid(A, 3), gtid(A, 1), gtid(A, 2), gtid(B, 2)]
            .into_iter()
            .collect();
        assert_eq!(s.to_string(), format!("{A}:1-3,{B}:2"));
    }

    // ---- Serde ---------------------------------------------------------

    #[test]
    fn serde_uses_the_text_forms() {
        let s = set(&format!("{A}:1-5:7,{B}:1"));
        let json = serde_json::to_string(&s).expect("serialise");
        assert_eq!(json, format!("\"{A}:1-5:7,{B}:1\""));
        assert_eq!(serde_json::from_str::<GtidSet>(&json).expect("parse"), s);
        assert_eq!(
            serde_json::to_string(&uuid(A)).expect("uuid"),
            format!("\"{A}\"")
        );
        let g: Gtid = serde_json::from_str(&format!("\"{A}:9\"")).expect("gtid");
        assert_eq!(g, gtid(A, 9));
        assert_eq!(
            serde_json::to_string(&GtidSet::new()).expect("empty"),
            "\"\""
        );
    }

    #[test]
    fn serde_reports_parse_errors() {
        let bad = serde_json::from_str::<GtidSet>(&format!("\"{A}:0\""));
        let message = bad.expect_err("zero gno").to_string();
        assert!(message.contains("transaction id 0"), "{message}");
        assert!(serde_json::from_str::<GtidSet>("42").is_err());
        assert!(serde_json::from_str::<Uuid>("\"xyz\"").is_err());
    }

    // ---- Property-style checks against a naive model ------------------

    /// Tiny deterministic generator so failures reproduce without a rand crate.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    type Model = BTreeSet<(Uuid, u64)>;

    const MAX_GNO: u64 = 64;

    fn model_uuids() -> [Uuid; 3] {
        [uuid(A), uuid(B), uuid(C)]
    }

    fn random_set(rng: &mut XorShift) -> (GtidSet, Model) {
        let (mut s, mut model) = (GtidSet::new(), Model::new());
        for _ in 0..rng.below(10) {
            let u = model_uuids()[rng.below(3) as usize];
            let start = 1 + rng.below(MAX_GNO);
            if rng.below(2) == 0 {
                assert_eq!(
                    s.insert(Gtid {
                        uuid: u,
                        gno: start
                    }),
                    model.insert((u, start))
                );
            } else {
                let end = (start + rng.below(12)).min(MAX_GNO);
                s.insert_interval(u, start, end);
                model.extend((start..=end).map(|g| (u, g)));
            }
        }
        (s, model)
    }

    fn to_model(s: &GtidSet) -> Model {
        s.iter().map(|g| (g.uuid, g.gno)).collect()
    }

    /// The same set written the way a human might: reversed, split, shouty.
    fn scrambled_text(model: &Model) -> String {
        let parts: Vec<String> = model
            .iter()
            .rev()
            .map(|(u, g)| format!(" {}:{g} ", u.to_string().to_uppercase()))
            .collect();
        parts.join(",\n")
    }

    fn check_queries(s: &GtidSet, model: &Model) {
        assert_normalised(s);
        assert_eq!(&to_model(s), model);
        assert_eq!(s.count(), model.len() as u64);
        assert_eq!(s.is_empty(), model.is_empty());
        for u in model_uuids() {
            let mine: Vec<u64> = model
                .iter()
                .filter(|(mu, _)| *mu == u)
                .map(|&(_, g)| g)
                .collect();
            assert_eq!(s.count_for(u), mine.len() as u64);
            assert_eq!(s.last_gno(u), mine.last().copied().unwrap_or(0));
            let free = (1..).find(|g| !mine.contains(g)).unwrap_or(0);
            assert_eq!(s.first_free_gno(u), free);
            for gno in 0..=MAX_GNO + 1 {
                assert_eq!(s.contains(Gtid { uuid: u, gno }), model.contains(&(u, gno)));
            }
        }
    }

    fn check_text(s: &GtidSet, model: &Model) {
        let text = s.to_string();
        assert_eq!(
            text.parse::<GtidSet>().as_ref(),
            Ok(s),
            "round trip of {text}"
        );
        assert_eq!(scrambled_text(model).parse::<GtidSet>().as_ref(), Ok(s));
        let collected: GtidSet = model
            .iter()
            .map(|&(uuid, gno)| Gtid { uuid, gno })
            .collect();
        assert_eq!(&collected, s);
    }

    fn check_algebra(a: &(GtidSet, Model), b: &(GtidSet, Model)) {
        let ((sa, ma), (sb, mb)) = (a, b);
        let union = sa.union(sb);
        let mut in_place = sa.clone();
        in_place.union_with(sb);
        assert_eq!(in_place, union);
        check_queries(&union, &ma.union(mb).copied().collect());
        check_queries(&sa.subtract(sb), &ma.difference(mb).copied().collect());
        let both = sa.intersection(sb);
        check_queries(&both, &ma.intersection(mb).copied().collect());
        assert_eq!(sa.is_subset_of(sb), ma.is_subset(mb));
        assert!(both.is_subset_of(sa) && both.is_subset_of(sb));
        assert!(sa.is_subset_of(&union));
    }

    #[test]
    fn random_sets_agree_with_a_naive_model() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..2_000 {
            let a = random_set(&mut rng);
            let b = random_set(&mut rng);
            check_queries(&a.0, &a.1);
            check_text(&a.0, &a.1);
            check_algebra(&a, &b);
            check_algebra(&b, &a);
        }
    }

    // ---- Robustness ----------------------------------------------------

    fn random_text(rng: &mut XorShift) -> String {
        const ALPHABET: &[char] = &[
            '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', '-',
            ':', ',', ' ', '\n', 'A', 'F', 'g', 'z', '{', '}', '+', '\t', '\u{b}', 'é', '∞', '\0',
        ];
        let mut out = String::new();
        for _ in 0..rng.below(60) {
            // Splicing in real UUIDs gets the fuzzer past the first token often enough.
            match rng.below(12) {
                0 => out.push_str(A),
                1 => out.push_str(&u64::MAX.to_string()),
                _ => out.push(ALPHABET[rng.below(ALPHABET.len() as u64) as usize]),
            }
        }
        out
    }

    #[test]
    fn arbitrary_strings_never_panic() {
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        let mut accepted = 0u64;
        for _ in 0..5_000 {
            let text = random_text(&mut rng);
            match text.parse::<GtidSet>() {
                Ok(s) => {
                    accepted += 1;
                    assert_normalised(&s);
                    assert_eq!(s.to_string().parse::<GtidSet>().as_ref(), Ok(&s));
                }
                Err(e) => assert!(!e.to_string().is_empty()),
            }
            let _ = text.parse::<Gtid>();
            let _ = text.parse::<Uuid>();
        }
        // Guard against a generator that only ever exercises the first error path.
        assert!(accepted > 10, "only {accepted} inputs parsed");
    }
}
