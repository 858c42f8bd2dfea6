//! Route splitting of the release build. Trunk 0.21 cannot split a wasm (trunk#1022), so it
//! builds the app with the `split` feature (pages behind `#[lazy]`, the linker's
//! relocations kept) and names the files; this step then makes those files again from
//! cargo's wasm, as cargo-leptos does: `wasm_split_cli_support` cuts it at the split points
//! into the main module, a part per page (and parts that pages share) and the script that
//! fetches them; wasm-bindgen keeps the linker's exports the parts import; wasm-opt
//! optimises each module. The main files keep Trunk's names (index.html names them; their
//! integrity hashes are written again), the parts are named by their contents, and the
//! service worker's precache list is written again so that it holds them.

use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::Digest;

use crate::tools::{self, Result};

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Trunk's name for the app's files: `lightdeck-<hash>` of `lightdeck-<hash>.js`.
fn trunk_stem(dist: &Path) -> Result<String> {
    let entries = std::fs::read_dir(dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .find_map(|n| n.strip_suffix("_bg.wasm").filter(|s| s.starts_with("lightdeck-")).map(str::to_string))
        .ok_or_else(|| format!("{}: Trunk wrote no lightdeck-<hash>_bg.wasm", dist.display()))
}

/// What a part is called in the build: the splitter's `split_<page>_<number>` is the page's
/// own part, its `chunk_<n>` is code some pages share.
fn part_name(stem: &str) -> String {
    match stem.strip_prefix("split_") {
        Some(page) => page.rsplit_once('_').filter(|(_, n)| n.bytes().all(|b| b.is_ascii_digit())).map_or(page, |(p, _)| p).to_string(),
        None => stem.replace("chunk_", "shared-"),
    }
}

/// `name-<first 16 hex digits of its SHA-256>.wasm`: a new build's parts never meet an old
/// build's in a cache.
fn content_name(name: &str, bytes: &[u8]) -> String {
    format!("{name}-{}.wasm", &hex::encode(sha2::Sha256::digest(bytes))[..16])
}

/// Sets the `integrity` of the tag that names `/file` to the file's SHA-384, as Trunk
/// writes it; a tag without one is left as it is.
pub fn set_integrity(html: &str, file: &str, bytes: &[u8]) -> Result<String> {
    let href = format!("href=\"/{file}\"");
    let at = html.find(&href).ok_or_else(|| format!("index.html does not name /{file}"))?;
    let end = at + html[at..].find('>').ok_or("index.html: a tag is not closed")?;
    let Some(start) = html[at..end].find("integrity=\"").map(|i| at + i + "integrity=\"".len()) else {
        return Ok(html.to_string());
    };
    let close = start + html[start..end].find('"').ok_or("index.html: an integrity value is not closed")?;
    let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(bytes));
    Ok(format!("{}sha384-{digest}{}", &html[..start], &html[close..]))
}

/// The page with a `modulepreload` of the script that loads the parts, beside the main
/// script's, so a phone fetches both at once instead of one after the other.
pub fn preload_parts_script(html: &str, script: &str, bytes: &[u8]) -> Result<String> {
    let at = html.find("</head>").ok_or("index.html has no </head>")?;
    let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(bytes));
    let link = format!("<link rel=\"modulepreload\" href=\"/{script}\" crossorigin=\"anonymous\" integrity=\"sha384-{digest}\">");
    Ok(format!("{}{link}{}", &html[..at], &html[at..]))
}

