//! The reports unit: every day at `[report] at` (UTC, by the daemon's
//! clock) it writes yesterday's per-network reports from the event store
//! into `[report] out`, and with `send` mails each subscriber its files,
//! as `cautery report --send` does. Deliveries are recorded in the ledger
//! beside the files, so a restart or a second run never mails twice; when
//! a delivery failed, the day is tried again every hour until it is sent.
//!
//! Known limitations: a day whose run time passed while the daemon was
//! down is made at the next start only if it is yesterday's; older days
//! need `cautery report`.

use std::sync::Arc;
use std::time::Duration;

use cautery_events::report::scopes_of;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::commands::events::{deliver, write_day};
use crate::daemon::center::{stopped, Center, Unit};
use crate::daemon::runtime::{ReportSchedule, Runtime};
use crate::daemon::units::events::open_store;

/// How soon a day with failed deliveries is tried again.
const RETRY: TimeDelta = TimeDelta::hours(1);

/// Starts the unit; it idles while no run is scheduled.
pub fn start(center: Arc<Center>) -> Unit {
    Unit::spawn("reports", async move {
        let mut reloads = center.reloads();
        // The day made last, and when to try it again if deliveries failed.
        let mut done: Option<NaiveDate> = None;
        let mut retry: Option<(NaiveDate, DateTime<Utc>)> = None;
        loop {
            let runtime = center.runtime();
            let now = center.clock.now();
            if let Some(schedule) = runtime.report.clone() {
                let yesterday = now.date_naive() - TimeDelta::days(1);
                let due_today = now.time() >= schedule.at && done != Some(yesterday);
                let due_retry = retry.is_some_and(|(_, when)| now >= when);
                let day = if due_today {
                    Some(yesterday)
                } else if due_retry {
                    retry.map(|(day, _)| day)
                } else {
                    None
                };
                if let Some(day) = day {
                    if due_today {
                        done = Some(yesterday);
                    }
                    let failed = tokio::task::spawn_blocking(move || run(&runtime, &schedule, day))
                        .await
                        .unwrap_or(true);
                    retry = failed.then(|| (day, now + RETRY));
                }
            }
            let wait = center.clock.wait(Some(now + TimeDelta::seconds(30)));
            tokio::select! {
                _ = stopped(center.stopping()) => break,
                _ = tokio::time::sleep(wait.max(Duration::from_millis(100))) => {}
                changed = reloads.changed() => if changed.is_err() { break },
            }
        }
    })
}

/// Makes and delivers the reports of `day`; true when something failed
/// that a later run may fix.
fn run(runtime: &Runtime, schedule: &ReportSchedule, day: NaiveDate) -> bool {
    let Some(events) = &runtime.events else {
        return false;
    };
    let store = match open_store(&events.store) {
        Ok(store) => store,
        Err(error) => {
            tracing::error!("daily report of {day}: {error:#}");
            return true;
        }
    };
    let scopes = scopes_of(&schedule.subscribers);
    let summary = match write_day(store.as_ref(), day, schedule.by, scopes, &schedule.out) {
        Ok((summary, _)) => summary,
        Err(error) => {
            tracing::error!("daily report of {day}: {error:#}");
            return true;
        }
    };
    tracing::info!(%day, files = summary.files.len(), rows = summary.rows(), out = %schedule.out.display(), "daily reports written");
    let Some(mail) = &schedule.mail else {
        return false;
    };
    match deliver(
        day,
        &summary.files,
        &schedule.subscribers,
        &schedule.out,
        mail,
    ) {
        Ok(delivery) => {
            for (name, why) in &delivery.failed {
                tracing::error!(%day, subscriber = %name, "report delivery failed, retried in an hour: {why}");
            }
            tracing::info!(%day, sent = delivery.sent.len(), already = delivery.already.len(), nothing = delivery.nothing.len(), failed = delivery.failed.len(), "daily reports delivered");
            !delivery.failed.is_empty()
        }
        Err(error) => {
            tracing::error!("daily report of {day}: {error:#}");
            true
        }
    }
}
