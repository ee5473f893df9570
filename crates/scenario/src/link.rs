//! Share links: a scenario, the actions a user took by hand and the moment they were
//! looking at, in the fragment of a URL — `#v1.<base64url(lz4(json))>`.
//!
//! LZ4 (block format, the uncompressed size prepended as 4 little-endian bytes) rather than
//! deflate: deflate made the browser download 43 KB larger, LZ4 costs a few KB; links to
//! presets are tiny either way and a custom scenario still fits well under the cap.
//!
//! A scenario that is a shipped preset travels by name, so a typical classroom link is a
//! few hundred characters; a preset whose timeline was edited travels as its name and the
//! new timeline (its lesson text would otherwise crowd the link). Links are untrusted: sizes are bounded before and after
//! decompression, and every failure is a `LinkError` in words, never a panic.

use super::presets::preset;
use super::{Scenario, ScenarioError, TimedAction};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use replication_engine::command::Command;
use replication_engine::time::Instant;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest link accepted, in characters (the issue's hard cap).
pub const MAX_LINK_CHARS: usize = 2_000;
/// The most a link may decompress to (a 2,000-character link cannot honestly need more).
pub const MAX_INFLATED_BYTES: usize = 256 * 1024;
/// Actions a link may carry.
pub const MAX_ACTIONS: usize = 1_000;

const PREFIX_V1: &str = "v1.";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    Empty,
    TooLong(usize),
    UnknownVersion(String),
    NotBase64,
    NotCompressed,
    TooLarge,
    Malformed(String),
    UnknownPreset(String),
    BadScenario(ScenarioError),
    Impossible(String),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Empty => f.write_str("the link holds no scenario"),
            LinkError::TooLong(n) => write!(
                f,
                "the link is {n} characters long; the limit is {MAX_LINK_CHARS}"
            ),
            LinkError::UnknownVersion(v) => write!(
                f,
                "this link was made by a newer playground (format '{v}'); this one reads v1"
            ),
            LinkError::NotBase64 => f.write_str(
                "the link is damaged (it is not valid base64url): was it cut off when copied?",
            ),
            LinkError::NotCompressed => f.write_str(
                "the link is damaged (its data does not decompress): was it cut off when copied?",
            ),
            LinkError::TooLarge => write!(
                f,
                "the link unpacks to more than {} KB",
                MAX_INFLATED_BYTES / 1024
            ),
            LinkError::Malformed(e) => write!(f, "the link's content is not a scenario: {e}"),
            LinkError::UnknownPreset(p) => write!(
                f,
                "the link names a preset this playground does not have: '{p}'"
            ),
            LinkError::BadScenario(e) => write!(f, "the link's scenario is not valid: {e}"),
            LinkError::Impossible(e) => write!(f, "the link asks for something impossible: {e}"),
        }
    }
}

impl std::error::Error for LinkError {}

/// What a link carries.
#[derive(Clone, Debug, PartialEq)]
pub struct Shared {
    pub scenario: Scenario,
    /// The scenario's JSON as written: links carry this text, so encoding needs no
    /// serializer for the whole scenario model (which would weigh on the browser download).
    pub source: String,
    /// The preset the scenario is, or was made from by editing its timeline; then only
    /// the name (and the timeline) travel.
    pub preset: Option<String>,
    /// Actions taken by hand, with their simulated time.
    pub actions: Vec<(Instant, Command)>,
    /// The moment the sender was looking at.
    pub at_us: Instant,
}

/// The JSON inside a v1 link. Short keys: every byte counts in a URL.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    s: Option<Box<serde_json::value::RawValue>>,
    /// With `p`: the preset's timeline replaced by this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    l: Option<Vec<TimedAction>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    a: Vec<(u64, Command)>,
    #[serde(default)]
    t: u64,
    /// The lesson step the sender was reading (0-based); optional, so older links open as
    /// before, at the step the clock shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<u32>,
    /// The sender's playback speed, when not 1×.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    v: Option<f64>,
}

/// How the sender was looking at the run, besides the moment: the lesson step and the
/// speed. A link without them opens at the clock's step at 1×.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct View {
    pub step: Option<usize>,
    pub speed: Option<f64>,
}

