//! The built app served as the README's deploy section has a static host serve it: the
//! files (their precompressed `.br`/`.gz` copies when the browser takes them), `index.html`
//! for the app's own routes, the security headers a page cannot set itself, and `sw.js`
//! never cached, so updates arrive. The demo and the end-to-end tests both serve it so, which
//! makes every end-to-end run a run under those headers.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::services::{ServeDir, ServeFile};

/// The README's headers, as every host configuration there sends them.
pub const HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", "frame-ancestors 'none'"),
    ("referrer-policy", "no-referrer"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
    ("x-content-type-options", "nosniff"),
];

async fn headers(req: Request<axum::body::Body>, next: Next) -> Response {
    let service_worker = req.uri().path() == "/sw.js";
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (name, value) in HEADERS {
        h.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    if service_worker {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    res
}

/// A router serving the static build in `dist`.
pub fn router(dist: &Path) -> Router {
    let index = ServeFile::new(dist.join("index.html")).precompressed_br().precompressed_gzip();
    let files = ServeDir::new(dist).precompressed_br().precompressed_gzip().fallback(index);
    Router::new().fallback_service(files).layer(middleware::from_fn(headers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    async fn get(app: &Router, path: &str, encoding: Option<&str>) -> Response {
        let mut req = Request::get(path);
        if let Some(e) = encoding {
            req = req.header(header::ACCEPT_ENCODING, e);
        }
        app.clone().oneshot(req.body(axum::body::Body::empty()).unwrap()).await.unwrap()
    }

    async fn body(res: Response) -> Vec<u8> {
        axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap().to_vec()
    }

    #[tokio::test]
    async fn the_build_is_served_as_a_configured_host_serves_it() {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("index.html"), "<html>app</html>").unwrap();
        std::fs::write(dist.path().join("sw.js"), "self.x = 1").unwrap();
        std::fs::write(dist.path().join("app_bg.wasm"), b"\0asm plain").unwrap();
        std::fs::write(dist.path().join("app_bg.wasm.br"), b"brotli bytes").unwrap();
        let app = router(dist.path());

        let route = get(&app, "/receive", None).await;
        assert_eq!(route.status(), 200);
        for (name, value) in HEADERS {
            assert_eq!(route.headers()[*name], *value, "{name}");
        }
        assert_eq!(body(route).await, b"<html>app</html>", "the app's own routes get index.html");

        let wasm = get(&app, "/app_bg.wasm", Some("br, gzip")).await;
        assert_eq!(
            (wasm.headers()[header::CONTENT_TYPE].to_str().unwrap(), wasm.headers()[header::CONTENT_ENCODING].to_str().unwrap()),
            ("application/wasm", "br")
        );
        assert_eq!(wasm.headers()["x-content-type-options"], "nosniff");
        assert_eq!(body(wasm).await, b"brotli bytes", "the precompressed copy, not compressed again");
        assert_eq!(body(get(&app, "/app_bg.wasm", None).await).await, b"\0asm plain", "a browser that takes neither gets the file");

        let worker = get(&app, "/sw.js", None).await;
        assert_eq!(worker.headers()[header::CACHE_CONTROL], "no-cache", "updates arrive");
        assert!(get(&app, "/receive", None).await.headers().get(header::CACHE_CONTROL).is_none());
    }
}
