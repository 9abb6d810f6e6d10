//! The registry of families: one module per family, each opening with a
//! doc comment on the malware, its write-ups, its seeds and its windows.
//!
//! To add a family: write `families/<name>.rs` exporting
//! `pub static FAMILY: Family`, declare the module below and add it to
//! [`ALL`] (any order: `all_families` sorts by name).

use crate::family::Family;

mod banjori;

// --- section a ---

// --- end a ---

// --- section b ---

// --- end b ---

// --- section c ---

// --- end c ---

// --- section d ---

// --- end d ---

// --- section e ---
mod pykspa;
mod pykspa2;
mod pykspa2s;
mod qadars;
mod qakbot;
mod qsnatch;
mod ramnit;
mod ranbyus;
mod reconyc;
// --- end e ---

// --- section f ---

// --- end f ---

// --- section g ---

// --- end g ---

// --- section h ---

// --- end h ---

/// Every family, in no particular order.
pub static ALL: &[&Family] = &[
    &banjori::FAMILY,
    // --- list a ---

    // --- end list a ---

    // --- list b ---

    // --- end list b ---

    // --- list c ---

    // --- end list c ---

    // --- list d ---

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

    // --- end list f ---

    // --- list g ---

    // --- end list g ---

    // --- list h ---

    // --- end list h ---
];

#[cfg(test)]
pub(crate) mod testing;