/// The scenario text without insignificant whitespace (links are short).
fn compact(json: &str) -> String {
    serde_json::from_str::<&serde_json::value::RawValue>(json)
        .map_or_else(|_| json.to_string(), |_| minify(json))
}

/// Drops whitespace outside strings.
fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if !c.is_whitespace() {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// Encodes a share link's fragment (without the `#`).
pub fn encode(shared: &Shared) -> String {
    encode_viewed(shared, View::default())
}

/// Encodes a share link's fragment with the sender's lesson step and speed.
pub fn encode_viewed(shared: &Shared, view: View) -> String {
    let base = shared
        .preset
        .as_deref()
        .and_then(|name| Some((name, preset(name)?)));
    let same_as_preset = base
        .and_then(|(_, json)| Scenario::from_json(json).ok())
        .is_some_and(|p| p == shared.scenario);
    let timeline_edited = !same_as_preset
        && base
            .and_then(|(_, json)| Scenario::with_timeline(json, &shared.scenario.timeline).ok())
            .is_some_and(|(p, _)| p == shared.scenario);
    let by_name = same_as_preset || timeline_edited;
    let payload = Payload {
        p: shared.preset.clone().filter(|_| by_name),
        s: (!by_name)
            .then(|| serde_json::value::RawValue::from_string(compact(&shared.source)).ok())
            .flatten(),
        l: timeline_edited.then(|| shared.scenario.timeline.clone()),
        a: shared
            .actions
            .iter()
            .map(|(t, c)| (t.as_millis(), c.clone()))
            .collect(),
        t: shared.at_us.as_millis(),
        n: view.step.map(|n| n as u32),
        v: view.speed.filter(|v| v.is_finite() && *v != 1.0),
    };
    let json = serde_json::to_vec(&payload).unwrap_or_default();
    let packed = lz4_flex::block::compress_prepend_size(&json);
    format!("{PREFIX_V1}{}", URL_SAFE_NO_PAD.encode(packed))
}

/// Decodes a share link: a whole URL, a fragment with or without `#`, all accepted.
pub fn decode(link: &str) -> Result<Shared, LinkError> {
    decode_viewed(link).map(|(shared, _)| shared)
}

/// Decodes a share link with the sender's lesson step and speed (a step past the lesson
/// or a speed out of 0.1× … 1000× is dropped, not an error: the run still opens).
pub fn decode_viewed(link: &str) -> Result<(Shared, View), LinkError> {
    let payload = unpack(versioned_body(link)?)?;
    let view = View {
        step: payload.n.map(|n| n as usize),
        speed: payload.v.filter(|v| (0.1..=1_000.0).contains(v)),
    };
    let (scenario, source, preset_name) = payload_scenario(&payload)?;
    check_moments(&payload)?;
    let actions = payload
        .a
        .into_iter()
        .map(|(t, c)| (Instant::from_millis(t), c))
        .collect();
    let shared = Shared {
        scenario,
        source,
        preset: preset_name,
        actions,
        at_us: Instant::from_millis(payload.t),
    };
    Ok((shared, view))
}

/// The part after `#v1.`, once it is known to be a link of a version this reader knows.
fn versioned_body(link: &str) -> Result<&str, LinkError> {
    let link = link.trim();
    let fragment = link.rsplit_once('#').map_or(link, |(_, f)| f);
    if fragment.is_empty() {
        return Err(LinkError::Empty);
    }
    if fragment.len() > MAX_LINK_CHARS {
        return Err(LinkError::TooLong(fragment.len()));
    }
    fragment.strip_prefix(PREFIX_V1).ok_or_else(|| {
        let version = fragment.split('.').next().unwrap_or_default();
        LinkError::UnknownVersion(version.chars().take(16).collect())
    })
}

/// base64url → LZ4 → JSON, refusing anything that would unpack past the size bound.
fn unpack(body: &str) -> Result<Payload, LinkError> {
    let packed = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| LinkError::NotBase64)?;
    let size = packed
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or(LinkError::NotCompressed)?;
    if size > MAX_INFLATED_BYTES {
        return Err(LinkError::TooLarge);
    }
    let json = lz4_flex::block::decompress_size_prepended(&packed)
        .map_err(|_| LinkError::NotCompressed)?;
    serde_json::from_slice(&json).map_err(|e| LinkError::Malformed(e.to_string()))
}

