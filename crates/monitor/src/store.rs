//! The monitor's state in SQLite: the same database file as the sinkhole
//! events (`[events] store`), in tables of its own (`monitor_names`,
//! `monitor_changes`, `monitor_alerts`) with a migration table of its own
//! (`monitor_schema_version`), so that the console and reports can join
//! names found registered with the events of the same names, and neither
//! schema's migrations touch the other's.
//!
//! The same tables in PostgreSQL are [`crate::postgres`]'s; both are a
//! [`StateStore`].

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::alert::Alert;
use crate::health::SourceHealth;
use crate::state::{Change, NameState};

/// Migrations; never edit one that was released, append.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE monitor_names (
    domain TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    ns TEXT NOT NULL,
    registrar TEXT,
    expires TEXT,
    changed_at TEXT NOT NULL,
    alerted TEXT NOT NULL
);
CREATE TABLE monitor_changes (
    domain TEXT NOT NULL,
    at TEXT NOT NULL,
    what TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);
CREATE INDEX monitor_changes_domain ON monitor_changes (domain, at);
CREATE TABLE monitor_alerts (
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    domain TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX monitor_alerts_at ON monitor_alerts (at);",
    "CREATE TABLE monitor_sources (
    source TEXT PRIMARY KEY,
    last_attempt TEXT NOT NULL,
    last_ok TEXT,
    failures INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    data_time TEXT,
    unhealthy INTEGER NOT NULL
);",
    "ALTER TABLE monitor_names ADD COLUMN gone_since TEXT;",
    "ALTER TABLE monitor_names ADD COLUMN evidence TEXT;",
];

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("monitor state {path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// PostgreSQL failed.
    #[error("monitor state {url}: {source}")]
    Postgres {
        /// The server (without password).
        url: String,
        /// The client's error.
        source: postgres::Error,
    },
    /// A newer cautery wrote the state.
    #[error("monitor state {path} has schema version {found}, newer than this cautery's {supported}; upgrade cautery")]
    SchemaTooNew {
        /// The database file.
        path: String,
        /// Found.
        found: i64,
        /// Supported.
        supported: i64,
    },
    /// A stored row does not parse.
    #[error("monitor state {path}: row of {domain} is corrupt: {message}")]
    Corrupt {
        /// The database file.
        path: String,
        /// The name.
        domain: String,
        /// What.
        message: String,
    },
}

/// The monitor's tables in a SQLite database.
#[derive(Debug)]
pub struct SqliteState {
    connection: Connection,
    path: String,
}

