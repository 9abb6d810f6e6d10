//! A small fixed [`Authority`] and response checks shared by the fuzz
//! target and the randomized tests of the message path. Not for
//! production use.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, OnceLock};

use crate::authority::{
    Handled, Prefix, Reply, ServedZone, SinkholeApex, TransferAccess, Transport,
};
use crate::journal::{Journal, JournalLimits};
use cautery_policy::DomainName;

use crate::records::{parse_name, Action, Policy, PolicyDiff, Rule, Soa};
use crate::tsig::TsigKey;
use crate::Authority;

/// The TSIG key of the fixture: `xfr-key.`, secret `0123456789abcdef`.
pub fn key() -> TsigKey {
    TsigKey::new(
        parse_name("xfr-key").unwrap_or_else(|_| hickory_proto::rr::Name::root()),
        b"0123456789abcdef".to_vec(),
    )
}

fn rule(name: &str, action: &Arc<Action>, subdomains: bool) -> Rule {
    Rule {
        name: DomainName::from_checked(name),
        action: action.clone(),
        subdomains,
        provenance: None,
    }
}

/// A policy zone `cautery.rpz.` at serial 2 with a journal from serial 1,
/// NXDOMAIN and sinkhole rules, loopback allowed to transfer, one key.
pub fn authority() -> &'static Authority {
    static AUTHORITY: OnceLock<Authority> = OnceLock::new();
    AUTHORITY.get_or_init(|| {
        let zone = DomainName::from_checked("cautery.rpz");
        let nx = Arc::new(Action::Nxdomain);
        let sink = Arc::new(Action::Sinkhole {
            v4: vec![Ipv4Addr::new(192, 0, 2, 1)],
            v6: vec![Ipv6Addr::LOCALHOST],
        });
        let make = |serial, rules| {
            Policy::new(
                zone.clone(),
                serial,
                Soa::default(),
                vec![zone.clone()],
                60,
                rules,
            )
        };
        let old = make(
            1,
            vec![rule("a.com", &nx, false), rule("sink.net", &sink, true)],
        );
        let new = make(
            2,
            (0..2000)
                .map(|i| rule(&format!("n{i}.example"), &nx, i % 2 == 0))
                .chain([
                    rule("sink.net", &sink, true),
                    rule("exact.org", &sink, false),
                ])
                .collect(),
        );
        let mut journal = Journal::new(JournalLimits::default());
        journal.push(PolicyDiff::between(&old, &new));
        Authority {
            zones: vec![ServedZone::new(Arc::new(new), Arc::new(journal))],
            access: TransferAccess {
                allow: Prefix::parse("127.0.0.0/8").into_iter().collect(),
                keys: vec![key()],
                require_key: false,
            },
            sinkhole: SinkholeApex::default(),
            cookie_secret: Some(crate::authority::CookieSecret(*b"fixture-cookie!!")),
            condense_ixfr: false,
        }
    })
}

/// Checks the invariants of a reply: UDP replies fit the UDP limit, every
/// message fits 65535 octets, transfers end within a bounded number of
/// messages. Panics when one is broken.
pub fn check(handled: Handled, transport: Transport) {
    match handled.reply {
        Reply::None => {}
        Reply::Message(bytes) => {
            assert!(bytes.len() <= 65_535);
            if transport == Transport::Udp {
                assert!(
                    bytes.len() <= usize::from(crate::authority::MAX_UDP_PAYLOAD),
                    "UDP reply of {} octets",
                    bytes.len()
                );
            }
            assert!(bytes.len() >= 12);
            assert!(bytes[2] & 0x80 != 0, "a reply must have QR set");
        }
        Reply::Transfer(mut transfer) => {
            assert_eq!(transport, Transport::Tcp, "transfers only over TCP");
            let mut messages = 0;
            while let Some(bytes) = transfer.next_message() {
                assert!(bytes.len() <= 65_535);
                messages += 1;
                assert!(messages < 10_000, "a transfer that does not end");
            }
            assert!(messages > 0);
        }
    }
}
