//! Finds and reads QR codes in a camera frame. Plain Rust (tested natively); `main.rs` runs
//! it in a web worker, off the page's thread, so a phone's UI stays smooth while it looks.

/// A frame larger than any camera the app asks for is refused rather than read (its bytes
/// come from another thread, and a wrong size must not make the worker index past them).
const MOST_PIXELS: usize = 4096 * 4096;

/// The text of the first QR code found in an RGBA frame (`width` × `height`, 4 bytes a
/// pixel, as a canvas's ImageData holds it), if any.
pub fn read_rgba(width: usize, height: usize, rgba: &[u8]) -> Option<String> {
    let pixels = width.checked_mul(height).filter(|p| *p > 0 && *p <= MOST_PIXELS)?;
    if rgba.len() != pixels.checked_mul(4)? {
        return None;
    }
    // ITU-R BT.601 luma, in integers: what the QR finder looks at.
    let luma = |x: usize, y: usize| {
        let i = (y * width + x) * 4;
        ((299 * u32::from(rgba[i]) + 587 * u32::from(rgba[i + 1]) + 114 * u32::from(rgba[i + 2])) / 1000) as u8
    };
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, luma);
    image.detect_grids().into_iter().find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A QR code drawn as a camera would pass it on: grey, in a larger frame, off centre.
    fn frame(modules: &[Vec<bool>], scale: usize, width: usize, height: usize) -> Vec<u8> {
        let mut rgba = vec![200u8; width * height * 4];
        for (y, row) in modules.iter().enumerate() {
            for (x, dark) in row.iter().enumerate() {
                for dy in 0..scale {
                    for dx in 0..scale {
                        let i = ((40 + y * scale + dy) * width + 60 + x * scale + dx) * 4;
                        let v = if *dark { 30 } else { 220 };
                        rgba[i..i + 3].copy_from_slice(&[v, v, v]);
                    }
                }
            }
        }
        rgba
    }

    fn modules(text: &str) -> Vec<Vec<bool>> {
        let code = qrcode::QrCode::new(text.as_bytes()).expect("encodes");
        let w = code.width();
        let colors = code.to_colors();
        (0..w).map(|y| (0..w).map(|x| colors[y * w + x] == qrcode::Color::Dark).collect()).collect()
    }

    #[test]
    fn codes_the_app_draws_read_back_from_a_camera_frame() {
        for text in ["shop@127.0.0.1:8090", "lightning:LNBCRT10U1PJEXAMPLE", &"LNURL1DP68GURN8GHJ7".repeat(8)] {
            assert_eq!(read_rgba(640, 480, &frame(&modules(text), 4, 640, 480)).as_deref(), Some(text));
        }
    }

    #[test]
    fn frames_without_a_code_or_of_the_wrong_size_read_as_nothing() {
        assert_eq!(read_rgba(64, 48, &vec![128; 64 * 48 * 4]), None);
        assert_eq!(read_rgba(64, 48, &[0; 10]), None, "fewer bytes than the size says");
        assert_eq!(read_rgba(0, 48, &[]), None);
        assert_eq!(read_rgba(usize::MAX, 2, &[]), None, "a size that overflows");
        let checker: Vec<Vec<bool>> = (0..21).map(|y| (0..21).map(|x| (x + y) % 2 == 0).collect()).collect();
        assert_eq!(read_rgba(320, 240, &frame(&checker, 4, 320, 240)), None, "a pattern that is not a code");
    }
}