/// The scenario a payload names: a preset (perhaps with an edited timeline) or a whole
/// document, validated through the same door as a file — links get no shortcut.
fn payload_scenario(payload: &Payload) -> Result<(Scenario, String, Option<String>), LinkError> {
    match (&payload.p, &payload.s) {
        (Some(name), None) => {
            let json = preset(name)
                .ok_or_else(|| LinkError::UnknownPreset(name.chars().take(64).collect()))?;
            let (scenario, source) = match &payload.l {
                None => (
                    Scenario::from_json(json).map_err(LinkError::BadScenario)?,
                    json.to_string(),
                ),
                Some(timeline) => {
                    Scenario::with_timeline(json, timeline).map_err(LinkError::BadScenario)?
                }
            };
            Ok((scenario, source, Some(name.clone())))
        }
        (None, Some(raw)) if payload.l.is_none() => Ok((
            Scenario::from_json(raw.get()).map_err(LinkError::BadScenario)?,
            raw.get().to_string(),
            None,
        )),
        _ => Err(LinkError::Malformed(
            "it must hold exactly one of a preset name or a scenario".into(),
        )),
    }
}

/// At most so many actions, in time order, none past the longest possible run.
fn check_moments(payload: &Payload) -> Result<(), LinkError> {
    if payload.a.len() > MAX_ACTIONS {
        return Err(LinkError::Impossible(format!(
            "{} actions; at most {MAX_ACTIONS}",
            payload.a.len()
        )));
    }
    let max_ms = super::format::MAX_RUN_MS;
    if payload.t > max_ms || payload.a.iter().any(|(t, _)| *t > max_ms) {
        return Err(LinkError::Impossible(
            "a moment past the longest possible run (one day)".into(),
        ));
    }
    if payload.a.windows(2).any(|w| w[0].0 > w[1].0) {
        return Err(LinkError::Impossible("actions out of time order".into()));
    }
    Ok(())
}

impl Shared {
    /// Replays the link: the scenario, then each action at its time, up to the moment.
    pub fn world(&self) -> Result<replication_engine::World, LinkError> {
        self.world_until(self.at_us)
    }

