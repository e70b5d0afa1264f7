//! The QR code of a form: the matrix, and the code alone as SVG or PNG.
//!
//! The matrix comes from `fast_qr` at error-correction level M (15 %), in the most compact mode
//! the payload allows (alphanumeric for upper-case base32 or base45 tokens). It is drawn from its
//! modules: in SVG as one `<path>` of unit squares on an integer grid with a 4-module quiet
//! zone, in PNG as whole pixels per module.

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::forms::content::check_token;
use crate::forms::page::push_uint;

/// Modules of the quiet zone around the code.
pub const QUIET_ZONE: usize = 4;

/// Largest module size in pixels for [`qr_png`] and [`qr_svg`].
pub const MAX_MODULE_PX: u32 = 64;

/// A QR code's modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    payload: String,
    size: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `payload` (printable ASCII, see [`check_token`]) at level M.
    pub fn encode(payload: &str) -> Result<QrMatrix> {
        check_token(payload)?;
        let code = fast_qr::QRBuilder::new(payload.as_bytes())
            .ecl(fast_qr::ECL::M)
            .build()
            .map_err(|e| Error::QrPayloadInvalid(e.to_string()))?;
        let size = code.size;
        let dark = code.data[..size * size].iter().map(|m| m.value()).collect();
        Ok(QrMatrix {
            payload: payload.to_string(),
            size,
            dark,
        })
    }

    /// The text the code carries.
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// Modules per side, without the quiet zone (21 for version 1 … 177 for version 40).
    pub fn size(&self) -> usize {
        self.size
    }

    /// The QR version (1–40).
    pub fn version(&self) -> usize {
        (self.size.saturating_sub(17)) / 4
    }

    /// Whether the module at column `x`, row `y` is dark (false outside the code).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// Modules per side including the quiet zone on both sides.
    pub fn size_with_quiet_zone(&self) -> usize {
        self.size + 2 * QUIET_ZONE
    }

    /// SVG path data drawing every dark module as part of one path on the integer module grid,
    /// offset by the quiet zone (the code spans `0..size_with_quiet_zone()` in both axes).
    /// Horizontal runs of dark modules are merged into one rectangle each.
    pub fn path_data(&self) -> String {
        let mut d = String::with_capacity(self.size * self.size);
        for y in 0..self.size {
            let mut x = 0;
            while x < self.size {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.size && self.is_dark(x, y) {
                        x += 1;
                    }
                    let run = (x - start) as u64;
                    d.push('M');
                    push_uint(&mut d, (start + QUIET_ZONE) as u64);
                    d.push(' ');
                    push_uint(&mut d, (y + QUIET_ZONE) as u64);
                    d.push('h');
                    push_uint(&mut d, run);
                    d.push_str("v1h-");
                    push_uint(&mut d, run);
                    d.push('z');
                } else {
                    x += 1;
                }
            }
        }
        d
    }
}

fn check_module_px(module_px: u32) -> Result<()> {
    if module_px == 0 || module_px > MAX_MODULE_PX {
        return Err(Error::InvalidRenderSize(format!(
            "QR module size {module_px} px: must be 1 to {MAX_MODULE_PX}"
        )));
    }
    Ok(())
}

/// The QR code alone as SVG, `module_px` pixels per module, with a white quiet zone.
pub fn qr_svg(payload: &str, module_px: u32) -> Result<String> {
    check_module_px(module_px)?;
    let m = QrMatrix::encode(payload)?;
    let n = m.size_with_quiet_zone();
    let px = n * module_px as usize;
    let d = m.path_data();
    let mut s = String::with_capacity(d.len() + 300);
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{px}\" height=\"{px}\" \
         viewBox=\"0 0 {n} {n}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{d}\"/></svg>"
    );
    Ok(s)
}

/// The QR code alone as a grayscale PNG, `module_px` pixels per module, with a white quiet zone.
pub fn qr_png(payload: &str, module_px: u32) -> Result<Vec<u8>> {
    check_module_px(module_px)?;
    let m = QrMatrix::encode(payload)?;
    let scale = module_px as usize;
    let side = m.size_with_quiet_zone() * scale;
    let mut pixels = vec![255u8; side * side];
    for y in 0..m.size() {
        for x in 0..m.size() {
            if m.is_dark(x, y) {
                let px = (x + QUIET_ZONE) * scale;
                let py = (y + QUIET_ZONE) * scale;
                for row in py..py + scale {
                    pixels[row * side + px..row * side + px + scale].fill(0);
                }
            }
        }
    }
    super::png::encode_gray(&pixels, side as u32, side as u32, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_alphanumeric_tokens_compactly() {
        let token = format!("GR1:{}", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".repeat(5));
        let m = QrMatrix::encode(&token).unwrap();
        assert_eq!(m.size(), 17 + 4 * m.version());
        assert!(m.version() <= 8, "version {}", m.version());
        // Finder pattern corners are dark.
        assert!(m.is_dark(0, 0) && m.is_dark(m.size() - 1, 0) && m.is_dark(0, m.size() - 1));
        assert!(!m.is_dark(m.size(), 0));
        let d = m.path_data();
        assert!(d.starts_with("M4 4h7v1h-7z"), "{}", &d[..20]);
        assert!(!d.contains('.'), "integer grid only");
    }

    #[test]
    fn bad_payloads_and_sizes_are_typed_errors() {
        assert_eq!(QrMatrix::encode("").unwrap_err().code(), 406);
        assert_eq!(QrMatrix::encode("核验").unwrap_err().code(), 406);
        assert_eq!(QrMatrix::encode("A\nB").unwrap_err().code(), 406);
        assert_eq!(qr_svg("GR1:ABC", 0).unwrap_err().code(), 405);
        assert_eq!(qr_png("GR1:ABC", 65).unwrap_err().code(), 405);
    }

    #[test]
    fn svg_has_one_path_and_a_quiet_zone() {
        let svg = qr_svg("GR1:ABC", 4).unwrap();
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(svg.contains("viewBox=\"0 0 29 29\""));
        assert!(svg.contains("width=\"116\""));
    }
}
