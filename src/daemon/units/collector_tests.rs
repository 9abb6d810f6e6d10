//! The live `unknown-dga` rule of the collector: a client becomes a
//! finding at `unknown-min-names` distinct flagged names within the window,
//! unless most of the flagged names it got an answer for resolved.

use std::net::{IpAddr, SocketAddr};

use ahash::{AHashMap, AHashSet};
use cautery_detect::UNKNOWN_DGA;
use cautery_events::{Attribution, Details, Event, Transport};
use chrono::{DateTime, TimeDelta, Utc};

use super::{mostly_nxdomain, Findings};

const INFECTED: &str = "127.0.0.2";
const OTHER: &str = "127.0.0.3";

fn findings() -> Findings {
    Findings {
        min_names: 3,
        unknown_min_names: 10,
        window: TimeDelta::hours(24),
        confirmed: AHashSet::new(),
        pending: AHashMap::new(),
        answers: AHashMap::new(),
    }
}

fn client(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// A client's query for `name` of `family`, `second` seconds into the day.
fn query(from: &str, family: &str, name: &str, second: i64) -> Event {
    let time = DateTime::<Utc>::from_timestamp(1_764_633_600 + second, 0).unwrap();
    Event {
        time,
        transport: Transport::Udp,
        src: SocketAddr::new(client(from), 40_000),
        dst: SocketAddr::from(([127, 0, 0, 1], 53)),
        name: Some(name.to_owned()),
        attribution: Some(Attribution {
            provenance: cautery_policy::Provenance {
                family: family.into(),
                seed: "".into(),
                window: cautery_dga::Window::ALWAYS,
            },
            campaign: String::new(),
        }),
        details: Details::Dns { qtype: "A".into() },
        src_asn: None,
        src_as_name: None,
        src_country: None,
    }
}

fn flagged(i: usize) -> String {
    format!("xq{i}vbnrtk.com")
}

/// Asks for flagged names `0..count` in order, each followed by its answer
/// (`nxdomain(i)`, `None`: no response sent), and returns how many events
/// each query released.
fn ask(
    findings: &mut Findings,
    from: &str,
    count: usize,
    nxdomain: impl Fn(usize) -> Option<bool>,
) -> Vec<usize> {
    (0..count)
        .map(|i| {
            let second = i64::try_from(i).unwrap();
            let released = findings
                .admit(UNKNOWN_DGA, query(from, UNKNOWN_DGA, &flagged(i), second))
                .len();
            if let Some(nx) = nxdomain(i) {
                findings.answer(client(from), &flagged(i), nx);
            }
            released
        })
        .collect()
}

#[test]
fn a_client_at_the_threshold_whose_flagged_names_mostly_got_nxdomain_is_a_finding() {
    let mut findings = findings();
    // Answers to the first nine are known when the tenth is asked: 6 NXDOMAIN.
    let released = ask(&mut findings, INFECTED, 10, |i| Some(i % 3 != 0));
    assert_eq!(released, [0, 0, 0, 0, 0, 0, 0, 0, 0, 10]);
    // Confirmed: every later query is stored at once.
    let later = findings.admit(
        UNKNOWN_DGA,
        query(INFECTED, UNKNOWN_DGA, "late.example", 99),
    );
    assert_eq!(later.len(), 1);
}

#[test]
fn the_same_names_mostly_answered_are_not_a_finding() {
    let mut findings = findings();
    // 3 of the 9 answers known at the tenth query are NXDOMAIN.
    let released = ask(&mut findings, INFECTED, 12, |i| Some(i % 3 == 0));
    assert_eq!(released, [0; 12]);
    assert!(!findings
        .confirmed
        .contains(&(client(INFECTED), UNKNOWN_DGA.into())));
}

#[test]
fn half_nxdomain_is_still_mostly_nxdomain() {
    // "Below one half" is what clears a client: exactly half does not.
    let mut answers = AHashMap::new();
    for (i, nx) in [true, false, true, false].into_iter().enumerate() {
        answers.insert((client(INFECTED), flagged(i).into_boxed_str()), nx);
    }
    let names: Vec<String> = (0..4).map(flagged).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert!(mostly_nxdomain(&answers, client(INFECTED), &names));
    assert!(!mostly_nxdomain(&answers, client(INFECTED), &names[1..]));
    // Another client's answers are not this one's.
    assert!(mostly_nxdomain(&answers, client(OTHER), &names[1..]));
}

#[test]
fn one_name_below_the_threshold_is_not_a_finding() {
    let mut findings = findings();
    let released = ask(&mut findings, INFECTED, 9, |_| Some(true));
    assert_eq!(released, [0; 9]);
    // Asking again for the same nine names adds nothing.
    let again = ask(&mut findings, INFECTED, 9, |_| Some(true));
    assert_eq!(again, [0; 9]);
    // The tenth distinct name makes it, with the queries held (bounded).
    let tenth = findings.admit(UNKNOWN_DGA, query(INFECTED, UNKNOWN_DGA, &flagged(9), 50));
    assert!(tenth.len() >= 10, "{}", tenth.len());
}

#[test]
fn without_answers_the_threshold_alone_decides() {
    // A resolver that sends client queries only (no responses): no rcode is
    // known, and the documented rule takes the client as mostly NXDOMAIN.
    let mut findings = findings();
    let released = ask(&mut findings, INFECTED, 10, |_| None);
    assert_eq!(released, [0, 0, 0, 0, 0, 0, 0, 0, 0, 10]);
    // Some answers known, others not: the share is over the answered ones.
    let mut findings = self::findings();
    let released = ask(&mut findings, OTHER, 10, |i| (i < 2).then_some(true));
    assert_eq!(released[9], 10);
    let mut findings = self::findings();
    let released = ask(&mut findings, OTHER, 10, |i| (i < 2).then_some(false));
    assert_eq!(released, [0; 10]);
}

#[test]
fn answers_to_another_client_do_not_clear_an_infected_one() {
    let mut findings = findings();
    // OTHER asked for the same names and got them all resolved.
    for i in 0..10 {
        findings.answer(client(OTHER), &flagged(i), false);
    }
    let released = ask(&mut findings, INFECTED, 10, |_| Some(true));
    assert_eq!(released[9], 10);
}

#[test]
fn a_known_family_needs_no_nxdomain() {
    let mut findings = findings();
    for i in 0..3 {
        findings.answer(client(INFECTED), &format!("n{i}.example"), false);
    }
    let released: Vec<usize> = (0..3)
        .map(|i| {
            findings
                .admit(
                    "necurs",
                    query(INFECTED, "necurs", &format!("n{i}.example"), i),
                )
                .len()
        })
        .collect();
    assert_eq!(released, [0, 0, 3]);
}
