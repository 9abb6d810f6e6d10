//! Watching public-data sources: each source is polled at its own
//! interval plus a random jitter (so many watchers do not hit a server in
//! step), with exponential backoff after errors; each changed input is
//! archived and turned into predictions at once.
//!
//! [`Watcher`] is a state machine over the clock the caller passes in:
//! [`Watcher::next_due`] says when to call next, [`Watcher::poll_due`]
//! polls what is due and returns what happened. `cautery seed watch` drives
//! it with [`Watcher::run`]; a daemon can drive it from its own scheduler on
//! a blocking thread. On any error the last good predictions stay in force.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Deserialize;

use crate::{
    predict_from_input, Archive, FetchLimits, Fetcher, FileFamily, InputPrediction, SeededFamily,
};

/// The watch configuration file (TOML).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WatchConfig {
    /// Must be 1.
    pub version: u32,
    /// Request timeout in seconds (default 30).
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Largest body accepted in bytes (default 8 MiB).
    #[serde(default = "default_max_body")]
    pub max_body_bytes: u64,
    /// The sources.
    #[serde(rename = "source")]
    pub sources: Vec<SourceConfig>,
}

fn default_timeout() -> u64 {
    30
}

fn default_max_body() -> u64 {
    8 * 1024 * 1024
}

/// One watched source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SourceConfig {
    /// Unique name, used in the archive and output.
    pub name: String,
    /// A public-data family's name (bedep, orchard-balance)...
    pub family: Option<String>,
    /// ...or a content-seeded family file.
    pub family_file: Option<std::path::PathBuf>,
    /// Where to fetch; default the family's own URL.
    pub url: Option<String>,
    /// Seconds between polls (default 3600).
    #[serde(default = "default_interval")]
    pub interval_seconds: u64,
    /// Up to this many seconds added to each interval at random (default 60).
    #[serde(default = "default_jitter")]
    pub jitter_seconds: u64,
    /// Seeds to predict; default every known seed.
    #[serde(default)]
    pub seeds: Vec<String>,
}

fn default_interval() -> u64 {
    3600
}

fn default_jitter() -> u64 {
    60
}

/// The longest `timeout-seconds`.
pub const MAX_TIMEOUT_SECONDS: u64 = 3600;
/// The largest `max-body-bytes`: 256 MiB.
pub const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;
/// The longest `interval-seconds`: 31 days.
pub const MAX_INTERVAL_SECONDS: u64 = 31 * 86_400;
/// The longest `jitter-seconds`: one day.
pub const MAX_JITTER_SECONDS: u64 = 86_400;

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// What is wrong, and where.
    #[error("watch configuration: {0}")]
    Invalid(String),
}

impl WatchConfig {
    /// Parses a configuration file's text.
    pub fn parse(text: &str) -> Result<WatchConfig, ConfigError> {
        let config: WatchConfig =
            toml::from_str(text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if config.version != 1 {
            return Err(ConfigError::Invalid(format!(
                "version {} is not supported; use 1",
                config.version
            )));
        }
        if config.sources.is_empty() {
            return Err(ConfigError::Invalid("no [[source]] to watch".into()));
        }
        if config.timeout_seconds > MAX_TIMEOUT_SECONDS {
            return Err(ConfigError::Invalid(format!(
                "timeout-seconds {} is over {MAX_TIMEOUT_SECONDS}",
                config.timeout_seconds
            )));
        }
        if config.max_body_bytes > MAX_BODY_BYTES {
            return Err(ConfigError::Invalid(format!(
                "max-body-bytes {} is over {MAX_BODY_BYTES} (256 MiB)",
                config.max_body_bytes
            )));
        }
        for source in &config.sources {
            source.check()?;
        }
        Ok(config)
    }

    /// The fetch limits the configuration asks for.
    pub fn limits(&self) -> FetchLimits {
        FetchLimits {
            timeout: Duration::from_secs(self.timeout_seconds.max(1)),
            max_body: self.max_body_bytes,
            ..FetchLimits::default()
        }
    }
}

impl SourceConfig {
    /// Checks the timings, which the watcher adds to the clock: a huge value
    /// would overflow it.
    fn check(&self) -> Result<(), ConfigError> {
        if self.interval_seconds > MAX_INTERVAL_SECONDS {
            return Err(ConfigError::Invalid(format!(
                "source {}: interval-seconds {} is over {MAX_INTERVAL_SECONDS} (31 days)",
                self.name, self.interval_seconds
            )));
        }
        if self.jitter_seconds > MAX_JITTER_SECONDS {
            return Err(ConfigError::Invalid(format!(
                "source {}: jitter-seconds {} is over {MAX_JITTER_SECONDS} (one day)",
                self.name, self.jitter_seconds
            )));
        }
        Ok(())
    }
}

/// A source ready to watch.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its name.
    pub name: String,
    /// Its family.
    pub family: SeededFamily,
    /// Its URL.
    pub url: String,
    /// Seeds predicted.
    pub seeds: Vec<String>,
    /// Time between polls.
    pub interval: Duration,
    /// Largest random addition to an interval.
    pub jitter: Duration,
}

