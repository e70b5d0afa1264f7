//! Decoding the bytes of a CSV roster: UTF-8 with or without a byte-order mark, or GB18030
//! (which reads GBK and GB2312 too), detected or declared. An undecodable byte is an
//! [`Error::RosterEncoding`] that names its offset and line.

use std::borrow::Cow;

use super::Encoding;
use crate::error::{Error, Result};

/// The 1-based line of a byte offset (lines end with LF, CRLF or a CR alone).
fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + super::csv_file::line_ends(bytes, 0, offset.min(bytes.len()))
}

/// Whether text decoded in an encoding the caller forced reads as that encoding: refused when
/// GB18030 was forced on bytes that are valid UTF-8 with non-ASCII text (a UTF-8 file), when
/// most double-byte pairs fall outside GB2312's common characters (another encoding read as
/// GBK), or when UTF-8 was forced on text that is mostly Latin-1 letters and C1 controls (UTF-8
/// decoded twice, `å§“å`).
fn plausible(bytes: &[u8], encoding: Encoding, text: &str) -> bool {
    match encoding {
        Encoding::Gb18030 => {
            if !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok() {
                return false;
            }
            let (mut common, mut other) = (0usize, 0usize);
            let mut i = 0;
            while i < bytes.len() {
                let b = bytes[i];
                if b < 0x80 {
                    i += 1;
                    continue;
                }
                let t = bytes.get(i + 1).copied().unwrap_or(0);
                if (0x30..=0x39).contains(&t) {
                    other += 1; // a four-byte GB18030 sequence: rare characters
                    i += 4;
                } else {
                    if (0xA1..=0xF7).contains(&b) && (0xA1..=0xFE).contains(&t) {
                        common += 1;
                    } else {
                        other += 1;
                    }
                    i += 2;
                }
            }
            other <= common
        }
        Encoding::Utf8 => {
            let (mut latin, mut cjk) = (0usize, 0usize);
            for c in text.chars() {
                match c {
                    '\u{80}'..='\u{FF}' => latin += 1,
                    c if !c.is_ascii() => cjk += 1,
                    _ => {}
                }
            }
            latin <= cjk || latin < 4
        }
        Encoding::Auto => true,
    }
}

/// The error for text that decodes but does not read as the forced encoding.
fn implausible(encoding: Encoding) -> Error {
    let name = match encoding {
        Encoding::Gb18030 => "gb18030",
        _ => "utf-8",
    };
    Error::RosterImplausibleText {
        encoding: name.into(),
    }
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
    // GBK's two-byte characters become three UTF-8 bytes and everything else no more bytes than
    // it had, so 1.5× the input holds the text; the loop below grows the buffer if not.
    let cap = bytes
        .len()
        .saturating_add(bytes.len() / 2)
        .saturating_add(16);
    let mut out = String::with_capacity(cap);
    let mut pos = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[pos..], &mut out, true);
        pos += read;
        match result {
            encoding_rs::DecoderResult::InputEmpty => {
                // Give back the room the estimate left over before the rows are read into
                // memory of their own (a shrink in place for a buffer this large).
                if out.capacity() - out.len() > out.len() / 16 {
                    out.shrink_to_fit();
                }
                return Ok(out);
            }
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
        Encoding::Utf8 => {
            let text = decode_utf8(bytes, bytes, 0)?;
            if !plausible(bytes, encoding, text) {
                return Err(implausible(encoding));
            }
            Ok((Cow::Borrowed(text), "utf-8"))
        }
        Encoding::Gb18030 => {
            // A UTF-8 file is named as such before any byte fails to decode.
            if !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok() {
                return Err(implausible(encoding));
            }
            let text = decode_gb18030(bytes, "gb18030")?;
            if !plausible(bytes, encoding, &text) {
                return Err(implausible(encoding));
            }
            Ok((Cow::Owned(text), "gb18030"))
        }
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
    fn forced_encodings_must_read_plausibly() {
        let utf8 = "姓名,身份证号\n张三,1\n".as_bytes();
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,身份证号\n张三,1\n");
        assert!(matches!(
            decode(utf8, Encoding::Gb18030),
            Err(Error::RosterImplausibleText { .. })
        ));
        assert!(decode(&gbk, Encoding::Gb18030).is_ok());
        assert!(decode(utf8, Encoding::Utf8).is_ok());
        assert!(
            decode(b"name,id\n", Encoding::Gb18030).is_ok(),
            "ASCII reads as anything"
        );
        // UTF-8 decoded as Latin-1 and saved as UTF-8 again.
        let twice: String = utf8.iter().map(|&b| char::from(b)).collect();
        assert!(matches!(
            decode(twice.as_bytes(), Encoding::Utf8),
            Err(Error::RosterImplausibleText { .. })
        ));
        assert_eq!(
            decode(twice.as_bytes(), Encoding::Auto).unwrap().1,
            "utf-8",
            "auto-detection stays as it was"
        );
    }

    #[test]
    fn lines_end_with_a_lone_cr_too() {
        let err = decode_gb18030(b"a\rb\rc\xFF", "gb18030").unwrap_err();
        assert!(matches!(err, Error::RosterEncoding { line: 3, .. }));
    }

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
