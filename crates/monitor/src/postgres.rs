//! The monitor's state in PostgreSQL: the same tables as [`crate::store`]
//! (`monitor_names`, `monitor_changes`, `monitor_alerts`, `monitor_sources`,
//! migrations in `monitor_schema_version`), in the database of the sinkhole
//! events when `[events] store` is a `postgres://` URL, so that reports and
//! the console join names found registered with the events of those names.
//! Instants are kept as RFC 3339 text, as in SQLite, so both stores read
//! and write the same values.
//!
//! Known limitation: no TLS to the server (as the event store; a socket on
//! the host or a tunnel is expected).

use postgres::{Client, NoTls};

use crate::alert::Alert;
use crate::health::SourceHealth;
use crate::state::{Change, NameState};
use crate::store::{
    limit_i64, name_row, name_state, name_upsert, name_values, source_health, source_row,
    source_upsert, source_values, StateStore, StoreError, StoredAlert, NAME_COLUMNS,
    SOURCE_COLUMNS,
};

/// The advisory lock key held while the monitor tables are migrated
/// ("cautmon1" in ASCII), so concurrent openers take turns.
const MIGRATION_LOCK: i64 = 0x6361_7574_6d6f_6e31;

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
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    domain TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX monitor_alerts_at ON monitor_alerts (at);
CREATE TABLE monitor_sources (
    source TEXT PRIMARY KEY,
    last_attempt TEXT NOT NULL,
    last_ok TEXT,
    failures BIGINT NOT NULL,
    last_error TEXT NOT NULL,
    data_time TEXT,
    unhealthy BOOLEAN NOT NULL
);",
    "ALTER TABLE monitor_names ADD COLUMN gone_since TEXT;",
    "ALTER TABLE monitor_names ADD COLUMN evidence TEXT;",
];

/// The monitor's tables in a PostgreSQL database.
pub struct PostgresState {
    client: Client,
    /// The URL without its password, for messages.
    url: String,
}

impl std::fmt::Debug for PostgresState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresState")
            .field("url", &self.url)
            .finish()
    }
}

/// `url` without the password (`postgres://user:secret@host/db` ->
/// `postgres://…@host/db`).
fn shown(url: &str) -> String {
    match url.rsplit_once('@') {
        Some((_, host)) => format!("postgres://…@{host}"),
        None => url.to_owned(),
    }
}

impl PostgresState {
    /// Connects to `url` and brings the monitor's tables to the current version.
    pub fn connect(url: &str) -> Result<PostgresState, StoreError> {
        let client = Client::connect(url, NoTls).map_err(|source| StoreError::Postgres {
            url: shown(url),
            source,
        })?;
        PostgresState::from_client(client, url)
    }

    /// The store over a connected client (tests set a schema first).
    pub fn from_client(client: Client, url: &str) -> Result<PostgresState, StoreError> {
        let mut state = PostgresState {
            client,
            url: shown(url),
        };
        state.migrate()?;
        Ok(state)
    }

    fn error(&self) -> impl Fn(postgres::Error) -> StoreError + '_ {
        move |source| StoreError::Postgres {
            url: self.url.clone(),
            source,
        }
    }

    /// Brings the monitor's tables to the current version. Several
    /// connections (units, sinkhole nodes) may open a fresh database at
    /// once: the migrations run in one transaction that first takes
    /// [`MIGRATION_LOCK`], so the others wait and then find them current.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let url = self.url.clone();
        let error = |source| StoreError::Postgres {
            url: url.clone(),
            source,
        };
        let mut transaction = self.client.transaction().map_err(error)?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(error)?;
        transaction
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS monitor_schema_version (version BIGINT NOT NULL)",
            )
            .map_err(error)?;
        let found: i64 = transaction
            .query_one(
                "SELECT coalesce(max(version), 0)::BIGINT FROM monitor_schema_version",
                &[],
            )
            .map_err(error)?
            .get(0);
        let supported = MIGRATIONS.len() as i64;
        if found > supported {
            return Err(StoreError::SchemaTooNew {
                path: url.clone(),
                found,
                supported,
            });
        }
        for (version, migration) in (1i64..).zip(MIGRATIONS).skip_while(|(v, _)| *v <= found) {
            transaction.batch_execute(migration).map_err(error)?;
            transaction
                .execute(
                    "INSERT INTO monitor_schema_version (version) VALUES ($1)",
                    &[&version],
                )
                .map_err(error)?;
        }
        transaction.commit().map_err(error)
    }

    fn insert_alerts(
        transaction: &mut postgres::Transaction<'_>,
        alerts: &[Alert],
    ) -> Result<(), postgres::Error> {
        for alert in alerts {
            transaction.execute(
                "INSERT INTO monitor_alerts (at, kind, domain, body) VALUES ($1, $2, $3, $4)",
                &[
                    &alert.at.to_rfc3339(),
                    &alert.kind.as_str(),
                    &alert.domain,
                    &alert.to_json(),
                ],
            )?;
        }
        Ok(())
    }
}