impl Source {
    /// Resolves a configured source.
    pub fn from_config(config: &SourceConfig) -> Result<Source, ConfigError> {
        config.check()?;
        let family = match (&config.family, &config.family_file) {
            (Some(name), None) => cautery_dga::find_public_data_family(name)
                .map(SeededFamily::Builtin)
                .ok_or_else(|| {
                    ConfigError::Invalid(format!(
                        "source {}: '{name}' is not a public-data family (bedep, orchard-balance)",
                        config.name
                    ))
                })?,
            (None, Some(path)) => SeededFamily::File(
                FileFamily::load(path).map_err(|e| ConfigError::Invalid(e.to_string()))?,
            ),
            _ => {
                return Err(ConfigError::Invalid(format!(
                    "source {}: give exactly one of family and family-file",
                    config.name
                )))
            }
        };
        let seeds = if config.seeds.is_empty() {
            family
                .seed_names(true)
                .into_iter()
                .map(str::to_owned)
                .collect()
        } else {
            config.seeds.clone()
        };
        Ok(Source {
            name: config.name.clone(),
            url: config
                .url
                .clone()
                .unwrap_or_else(|| family.url().to_owned()),
            family,
            seeds,
            interval: Duration::from_secs(config.interval_seconds.max(1)),
            jitter: Duration::from_secs(config.jitter_seconds),
        })
    }
}

/// What one poll of a source found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WatchEvent {
    /// A new input (or the first): archived, and its predictions.
    Changed {
        /// The source.
        source: String,
        /// SHA-256 of the input, which the predictions cite.
        sha256: String,
        /// Predictions for the watched days.
        predictions: Vec<InputPrediction>,
        /// Names not predicted from the previous input.
        added: usize,
        /// Names of the previous input no longer predicted.
        removed: usize,
    },
    /// The same input as last time.
    Unchanged {
        /// The source.
        source: String,
        /// SHA-256 of the input.
        sha256: String,
    },
    /// The poll failed; the last good predictions stay in force.
    Failed {
        /// The source.
        source: String,
        /// What went wrong.
        error: String,
        /// When the source is tried again.
        retry_in: Duration,
    },
}

struct Watched {
    source: Source,
    next_due: Instant,
    failures: u32,
    last_good: Option<(String, Vec<InputPrediction>)>,
}

/// Polls sources and reports changes.
pub struct Watcher {
    archive: Archive,
    fetcher: Fetcher,
    watched: Vec<Watched>,
    /// Days after the current one predictions cover.
    days_ahead: i64,
    random: u64,
}

/// The longest wait after repeated errors.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// The first wait after an error.
const FIRST_BACKOFF: Duration = Duration::from_secs(5);

impl Watcher {
    /// A watcher over `sources`, all due at `now`.
    pub fn new(archive: Archive, fetcher: Fetcher, sources: Vec<Source>, now: Instant) -> Watcher {
        let seed = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
        Watcher {
            archive,
            fetcher,
            watched: sources
                .into_iter()
                .map(|source| Watched {
                    source,
                    next_due: now,
                    failures: 0,
                    last_good: None,
                })
                .collect(),
            days_ahead: 1,
            random: seed | 1,
        }
    }

