//! GameOver ZeuS (P2P ZeuS), the peer-to-peer ZeuS fork of 2011-2014, and
//! its fallback DGA, used when a bot could reach no peer.
//!
//! The P2P botnet was analysed by CERT Polska ("ZeuS - P2P+DGA variant",
//! 2012,
//! <https://cert.pl/en/posts/2012/01/zeus-p2pdga-variant-mapping-out-and-understanding-the-threat/>)
//! and by Andriesse et al. ("Highly Resilient Peer-to-Peer Botnets Are
//! Here: An Analysis of Gameover Zeus", 2013). Its DGA makes 1000 names a
//! week with the algorithm of Murofet's variant 1 (Johannes Bader, "Three
//! Variants of Murofet's DGA",
//! <https://johannesbader.ch/2015/09/three-variants-of-murofets-dga/>): MD5
//! of `year + 0x30`, month, the day rounded down to a multiple of 7 and a
//! 32-bit little-endian index, each digest byte giving up to two letters;
//! the TLD follows the index (`.ru` if divisible by 6, else `.biz` by 5,
//! `.info` by 4, `.org` by 3, `.net` by 2, else `.com`). GameOver uses the
//! indices 0..1000, where Murofet counts to 1020; the names of a GameOver
//! epoch are therefore the first 1000 of the `murofet` family's `v1` seed.
//! An epoch ("week") is days 1-6, 7-13, 14-20, 21-27 or 28-end of a month.
//!
//! The family has no seed of its own. The successor that appeared after the
//! botnet's takedown in 2014 is `newgoz`.
//!
//! No write-up we could read spells the algorithm out for GameOver; the
//! identification rests on the reference list: andrewaeva/DGA's `goz.txt`
//! (1667 names, undated, shuffled) holds only `.ru` names, every one
//! of which is this algorithm's name for an index below 1000 (multiples of
//! 6 up to 996, none of 1002-1014) in one of 44 epochs from 2014-04-07 to
//! 2014-12-28. Each line is pinned to its epoch and index in
//! `test-data/goz/goz_pins.txt` (found by search) and the test rebuilds the
//! whole file in its order.

use chrono::NaiveDate;

use crate::families::murofet::{sevenths, v1_name};
use crate::family::{Family, Generator, Scheme, SeedError, SeedInfo, Seeding};
use crate::schedule::Schedule;

/// Names per epoch.
const COUNT: u32 = 1000;

/// The GameOver ZeuS family.
pub static FAMILY: Family = Family {
    name: "goz",
    aliases: &["gameover", "gameover-zeus", "p2p-zeus", "zeus-p2p"],
    summary: "GameOver ZeuS (P2P ZeuS) fallback DGA: 1000 MD5-based names a week",
    scheme: Scheme::Hash,
    seeding: Seeding::TDD,
    seeds: &[SeedInfo {
        name: "default",
        value: "default",
        note: "the algorithm has no seed; names seen in andrewaeva/DGA goz.txt (2014)",
    }],
    seed_form: "none: the family has no seed (give `default`)",
    schedule: Schedule::Custom {
        rule: "days 1-6, 7-13, 14-20, 21-27 and 28-end of each month (UTC)",
        epoch: sevenths,
    },
    lookback: 0,
    names_per_window: "1000",
    tlds: &["ru", "biz", "info", "org", "net", "com"],
    references: &[
        "https://cert.pl/en/posts/2012/01/zeus-p2pdga-variant-mapping-out-and-understanding-the-threat/",
        "https://johannesbader.ch/2015/09/three-variants-of-murofets-dga/",
        "https://github.com/andrewaeva/DGA",
    ],
    bind,
};

struct GameOver;

fn bind(raw: &str) -> Result<Box<dyn Generator>, SeedError> {
    match raw.trim() {
        "" | "default" => Ok(Box::new(GameOver)),
        _ => Err(SeedError::expected(FAMILY.seed_form)),
    }
}

impl Generator for GameOver {
    fn generate(&self, epoch: NaiveDate, out: &mut Vec<String>) {
        out.extend((0..COUNT).map(|index| v1_name(epoch, index)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::testing::{names, reference};

    #[test]
    fn matches_andrewaeva_goz_list() {
        let mut windows: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        let mut got = Vec::new();
        for pin in reference("goz/goz_pins.txt") {
            let fields: Vec<&str> = pin.split(' ').collect();
            let [_line, epoch, index] = fields[..] else {
                panic!("pin {pin:?}: expected line, epoch and index");
            };
            let window = windows
                .entry(epoch.to_owned())
                .or_insert_with(|| names(&FAMILY, "default", Some(epoch)));
            let index: usize = index.parse().expect("pin index");
            got.push(window[index].clone());
        }
        assert_eq!(got, reference("goz/goz.txt"));
    }

    #[test]
    fn a_week_holds_the_first_1000_murofet_v1_names() {
        let goz = names(&FAMILY, "default", Some("2014-06-10"));
        let murofet = names(&crate::families::murofet::FAMILY, "v1", Some("2014-06-10"));
        assert_eq!(goz.len(), 1000);
        assert_eq!(goz[..], murofet[..1000]);
    }

    #[test]
    fn refuses_a_seed() {
        assert!((FAMILY.bind)("0x1234").is_err());
    }
}
