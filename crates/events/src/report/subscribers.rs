//! Who gets which report files: the subscribers file (a network's abuse
//! desk, a national CERT) and the ledger of what was already sent.
//!
//! The subscribers file is TOML:
//!
//! ```toml
//! version = 1
//! [[subscriber]]
//! name = "Example ISP abuse desk"
//! mail = ["abuse@example.net"]
//! scopes = ["as64500", "192.0.2.0/24", "country-nl"]
//! ```
//!
//! A subscriber gets the day's files whose scope is one of its scopes, as
//! Shadowserver's subscribers get theirs. The ledger (`sent.tsv` beside the
//! files) records each (day, subscriber) delivered, one line appended and
//! synced after the mail server took the message, so a run after a failed
//! send retries it and a run after a good one does not send it again.
//!
//! Known limitations: a crash between the server's acceptance and the
//! ledger line sends that one mail again at the next run; scopes match
//! exactly (a subscriber of `192.0.2.0/23` gets the `192.0.2.0/23` file,
//! not the `/24` files inside it).

use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use thiserror::Error;

use super::{ReportFile, Scope};

/// A subscribers file that cannot be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SubscribersError {
    /// The file could not be read.
    #[error("cannot read the subscribers file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The file is not valid.
    #[error("subscribers file {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// The ledger could not be read or written.
    #[error("sent-reports ledger {path}: {source}")]
    Ledger {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
}

/// One recipient of reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// A name unique in the file, used in the ledger and the mail.
    pub name: String,
    /// Mail addresses.
    pub mail: Vec<String>,
    /// The scopes whose files it gets.
    pub scopes: Vec<Scope>,
}

impl Subscriber {
    /// The files of `files` that belong to this subscriber.
    pub fn files_of<'a>(&self, files: &'a [ReportFile]) -> Vec<&'a ReportFile> {
        files
            .iter()
            .filter(|file| self.scopes.contains(&file.scope))
            .collect()
    }
}