    /// When the next source is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.watched.iter().map(|w| w.next_due).min()
    }

    /// The last good predictions of a source, with the input hash they cite.
    pub fn last_good(&self, source: &str) -> Option<(&str, &[InputPrediction])> {
        self.watched
            .iter()
            .find(|w| w.source.name == source)
            .and_then(|w| w.last_good.as_ref())
            .map(|(hash, predictions)| (hash.as_str(), predictions.as_slice()))
    }

    fn jitter(&mut self, max: Duration) -> Duration {
        // xorshift64: jitter needs spread, not secrecy.
        self.random ^= self.random << 13;
        self.random ^= self.random >> 7;
        self.random ^= self.random << 17;
        let millis = max.as_millis() as u64;
        if millis == 0 {
            Duration::ZERO
        } else {
            Duration::from_millis(self.random % (millis + 1))
        }
    }

    /// Polls every source due at `now`; `today` and `fetched_at` are the
    /// current UTC day and instant.
    pub fn poll_due(
        &mut self,
        now: Instant,
        today: NaiveDate,
        fetched_at: DateTime<Utc>,
    ) -> Vec<WatchEvent> {
        let mut events = Vec::new();
        for index in 0..self.watched.len() {
            if self.watched[index].next_due > now {
                continue;
            }
            let result = self.poll_one(index, today, fetched_at);
            let watched = &self.watched[index];
            let (interval, jitter, failures) = (
                watched.source.interval,
                watched.source.jitter,
                watched.failures,
            );
            let event = match result {
                Ok(event) => {
                    self.watched[index].failures = 0;
                    let wait = interval + self.jitter(jitter);
                    self.watched[index].next_due = now + wait;
                    event
                }
                Err(error) => {
                    let failures = failures.saturating_add(1);
                    let backoff = FIRST_BACKOFF
                        .saturating_mul(1u32 << (failures - 1).min(16))
                        .min(MAX_BACKOFF)
                        .min(interval);
                    let retry_in = backoff + self.jitter(jitter.min(backoff));
                    let watched = &mut self.watched[index];
                    watched.failures = failures;
                    watched.next_due = now + retry_in;
                    WatchEvent::Failed {
                        source: watched.source.name.clone(),
                        error,
                        retry_in,
                    }
                }
            };
            events.push(event);
        }
        events
    }

    fn poll_one(
        &mut self,
        index: usize,
        today: NaiveDate,
        fetched_at: DateTime<Utc>,
    ) -> Result<WatchEvent, String> {
        let source = self.watched[index].source.clone();
        let fetched = self.fetcher.fetch(&source.url).map_err(|e| e.to_string())?;
        let stored = self
            .archive
            .store(
                &fetched.body,
                &source.name,
                &source.url,
                fetched_at,
                fetched.status,
                fetched.headers,
            )
            .map_err(|e| e.to_string())?;
        let hash = stored.record.sha256;
        if let Some((last, _)) = &self.watched[index].last_good {
            if *last == hash {
                return Ok(WatchEvent::Unchanged {
                    source: source.name,
                    sha256: hash,
                });
            }
        }
        let last_day = today
            .checked_add_signed(TimeDelta::days(self.days_ahead))
            .unwrap_or(today);
        let predictions = predict_from_input(
            &source.family,
            &source.seeds,
            &fetched.body,
            today,
            last_day,
        )
        .map_err(|e| format!("input {hash} from {}: {e}", source.url))?;
        let (added, removed) = match &self.watched[index].last_good {
            Some((_, old)) => difference(old, &predictions),
            None => (predictions.len(), 0),
        };
        self.watched[index].last_good = Some((hash.clone(), predictions.clone()));
        Ok(WatchEvent::Changed {
            source: source.name,
            sha256: hash,
            predictions,
            added,
            removed,
        })
    }

    /// Polls until `stop` is set, sleeping between polls in steps of at most
    /// 100 ms so a stop is noticed quickly; calls `on_event` for each event.
    pub fn run(&mut self, stop: &AtomicBool, mut on_event: impl FnMut(&WatchEvent)) {
        while !stop.load(Ordering::Relaxed) {
            let now = Instant::now();
            match self.next_due() {
                Some(due) if due <= now => {
                    let at = Utc::now();
                    for event in self.poll_due(now, at.date_naive(), at) {
                        on_event(&event);
                    }
                }
                Some(due) => std::thread::sleep((due - now).min(Duration::from_millis(100))),
                None => return,
            }
        }
    }
}

