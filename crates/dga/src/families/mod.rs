//! The registry of families: one module per family, each opening with a
//! doc comment on the malware, its write-ups, its seeds and its windows.
//!
//! To add a family: write `families/<name>.rs` exporting
//! `pub static FAMILY: Family`, declare the module below and add it to
//! [`ALL`] (any order: `all_families` sorts by name).

use crate::family::Family;

mod banjori;
mod mt19937;
mod seed_text;

// --- section a ---
mod bazarbackdoor;
mod bumblebee;
mod chinad;
mod corebot;
mod darkcracks;
mod dircrypt;
mod dmsniff;
// --- end a ---

// --- section b ---
mod dnschanger;
mod fobber;
mod fosniw;
mod gozi;
pub(crate) mod kraken_v1;
pub(crate) mod kraken_v2;
mod m0yv;
mod monerodownloader;
mod mydoom;
// --- end b ---

// --- section c ---
mod goz;
pub(crate) mod locky;
pub(crate) mod murofet;
pub(crate) mod murofet_v2;
pub(crate) mod necurs;
mod newgoz;
mod ngioweb;
mod padcrypt;

// --- end c ---

// --- section d ---
mod nymaim;
mod nymaim2;
mod orchard;
mod pitou;
mod proslikefan;
mod pushdo;

// --- end d ---

// --- section e ---
mod pykspa;
mod pykspa2;
mod pykspa2s;
pub(crate) mod qadars;
mod qakbot;
mod qsnatch;
mod ramnit;
pub(crate) mod ranbyus;
mod reconyc;
// --- end e ---

// --- section f ---
mod sharkbot;
mod shiotob;
mod simda;
mod sisron;
mod suppobox;
mod symmi;
mod tempedreve;
pub(crate) mod tinba;
// --- end f ---

// --- section g ---
mod ramdo;
mod tufik;
mod unnamed_downloader;
mod unnamed_javascript;
mod vawtrak;
mod verblecon;
mod vidro;
mod zloader;

// --- end g ---

// --- section p (issue 15, part A) ---
mod dyre;
mod flubot;
mod mirai;
mod prometei;
mod tofsee;
// --- end p ---

// --- section c (issue 15, part C) ---
mod ares;
mod mltbackdoor;
// --- end c ---

// --- section m (issue 15: generators of things other than domains) ---
pub mod miniduke;
pub mod sunburst;
// --- end m ---

// --- section h ---
mod bigviktor;
mod ccleaner;
mod conficker;
mod conficker_a;
mod conficker_b;
mod conficker_c;
mod cryptolocker;
mod enviserv;
mod xshellghost;

// --- end h ---

// --- section j ---
mod charbot;
mod matsnu;
// --- end j ---

// --- public data ---
pub(crate) mod bedep;
mod bedep_tables;
pub(crate) mod orchard_balance;
mod torpig;
mod torpig_trend;
// --- end public data ---

/// Every family, in no particular order.
pub static ALL: &[&Family] = &[
    &banjori::FAMILY,
    // --- list a ---
    &bazarbackdoor::FAMILY,
    &bumblebee::FAMILY,
    &chinad::FAMILY,
    &corebot::FAMILY,
    &darkcracks::FAMILY,
    &dircrypt::FAMILY,
    &dmsniff::FAMILY,
    // --- end list a ---

    // --- list b ---
    &dnschanger::FAMILY,
    &fobber::FAMILY,
    &fosniw::FAMILY,
    &gozi::FAMILY,
    &kraken_v1::FAMILY,
    &kraken_v2::FAMILY,
    &m0yv::FAMILY,
    &monerodownloader::FAMILY,
    &mydoom::FAMILY,
    // --- end list b ---

    // --- list c ---
    &goz::FAMILY,
    &locky::FAMILY,
    &murofet::FAMILY,
    &murofet_v2::FAMILY,
    &necurs::FAMILY,
    &newgoz::FAMILY,
    &ngioweb::FAMILY,
    &padcrypt::FAMILY,
    // --- end list c ---

    // --- list d ---
    &nymaim::FAMILY,
    &nymaim2::FAMILY,
    &orchard::FAMILY,
    &pitou::FAMILY,
    &proslikefan::FAMILY,
    &pushdo::FAMILY,
    // --- end list d ---

    // --- list e ---
    &pykspa::FAMILY,
    &pykspa2::FAMILY,
    &pykspa2s::FAMILY,
    &qadars::FAMILY,
    &qakbot::FAMILY,
    &qsnatch::FAMILY,
    &ramnit::FAMILY,
    &ranbyus::FAMILY,
    &reconyc::FAMILY,
    // --- end list e ---

    // --- list f ---
    &sharkbot::FAMILY,
    &shiotob::FAMILY,
    &simda::FAMILY,
    &sisron::FAMILY,
    &suppobox::FAMILY,
    &symmi::FAMILY,
    &tempedreve::FAMILY,
    &tinba::FAMILY,
    // --- end list f ---

    // --- list g ---
    &ramdo::FAMILY,
    &tufik::FAMILY,
    &unnamed_downloader::FAMILY,
    &unnamed_javascript::FAMILY,
    &vawtrak::FAMILY,
    &verblecon::FAMILY,
    &vidro::FAMILY,
    &zloader::FAMILY,
    // --- end list g ---

    // --- list p (issue 15, part A) ---
    &mirai::FAMILY,
    &tofsee::FAMILY,
    &flubot::FAMILY,
    &dyre::FAMILY,
    &prometei::FAMILY,
    // --- end list p ---

    // --- list c (issue 15, part C) ---
    &ares::FAMILY,
    &mltbackdoor::FAMILY,
    // --- end list c ---

    // --- list h ---
    &bigviktor::FAMILY,
    &ccleaner::FAMILY,
    &conficker_a::FAMILY,
    &conficker_b::FAMILY,
    &conficker_c::FAMILY,
    &cryptolocker::FAMILY,
    &enviserv::FAMILY,
    &xshellghost::FAMILY,
    // --- end list h ---

    // --- list j ---
    &charbot::FAMILY,
    &matsnu::FAMILY,
    &m0yv::TIME_DEPENDENT,
    // --- end list j ---

    // --- list public data ---
    &torpig::FAMILY,
    &torpig_trend::FAMILY,
    // --- end list public data (date part) ---
];

/// Every family seeded by public data, in no particular order; not in
/// [`ALL`] because they cannot generate without an input.
pub static PUBLIC_DATA: &[&crate::public::PublicDataFamily] = &[
    &bedep::FAMILY,
    &orchard_balance::FAMILY,
    &torpig_trend::INPUT_FAMILY,
    // --- end list public data ---
];

#[cfg(test)]
pub(crate) mod testing;
