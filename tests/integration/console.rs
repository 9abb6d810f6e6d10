//! The web console (issue 14) in Debian's headless Chromium, driven
//! through chromedriver (WebDriver, the fantoccini crate): every page
//! loads from the daemon alone, the lookup form answers, the victims chart
//! draws the events the test made the sinkhole record, the pages fit a
//! phone-sized window, and screenshots are not blank. With
//! `CAUTERY_UPDATE_SCREENSHOTS=1` the screenshots are written to `docs/`.

use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::api::daemon_with_events;
use crate::harness::{free_port, program, require, wait_until, Process, TempDir};

/// Opens `#/page` and waits until the console says it has drawn it.
async fn open(client: &Client, base: &str, page: &str) {
    client
        .goto(&format!("{base}/#/{page}"))
        .await
        .expect("goto");
    let name = page.split('?').next().unwrap_or(page).to_string();
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(&format!(
            "main[data-ready=\"true\"][data-page=\"{name}\"]"
        )))
        .await
        .unwrap_or_else(|e| panic!("page {page} not drawn: {e}"));
}

/// Decodes a PNG screenshot and says how many distinct colours it has
/// and how much of it is not the background.
fn colours(png_bytes: &[u8]) -> (usize, f64) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buffer = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buffer).expect("PNG frame");
    let step = info.color_type.samples();
    let pixels: Vec<&[u8]> = buffer[..info.buffer_size()]
        .chunks(step)
        .map(|p| &p[..3.min(step)])
        .collect();
    let background = pixels[pixels.len() - 1];
    let distinct: std::collections::HashSet<&[u8]> = pixels.iter().copied().collect();
    let other = pixels.iter().filter(|p| **p != background).count();
    (distinct.len(), other as f64 / pixels.len() as f64)
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    let (distinct, inked) = colours(&png);
    assert!(
        distinct > 8 && inked > 0.01,
        "{name}: the screenshot looks blank ({distinct} colours, {:.1}% not background)",
        inked * 100.0
    );
    if std::env::var_os("CAUTERY_UPDATE_SCREENSHOTS").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/");
        std::fs::create_dir_all(path).expect("docs/");
        std::fs::write(format!("{path}console-{name}.png"), &png).expect("write screenshot");
    }
}

async fn eval(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.expect("script")
}

