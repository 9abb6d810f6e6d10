//! The web console: the files of `console/` built into the binary
//! (`include_str!`), nothing fetched from elsewhere. Assets are served
//! under names with a hash of their content (`/assets/app.<hash>.js`), so
//! a browser may keep them for good and a new binary is never mixed with
//! an old script; `index.html` names them and is never cached. The page
//! has no inline script or style, as the server's CSP requires.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One embedded file.
struct Asset {
    /// Its name in `console/`.
    name: &'static str,
    /// Its name as served: `stem.<hash>.ext`.
    hashed: String,
    content_type: &'static str,
    body: &'static str,
}

const FILES: [(&str, &str, &str); 2] = [
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../console/app.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../console/style.css"),
    ),
];

struct Console {
    assets: Vec<Asset>,
    index: String,
}

fn console() -> &'static Console {
    static CONSOLE: OnceLock<Console> = OnceLock::new();
    CONSOLE.get_or_init(|| {
        let assets: Vec<Asset> = FILES
            .iter()
            .map(|(name, content_type, body)| {
                let digest = Sha256::digest(body.as_bytes());
                let hash: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
                let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
                Asset {
                    name,
                    hashed: format!("{stem}.{hash}.{extension}"),
                    content_type,
                    body,
                }
            })
            .collect();
        let mut index = include_str!("../../console/index.html").to_string();
        for asset in &assets {
            index = index.replace(&format!("{{{{{}}}}}", asset.name), &asset.hashed);
        }
        Console { assets, index }
    })
}

/// `GET /`: the console's page.
pub async fn index() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        console().index.as_str(),
    )
        .into_response()
}

/// `GET /assets/{name}`: an asset by its hashed name.
pub async fn asset(Path(name): Path<String>) -> Response {
    match console().assets.iter().find(|a| a.hashed == name) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            asset.body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset; reload the console\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_asset_by_its_hash_and_has_no_inline_script() {
        let console = console();
        for asset in &console.assets {
            assert!(console.index.contains(&format!("/assets/{}", asset.hashed)));
            assert_ne!(asset.hashed, asset.name);
        }
        assert!(!console.index.contains("{{"), "a placeholder is left");
        // Every script is a file: no inline script, no handler attribute.
        assert_eq!(console.index.matches("<script").count(), 1);
        assert!(console.index.contains("<script type=\"module\" src="));
        assert!(!console.index.contains(" onclick=") && !console.index.contains(" style="));
        assert!(!console.index.contains("http://") && !console.index.contains("https://"));
    }
}
