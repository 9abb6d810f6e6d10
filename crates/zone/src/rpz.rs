//! Response GatedPlan Zones: the policy as a zone file that BIND 9, Unbound,
//! PowerDNS Recursor and Knot Resolver load.
//!
//! Implements the QNAME triggers and actions of draft-vixie-dnsop-dns-rpz
//! (Vixie and Schryver): `CNAME .` (NXDOMAIN), `CNAME *.` (NODATA),
//! `CNAME rpz-drop.`, `CNAME rpz-passthru.`, local data (A/AAAA) and a CNAME
//! to a sinkhole name; `*.name` repeats the rule for names under a predicted
//! name. The zone file follows RFC 1035 §5 with `$ORIGIN` and `$TTL`
//! (RFC 2308). Provenance (family, seed and window) is written as comments,
//! which every resolver ignores.
//!
//! Serials: the zone's digest is SHA-256 over its text with the serial left
//! out; the serial changes only when the digest does, and then becomes the
//! Unix time of the export or the previous serial plus one, whichever is
//! later in RFC 1982 serial arithmetic, so it grows on every change even when
//! the state file is lost.
//!
//! Known limitations: no client-IP, IP or NSDNAME triggers; Knot Resolver 5
//! ignores CNAMEs to a custom target (see [`crate::Resolver::cannot_express`]).

use std::fmt::Write as _;
use std::io::{self, Write};

use cautery_dga::Window;
use cautery_policy::serial;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::campaign::Campaign;
pub use crate::campaign::DEFAULT_ZONE;
use crate::plan::{Entry, GatedPlan};
use cautery_policy::Action;

/// The serial of a policy zone and the digest of the content it was given to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialState {
    /// SOA serial.
    pub serial: u32,
    /// Hex SHA-256 of the zone with the serial left out.
    pub digest: String,
}

impl SerialState {
    /// Reads the text written by [`SerialState::to_text`]; `None` if it is
    /// not such a text.
    pub fn parse(text: &str) -> Option<SerialState> {
        let mut serial = None;
        let mut digest = None;
        for line in text.lines() {
            match line.split_once('=') {
                Some(("serial", value)) => serial = value.trim().parse().ok(),
                Some(("digest", value)) => {
                    let value = value.trim();
                    if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
                        digest = Some(value.to_ascii_lowercase());
                    }
                }
                _ => {}
            }
        }
        Some(SerialState {
            serial: serial?,
            digest: digest?,
        })
    }

    /// The state as `serial=N` and `digest=HEX` lines.
    pub fn to_text(&self) -> String {
        format!("serial={}\ndigest={}\n", self.serial, self.digest)
    }
}

/// The serial for content with `digest`, given the previous state, at the
/// instant `at`.
pub fn next_serial(previous: Option<&SerialState>, digest: &str, at: DateTime<Utc>) -> SerialState {
    let serial = match previous {
        Some(p) if p.digest == digest => p.serial,
        other => serial::next(other.map(|p| p.serial), at),
    };
    SerialState {
        serial,
        digest: digest.to_owned(),
    }
}

/// SHA-256 over what is written to it, for the content digest.
#[derive(Debug, Default)]
pub struct Digester(Sha256);

impl Digester {
    /// An empty digest.
    pub fn new() -> Digester {
        Digester::default()
    }

    /// The digest in lower-case hex.
    pub fn finish(self) -> String {
        self.0
            .finalize()
            .iter()
            .fold(String::with_capacity(64), |mut text, byte| {
                let _ = write!(text, "{byte:02x}");
                text
            })
    }
}