impl StateStore for PostgresState {
    fn load(&mut self, domain: &str) -> Result<Option<NameState>, StoreError> {
        let url = self.url.clone();
        let row = self
            .client
            .query_opt(
                &format!("SELECT {NAME_COLUMNS} FROM monitor_names WHERE domain = $1"),
                &[&domain],
            )
            .map_err(|source| StoreError::Postgres {
                url: url.clone(),
                source,
            })?;
        row.map(|row| {
            let row = name_row(&row, 0).map_err(|source| StoreError::Postgres {
                url: url.clone(),
                source,
            })?;
            name_state(&url, domain, row)
        })
        .transpose()
    }

    fn save(
        &mut self,
        state: &NameState,
        changes: &[Change],
        alerts: &[Alert],
    ) -> Result<(), StoreError> {
        let url = self.url.clone();
        let error = |source| StoreError::Postgres {
            url: url.clone(),
            source,
        };
        let values = name_values(state);
        let bound: Vec<&(dyn postgres::types::ToSql + Sync)> = values
            .iter()
            .map(|value| value as &(dyn postgres::types::ToSql + Sync))
            .collect();
        let mut transaction = self.client.transaction().map_err(error)?;
        transaction
            .execute(&name_upsert("$"), &bound)
            .map_err(error)?;
        for change in changes {
            transaction
                .execute(
                    "INSERT INTO monitor_changes (domain, at, what, before, after)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[
                        &state.domain,
                        &state.last_seen.to_rfc3339(),
                        &change.what,
                        &change.from,
                        &change.to,
                    ],
                )
                .map_err(error)?;
        }
        PostgresState::insert_alerts(&mut transaction, alerts).map_err(error)?;
        transaction.commit().map_err(error)
    }

    fn sources(&mut self) -> Result<Vec<SourceHealth>, StoreError> {
        let rows = self
            .client
            .query(
                &format!("SELECT {SOURCE_COLUMNS} FROM monitor_sources ORDER BY source"),
                &[],
            )
            .map_err(self.error())?;
        rows.into_iter()
            .map(|row| {
                let row = source_row(&row).map_err(self.error())?;
                source_health(&self.url, row)
            })
            .collect()
    }

    fn save_source(&mut self, health: &SourceHealth, alerts: &[Alert]) -> Result<(), StoreError> {
        let url = self.url.clone();
        let error = |source| StoreError::Postgres {
            url: url.clone(),
            source,
        };
        let mut transaction = self.client.transaction().map_err(error)?;
        let values = source_values(health);
        let bound = values.bind(
            |text| text as &(dyn postgres::types::ToSql + Sync),
            |integer| integer as &(dyn postgres::types::ToSql + Sync),
            |flag| flag as &(dyn postgres::types::ToSql + Sync),
        );
        transaction
            .execute(&source_upsert("$"), &bound)
            .map_err(error)?;
        PostgresState::insert_alerts(&mut transaction, alerts).map_err(error)?;
        transaction.commit().map_err(error)
    }

    fn alerts(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self
            .client
            .query("SELECT kind, domain FROM monitor_alerts ORDER BY id", &[])
            .map_err(self.error())?;
        Ok(rows
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
    }

    fn alert_page(
        &mut self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredAlert>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT id, at, kind, domain, body FROM monitor_alerts
                 WHERE id < $1 ORDER BY id DESC LIMIT $2",
                &[&before.unwrap_or(i64::MAX), &limit_i64(limit)],
            )
            .map_err(self.error())?;
        Ok(rows
            .into_iter()
            .map(|row| StoredAlert {
                id: row.get(0),
                at: row.get(1),
                kind: row.get(2),
                domain: row.get(3),
                body: row.get(4),
            })
            .collect())
    }

    fn name_page(
        &mut self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<NameState>, StoreError> {
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT domain, {NAME_COLUMNS} FROM monitor_names
                     WHERE domain > $1 ORDER BY domain LIMIT $2"
                ),
                &[&after.unwrap_or(""), &limit_i64(limit)],
            )
            .map_err(self.error())?;
        rows.into_iter()
            .map(|row| {
                let domain: String = row.try_get(0).map_err(self.error())?;
                let state = name_row(&row, 1).map_err(self.error())?;
                name_state(&self.url, &domain, state)
            })
            .collect()
    }
}

/// Opens the monitor's state: a `postgres://` (or `postgresql://`) URL, or
/// else a SQLite file.
pub fn open_state(location: &str) -> Result<Box<dyn StateStore>, StoreError> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        Ok(Box::new(PostgresState::connect(location)?))
    } else {
        Ok(Box::new(crate::store::SqliteState::open(location)?))
    }
}
