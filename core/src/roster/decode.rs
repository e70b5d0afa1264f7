//! Decoding the bytes of a CSV roster: UTF-8 with or without a byte-order mark, or GB18030
//! (which reads GBK and GB2312 too), detected or declared. An undecodable byte is an
//! [`Error::RosterEncoding`] that names its offset and line.

use std::borrow::Cow;

use super::Encoding;
use crate::error::{Error, Result};

/// The 1-based line of a byte offset.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// `bytes` as UTF-8; an error names the offset (counted from the start of `full`, past
/// `skipped` bytes) and its line.
fn decode_utf8<'a>(bytes: &'a [u8], full: &[u8], skipped: usize) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = skipped + e.valid_up_to();
        Error::RosterEncoding {
            encoding: "utf-8".into(),
            offset,
            line: line_of(full, offset),
        }
    })
}

/// `bytes` as GB18030; an error names the offset and its line, under the encoding `label`.
fn decode_gb18030(bytes: &[u8], label: &str) -> Result<String> {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(cap);
    let mut pos = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[pos..], &mut out, true);
        pos += read;
        match result {
            encoding_rs::DecoderResult::InputEmpty => return Ok(out),
            encoding_rs::DecoderResult::OutputFull => out.reserve(bytes.len() - pos + 16),
            encoding_rs::DecoderResult::Malformed(bad, after) => {
                let offset = pos.saturating_sub(usize::from(bad) + usize::from(after));
                return Err(Error::RosterEncoding {
                    encoding: label.into(),
                    offset,
                    line: line_of(bytes, offset),
                });
            }
        }
    }
}

/// Decodes CSV bytes; returns the text and the encoding's name.
pub(super) fn decode(bytes: &[u8], encoding: Encoding) -> Result<(Cow<'_, str>, &'static str)> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if let Some(rest) = bytes.strip_prefix(BOM) {
        return Ok((
            Cow::Borrowed(decode_utf8(rest, bytes, BOM.len())?),
            "utf-8-bom",
        ));
    }
    match encoding {
        Encoding::Utf8 => Ok((Cow::Borrowed(decode_utf8(bytes, bytes, 0)?), "utf-8")),
        Encoding::Gb18030 => Ok((Cow::Owned(decode_gb18030(bytes, "gb18030")?), "gb18030")),
        Encoding::Auto => {
            if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
                return Err(Error::RosterUnsupportedFormat(
                    "UTF-16 文本，请另存为“CSV UTF-8” / UTF-16 text: save it as CSV UTF-8".into(),
                ));
            }
            match std::str::from_utf8(bytes) {
                Ok(s) => Ok((Cow::Borrowed(s), "utf-8")),
                Err(_) => Ok((
                    Cow::Owned(decode_gb18030(bytes, "utf-8 / gb18030")?),
                    "gb18030",
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_offsets() {
        let err = decode_gb18030(b"ab\ncd\xFF", "gb18030").unwrap_err();
        assert_eq!(
            err,
            Error::RosterEncoding {
                encoding: "gb18030".into(),
                offset: 5,
                line: 2
            }
        );
    }
}