impl Write for Digester {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Hex SHA-256 of the zone's content with the serial left out: the header
/// as [`write_header`] writes it without a serial, then every rule's name
/// and origins (family, seed, window) in binary form, which is cheaper than
/// rendering millions of rules twice and changes exactly when they do.
pub fn digest(policy: &GatedPlan, campaign: &Campaign) -> String {
    let mut digester = Digester::new();
    // Writing to a digester cannot fail.
    let _ = write_header(policy, campaign, None, &mut digester);
    let _ = writeln!(digester, "{}", campaign.subdomains);
    for rule in rdata_lines(&campaign.action) {
        digester.0.update(rule.as_bytes());
        digester.0.update([0]);
    }
    let stamp = |at: Option<DateTime<Utc>>| at.map_or(i64::MIN, |t| t.timestamp());
    for entry in policy.entries() {
        digester.0.update(entry.name().as_bytes());
        digester.0.update([0]);
        for origin in entry.origins() {
            digester.0.update(origin.family.as_bytes());
            digester.0.update([0]);
            digester.0.update(origin.seed.as_bytes());
            digester.0.update([0]);
            digester.0.update(stamp(origin.window.from).to_be_bytes());
            digester.0.update(stamp(origin.window.to).to_be_bytes());
        }
        digester.0.update([1]);
    }
    digester.finish()
}

/// Writes the policy zone with SOA serial `serial`.
pub fn render(
    policy: &GatedPlan,
    campaign: &Campaign,
    serial: u32,
    out: &mut impl Write,
) -> io::Result<()> {
    write_header(policy, campaign, Some(serial), out)?;
    write_rules(policy, campaign, out)
}

/// The right-hand side of a rule, in zone file syntax.
fn rdata_lines(action: &Action) -> Vec<String> {
    action.rpz_data().map(|data| data.to_string()).collect()
}

/// `from/to` of a window, `-` for an open side.
pub fn window_text(window: Window) -> String {
    let mut text = String::with_capacity(41);
    push_window(&mut text, window);
    text
}

/// Appends `from/to` of a window to `text`.
pub fn push_window(text: &mut String, window: Window) {
    push_instant(text, window.from);
    text.push('/');
    push_instant(text, window.to);
}

/// An instant as `2026-01-01T00:00:00Z`, or empty for `None` (CSV fields).
pub fn instant_text(at: Option<DateTime<Utc>>) -> String {
    let mut text = String::with_capacity(20);
    cautery_policy::push_instant(&mut text, at);
    text
}

/// Appends an instant as `2026-01-01T00:00:00Z` (`-` for `None`).
pub fn push_instant(text: &mut String, at: Option<DateTime<Utc>>) {
    match at {
        None => text.push('-'),
        Some(_) => cautery_policy::push_instant(text, at),
    }
}

fn provenance(entry: &Entry<'_>, text: &mut String) {
    text.clear();
    for (i, origin) in entry.origins().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(origin.family);
        text.push('/');
        if origin.seed.contains(['\n', '\r']) {
            text.push_str(&origin.seed.replace(['\n', '\r'], " "));
        } else {
            text.push_str(origin.seed);
        }
        text.push(' ');
        push_window(text, origin.window);
    }
}