    /// Replays the link up to `until`. Actions after it are the sender's future (they had
    /// scrubbed back): they are not applied here, as they were not in the sender's world.
    pub fn world_until(&self, until: Instant) -> Result<replication_engine::World, LinkError> {
        let mut w = self.scenario.world().map_err(LinkError::BadScenario)?;
        for (at, cmd) in self.actions.iter().take_while(|(at, _)| *at <= until) {
            w.run_until(*at);
            w.apply(cmd.clone())
                .map_err(|e| LinkError::Impossible(format!("{}: {e}", cmd.label())))?;
        }
        w.run_until(until);
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Shared {
        let json = preset("free-play").unwrap();
        Shared {
            scenario: Scenario::from_json(json).unwrap(),
            source: json.to_string(),
            preset: Some("free-play".into()),
            actions: (0..10)
                .map(|i| {
                    (
                        Instant::from_secs(i + 1),
                        Command::Crash {
                            node: format!("db{}", i % 3 + 1),
                            power_loss: i % 2 == 0,
                        },
                    )
                })
                .collect(),
            at_us: Instant::from_secs(12),
        }
    }

    #[test]
    fn the_senders_step_and_speed_travel_and_old_links_have_none() {
        let shared = sample();
        let viewed = encode_viewed(
            &shared,
            View {
                step: Some(2),
                speed: Some(10.0),
            },
        );
        let (back, view) = decode_viewed(&viewed).unwrap();
        assert_eq!(back, shared);
        assert_eq!((view.step, view.speed), (Some(2), Some(10.0)));
        assert_eq!(decode_viewed(&encode(&shared)).unwrap().1, View::default());
        // 1× is the default and is left out; an impossible speed is dropped on reading.
        assert_eq!(
            encode_viewed(
                &shared,
                View {
                    step: None,
                    speed: Some(1.0)
                }
            ),
            encode(&shared)
        );
        let wild = encode_viewed(
            &shared,
            View {
                step: None,
                speed: Some(1e9),
            },
        );
        assert_eq!(decode_viewed(&wild).unwrap().1.speed, None);
    }

    #[test]
    fn round_trip_by_preset_name_is_short() {
        let s = sample();
        let link = encode(&s);
        assert!(link.len() <= 300, "{} characters: {link}", link.len());
        assert_eq!(decode(&link).unwrap(), s);
        assert_eq!(
            decode(&format!("https://example.test/play/#{link}")).unwrap(),
            s
        );
    }

    #[test]
    fn a_changed_scenario_travels_whole() {
        let mut s = sample();
        s.source = s.source.replacen("\"seed\": 1,", "\"seed\": 99,", 1);
        s.scenario = Scenario::from_json(&s.source).unwrap();
        assert_eq!(s.scenario.seed, 99);
        let link = encode(&s);
        let back = decode(&link).unwrap();
        assert_eq!(back.preset, None);
        assert_eq!(back.scenario, s.scenario);
        assert!(link.len() < MAX_LINK_CHARS, "{}", link.len());
    }

    #[test]
    fn a_preset_with_an_edited_timeline_travels_as_name_and_timeline() {
        let mut s = sample();
        s.actions.truncate(1);
        let mut timeline = s.scenario.timeline.clone();
        timeline.push(TimedAction {
            at_ms: 4_000,
            action: Command::HealAll,
        });
        (s.scenario, s.source) = Scenario::with_timeline(&s.source, &timeline).unwrap();
        let link = encode(&s);
        assert!(link.len() <= 400, "{} characters: {link}", link.len());
        let back = decode(&link).unwrap();
        assert_eq!(back.preset.as_deref(), Some("free-play"));
        assert_eq!(back.scenario, s.scenario);
        assert_eq!(
            back.world().unwrap().trace.hash(),
            s.world().unwrap().trace.hash()
        );
    }

    #[test]
    fn every_failure_is_a_typed_error() {
        assert_eq!(decode(""), Err(LinkError::Empty));
        assert_eq!(decode("#"), Err(LinkError::Empty));
        assert!(matches!(
            decode("v9.abc"),
            Err(LinkError::UnknownVersion(_))
        ));
        assert_eq!(decode("v1.***"), Err(LinkError::NotBase64));
        assert_eq!(decode("v1.AAAA"), Err(LinkError::NotCompressed));
        assert!(matches!(
            decode(&"v1.".repeat(1_000)),
            Err(LinkError::TooLong(_))
        ));
        let good = encode(&sample());
        assert!(decode(&good[..good.len() / 2]).is_err(), "a truncated link");
        // A link that claims to unpack to 4 GB is refused before anything is allocated.
        let mut bomb = u32::MAX.to_le_bytes().to_vec();
        bomb.extend_from_slice(&lz4_flex::block::compress(&[b' '; 4096]));
        assert_eq!(
            decode(&format!("v1.{}", URL_SAFE_NO_PAD.encode(bomb))),
            Err(LinkError::TooLarge)
        );
        let json = |v: &str| {
            format!(
                "v1.{}",
                URL_SAFE_NO_PAD.encode(lz4_flex::block::compress_prepend_size(v.as_bytes()))
            )
        };
        assert!(matches!(
            decode(&json(r#"{"p":"nope"}"#)),
            Err(LinkError::UnknownPreset(_))
        ));
        assert!(matches!(
            decode(&json(r#"{"t":1}"#)),
            Err(LinkError::Malformed(_))
        ));
        assert!(matches!(
            decode(&json(r#"{"p":"free-play","t":999999999999}"#)),
            Err(LinkError::Impossible(_))
        ));
        assert!(matches!(
            decode(&json(r#"[1,2,3]"#)),
            Err(LinkError::Malformed(_))
        ));
    }

    #[test]
    fn opening_a_link_reproduces_the_run() {
        let mut s = sample();
        s.actions = vec![(
            Instant::from_secs(3),
            Command::Crash {
                node: "db1".into(),
                power_loss: false,
            },
        )];
        let a = decode(&encode(&s)).unwrap().world().unwrap();
        let b = s.world().unwrap();
        assert_eq!(a.trace.hash(), b.trace.hash());
        assert_eq!(a.now(), Instant::from_secs(12));
    }
}
