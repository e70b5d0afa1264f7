//! Grayscale PNG encoding: `image`'s encoder with fast compression, plus the physical resolution
//! (`pHYs`) so that a page prints at A4 size.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

use crate::error::{Error, Result};

/// Encodes 8-bit gray `pixels` (`width × height`, rows top to bottom). With `dpi`, a `pHYs`
/// chunk records the resolution.
pub(crate) fn encode_gray(
    pixels: &[u8],
    width: u32,
    height: u32,
    dpi: Option<u32>,
) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(pixels.len() / 8 + 1024);
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(pixels, width, height, ExtendedColorType::L8)
        .map_err(|e| Error::RenderFailed(format!("PNG encoding: {e}")))?;
    if let Some(dpi) = dpi {
        insert_phys(&mut out, dpi);
    }
    Ok(out)
}

/// Inserts a `pHYs` chunk (pixels per metre, both axes) right after `IHDR`.
fn insert_phys(png: &mut Vec<u8>, dpi: u32) {
    // Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC).
    const AFTER_IHDR: usize = 33;
    if png.len() < AFTER_IHDR || &png[12..16] != b"IHDR" {
        return;
    }
    let ppm = ((f64::from(dpi) / 0.0254).round() as u32).to_be_bytes();
    let mut chunk = Vec::with_capacity(21);
    chunk.extend_from_slice(&9u32.to_be_bytes());
    chunk.extend_from_slice(b"pHYs");
    chunk.extend_from_slice(&ppm);
    chunk.extend_from_slice(&ppm);
    chunk.push(1); // unit: metre
    let crc = crc32(&chunk[4..]);
    chunk.extend_from_slice(&crc.to_be_bytes());
    png.splice(AFTER_IHDR..AFTER_IHDR, chunk);
}

/// CRC-32 (ISO 3309, as PNG uses it).
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_png_reference() {
        // CRC of the IEND chunk type, present in every PNG.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn phys_records_the_resolution() {
        let png = encode_gray(&[0, 255, 255, 0], 2, 2, Some(150)).unwrap();
        let at = png.windows(4).position(|w| w == b"pHYs").unwrap();
        let ppm = u32::from_be_bytes([png[at + 4], png[at + 5], png[at + 6], png[at + 7]]);
        assert_eq!(ppm, 5906);
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        assert_eq!(img.as_raw(), &vec![0, 255, 255, 0]);
    }
}
