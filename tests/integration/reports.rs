//! Daily reports reach their subscribers by mail: a real SMTP server on
//! loopback (aiosmtpd from PyPI, writing a maildir), subscribers scoped by
//! AS, events from two enriched sources. `cautery report --send` mails each
//! subscriber only its own files, retries after a failure and never sends
//! twice; the daemon does the same on its schedule (`[report] at`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::harness::*;

/// An HTTP request to the sinkhole from the loopback address `source`.
fn request_from(source: &str, port: u16, host: &str) {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a socket");
    let from: SocketAddr = format!("{source}:0").parse().expect("an address");
    socket.bind(&from.into()).expect("bind the source address");
    let to: SocketAddr = format!("127.0.0.1:{port}").parse().expect("an address");
    socket.connect(&to.into()).expect("the sinkhole accepts");
    let mut web: TcpStream = socket.into();
    web.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(web, "GET /gate.php HTTP/1.1\r\nHost: {host}\r\n\r\n").expect("send");
    let mut response = String::new();
    let _ = web.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

/// The messages in the maildir, as text.
fn mails(maildir: &Path) -> Vec<String> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(maildir.join("new"))
        .map(|dir| dir.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    found.sort();
    found
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect()
}

fn to_of(mail: &str) -> &str {
    mail.lines()
        .find_map(|line| line.strip_prefix("To: "))
        .unwrap_or("")
}

#[test]
fn subscribers_get_their_own_reports_by_mail_once_and_failed_sends_are_retried() {
    if !require_python_module("aiosmtpd", "aiosmtpd") {
        return;
    }
    let dir = TempDir::new("reports");
    let (dns, http, smtp) = (free_port(), free_port(), free_port());
    let enrich = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/enrich");
    dir.write(
        "subscribers.toml",
        "version = 1\n\
         [[subscriber]]\nname = \"Net A\"\nmail = [\"abuse@a.example\"]\nscopes = [\"as64500\"]\n\
         [[subscriber]]\nname = \"Net B\"\nmail = [\"abuse@b.example\"]\nscopes = [\"as64501\"]\n\
         [[subscriber]]\nname = \"Net C\"\nmail = [\"abuse@c.example\"]\nscopes = [\"as64999\"]\n",
    );
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today + chrono::TimeDelta::days(1);
    // The daemon's clock stands late today, before the report time of
    // tomorrow; the events it stamps fall on today.
    let clock = dir.write("clock", &format!("{today}T23:59:00Z"));
    let config = dir.write(
        "cautery.toml",
        &format!(
            "version = 1\n[http]\nlisten = \"\"\n[server]\nlisten = [\"127.0.0.1:{dns}\"]\nstate-dir = \"{state}\"\n\
             [sinkhole]\nhttp-listen = [\"127.0.0.1:{http}\"]\n\
             [enrich]\nasn-db = \"{enrich}/asn.mmdb\"\n\
             [report]\nat = \"00:05\"\nby = \"asn\"\nsubscribers = \"subscribers.toml\"\nsend = true\n\
             [mail]\nsmtp = \"127.0.0.1:{smtp}\"\nfrom = \"cautery@sinkhole.example\"\nstarttls = \"never\"\n\
             [[zone]]\nname = \"sink.rpz\"\nfamilies = [\"necurs\"]\nseeds = \"default\"\n\
             days-back = 0\ndays-ahead = 0\naction = \"sinkhole\"\nsinkhole-v4 = [\"127.0.0.1\"]\n",
            state = dir.join("state").display(),
            enrich = enrich.display()
        ),
    );
    let mut command = cautery_command();
    command
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--clock-file")
        .arg(&clock);
    let server = Process::start("cautery", command, &dir.join("cautery.log"));
    wait_until(Duration::from_secs(120), || {
        server.log().contains("sinkhole listening")
    })
    .unwrap_or_else(|e| panic!("{e:?}: {}", server.log()));
    request_from("127.0.0.1", http, "bot-a.example");
    request_from("127.0.0.200", http, "bot-b.example");
    let manual = dir.join("manual");
    let day = today.to_string();
    let report = |extra: &[&str]| {
        let mut args = vec![
            "report",
            "--config",
            utf8(&config),
            "--date",
            &day,
            "--out",
            utf8(&manual),
            "--send",
        ];
        args.extend_from_slice(extra);
        cautery(&args)
    };
    let mut written = String::new();
    wait_until(Duration::from_secs(20), || {
        let (from, to) = (
            format!("{today}T00:00:00Z"),
            format!("{tomorrow}T00:00:00Z"),
        );
        let listed = cautery(&[
            "events",
            "--config",
            utf8(&config),
            "--format",
            "jsonl",
            "--from",
            &from,
            "--to",
            &to,
        ]);
        written = text(&listed.stdout);
        written.lines().count() >= 2
    })
    .unwrap_or_else(|e| panic!("{e:?}: {written}"));

    // No mail server yet: the run fails, says it will retry, sends nothing.
    let failed = report(&[]);
    assert!(!failed.status.success());
    assert!(
        stderr(&failed).contains("run again to retry"),
        "{}",
        stderr(&failed)
    );
    assert!(!manual.join("sent.tsv").exists());

    let maildir = dir.join("mail");
    let mut smtpd = std::process::Command::new("python3");
    smtpd
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{smtp}")])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir);
    let _smtpd = Process::start("aiosmtpd", smtpd, &dir.join("smtpd.log"));
    wait_until(Duration::from_secs(20), || {
        TcpStream::connect(("127.0.0.1", smtp)).is_ok()
    })
    .unwrap_or_else(|e| panic!("{e:?}: aiosmtpd did not start"));

    let sent = report(&[]);
    assert!(sent.status.success(), "{}", stderr(&sent));
    let said = stdout(&sent);
    assert!(
        said.contains("sent\tNet A") && said.contains("sent\tNet B"),
        "{said}"
    );
    assert!(said.contains("nothing to send\tNet C"), "{said}");
    let got = mails(&maildir);
    assert_eq!(got.len(), 2, "{got:?}");
    let for_a = got
        .iter()
        .find(|m| to_of(m) == "abuse@a.example")
        .expect("Net A's mail");
    assert!(for_a.contains(&format!("{today}-event4_sinkhole_http-as64500.csv")));
    assert!(!for_a.contains("as64501"), "only its own files: {for_a}");
    let for_b = got
        .iter()
        .find(|m| to_of(m) == "abuse@b.example")
        .expect("Net B's mail");
    assert!(for_b.contains(&format!("{today}-event4_sinkhole_http-as64501.csv")));

    // Again: already sent, nothing mailed twice.
    let again = report(&[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("already sent\tNet A"),
        "{}",
        stdout(&again)
    );
    assert_eq!(mails(&maildir).len(), 2);

    // The daemon's own run at 00:05 of tomorrow reports today, once.
    set_clock(&clock, &format!("{tomorrow}T00:10:00Z"));
    wait_until(Duration::from_secs(30), || mails(&maildir).len() >= 4)
        .unwrap_or_else(|e| panic!("{e:?}: {}", server.log()));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(mails(&maildir).len(), 4, "{}", server.log());
    let ledger = std::fs::read_to_string(dir.join("state/reports/sent.tsv")).expect("ledger");
    assert_eq!(ledger.lines().count(), 2, "{ledger}");
}
