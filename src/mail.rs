//! Mail: the SMTP settings of `[mail]`, checked once, and the sending of one
//! subscriber's report files as attachments (lettre, STARTTLS with rustls
//! and the webpki root certificates).
//!
//! Known limitations: server certificates are checked against the public
//! web PKI roots only (a relay with a private CA needs `starttls =
//! "opportunistic"` or a public certificate); the files of one subscriber
//! go in one message, refused when they exceed [`MAX_ATTACHED`].

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use cautery_events::report::{ReportFile, Subscriber};
use chrono::NaiveDate;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use crate::daemon::spec::Config;

/// Largest total size of the files attached to one message; mail servers
/// commonly refuse 25 MB and more.
pub const MAX_ATTACHED: u64 = 20 * 1024 * 1024;
/// Longest an SMTP exchange may stall.
const TIMEOUT: Duration = Duration::from_secs(60);

/// When to use STARTTLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartTls {
    /// Always; refuse a server that does not offer it.
    Required,
    /// When offered.
    Opportunistic,
    /// Never (a relay on loopback).
    Never,
}

/// `[mail]`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct MailSettings {
    host: String,
    port: u16,
    from: Mailbox,
    starttls: StartTls,
    credentials: Option<Credentials>,
}

impl MailSettings {
    /// The `[mail]` section of `config`, or an error that says which key to
    /// fix.
    pub fn of(config: &Config) -> Result<MailSettings> {
        let mail = &config.mail;
        if mail.smtp.is_empty() {
            bail!("[mail] smtp is empty: give the SMTP server as host:port, e.g. \"smtp.example.net:587\"");
        }
        let Some((host, port)) = mail.smtp.rsplit_once(':') else {
            bail!(
                "[mail] smtp = {:?}: write host:port, e.g. \"smtp.example.net:587\"",
                mail.smtp
            );
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port: u16 = port
            .parse()
            .with_context(|| format!("[mail] smtp = {:?}: the port is not a number", mail.smtp))?;
        let from: Mailbox = mail.from.parse().with_context(|| {
            format!(
                "[mail] from = {:?}: give the sender's address, e.g. \"cautery@example.net\"",
                mail.from
            )
        })?;
        let starttls = match mail.starttls.as_str() {
            "required" => StartTls::Required,
            "opportunistic" => StartTls::Opportunistic,
            "never" => StartTls::Never,
            other => bail!(
                "[mail] starttls = {other:?}: use \"required\", \"opportunistic\" or \"never\""
            ),
        };
        let credentials = if mail.username.is_empty() {
            None
        } else {
            if mail.password_file.is_empty() {
                bail!("[mail] username is set but password-file is empty: name the file that holds the password");
            }
            let path = config.base.join(&mail.password_file);
            let password = std::fs::read_to_string(&path)
                .with_context(|| format!("[mail] password-file {}", path.display()))?;
            Some(Credentials::new(
                mail.username.clone(),
                password.trim_end_matches(['\r', '\n']).to_owned(),
            ))
        };
        Ok(MailSettings {
            host,
            port,
            from,
            starttls,
            credentials,
        })
    }

    fn transport(&self) -> Result<SmtpTransport> {
        let tls = |host: &str| {
            TlsParameters::new(host.to_owned()).with_context(|| format!("TLS settings for {host}"))
        };
        let tls = match self.starttls {
            StartTls::Required => Tls::Required(tls(&self.host)?),
            StartTls::Opportunistic => Tls::Opportunistic(tls(&self.host)?),
            StartTls::Never => Tls::None,
        };
        let mut builder = SmtpTransport::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(TIMEOUT));
        if let Some(credentials) = &self.credentials {
            builder = builder.credentials(credentials.clone());
        }
        Ok(builder.build())
    }

    /// Mails `files` to `subscriber`: one message, a short text and the
    /// CSV files attached. Ok once the server accepted it.
    pub fn send_reports(
        &self,
        subscriber: &Subscriber,
        day: NaiveDate,
        files: &[&ReportFile],
    ) -> Result<()> {
        let total: u64 = files
            .iter()
            .filter_map(|f| std::fs::metadata(&f.path).ok())
            .map(|m| m.len())
            .sum();
        if total > MAX_ATTACHED {
            bail!(
                "the files for {} take {total} bytes, over the {MAX_ATTACHED}-byte limit of one message; split its scopes into several subscribers",
                subscriber.name
            );
        }
        let mut builder = Message::builder().from(self.from.clone()).subject(format!(
            "cautery sinkhole report {day} for {}",
            subscriber.name
        ));
        for address in &subscriber.mail {
            builder = builder.to(address
                .parse()
                .with_context(|| format!("subscriber {}: mail {address:?}", subscriber.name))?);
        }
        let mut listing = format!(
            "Sinkhole events of {day} (UTC) from your networks, in Shadowserver's report formats.\n\n"
        );
        for file in files {
            listing.push_str(&format!("{}: {} rows\n", file_name(&file.path), file.rows));
        }
        let mut body = MultiPart::mixed().singlepart(SinglePart::plain(listing));
        let csv = ContentType::parse("text/csv").context("content type")?;
        for file in files {
            let content = std::fs::read(&file.path)
                .with_context(|| format!("cannot read {}", file.path.display()))?;
            body =
                body.singlepart(Attachment::new(file_name(&file.path)).body(content, csv.clone()));
        }
        let message = builder
            .multipart(body)
            .context("cannot build the message")?;
        self.transport()?
            .send(&message)
            .with_context(|| format!("SMTP {}:{} refused or failed", self.host, self.port))?;
        Ok(())
    }
}

impl MailSettings {
    /// Mails one monitor alert to `to`: its text form as the subject's
    /// detail and body, the JSON alert below it. Ok once the server accepted it.
    pub fn send_alert(&self, to: &[String], alert: &cautery_monitor::Alert) -> Result<()> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(alert.subject());
        for address in to {
            builder = builder.to(address
                .parse()
                .with_context(|| format!("[monitor] mail-to {address:?}: not a mail address"))?);
        }
        let body = format!("{}\n\n{}\n", alert.text(), alert.to_json());
        let message = builder
            .singlepart(SinglePart::plain(body))
            .context("cannot build the message")?;
        self.transport()?
            .send(&message)
            .with_context(|| format!("SMTP {}:{} refused or failed", self.host, self.port))?;
        Ok(())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