impl SqliteState {
    /// Opens (creating if need be) the database at `path` and brings the
    /// monitor's tables to the current version.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteState, StoreError> {
        let path = path.as_ref().display().to_string();
        let connection = Connection::open(&path).map_err(|source| StoreError::Sqlite {
            path: path.clone(),
            source,
        })?;
        let mut state = SqliteState { connection, path };
        state
            .connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(|e| state.error(e))?;
        state.migrate()?;
        Ok(state)
    }

    fn error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Brings the monitor's tables to the current version. The daemon's
    /// monitor unit and its HTTP API may open a fresh database at once:
    /// the migrations run in one immediate transaction, which takes the
    /// write lock before the version is read, so the second connection
    /// waits for the first and then finds the tables current.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let supported = MIGRATIONS.len() as i64;
        let version = "SELECT coalesce(max(version), 0) FROM monitor_schema_version";
        let current: Option<i64> = self
            .connection
            .query_row(version, [], |row| row.get(0))
            .ok();
        if current == Some(supported) {
            return Ok(());
        }
        let path = self.path.clone();
        let error = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(error)?;
        transaction
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS monitor_schema_version (version INTEGER NOT NULL)",
            )
            .map_err(error)?;
        let found: i64 = transaction
            .query_row(version, [], |row| row.get(0))
            .map_err(error)?;
        if found > supported {
            return Err(StoreError::SchemaTooNew {
                path: self.path.clone(),
                found,
                supported,
            });
        }
        for (version, migration) in (1..).zip(MIGRATIONS).skip_while(|(v, _)| *v <= found) {
            transaction.execute_batch(migration).map_err(error)?;
            transaction
                .execute(
                    "INSERT INTO monitor_schema_version (version) VALUES (?1)",
                    [version],
                )
                .map_err(error)?;
        }
        transaction.commit().map_err(error)
    }

    /// The state of `domain`, if it was ever found registered.
    pub fn load(&self, domain: &str) -> Result<Option<NameState>, StoreError> {
        let row: Option<NameRow> = self
            .connection
            .query_row(
                &format!("SELECT {NAME_COLUMNS} FROM monitor_names WHERE domain = ?1"),
                [domain],
                |row| name_row(row, 0),
            )
            .optional()
            .map_err(|e| self.error(e))?;
        row.map(|row| name_state(&self.path, domain, row))
            .transpose()
    }

    /// Saves a name's state, the changes that led to it and the alerts
    /// raised, in one transaction.
    pub fn save(
        &mut self,
        state: &NameState,
        changes: &[Change],
        alerts: &[Alert],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let error = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let transaction = self.connection.transaction().map_err(error)?;
        transaction
            .execute(
                &name_upsert("?"),
                rusqlite::params_from_iter(name_values(state)),
            )
            .map_err(error)?;
        for change in changes {
            transaction
                .execute(
                    "INSERT INTO monitor_changes (domain, at, what, before, after)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        state.domain,
                        state.last_seen.to_rfc3339(),
                        change.what,
                        change.from,
                        change.to
                    ],
                )
                .map_err(error)?;
        }
        for alert in alerts {
            transaction
                .execute(
                    "INSERT INTO monitor_alerts (at, kind, domain, body) VALUES (?1, ?2, ?3, ?4)",
                    params![
                        alert.at.to_rfc3339(),
                        alert.kind.as_str(),
                        alert.domain,
                        alert.to_json()
                    ],
                )
                .map_err(error)?;
        }
        transaction.commit().map_err(error)
    }

    /// Every source's health, by source.
    pub fn sources(&self) -> Result<Vec<SourceHealth>, StoreError> {
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT {SOURCE_COLUMNS} FROM monitor_sources ORDER BY source"
            ))
            .map_err(|e| self.error(e))?;
        let rows: Vec<SourceRow> = statement
            .query_map([], |row| source_row(row))
            .map_err(|e| self.error(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.error(e))?;
        rows.into_iter()
            .map(|row| source_health(&self.path, row))
            .collect()
    }

    /// Saves a source's health and the health alerts raised about it.
    pub fn save_source(
        &mut self,
        health: &SourceHealth,
        alerts: &[Alert],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let error = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let transaction = self.connection.transaction().map_err(error)?;
        let values = source_values(health);
        let bound = values.bind(
            |text| text as &dyn rusqlite::ToSql,
            |integer| integer as &dyn rusqlite::ToSql,
            |flag| flag as &dyn rusqlite::ToSql,
        );
        transaction
            .execute(&source_upsert("?"), &bound[..])
            .map_err(error)?;
        for alert in alerts {
            transaction
                .execute(
                    "INSERT INTO monitor_alerts (at, kind, domain, body) VALUES (?1, ?2, ?3, ?4)",
                    params![
                        alert.at.to_rfc3339(),
                        alert.kind.as_str(),
                        alert.domain,
                        alert.to_json()
                    ],
                )
                .map_err(error)?;
        }
        transaction.commit().map_err(error)
    }

    /// Alerts stored, oldest first: `(kind, domain)`.
    pub fn alerts(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT kind, domain FROM monitor_alerts ORDER BY rowid")
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
}