/// Names in `new` but not `old`, and in `old` but not `new`.
fn difference(old: &[InputPrediction], new: &[InputPrediction]) -> (usize, usize) {
    use std::collections::HashSet;
    let old: HashSet<&str> = old.iter().map(|p| p.domain.as_str()).collect();
    let new: HashSet<&str> = new.iter().map(|p| p.domain.as_str()).collect();
    (new.difference(&old).count(), old.difference(&new).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A loopback URL on which nothing listens: every fetch fails at once.
    fn dead_url() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        format!("http://127.0.0.1:{port}/rates.xml")
    }

    fn watcher(interval: u64, now: Instant) -> (Watcher, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = SourceConfig {
            name: "ecb".into(),
            family: Some("bedep".into()),
            family_file: None,
            url: Some(dead_url()),
            interval_seconds: interval,
            jitter_seconds: 0,
            seeds: vec!["config0".into()],
        };
        let source = Source::from_config(&config).expect("source");
        let archive = Archive::open(dir.path()).expect("archive");
        let fetcher = Fetcher::new(FetchLimits {
            timeout: Duration::from_secs(2),
            ..FetchLimits::default()
        });
        (Watcher::new(archive, fetcher, vec![source], now), dir)
    }

    #[test]
    fn errors_back_off_exponentially_up_to_the_interval() {
        let start = Instant::now();
        let (mut watcher, _dir) = watcher(30, start);
        let day = NaiveDate::from_ymd_opt(2015, 4, 15).expect("day");
        let at = DateTime::UNIX_EPOCH;
        let mut now = start;
        let mut waits = Vec::new();
        for _ in 0..5 {
            let events = watcher.poll_due(now, day, at);
            assert_eq!(events.len(), 1);
            let WatchEvent::Failed {
                retry_in, error, ..
            } = &events[0]
            else {
                panic!("expected a failure, got {events:?}");
            };
            assert!(error.contains("127.0.0.1"), "{error}");
            waits.push(retry_in.as_secs());
            // Not due again before the wait is over.
            assert!(watcher
                .poll_due(now + *retry_in - Duration::from_millis(1), day, at)
                .is_empty());
            now += *retry_in;
        }
        assert_eq!(waits, vec![5, 10, 20, 30, 30]);
        assert!(watcher.last_good("ecb").is_none());
    }

    /// `interval-seconds = 18446744073709551615` reached `now + wait` and
    /// overflowed the clock after the first poll; such timings are refused.
    #[test]
    fn timings_that_would_overflow_the_clock_are_refused() {
        for (key, value) in [
            ("interval-seconds", u64::MAX),
            ("interval-seconds", MAX_INTERVAL_SECONDS + 1),
            ("jitter-seconds", i64::MAX as u64),
        ] {
            let text = format!(
                "version = 1\n[[source]]\nname = \"a\"\nfamily = \"bedep\"\n{key} = {value}\n"
            );
            let error = WatchConfig::parse(&text).expect_err(key);
            assert!(error.to_string().contains(key), "{error}");
        }
        for (key, value) in [("timeout-seconds", 86_400), ("max-body-bytes", 1u64 << 40)] {
            let text = format!(
                "version = 1\n{key} = {value}\n[[source]]\nname = \"a\"\nfamily = \"bedep\"\n"
            );
            let error = WatchConfig::parse(&text).expect_err(key);
            assert!(error.to_string().contains(key), "{error}");
        }
        let config = SourceConfig {
            name: "a".into(),
            family: Some("bedep".into()),
            family_file: None,
            url: None,
            interval_seconds: u64::MAX,
            jitter_seconds: 0,
            seeds: Vec::new(),
        };
        assert!(Source::from_config(&config).is_err());
    }

    #[test]
    fn configuration_errors_say_what_to_fix() {
        assert!(
            WatchConfig::parse("version = 2\n[[source]]\nname = \"a\"\nfamily = \"bedep\"\n")
                .is_err()
        );
        assert!(WatchConfig::parse(
            "version = 1\n[[source]]\nname = \"a\"\nfamily = \"bedep\"\ncolour = 1\n"
        )
        .is_err());
        let config =
            WatchConfig::parse("version = 1\n[[source]]\nname = \"a\"\nfamily = \"necurs\"\n")
                .expect("parses");
        let error = Source::from_config(&config.sources[0]).expect_err("refused");
        assert!(
            error.to_string().contains("not a public-data family"),
            "{error}"
        );
    }
}
