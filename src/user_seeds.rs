//! The user seed store: `seeds.toml` in the data directory.
//!
//! Seeds found by `cautery discover`, or read in a report, are kept here by
//! `cautery seed add` and removed by `cautery seed remove`. At start every
//! command reads the file and installs its seeds beside the built-in ones
//! (`cautery_dga::install_user_seeds`), so `families`, `generate
//! --all-seeds`, `lookup`, `plan`, `export` and `serve` use them, each named
//! `user:VALUE` and noted as a user seed. A file that does not parse, or a
//! seed its family cannot use, is an error naming the line: a seed silently
//! dropped would be a hole in a block list.
//!
//! ```toml
//! version = 1
//!
//! [[seed]]
//! family = "necurs"
//! value = "5"
//! note = "found by cautery discover from names of 2017-07-02"
//! ```
//!
//! Known limitation: `serve` reads the file when it starts; a seed added
//! later is used after a restart, not on SIGHUP.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use cautery_dga::UserSeed;
use serde::{Deserialize, Serialize};

/// The file's name in the data directory.
pub const FILE_NAME: &str = "seeds.toml";

/// Largest file read: far more than any analyst's list of seeds.
const MAX_BYTES: u64 = 16 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    #[serde(default)]
    seed: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    family: toml::Spanned<String>,
    value: toml::Spanned<String>,
    #[serde(default)]
    note: String,
}

#[derive(Serialize)]
struct WrittenFile<'a> {
    version: u32,
    seed: Vec<WrittenEntry<'a>>,
}

#[derive(Serialize)]
struct WrittenEntry<'a> {
    family: &'a str,
    value: &'a str,
    note: &'a str,
}

/// The path of the store in `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Reads the store; no file means no seeds. Each seed is checked against
/// its family, and an error names the file and line.
pub fn load(file: &Path) -> Result<Vec<UserSeed>> {
    let text = match std::fs::metadata(file) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error).with_context(|| format!("reading {}", file.display())),
        Ok(meta) if meta.len() > MAX_BYTES => bail!(
            "{} is {} bytes, more than the {MAX_BYTES} a seed store may hold",
            file.display(),
            meta.len()
        ),
        Ok(_) => std::fs::read_to_string(file)
            .with_context(|| format!("reading {} (it must be UTF-8 TOML)", file.display()))?,
    };
    parse(&text).with_context(|| format!("{}", file.display()))
}

fn parse(text: &str) -> Result<Vec<UserSeed>> {
    let parsed: File = toml::from_str(text).map_err(|error| {
        let line = error
            .span()
            .map(|span| format!("line {}: ", line_of(text, span.start)))
            .unwrap_or_default();
        anyhow::anyhow!(
            "{line}{} (fix or remove the line; `cautery seed add` writes this file)",
            error.message()
        )
    })?;
    if parsed.version != 1 {
        bail!(
            "version {} is not supported; this cautery reads version = 1",
            parsed.version
        );
    }
    let mut out = Vec::with_capacity(parsed.seed.len());
    for entry in parsed.seed {
        let seed = UserSeed {
            family: entry.family.get_ref().clone(),
            value: entry.value.get_ref().clone(),
            note: entry.note,
        };
        let Some(family) = cautery_dga::find_family_builtin(&seed.family) else {
            bail!(
                "line {}: unknown family '{}' (cautery families lists all)",
                line_of(text, entry.family.span().start),
                seed.family
            );
        };
        if let Err(error) = (family.bind)(&seed.value) {
            bail!(
                "line {}: seed '{}' does not fit {}: {error}",
                line_of(text, entry.value.span().start),
                seed.value,
                family.name
            );
        }
        out.push(seed);
    }
    Ok(out)
}

/// Writes `seeds` to the store, replacing it (through a temporary file, so
/// a crash leaves the old or the new file, never half of one).
pub fn save(file: &Path, seeds: &[UserSeed]) -> Result<()> {
    let written = WrittenFile {
        version: 1,
        seed: seeds
            .iter()
            .map(|s| WrittenEntry {
                family: &s.family,
                value: &s.value,
                note: &s.note,
            })
            .collect(),
    };
    let mut text = String::from(
        "# Seeds kept by `cautery seed add`; every cautery command uses them beside the\n\
         # built-in ones, named user:VALUE. Edit with `cautery seed add` / `cautery seed remove`.\n",
    );
    text.push_str(&toml::to_string(&written).context("writing the seed store")?);
    if let Some(dir) = file.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating {} for the seed store", dir.display()))?;
        }
    }
    let temporary = file.with_extension("toml.tmp");
    std::fs::write(&temporary, text).with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, file).with_context(|| format!("replacing {}", file.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_file_gives_its_seeds() {
        let seeds =
            parse("version = 1\n[[seed]]\nfamily = \"necurs\"\nvalue = \"5\"\nnote = \"x\"\n")
                .expect("parses");
        assert_eq!(seeds.len(), 1);
        assert_eq!(seeds[0].value, "5");
    }

    #[test]
    fn a_malformed_line_is_named() {
        let error = parse("version = 1\n[[seed]]\nfamily = \"necurs\nvalue = \"5\"\n")
            .expect_err("broken string");
        assert!(error.to_string().contains("line 3"), "{error}");
    }

    #[test]
    fn a_seed_the_family_cannot_use_is_named_by_line() {
        let error = parse("version = 1\n\n[[seed]]\nfamily = \"necurs\"\nvalue = \"five\"\n")
            .expect_err("not a number");
        assert!(error.to_string().contains("line 5"), "{error}");
        let error = parse("version = 1\n[[seed]]\nfamily = \"necrus\"\nvalue = \"5\"\n")
            .expect_err("unknown family");
        assert!(error.to_string().contains("line 3"), "{error}");
    }

    #[test]
    fn an_unknown_key_is_an_error() {
        let error =
            parse("version = 1\n[[seed]]\nfamily = \"necurs\"\nvalue = \"5\"\ncolour = 1\n")
                .expect_err("unknown key");
        assert!(error.to_string().contains("line 5"), "{error}");
    }
}
