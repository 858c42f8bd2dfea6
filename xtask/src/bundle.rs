//! What the browser downloads: every file of the static build with its gzip and brotli sizes,
//! the precompressed copies a static host can serve as they are, and the first-load budget.

use std::io::Write;
use std::path::Path;

use crate::tools::Result;

/// The first load, gzipped, must stay under this. Issue 13's budget is 300 KB; the app is not
/// there yet, so this is a ratchet just above the measured size: lower it as the app shrinks,
/// and raise it only in a commit that says what the bytes bought. Raised from 980,000 when
/// Lightning Addresses, LNURL-pay and -withdraw and unified QRs came to the Send page
/// (972,777 -> 1,013,416 B; before route splitting every page was in the first load), then
/// for the camera view that scans QR codes (-> 1,023,066 B; the QR reader itself is a worker
/// outside the first load), then for the review's fixes to both (time-outs, redirect and host
/// checks, worker restarts) and the phone's bottom bar (-> 1,030,132 B), then for the theme
/// choice, Share buttons, reading a QR code from a picture, peer names on every channel row
/// and the msat fee formatter (-> 1,041,027 B), then for switching between a phone's
/// cameras and turning on its light (1,043,602 -> 1,047,127 B; lnd's refusals cut to a
/// readable length, the one-pending-channel and gRPC-web port advice cost 580 B before it),
/// then for lnd's permission table, which pages now ask by the RPC they call instead of
/// copying entity/action pairs (1,047,403 -> 1,048,036 B). Lowered when the virtual list
/// drew its rows through one non-generic window (1,048,008 -> 1,046,710 B, the invoice
/// store included). Halved when the pages other than the first screens' were split out of
/// the main module (split.rs; 1,047,261 -> 507,233 B).
pub const FIRST_LOAD_GZIP_CEILING: usize = 510_000;

/// Files worth compressing (images are compressed already).
fn compressible(name: &str) -> bool {
    [".wasm", ".js", ".css", ".html", ".webmanifest", ".svg", ".json"].iter().any(|ext| name.ends_with(ext))
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}

pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 24, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("in memory");
    out
}

/// One file as served: raw, and compressed as a host would send it.
pub struct Served {
    pub name: String,
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

/// Writes `<file>.gz` and `<file>.br` beside each compressible file of the build, for hosts
/// that serve precompressed files (nginx `gzip_static`/`brotli_static`, Caddy `precompressed`,
/// tower-http's `ServeDir`), and returns every file's sizes.
pub fn precompress(dist: &Path) -> Result<Vec<Served>> {
    let mut served = Vec::new();
    for name in files(dist)? {
        let path = dist.join(&name);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let (gz, br) = (gzip(&bytes), brotli(&bytes));
        let write = |ext: &str, data: &[u8]| std::fs::write(dist.join(format!("{name}.{ext}")), data).map_err(|e| format!("{name}.{ext}: {e}"));
        write("gz", &gz)?;
        write("br", &br)?;
        served.push(Served { name, raw: bytes.len(), gzip: gz.len(), brotli: br.len() });
    }
    Ok(served)
}

/// The compressible files of the build, by their path inside it, precompressed copies aside.
fn files(dist: &Path) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let mut dirs = vec![dist.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let name = path.strip_prefix(dist).expect("inside dist").to_string_lossy().replace('\\', "/");
            if compressible(&name) {
                found.push(name);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// What the browser fetches to show the first screen: the page, and every file the page
/// names in an `href` or `src` (the wasm it preloads, the script, the styles, the manifest,
/// the icon). The service worker is fetched after the first screen and is not counted.
pub fn first_load(index_html: &str) -> Vec<String> {
    let mut names = vec!["index.html".to_string()];
    for attr in ["href=\"", "src=\""] {
        for (at, _) in index_html.match_indices(attr) {
            let value = &index_html[at + attr.len()..];
            let Some(end) = value.find('"') else { continue };
            let value = value[..end].trim_start_matches("./").trim_start_matches('/');
            if !value.is_empty() && !value.contains("://") && !names.iter().any(|n| n == value) {
                names.push(value.to_string());
            }
        }
    }
    names
}

/// Precompresses the build, prints every file and the first load, and checks the ceiling.
pub fn report(dist: &Path) -> Result {
    let served = precompress(dist)?;
    let index = std::fs::read_to_string(dist.join("index.html")).map_err(|e| format!("dist/index.html: {e}"))?;
    let first = first_load(&index);
    println!("bundle (dist/, gzip -9 and brotli -q 11 as a static host serves them; * = first load):");
    let (mut total, mut load) = ((0, 0, 0), (0, 0, 0));
    for s in &served {
        let in_first = first.contains(&s.name);
        println!("  {} {:<44} {:>9} B {:>9} B gz {:>9} B br", if in_first { '*' } else { ' ' }, s.name, s.raw, s.gzip, s.brotli);
        total = (total.0 + s.raw, total.1 + s.gzip, total.2 + s.brotli);
        if in_first {
            load = (load.0 + s.raw, load.1 + s.gzip, load.2 + s.brotli);
        }
    }
    println!("  first load {:>44} B {:>9} B gz {:>9} B br", load.0, load.1, load.2);
    println!("  whole app  {:>44} B {:>9} B gz {:>9} B br", total.0, total.1, total.2);
    if load.1 > FIRST_LOAD_GZIP_CEILING {
        return Err(format!("the first load is {} B gzipped, over its ceiling of {FIRST_LOAD_GZIP_CEILING} B (bundle.rs): find what grew", load.1));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_load_is_the_page_and_what_it_names() {
        let html = r#"<link rel="manifest" href="manifest.webmanifest" />
            <link rel="icon" href="icons/icon.svg" type="image/svg+xml" />
            <script src="register-sw.js"></script>
            <link rel="modulepreload" href="/lightdeck-1a2b.js" crossorigin="anonymous">
            <link rel="preload" href="/lightdeck-1a2b_bg.wasm" as="fetch" type="application/wasm" crossorigin="anonymous">
            <link rel="stylesheet" href="/main-3c4d.css" />
            <a href="https://github.com/">elsewhere</a>
            <link rel="preload" href="/lightdeck-1a2b_bg.wasm" as="fetch">"#;
        assert_eq!(
            first_load(html),
            ["index.html", "manifest.webmanifest", "icons/icon.svg", "lightdeck-1a2b.js", "lightdeck-1a2b_bg.wasm", "main-3c4d.css", "register-sw.js"]
        );
    }

    #[test]
    fn precompressed_copies_decompress_to_the_file() {
        let dir = std::env::temp_dir().join(format!("lightdeck-bundle-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("icons")).unwrap();
        let text = "Lightdeck ".repeat(1000);
        std::fs::write(dir.join("index.html"), &text).unwrap();
        std::fs::write(dir.join("icons/icon-192.png"), [0x89, b'P', b'N', b'G']).unwrap();
        let served = precompress(&dir).unwrap();
        assert_eq!(served.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["index.html"], "a PNG is not compressed again");
        let gz = std::fs::read(dir.join("index.html.gz")).unwrap();
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back).unwrap();
        assert_eq!(back, text);
        let br = std::fs::read(dir.join("index.html.br")).unwrap();
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).unwrap();
        assert_eq!(back, text.as_bytes());
        assert!(served[0].brotli < served[0].gzip && served[0].gzip < served[0].raw);
        // A second run does not compress the copies themselves.
        assert_eq!(precompress(&dir).unwrap().len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