/// A row of `monitor_names`: first_seen, last_seen, ns, registrar,
/// expires, changed_at, alerted, gone_since, evidence.
pub(crate) type NameRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// A row of `monitor_sources`: source, last_attempt, last_ok, failures,
/// last_error, data_time, unhealthy.
pub(crate) type SourceRow = (
    String,
    String,
    Option<String>,
    u32,
    String,
    Option<String>,
    bool,
);

/// A result row of either store, read by column position.
pub(crate) trait Columns {
    /// The client's error.
    type Error;
    /// A `TEXT NOT NULL` column.
    fn text(&self, index: usize) -> Result<String, Self::Error>;
    /// A `TEXT` column.
    fn maybe_text(&self, index: usize) -> Result<Option<String>, Self::Error>;
    /// An integer column (`INTEGER`, `BIGINT`).
    fn integer(&self, index: usize) -> Result<i64, Self::Error>;
    /// A flag (SQLite `INTEGER`, PostgreSQL `BOOLEAN`).
    fn flag(&self, index: usize) -> Result<bool, Self::Error>;
}

impl Columns for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn text(&self, index: usize) -> Result<String, rusqlite::Error> {
        self.get(index)
    }
    fn maybe_text(&self, index: usize) -> Result<Option<String>, rusqlite::Error> {
        self.get(index)
    }
    fn integer(&self, index: usize) -> Result<i64, rusqlite::Error> {
        self.get(index)
    }
    fn flag(&self, index: usize) -> Result<bool, rusqlite::Error> {
        self.get(index)
    }
}

impl Columns for postgres::Row {
    type Error = postgres::Error;
    fn text(&self, index: usize) -> Result<String, postgres::Error> {
        self.try_get(index)
    }
    fn maybe_text(&self, index: usize) -> Result<Option<String>, postgres::Error> {
        self.try_get(index)
    }
    fn integer(&self, index: usize) -> Result<i64, postgres::Error> {
        self.try_get(index)
    }
    fn flag(&self, index: usize) -> Result<bool, postgres::Error> {
        self.try_get(index)
    }
}

/// The columns of `monitor_names` but `domain`, as [`name_row`] reads them.
pub(crate) const NAME_COLUMNS: &str =
    "first_seen, last_seen, ns, registrar, expires, changed_at, alerted, gone_since, evidence";

/// The columns of `monitor_sources`, as [`source_row`] reads them.
pub(crate) const SOURCE_COLUMNS: &str =
    "source, last_attempt, last_ok, failures, last_error, data_time, unhealthy";

/// [`NAME_COLUMNS`] of `row`, from column `first` on.
pub(crate) fn name_row<C: Columns>(row: &C, first: usize) -> Result<NameRow, C::Error> {
    Ok((
        row.text(first)?,
        row.text(first + 1)?,
        row.text(first + 2)?,
        row.maybe_text(first + 3)?,
        row.maybe_text(first + 4)?,
        row.text(first + 5)?,
        row.text(first + 6)?,
        row.maybe_text(first + 7)?,
        row.maybe_text(first + 8)?,
    ))
}

/// [`SOURCE_COLUMNS`] of `row`.
pub(crate) fn source_row<C: Columns>(row: &C) -> Result<SourceRow, C::Error> {
    Ok((
        row.text(0)?,
        row.text(1)?,
        row.maybe_text(2)?,
        u32::try_from(row.integer(3)?).unwrap_or(u32::MAX),
        row.text(4)?,
        row.maybe_text(5)?,
        row.flag(6)?,
    ))
}