pub fn apply(root: &Path, dist: &Path) -> Result {
    // Where cargo put Trunk's build (a shared target directory, if one is set).
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let input = read(&target.join("wasm32-unknown-unknown/release/lightdeck.wasm"))?;
    let stem = trunk_stem(dist)?;
    let work = target.join("split");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("bindgen")).map_err(|e| format!("{}: {e}", work.display()))?;
    let (main_wasm, parts_script, main_script) = (work.join("main.wasm"), format!("{stem}-parts.js"), format!("./{stem}.js"));
    let link_name = format!("./{parts_script}");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input);
        opts.output_dir = &work;
        opts.main_out_path = &main_wasm;
        opts.link_name = &link_name;
        opts.main_module = &main_script;
        opts
    })
    .map_err(|e| format!("splitting the wasm: {e:#}"))?;
    if split.split_modules.is_empty() {
        return Err("the wasm has no split points: was it built with the `split` feature?".into());
    }
    let bindgen = work.join("bindgen");
    tools::run_env(
        "wasm-bindgen",
        &[
            "--target=web",
            "--keep-lld-exports",
            "--no-demangle",
            "--no-typescript",
            "--out-dir",
            &bindgen.to_string_lossy(),
            "--out-name",
            &stem,
            &main_wasm.to_string_lossy(),
        ],
        &[],
    )?;
    let main_bg = bindgen.join(format!("{stem}_bg.wasm"));
    for wasm in std::iter::once(&main_bg).chain(&split.split_modules) {
        let path = wasm.to_string_lossy();
        // As Trunk runs it (`data-wasm-opt="z"`), with the features the parts' code uses.
        tools::run_env("wasm-opt", &["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", &path, "-o", &path], &[])?;
    }

    let mut parts_js = String::from_utf8(read(&work.join(&parts_script))?).map_err(|e| e.to_string())?;
    let mut parts: Vec<PathBuf> = split.split_modules.clone();
    parts.sort();
    // The splitter's name of each part, and its gzipped size, for the report below.
    let mut sizes = std::collections::HashMap::new();
    for part in &parts {
        let name = part.file_stem().and_then(|s| s.to_str()).ok_or_else(|| format!("{}: no name", part.display()))?;
        let bytes = read(part)?;
        let named = content_name(&part_name(name), &bytes);
        let quoted = format!("\"./{name}.wasm\"");
        if !parts_js.contains(&quoted) {
            return Err(format!("{parts_script} does not fetch {name}.wasm"));
        }
        parts_js = parts_js.replace(&quoted, &format!("\"./{named}\""));
        sizes.insert(name.to_string(), crate::bundle::gzip(&bytes).len());
        write(&dist.join(&named), &bytes)?;
    }
    let main_js = read(&bindgen.join(format!("{stem}.js")))?;
    let main_bg = read(&main_bg)?;
    write(&dist.join(format!("{stem}.js")), &main_js)?;
    write(&dist.join(format!("{stem}_bg.wasm")), &main_bg)?;
    write(&dist.join(&parts_script), parts_js.as_bytes())?;

    let index = dist.join("index.html");
    let html = String::from_utf8(read(&index)?).map_err(|e| e.to_string())?;
    let html = set_integrity(&html, &format!("{stem}.js"), &main_js)?;
    let html = set_integrity(&html, &format!("{stem}_bg.wasm"), &main_bg)?;
    let html = preload_parts_script(&html, &parts_script, parts_js.as_bytes())?;
    write(&index, html.as_bytes())?;

    // Trunk's hook wrote the precache list before the parts existed: the worker is written
    // again from its source by the same hook.
    std::fs::copy(root.join("public/sw.js"), dist.join("sw.js")).map_err(|e| format!("sw.js: {e}"))?;
    tools::run_env("sh", &["scripts/pwa-precache.sh"], &[("TRUNK_STAGING_DIR".into(), dist.to_string_lossy().into_owned())])?;
    println!("xtask: the app is split into its main module and {} parts; what each page fetches on its first visit:", parts.len());
    let mut pages: Vec<_> = split.prefetch_map.iter().collect();
    pages.sort();
    for (page, files) in pages {
        let gz: usize = files.iter().filter_map(|f| sizes.get(f)).sum();
        println!("  /{:<12} {:>3} files {:>9} B gz", part_name(&format!("split_{page}")), files.len(), gz);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<head><link rel="stylesheet" href="/main-1.css" integrity="sha384-css"/>
<link rel="modulepreload" href="/lightdeck-ab.js" crossorigin="anonymous" integrity="sha384-old"><link rel="preload" href="/lightdeck-ab_bg.wasm" crossorigin="anonymous" integrity="sha384-old" as="fetch" type="application/wasm"></head>"#;

    #[test]
    fn integrity_follows_the_new_contents_of_the_file_it_names() {
        let html = set_integrity(PAGE, "lightdeck-ab_bg.wasm", b"new").unwrap();
        let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(b"new"));
        assert!(html.contains(&format!(r#"href="/lightdeck-ab_bg.wasm" crossorigin="anonymous" integrity="sha384-{digest}" as="fetch""#)), "{html}");
        assert!(html.contains(r#"href="/lightdeck-ab.js" crossorigin="anonymous" integrity="sha384-old""#), "another file's hash is its own");
        assert!(html.contains(r#"integrity="sha384-css""#));
        assert!(set_integrity(PAGE, "lightdeck-cd.js", b"new").is_err(), "a file the page does not name is an error, not a silent skip");
    }

    #[test]
    fn the_parts_script_is_preloaded_with_its_hash() {
        let html = preload_parts_script(PAGE, "lightdeck-ab-parts.js", b"js").unwrap();
        let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(b"js"));
        assert!(
            html.ends_with(&format!(r#"<link rel="modulepreload" href="/lightdeck-ab-parts.js" crossorigin="anonymous" integrity="sha384-{digest}"></head>"#))
        );
        assert_eq!(crate::bundle::first_load(&html).iter().filter(|f| f.as_str() == "lightdeck-ab-parts.js").count(), 1, "the first load counts it");
    }

    #[test]
    fn parts_are_named_for_their_page_or_as_shared() {
        assert_eq!(part_name("split_send_16133367627709526337"), "send");
        assert_eq!(part_name("split_fee_report"), "fee_report", "only a number is the splitter's");
        assert_eq!(part_name("chunk_83"), "shared-83");
    }

    #[test]
    fn parts_are_named_by_their_contents() {
        assert_ne!(content_name("split_send", b"a"), content_name("split_send", b"b"));
        assert_eq!(content_name("split_send", b"a"), content_name("split_send", b"a"));
        assert!(content_name("chunk_0", b"a").starts_with("chunk_0-") && content_name("chunk_0", b"a").ends_with(".wasm"));
    }
}