/// Writes the zone's comments, `$ORIGIN`, `$TTL`, SOA and NS records; the
/// SOA serial is written as `-` when `serial` is `None` (for the digest).
pub fn write_header(
    policy: &GatedPlan,
    campaign: &Campaign,
    serial: Option<u32>,
    out: &mut impl Write,
) -> io::Result<()> {
    let zone = &campaign.zone;
    let soa = &zone.soa;
    writeln!(
        out,
        "; cautery policy zone for campaign '{}': {} names, action {}{}",
        campaign.name,
        policy.len(),
        campaign.action,
        if campaign.subdomains {
            ", names under them too"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "; RPZ QNAME triggers (draft-vixie-dnsop-dns-rpz); comments give family/seed and window [from, to)"
    )?;
    writeln!(out, "$ORIGIN {}.", zone.name)?;
    writeln!(out, "$TTL {}", campaign.ttl)?;
    match serial {
        Some(serial) => writeln!(
            out,
            "@ IN SOA {}. {}. {serial} {} {} {} {}",
            soa.mname, soa.rname, soa.refresh, soa.retry, soa.expire, soa.minimum
        )?,
        None => writeln!(
            out,
            "@ IN SOA {}. {}. - {} {} {} {}",
            soa.mname, soa.rname, soa.refresh, soa.retry, soa.expire, soa.minimum
        )?,
    }
    for ns in &zone.ns {
        writeln!(out, "@ IN NS {ns}.")?;
    }
    Ok(())
}

/// Writes one rule per name (and per `*.name` when subdomains are covered),
/// with provenance comments.
pub fn write_rules(
    policy: &GatedPlan,
    campaign: &Campaign,
    out: &mut impl Write,
) -> io::Result<()> {
    let rdata = rdata_lines(&campaign.action);
    let mut origins = String::new();
    for entry in policy.entries() {
        let name = entry.name();
        provenance(&entry, &mut origins);
        for (i, line) in rdata.iter().enumerate() {
            if i == 0 {
                writeln!(out, "{name} {line} ; {origins}")?;
            } else {
                writeln!(out, "{name} {line}")?;
            }
        }
        if campaign.subdomains {
            for line in &rdata {
                writeln!(out, "*.{name} {line}")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("instant")
    }

    #[test]
    fn serials_stay_for_the_same_content_and_grow_on_change() {
        let first = next_serial(None, "aa", at("2026-11-26T00:00:00Z"));
        assert_eq!(first.serial, 1_795_651_200);
        let same = next_serial(Some(&first), "aa", at("2026-11-27T00:00:00Z"));
        assert_eq!(same.serial, first.serial);
        let changed = next_serial(Some(&first), "bb", at("2026-11-26T00:00:00Z"));
        assert_eq!(changed.serial, first.serial + 1);
        let later = next_serial(Some(&changed), "cc", at("2026-11-27T00:00:00Z"));
        assert!(serial::is_before(changed.serial, later.serial));
        // A serial ahead of the clock keeps counting from where it is.
        let ahead = SerialState {
            serial: u32::MAX,
            digest: "aa".to_owned(),
        };
        let wrapped = next_serial(Some(&ahead), "bb", at("2026-11-26T00:00:00Z"));
        assert!(serial::is_before(ahead.serial, wrapped.serial));
    }

    #[test]
    fn serial_state_round_trips_and_refuses_junk() {
        let state = SerialState {
            serial: 42,
            digest: "ab".repeat(32),
        };
        assert_eq!(SerialState::parse(&state.to_text()), Some(state));
        assert_eq!(SerialState::parse("serial=x\n"), None);
        assert_eq!(SerialState::parse("serial=1\ndigest=zz\n"), None);
    }

    fn policy_for(campaign: &Campaign, at: &str) -> GatedPlan {
        let seeds = crate::bind_targets(&campaign.targets).expect("bind");
        let plan =
            crate::plan(&seeds, &campaign.horizon, at.parse().expect("instant")).expect("plan");
        GatedPlan::new(
            plan,
            &crate::AllowList::new(),
            &campaign.zone.name,
            campaign.subdomains,
        )
    }

    #[test]
    fn the_digest_follows_the_content_and_nothing_else() {
        let campaign = Campaign::from_toml(
            "version = 1\n[[target]]\nfamily = \"corebot\"\n[horizon]\ndays-back = 0\ndays-ahead = 0\n",
        )
        .expect("campaign");
        let morning = digest(&policy_for(&campaign, "2026-11-26T06:00:00Z"), &campaign);
        let evening = digest(&policy_for(&campaign, "2026-11-26T18:00:00Z"), &campaign);
        let next_day = digest(&policy_for(&campaign, "2026-11-27T06:00:00Z"), &campaign);
        assert_eq!(morning, evening, "same names and windows");
        assert_ne!(morning, next_day);
        let mut sinkhole = campaign.clone();
        sinkhole.action = Action::parse("sinkhole:192.0.2.1").expect("action");
        assert_ne!(
            morning,
            digest(&policy_for(&sinkhole, "2026-11-26T06:00:00Z"), &sinkhole)
        );
        let mut text = Vec::new();
        let policy = policy_for(&campaign, "2026-11-26T06:00:00Z");
        render(&policy, &campaign, 7, &mut text).expect("render");
        let text = String::from_utf8(text).expect("utf-8");
        assert!(text.contains("@ IN SOA localhost. hostmaster.rpz.cautery.invalid. 7 "));
        assert_eq!(
            text.lines().filter(|l| l.contains(" CNAME . ;")).count(),
            policy.len()
        );
    }

    #[test]
    fn every_action_has_its_rpz_rule() {
        assert_eq!(rdata_lines(&Action::Nxdomain), vec!["CNAME ."]);
        assert_eq!(rdata_lines(&Action::Nodata), vec!["CNAME *."]);
        assert_eq!(rdata_lines(&Action::Drop), vec!["CNAME rpz-drop."]);
        assert_eq!(rdata_lines(&Action::Passthru), vec!["CNAME rpz-passthru."]);
        assert_eq!(
            rdata_lines(&Action::parse("sinkhole:192.0.2.1,2001:db8::1").expect("ok")),
            vec!["A 192.0.2.1", "AAAA 2001:db8::1"]
        );
        assert_eq!(
            rdata_lines(&Action::parse("cname:sink.example.net").expect("ok")),
            vec!["CNAME sink.example.net."]
        );
    }
}