/// Every scope of `subscribers`, once each, in the order they appear: what
/// a run for them must report.
pub fn scopes_of(subscribers: &[Subscriber]) -> Vec<Scope> {
    let mut scopes: Vec<Scope> = Vec::new();
    for scope in subscribers.iter().flat_map(|s| &s.scopes) {
        if !scopes.contains(scope) {
            scopes.push(scope.clone());
        }
    }
    scopes
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: u32,
    #[serde(default)]
    subscriber: Vec<RawSubscriber>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubscriber {
    name: String,
    mail: Vec<String>,
    scopes: Vec<String>,
}

/// Reads a subscribers file.
pub fn load_subscribers(path: &Path) -> Result<Vec<Subscriber>, SubscribersError> {
    let text = fs::read_to_string(path).map_err(|source| SubscribersError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_subscribers(&text).map_err(|message| SubscribersError::Invalid {
        path: path.to_path_buf(),
        message,
    })
}

/// Parses the text of a subscribers file; the error says what to fix.
pub fn parse_subscribers(text: &str) -> Result<Vec<Subscriber>, String> {
    let raw: RawFile = toml::from_str(text).map_err(|e| e.to_string().replace('\n', " "))?;
    if raw.version != 1 {
        return Err(format!(
            "version = {} is not supported: this cautery reads version = 1",
            raw.version
        ));
    }
    let mut names = HashSet::new();
    let mut subscribers = Vec::with_capacity(raw.subscriber.len());
    for (index, entry) in raw.subscriber.into_iter().enumerate() {
        let at = format!("[[subscriber]] {} ({:?})", index + 1, entry.name);
        let name = entry.name.trim().to_owned();
        if name.is_empty() || name.contains(['\t', '\n', '\r']) {
            return Err(format!("{at}: give a name, on one line without tabs"));
        }
        if !names.insert(name.clone()) {
            return Err(format!("{at}: the name is used twice; names must be unique, the ledger of sent reports is keyed by them"));
        }
        if entry.mail.is_empty() {
            return Err(format!("{at}: mail is empty; give at least one address"));
        }
        for address in &entry.mail {
            let valid = address
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
                && !address.contains(|c: char| c.is_whitespace() || c.is_control() || c == ',');
            if !valid {
                return Err(format!(
                    "{at}: mail {address:?} is not an address like abuse@example.net"
                ));
            }
        }
        if entry.scopes.is_empty() {
            return Err(format!("{at}: scopes is empty; give ASNs (\"as64500\"), networks (\"192.0.2.0/24\") or countries (\"country-nl\")"));
        }
        let mut scopes = Vec::with_capacity(entry.scopes.len());
        for text in &entry.scopes {
            let scope: Scope = text.parse().map_err(|e| format!("{at}: {e}"))?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        subscribers.push(Subscriber {
            name,
            mail: entry.mail,
            scopes,
        });
    }
    Ok(subscribers)
}

/// What was already delivered, per day and subscriber.
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    sent: HashSet<(NaiveDate, String)>,
}

impl Ledger {
    /// Reads the ledger at `path`; a missing file is an empty ledger. Lines
    /// that are not ledger lines are skipped.
    pub fn open(path: &Path) -> Result<Ledger, SubscribersError> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(SubscribersError::Ledger {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        let sent = text
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let day = fields.next()?.parse().ok()?;
                let name = fields.next()?.to_owned();
                Some((day, name))
            })
            .collect();
        Ok(Ledger {
            path: path.to_path_buf(),
            sent,
        })
    }

    /// Whether `subscriber` already got its files of `day`.
    pub fn was_sent(&self, day: NaiveDate, subscriber: &str) -> bool {
        self.sent.contains(&(day, subscriber.to_owned()))
    }

    /// Records a delivery: one line appended and synced.
    pub fn record(
        &mut self,
        day: NaiveDate,
        subscriber: &str,
        sent_at: chrono::DateTime<chrono::Utc>,
        files: &[&ReportFile],
    ) -> Result<(), SubscribersError> {
        let error = |source| SubscribersError::Ledger {
            path: self.path.clone(),
            source,
        };
        let names: Vec<String> = files
            .iter()
            .filter_map(|f| f.path.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        let line = format!(
            "{day}\t{subscriber}\t{}\t{}\n",
            sent_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            names.join(",")
        );
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(error)?;
        file.write_all(line.as_bytes()).map_err(error)?;
        file.sync_all().map_err(error)?;
        self.sent.insert((day, subscriber.to_owned()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Report;

    const FILE: &str = r#"
version = 1
[[subscriber]]
name = "Example ISP"
mail = ["abuse@example.net"]
scopes = ["as64500", "192.0.2.0/24"]
[[subscriber]]
name = "CERT-NL"
mail = ["cert@example.nl", "ops@example.nl"]
scopes = ["country-nl"]
"#;

    fn file(scope: &str) -> ReportFile {
        ReportFile {
            path: PathBuf::from(format!("/r/2026-12-01-event4_sinkhole_http-{scope}.csv")),
            report: Report::Event4SinkholeHttp,
            scope: scope.parse().unwrap(),
            rows: 1,
        }
    }

    #[test]
    fn each_subscriber_gets_only_the_files_of_its_scopes() {
        let subscribers = parse_subscribers(FILE).unwrap();
        let files = vec![file("as64500"), file("as64501"), file("country-nl")];
        let isp: Vec<_> = subscribers[0].files_of(&files);
        assert_eq!(isp.len(), 1);
        assert_eq!(isp[0].scope.to_string(), "as64500");
        let cert = subscribers[1].files_of(&files);
        assert_eq!(cert.len(), 1);
        assert_eq!(cert[0].scope.to_string(), "country-nl");
        assert_eq!(subscribers[1].mail.len(), 2);
    }

    #[test]
    fn mistakes_name_the_subscriber_and_what_to_fix() {
        let cases = [
            (FILE.replace("CERT-NL", "Example ISP"), "used twice"),
            (FILE.replace("abuse@example.net", "abuse"), "not an address"),
            (
                FILE.replace("country-nl", "planet-earth"),
                "[[subscriber]] 2",
            ),
            (FILE.replace("version = 1", "version = 2"), "version = 2"),
            (
                FILE.replace("scopes = [\"country-nl\"]", "scopes = []"),
                "scopes is empty",
            ),
            (
                FILE.replace("name = \"CERT-NL\"", "name = \"CERT-NL\"\nmails = []"),
                "unknown field",
            ),
        ];
        for (text, expected) in cases {
            let error = parse_subscribers(&text).unwrap_err();
            assert!(error.contains(expected), "{expected}: {error}");
        }
    }

    #[test]
    fn the_ledger_remembers_deliveries_across_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sent.tsv");
        let day: NaiveDate = "2026-12-01".parse().unwrap();
        let mut ledger = Ledger::open(&path).unwrap();
        assert!(!ledger.was_sent(day, "Example ISP"));
        let sent = file("as64500");
        ledger
            .record(day, "Example ISP", chrono::Utc::now(), &[&sent])
            .unwrap();
        let ledger = Ledger::open(&path).unwrap();
        assert!(ledger.was_sent(day, "Example ISP"));
        assert!(!ledger.was_sent(day, "CERT-NL"));
        assert!(!ledger.was_sent(day.succ_opt().unwrap(), "Example ISP"));
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("2026-12-01-event4_sinkhole_http-as64500.csv"),
            "{text}"
        );
    }
}
