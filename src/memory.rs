//! Memory bounds of the commands that hold a whole plan: the memory there
//! is for this process (the least of the machine's available memory, the
//! cgroup's limit and the address-space limit of `ulimit -v`), and a check
//! that refuses a plan too large for it before anything is allocated,
//! rather than aborting half-way when an allocation fails.
//!
//! Known limitations: the estimate samples the first days of the range
//! (crates/zone's `estimate_predictions`), so a family whose output grows
//! over the years is estimated from its first week; the bytes per
//! prediction are measured, not computed.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use cautery_zone::{estimate_predictions, BoundSeed, BYTES_PER_PREDICTION};
use chrono::{DateTime, Utc};

/// Memory a command needs besides its plan: the binary, the family tables,
/// the threads' stacks.
const BASE: u64 = 32 << 20;

/// Address space each generating thread reserves beyond what it uses
/// (glibc's malloc arena), which counts under `ulimit -v`.
const THREAD_RESERVE: u64 = 64 << 20;

const MIB: u64 = 1 << 20;

/// A number from a `/proc` or cgroup file: `Key:   N kB` lines or a bare
/// number.
fn proc_value(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .map(|kib| kib * 1024)
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The cgroup (v2) of this process: its folder under /sys/fs/cgroup.
fn cgroup_dir() -> Option<PathBuf> {
    let text = read(Path::new("/proc/self/cgroup"))?;
    let relative = text.lines().find_map(|line| line.strip_prefix("0::"))?;
    Some(Path::new("/sys/fs/cgroup").join(relative.trim_start_matches('/')))
}

/// Bytes this process may still allocate, and which limit that is.
pub fn available() -> Option<(u64, &'static str)> {
    let mut limits: Vec<(u64, &'static str)> = Vec::new();
    if let Some(meminfo) = read(Path::new("/proc/meminfo")) {
        if let Some(free) = proc_value(&meminfo, "MemAvailable") {
            limits.push((free, "the machine's available memory"));
        }
    }
    if let Some(dir) = cgroup_dir() {
        let max = read(&dir.join("memory.max")).and_then(|t| t.trim().parse::<u64>().ok());
        let current = read(&dir.join("memory.current")).and_then(|t| t.trim().parse::<u64>().ok());
        if let (Some(max), Some(current)) = (max, current) {
            limits.push((max.saturating_sub(current), "the cgroup's memory.max"));
        }
    }
    if let Some(limit) = rustix::process::getrlimit(rustix::process::Resource::As).current {
        let used = read(Path::new("/proc/self/status"))
            .and_then(|status| proc_value(&status, "VmSize"))
            .unwrap_or(0);
        let threads = std::thread::available_parallelism().map_or(1, usize::from) as u64;
        let reserve = threads.min(16) * THREAD_RESERVE;
        limits.push((
            limit.saturating_sub(used).saturating_sub(reserve),
            "the address-space limit (ulimit -v)",
        ));
    }
    limits.into_iter().min_by_key(|(bytes, _)| *bytes)
}

/// Refuses a plan of `seeds` over `[start, end)` that would not fit the
/// memory there is, saying what it needs and `advice` (what to do); else
/// returns the estimated predictions.
pub fn check_plan(
    seeds: &[BoundSeed],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    advice: &str,
) -> Result<u64> {
    let predictions = estimate_predictions(seeds, start, end);
    let Some((free, limit)) = available() else {
        return Ok(predictions);
    };
    let needed = BASE + predictions * BYTES_PER_PREDICTION;
    if needed > free {
        bail!(
            "about {:.1} million names over {} to {} need about {} MiB of memory, more than the {} MiB left under {limit}; {advice}",
            predictions as f64 / 1e6,
            start.date_naive(),
            (end - chrono::TimeDelta::seconds(1)).date_naive(),
            needed.div_ceil(MIB),
            free / MIB
        );
    }
    Ok(predictions)
}

/// Bytes `cautery serve` holds per prediction it serves: the forecast
/// (predictions over the horizon plus a day), the policy zone built from it,
/// its wire form for transfers and the saved state written beside it.
/// Measured (README, "cautery serve"): 22.4 million rules peaked at
/// 3,997 MiB, 9.9 million at 1,297 MiB (about 180 and 140 bytes a rule);
/// small zones cost more per rule (the defaults, 1.26 million rules, 427
/// MB) but fit anyway.
pub const SERVE_BYTES_PER_PREDICTION: u64 = 180;

/// Refuses a daemon configuration whose zones, `(zone, predictions)`, would
/// not fit the memory there is, naming the largest zone and what to do.
pub fn check_serve(zones: &[(String, u64)]) -> Result<()> {
    let Some((free, limit)) = available() else {
        return Ok(());
    };
    let predictions: u64 = zones.iter().map(|(_, n)| n).sum();
    let needed = BASE + predictions * SERVE_BYTES_PER_PREDICTION;
    if needed > free {
        let (largest, largest_count) = zones
            .iter()
            .max_by_key(|(_, n)| *n)
            .map_or(("", 0), |(zone, n)| (zone.as_str(), *n));
        bail!(
            "serving about {:.1} million names needs about {} MiB of memory, more than the {} MiB left under {limit}; \
             the largest zone, {largest}, holds about {:.1} million: shorten its campaigns' days-back/days-ahead, name fewer families or seeds, or give the daemon more memory",
            predictions as f64 / 1e6,
            needed.div_ceil(MIB),
            free / MIB,
            largest_count as f64 / 1e6,
        );
    }
    Ok(())
}

/// Predictions above which a plan takes more than a few seconds, so a
/// person at a terminal is shown what is happening.
const PROGRESS_FROM: u64 = 2_000_000;

/// A spinner on stderr saying `message`, for a plan of about `predictions`
/// names: only on a terminal and only for long runs, so scripts and pipes
/// stay quiet.
pub fn progress(predictions: u64, message: String) -> Option<indicatif::ProgressBar> {
    if predictions < PROGRESS_FROM || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    Some(bar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_values_read_kib_lines() {
        let text = "MemTotal:       24683568 kB\nMemAvailable:   22785908 kB\n";
        assert_eq!(proc_value(text, "MemAvailable"), Some(22_785_908 * 1024));
        assert_eq!(proc_value(text, "MemFree"), None);
    }
}