/// `$1, $2, ...` (PostgreSQL, `mark` `$`) or `?1, ?2, ...` (SQLite, `?`).
fn placeholders(mark: &str, count: usize) -> String {
    (1..=count)
        .map(|n| format!("{mark}{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The insert-or-update of a name, bound to [`name_values`].
pub(crate) fn name_upsert(mark: &str) -> String {
    format!(
        "INSERT INTO monitor_names (domain, {NAME_COLUMNS}) VALUES ({})
         ON CONFLICT (domain) DO UPDATE SET last_seen = {mark}3, ns = {mark}4,
           registrar = {mark}5, expires = {mark}6, changed_at = {mark}7, alerted = {mark}8,
           gone_since = {mark}9, evidence = {mark}10",
        placeholders(mark, 10)
    )
}

/// A name's row as text: `domain` then [`NAME_COLUMNS`].
pub(crate) fn name_values(state: &NameState) -> [Option<String>; 10] {
    [
        Some(state.domain.clone()),
        Some(state.first_seen.to_rfc3339()),
        Some(state.last_seen.to_rfc3339()),
        Some(serde_json::to_string(&state.ns).unwrap_or_default()),
        state.registrar.clone(),
        state.expires.map(|t| t.to_rfc3339()),
        Some(state.changed_at.to_rfc3339()),
        Some(serde_json::to_string(&state.alerted).unwrap_or_default()),
        state.gone_since.map(|t| t.to_rfc3339()),
        (!state.evidence.is_empty())
            .then(|| serde_json::to_string(&state.evidence).unwrap_or_default()),
    ]
}

/// The insert-or-update of a source's health, bound to [`source_values`].
pub(crate) fn source_upsert(mark: &str) -> String {
    format!(
        "INSERT INTO monitor_sources ({SOURCE_COLUMNS}) VALUES ({})
         ON CONFLICT (source) DO UPDATE SET last_attempt = {mark}2, last_ok = {mark}3,
           failures = {mark}4, last_error = {mark}5, data_time = {mark}6, unhealthy = {mark}7",
        placeholders(mark, 7)
    )
}

/// What a source's row holds, in [`SOURCE_COLUMNS`] order.
pub(crate) struct SourceValues {
    text: [Option<String>; 5],
    failures: i64,
    unhealthy: bool,
}

/// A source's health as the values of its row.
pub(crate) fn source_values(health: &SourceHealth) -> SourceValues {
    SourceValues {
        text: [
            Some(health.source.clone()),
            Some(health.last_attempt.to_rfc3339()),
            health.last_ok.map(|t| t.to_rfc3339()),
            Some(health.last_error.clone()),
            health.data_time.map(|t| t.to_rfc3339()),
        ],
        failures: i64::from(health.failures),
        unhealthy: health.unhealthy,
    }
}

impl SourceValues {
    /// The values in [`SOURCE_COLUMNS`] order, for a statement of either client.
    pub(crate) fn bind<T: ?Sized>(
        &self,
        text: impl Fn(&Option<String>) -> &T,
        integer: impl Fn(&i64) -> &T,
        flag: impl Fn(&bool) -> &T,
    ) -> [&T; 7] {
        [
            text(&self.text[0]),
            text(&self.text[1]),
            text(&self.text[2]),
            integer(&self.failures),
            text(&self.text[3]),
            text(&self.text[4]),
            flag(&self.unhealthy),
        ]
    }
}

fn instant_of(path: &str, key: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt {
            path: path.to_owned(),
            domain: key.to_owned(),
            message: format!("instant '{text}': {e}"),
        })
}

/// A name's state from its row (either store).
pub(crate) fn name_state(path: &str, domain: &str, row: NameRow) -> Result<NameState, StoreError> {
    let (first_seen, last_seen, ns, registrar, expires, changed_at, alerted, gone_since, evidence) =
        row;
    let corrupt = |message: String| StoreError::Corrupt {
        path: path.to_owned(),
        domain: domain.to_owned(),
        message,
    };
    let instant = |text: &str| instant_of(path, domain, text);
    Ok(NameState {
        domain: domain.to_owned(),
        first_seen: instant(&first_seen)?,
        last_seen: instant(&last_seen)?,
        ns: serde_json::from_str(&ns).map_err(|e| corrupt(format!("ns: {e}")))?,
        registrar,
        expires: expires.as_deref().map(instant).transpose()?,
        changed_at: instant(&changed_at)?,
        alerted: serde_json::from_str(&alerted).map_err(|e| corrupt(format!("alerted: {e}")))?,
        gone_since: gone_since.as_deref().map(instant).transpose()?,
        evidence: match evidence {
            Some(text) => {
                serde_json::from_str(&text).map_err(|e| corrupt(format!("evidence: {e}")))?
            }
            None => Vec::new(),
        },
    })
}

/// A source's health from its row (either store).
pub(crate) fn source_health(path: &str, row: SourceRow) -> Result<SourceHealth, StoreError> {
    let (source, attempt, ok, failures, error, data, unhealthy) = row;
    let instant = |text: &str| instant_of(path, &source, text);
    Ok(SourceHealth {
        last_attempt: instant(&attempt)?,
        last_ok: ok.as_deref().map(instant).transpose()?,
        failures,
        last_error: error,
        data_time: data.as_deref().map(instant).transpose()?,
        unhealthy,
        source,
    })
}

/// What the monitor keeps, wherever it is kept (SQLite or PostgreSQL).
pub trait StateStore {
    /// The state of `domain`, if it was ever found registered.
    fn load(&mut self, domain: &str) -> Result<Option<NameState>, StoreError>;
    /// Saves a name's state, its changes and alerts, in one transaction.
    fn save(
        &mut self,
        state: &NameState,
        changes: &[Change],
        alerts: &[Alert],
    ) -> Result<(), StoreError>;
    /// Every source's health, by source.
    fn sources(&mut self) -> Result<Vec<SourceHealth>, StoreError>;
    /// Saves a source's health and the health alerts raised about it.
    fn save_source(&mut self, health: &SourceHealth, alerts: &[Alert]) -> Result<(), StoreError>;
    /// Alerts stored, oldest first: `(kind, domain)`.
    fn alerts(&mut self) -> Result<Vec<(String, String)>, StoreError>;
    /// At most `limit` alerts, newest first, those with an id below
    /// `before` when given (a page of a long list).
    fn alert_page(
        &mut self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredAlert>, StoreError>;
    /// At most `limit` names found registered, in name order, those after
    /// `after` when given.
    fn name_page(
        &mut self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<NameState>, StoreError>;
}

/// An alert as stored: its row id (the order of raising), instant, kind,
/// name and the JSON form sent to the sinks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAlert {
    /// Increasing with each alert stored.
    pub id: i64,
    /// When it was raised.
    pub at: String,
    /// `registered`, `changed`, `expiring`, `health`, ...
    pub kind: String,
    /// The name, or the source of a health alert.
    pub domain: String,
    /// The alert's JSON form.
    pub body: String,
}

/// SQLite and PostgreSQL bind row counts as `i64`.
pub(crate) fn limit_i64(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl StateStore for SqliteState {
    fn load(&mut self, domain: &str) -> Result<Option<NameState>, StoreError> {
        SqliteState::load(self, domain)
    }
    fn save(
        &mut self,
        state: &NameState,
        changes: &[Change],
        alerts: &[Alert],
    ) -> Result<(), StoreError> {
        SqliteState::save(self, state, changes, alerts)
    }
    fn sources(&mut self) -> Result<Vec<SourceHealth>, StoreError> {
        SqliteState::sources(self)
    }
    fn save_source(&mut self, health: &SourceHealth, alerts: &[Alert]) -> Result<(), StoreError> {
        SqliteState::save_source(self, health, alerts)
    }
    fn alerts(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        SqliteState::alerts(self)
    }
    fn alert_page(
        &mut self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredAlert>, StoreError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT rowid, at, kind, domain, body FROM monitor_alerts
                 WHERE rowid < ?1 ORDER BY rowid DESC LIMIT ?2",
            )
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map(
                params![before.unwrap_or(i64::MAX), limit_i64(limit)],
                |row| {
                    Ok(StoredAlert {
                        id: row.get(0)?,
                        at: row.get(1)?,
                        kind: row.get(2)?,
                        domain: row.get(3)?,
                        body: row.get(4)?,
                    })
                },
            )
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }
    fn name_page(
        &mut self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<NameState>, StoreError> {
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT domain, {NAME_COLUMNS} FROM monitor_names
                     WHERE domain > ?1 ORDER BY domain LIMIT ?2"
            ))
            .map_err(|e| self.error(e))?;
        let rows: Vec<(String, NameRow)> = statement
            .query_map(params![after.unwrap_or(""), limit_i64(limit)], |row| {
                Ok((row.get(0)?, name_row(row, 1)?))
            })
            .map_err(|e| self.error(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.error(e))?;
        rows.into_iter()
            .map(|(domain, row)| name_state(&self.path, &domain, row))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{observe, AlertRules, Evidence, Observation};

    #[test]
    fn state_survives_reopening_beside_another_schema_version_table() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("events.sqlite");
        {
            // The events store's own migration table, as crates/events makes it.
            let connection = Connection::open(&path).expect("open");
            connection
                .execute_batch(
                    "CREATE TABLE schema_version (version INTEGER NOT NULL);
                     INSERT INTO schema_version VALUES (7);",
                )
                .expect("events schema");
        }
        let rules = AlertRules {
            renotify: chrono::Duration::days(1),
            expiry_warn_days: 30,
            held_ns: Vec::new(),
        };
        let seen = Observation {
            domain: "abc.com".into(),
            ns: vec!["ns.evil.test".into()],
            registrar: Some("Reg".into()),
            expires: Some(DateTime::UNIX_EPOCH + chrono::Duration::days(20_000)),
            source: "test".into(),
        };
        let at = DateTime::UNIX_EPOCH + chrono::Duration::days(19_000);
        let (mut state, due) = observe(None, &seen, at, &rules);
        assert_eq!(due.len(), 1);
        // Kept so that a held name's alerts cite it after its day.
        state.evidence = vec![Evidence {
            family: "necurs".into(),
            seed: "default".into(),
            valid_from: "2026-11-24T00:00:00Z".into(),
            valid_to: "2026-11-28T00:00:00Z".into(),
            predicted_from: "2026-11-23T00:00:00Z".into(),
            algorithm_source: vec!["https://example.net/necurs".into()],
            input_sha256: None,
            input_path: None,
            input_fetched_at: None,
        }];
        let mut store = SqliteState::open(&path).expect("open");
        assert_eq!(store.load("abc.com").expect("load"), None);
        store.save(&state, &[], &[]).expect("save");
        drop(store);
        let store = SqliteState::open(&path).expect("reopen");
        assert_eq!(store.load("abc.com").expect("load"), Some(state));
        let version: i64 = Connection::open(&path)
            .expect("open")
            .query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))
            .expect("events version");
        assert_eq!(version, 7, "the events' migration table is untouched");
    }

    /// The daemon's monitor unit and its HTTP API open a fresh state file
    /// at once: every open succeeds and each migration is applied once.
    /// Before the migrations took the write lock first, the second opener
    /// failed with "table monitor_names already exists".
    #[test]
    fn openers_of_a_fresh_file_take_turns() {
        for round in 0..10 {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("monitor.sqlite");
            let barrier = std::sync::Barrier::new(6);
            let opened: Vec<Result<SqliteState, StoreError>> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..6)
                    .map(|_| {
                        scope.spawn(|| {
                            barrier.wait();
                            SqliteState::open(&path)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|handle| handle.join().expect("opener thread"))
                    .collect()
            });
            for state in opened {
                state.unwrap_or_else(|e| panic!("round {round}: {e}"));
            }
            let connection = Connection::open(&path).expect("open");
            let versions: i64 = connection
                .query_row("SELECT count(*) FROM monitor_schema_version", [], |row| {
                    row.get(0)
                })
                .expect("versions");
            assert_eq!(versions, MIGRATIONS.len() as i64, "round {round}");
        }
    }
}