#[test]
fn every_console_page_renders_in_chromium_and_the_lookup_and_victims_chart_work() {
    if !require("chromium", "chromium") || !require("chromedriver", "chromium-driver") {
        return;
    }
    let dir = TempDir::new("console");
    // A registration monitor whose zone file delegates one predicted name,
    // and a seed archive with one fetch: the alerts and seed pages have
    // something to show.
    let campaign = crate::monitor::campaign(&dir);
    let at = crate::api::EVENTS_AT;
    let registered = crate::monitor::predicted(&campaign, at).remove(7);
    let zone = dir.write("tld.zone", &format!("{registered}. NS ns1.evil.test.\n"));
    crate::monitor::seed_record(&dir.join("cautery-data"), "bedep", "2026-11-19T06:00:00Z");
    let (daemon, now) = daemon_with_events(
        &dir,
        &format!(
            "[monitor]\ncampaigns = [\"{campaign}\"]\nzone-files = [\"{}\"]\n\
             state = \"monitor.sqlite\"\nseed-archive = \"cautery-data\"\n",
            zone.display()
        ),
    );
    let predicted = crate::harness::stdout(&crate::harness::cautery(&[
        "generate",
        "necurs",
        "--date",
        &now.format("%Y-%m-%d").to_string(),
    ]))
    .lines()
    .next()
    .expect("a necurs name")
    .to_string();
    let port = free_port();
    let mut command = std::process::Command::new(program("chromedriver"));
    command.arg(format!("--port={port}"));
    let driver = Process::start("chromedriver", command, &dir.join("chromedriver.log"));
    wait_until(Duration::from_secs(30), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .unwrap_or_else(|e| panic!("chromedriver did not listen ({e:?}): {}", driver.log()));

    // hyper-rustls (through fantoccini) enables a second provider; name ours.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": program("chromium"),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,800",
                         "--no-first-run", "--disable-extensions",
                         format!("--user-data-dir={}", dir.join("chromium").display())]
            }),
        );
        let client = ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("no WebDriver session: {e}\n{}", driver.log()));
        client.set_window_size(1280, 800).await.expect("size");
        let base = daemon.base.as_str();

        open(&client, base, "overview").await;
        let text = client.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
        assert!(text.contains("sink.rpz") && text.contains("rules served now"), "{text}");
        assert!(text.contains("events, last hour"), "{text}");
        screenshot(&client, "overview").await;

        open(&client, base, "families?q=necurs").await;
        let links = client.find_all(Locator::Css("main tbody a")).await.expect("links");
        assert!(!links.is_empty(), "no family found by the search");
        links[0].click().await.expect("click");
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("main[data-page=\"family\"][data-ready=\"true\"]"))
            .await
            .expect("family page");
        let names = eval(&client, "return document.querySelectorAll('main tbody code').length").await;
        assert!(names.as_u64().unwrap_or(0) > 10, "names of the day: {names}");

        // The lookup form, by keyboard: type the names, Enter on the button.
        open(&client, base, "lookup").await;
        let area = client.find(Locator::Id("names")).await.expect("textarea");
        area.send_keys(&format!("{predicted}\nexample.com\n")).await.expect("type");
        let button = client.find(Locator::Css("main form button")).await.expect("button");
        button.send_keys("\u{e007}").await.expect("Enter");
        let summary = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Id("lookup-summary"))
            .await
            .expect("lookup answer");
        assert_eq!(
            summary.text().await.expect("text"),
            "1 of 2 names are predicted by a served zone"
        );
        screenshot(&client, "lookup").await;

        // The victims chart draws the injected events: a necurs line with
        // a point of 3 events in the current hour.
        open(&client, base, "victims").await;
        let chart = eval(
            &client,
            "const s = document.querySelector('svg.chart');\
             return { lines: s.querySelectorAll('polyline').length,\
                      points: [...s.querySelectorAll('circle title')].map(t => t.textContent),\
                      width: s.getBoundingClientRect().width };",
        )
        .await;
        assert_eq!(chart["lines"], 2, "necurs and unattributed: {chart}");
        let points = chart["points"].as_array().expect("points");
        assert!(
            points.iter().any(|p| p.as_str().is_some_and(|p| p.starts_with("necurs") && p.contains(": 3 events, 1 sources"))),
            "{chart}"
        );
        assert!(chart["width"].as_f64().unwrap_or(0.0) > 600.0, "{chart}");
        screenshot(&client, "victims").await;

        open(&client, base, "alerts").await;
        let text = client.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
        assert!(text.contains(&registered) && text.contains("registered"), "{text}");
        screenshot(&client, "alerts").await;

        open(&client, base, "findings").await;
        let text = client.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
        assert!(text.contains("findings") && text.contains("names asked"), "{text}");
        // A list without a next page draws no link, not the word "null".
        assert!(!text.contains("null"), "{text}");
        screenshot(&client, "findings").await;

        open(&client, base, "seeds").await;
        let text = client.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
        assert!(text.contains("bedep") && text.contains("2026-11-19"), "{text}");
        screenshot(&client, "seeds").await;

        // Keyboard: Tab from the skip link reaches the new pages' links.
        let label = eval(
            &client,
            "return [...document.querySelectorAll('nav a')].map(a => a.textContent + ':' + a.tabIndex).join(',')",
        )
        .await;
        for page in ["Findings:0", "Alerts:0", "Seed inputs:0"] {
            assert!(label.as_str().is_some_and(|l| l.contains(page)), "{label}");
        }

        open(&client, base, "allow-list").await;
        let reason = client.find(Locator::Css("main form input[name=reason]")).await;
        assert!(reason.is_ok(), "the allow-list form is drawn");

        // A phone-sized window: no page is wider than the screen.
        client.set_window_size(390, 844).await.expect("size");
        for page in ["overview", "families", "lookup", "victims", "findings", "alerts", "seeds", "allow-list"] {
            open(&client, base, page).await;
            let overflow = eval(
                &client,
                "return document.documentElement.scrollWidth - window.innerWidth",
            )
            .await;
            assert!(overflow.as_i64().unwrap_or(1) <= 0, "{page} overflows a phone by {overflow} px");
            if page == "victims" {
                screenshot(&client, "victims-phone").await;
            }
        }

        // The CSP let the module run and nothing was blocked or failed.
        let errors = eval(&client, "return performance.getEntriesByType('resource').filter(r => r.responseStatus >= 400).map(r => r.name)").await;
        assert_eq!(errors, json!([]), "failed resources");
        client.close().await.expect("close");
    });
    drop(driver);
}
