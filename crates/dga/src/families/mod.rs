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

// --- end e ---

// --- section f ---

// --- end f ---

// --- section g ---

// --- end g ---

// --- section h ---
mod bigviktor;
mod ccleaner;
mod conficker;
mod conficker_a;
mod conficker_b;
mod cryptolocker;
mod enviserv;
mod xshellghost;

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

    // --- end list e ---

    // --- list f ---

    // --- end list f ---

    // --- list g ---

    // --- end list g ---

    // --- list h ---
    &bigviktor::FAMILY,
    &ccleaner::FAMILY,
    &conficker_a::FAMILY,
    &conficker_b::FAMILY,
    &cryptolocker::FAMILY,
    &enviserv::FAMILY,
    &xshellghost::FAMILY,
    // --- end list h ---
];

#[cfg(test)]
pub(crate) mod testing;
