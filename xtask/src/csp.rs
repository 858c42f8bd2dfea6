//! The built app's Content Security Policy, written into `dist/index.html` after Trunk's
//! build. Trunk's boot script is inline and names the content-hashed files, so its hash
//! changes with every build: the policy allows exactly that script by its SHA-256 and
//! nothing else inline, never `unsafe-inline` or `unsafe-eval`.

use base64::Engine;
use sha2::Digest;

/// Everything but scripts: the node's address is the user's choice (any http(s) host, and
/// lnd's WebSocket streams), everything else comes from the app's own origin. `data:`
/// images are the QR codes. Hosts should also send the headers a meta policy cannot carry
/// (`frame-ancestors`; see the README).
const POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' {hashes}; style-src 'self'; \
    img-src 'self' data: blob:; connect-src 'self' https: http: wss: ws:; manifest-src 'self'; worker-src 'self'; \
    base-uri 'self'; form-action 'self'; object-src 'none'";

/// The SHA-256 sources of every inline script (the exact text between the tags).
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let tag_end = match rest[start..].find('>') {
            Some(i) => start + i + 1,
            None => break,
        };
        let tag = &rest[start..tag_end];
        let Some(close) = rest[tag_end..].find("</script>") else { break };
        if !tag.contains(" src=") {
            let text = &rest[tag_end..tag_end + close];
            let digest = sha2::Sha256::digest(text.as_bytes());
            hashes.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        rest = &rest[tag_end + close + "</script>".len()..];
    }
    hashes
}

/// The page with its policy as the first element of `<head>` (a meta policy covers only
/// what follows it). A page that already has one is left as it is.
pub fn with_policy(html: &str) -> Result<String, String> {
    if html.contains("Content-Security-Policy") {
        return Ok(html.to_string());
    }
    let head = html.find("<head>").ok_or("index.html has no <head>")? + "<head>".len();
    let policy = POLICY.replace("{hashes}", &inline_script_hashes(html).join(" "));
    let meta = format!("\n  <meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\" />");
    Ok(format!("{}{meta}{}", &html[..head], &html[head..]))
}

pub fn apply(dist: &std::path::Path) -> Result<(), String> {
    let path = dist.join("index.html");
    let html = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    std::fs::write(&path, with_policy(&html)?).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<html><head><meta charset=\"utf-8\" />\n<script type=\"module\">import init from '/a-1.js';init();</script>\n\
        <script src=\"register-sw.js\"></script></head><body></body></html>";

    #[test]
    fn only_inline_scripts_are_allowed_and_by_their_exact_text() {
        let page = with_policy(PAGE).unwrap();
        let meta_at = page.find("Content-Security-Policy").unwrap();
        assert!(meta_at < page.find("<meta charset").unwrap(), "the policy precedes everything it governs");
        // echo -n "import init from '/a-1.js';init();" | openssl dgst -sha256 -binary | base64
        assert_eq!(inline_script_hashes(PAGE), ["'sha256-j+f5hdda64+3voWQq8+PtYd4VtlMapjTmOmMxMZGlEM='"]);
        assert!(page.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-j+f5hdda64+3voWQq8+PtYd4VtlMapjTmOmMxMZGlEM=';"));
        assert!(!page.contains("unsafe-inline") && !page.contains("'unsafe-eval'"));
        assert_eq!(with_policy(&page).unwrap(), page, "applying twice changes nothing");
    }
}
