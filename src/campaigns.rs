//! Campaign files at the edge: reading a campaign and the allow-list and
//! legitimate-domain files it names, each up to a limit, with messages that
//! name the file. Shared by the commands (`check-config`, `plan`, `export`)
//! and the daemon, so every campaign is read one way.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use cautery_seeds::{read_bounded_text, FileKind};
use cautery_zone::{AllowList, Campaign};

/// A campaign: TOML of a few KiB, more with long inline lists.
pub const CAMPAIGN_FILE: FileKind = FileKind {
    what: "campaign file",
    limit: 64 * MIB,
    advice: "move long name lists into allow-list files",
};

/// An allow-list file: a name or suffix a line.
pub const ALLOW_LIST_FILE: FileKind = FileKind {
    what: "allow-list file",
    limit: 512 * MIB,
    advice: "keep the names that matter (a top-million list is about 30 MB) or split it",
};

/// A known-legitimate domain list, e.g. a Tranco top-site CSV.
pub const LEGITIMATE_LIST: FileKind = FileKind {
    what: "legitimate-domain list",
    limit: 512 * MIB,
    advice: "keep the top names (a top-million list is about 30 MB) or split it",
};

/// The serial state `cautery export` keeps beside an RPZ file: two lines.
pub const SERIAL_STATE: FileKind = FileKind {
    what: "serial state",
    limit: 64 * 1024,
    advice:
        "cautery writes two short lines there; delete the file to start the serial from the clock",
};

const MIB: u64 = 1024 * 1024;

/// Reads a text file of `kind`, at most its limit, with a message naming
/// the file (so a wrong path such as /dev/zero fails clearly instead of
/// filling memory).
pub fn read_text(path: &Path, kind: &FileKind) -> Result<String> {
    Ok(read_bounded_text(path, kind)?)
}

/// A campaign read from a file, with the folder its relative paths are
/// resolved from.
pub struct LoadedCampaign {
    /// The campaign.
    pub campaign: Campaign,
    /// The campaign file's folder.
    pub base: PathBuf,
}

/// Reads and validates a campaign file.
pub fn load(path: &str) -> Result<LoadedCampaign> {
    let path = Path::new(path);
    let text = read_text(path, &CAMPAIGN_FILE)?;
    let campaign =
        Campaign::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let base = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(LoadedCampaign { campaign, base })
}

fn resolve(base: &Path, file: &str) -> PathBuf {
    let path = Path::new(file);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// The allow-list of a campaign: its inline names and suffixes, its files
/// and its legitimate-domain lists, plus files given on the command line.
/// Prints one warning line per list with skipped lines.
pub fn allow_list(
    campaign: &Campaign,
    base: &Path,
    extra_files: &[String],
    extra_legitimate: &[String],
) -> Result<AllowList> {
    let mut allow = AllowList::new();
    for name in &campaign.allow.names {
        allow.add_name("allow.names", name);
    }
    for suffix in &campaign.allow.suffixes {
        allow.add_suffix("allow.suffixes", suffix);
    }
    let files = campaign
        .allow
        .files
        .iter()
        .map(|f| resolve(base, f))
        .chain(extra_files.iter().map(PathBuf::from));
    for path in files {
        let text = read_text(&path, &ALLOW_LIST_FILE)?;
        allow
            .add_file(&path.display().to_string(), &text)
            .map_err(|e| anyhow::anyhow!("allow-list file {}: {e}", path.display()))?;
    }
    let lists = campaign
        .allow
        .legitimate
        .iter()
        .map(|f| resolve(base, f))
        .chain(extra_legitimate.iter().map(PathBuf::from));
    for path in lists {
        let text = read_text(&path, &LEGITIMATE_LIST)?;
        let (added, skipped) = allow.add_legitimate(&path.display().to_string(), &text);
        if added == 0 {
            bail!(
                "legitimate-domain list {} holds no domain; expected rank,domain lines or one domain a line",
                path.display()
            );
        }
        if skipped > 0 {
            warn(&format!(
                "{}: skipped {skipped} lines that are not domain names",
                path.display()
            ));
        }
    }
    Ok(allow)
}

/// A warning about an input file: through `tracing` inside the daemon (its
/// log), on stderr for a command.
fn warn(message: &str) {
    if tracing::dispatcher::has_been_set() {
        tracing::warn!("{message}");
    } else {
        eprintln!("cautery: {message}");
    }
}
