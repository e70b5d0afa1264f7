//! The parts of a PDF/A-2b document that ordinary ones lack: the XMP metadata identifying the
//! part and level, and the sRGB ICC profile of the output intent.

use super::PRODUCER;

/// The output condition of archival documents: sRGB, as screens and office printers assume.
pub(super) const SRGB: &str = "sRGB IEC61966-2.1";

/// Escapes text for XML.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The XMP metadata of an archival document: title and producer as in the document information
/// dictionary, and the PDF/A identification (part 2, conformance level B).
pub(super) fn xmp(title: &str) -> String {
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n\
<dc:format>application/pdf</dc:format>\n\
<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:title>\n\
<pdf:Producer>{}</pdf:Producer>\n\
<pdfaid:part>2</pdfaid:part>\n\
<pdfaid:conformance>B</pdfaid:conformance>\n\
</rdf:Description>\n\
</rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>",
        xml_escape(title),
        xml_escape(PRODUCER)
    )
}

/// An sRGB ICC profile (version 2.1, display class, matrix and tone curves), built here: the
/// IEC 61966-2-1 primaries adapted to the D50 white of the profile connection space (Bradford),
/// and its tone curve sampled at 1,024 points.
pub(super) fn srgb_profile() -> Vec<u8> {
    fn s15(v: f64) -> [u8; 4] {
        ((v * 65536.0).round() as i32).to_be_bytes()
    }
    fn xyz(x: f64, y: f64, z: f64) -> Vec<u8> {
        let mut t = b"XYZ \0\0\0\0".to_vec();
        for v in [x, y, z] {
            t.extend_from_slice(&s15(v));
        }
        t
    }
    fn pad(t: &mut Vec<u8>) {
        while !t.len().is_multiple_of(4) {
            t.push(0);
        }
    }
    let desc = {
        let text = b"sRGB IEC61966-2.1\0";
        let mut t = b"desc\0\0\0\0".to_vec();
        t.extend_from_slice(&(text.len() as u32).to_be_bytes());
        t.extend_from_slice(text);
        t.extend_from_slice(&[0; 4]); // Unicode language
        t.extend_from_slice(&[0; 4]); // Unicode count
        t.extend_from_slice(&[0; 2]); // ScriptCode code
        t.push(0); // ScriptCode count
        t.extend_from_slice(&[0; 67]);
        t
    };
    let cprt = b"text\0\0\0\0No copyright, use freely\0".to_vec();
    let curve = {
        const POINTS: u32 = 1024;
        let mut t = b"curv\0\0\0\0".to_vec();
        t.extend_from_slice(&POINTS.to_be_bytes());
        for i in 0..POINTS {
            let v = f64::from(i) / f64::from(POINTS - 1);
            let linear = if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            };
            t.extend_from_slice(&((linear * 65535.0).round() as u16).to_be_bytes());
        }
        t
    };
    let d50 = (0.9642, 1.0, 0.8249);
    // Tag data in order; the three tone curves share one element.
    let elements: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"desc", desc),
        (b"cprt", cprt),
        (b"wtpt", xyz(d50.0, d50.1, d50.2)),
        (b"rXYZ", xyz(0.436_074_7, 0.222_504_5, 0.013_932_2)),
        (b"gXYZ", xyz(0.385_064_9, 0.716_878_6, 0.097_104_5)),
        (b"bXYZ", xyz(0.143_080_4, 0.060_616_9, 0.714_173_3)),
        (b"rTRC", curve),
    ];
    let tags = elements.len() + 2;
    let mut offset = 128 + 4 + 12 * tags;
    let mut table = Vec::new();
    let mut data = Vec::new();
    let mut curve_at = (0, 0);
    for (sig, mut bytes) in elements {
        let len = bytes.len();
        table.push((*sig, offset, len));
        if sig == b"rTRC" {
            curve_at = (offset, len);
        }
        pad(&mut bytes);
        offset += bytes.len();
        data.extend_from_slice(&bytes);
    }
    table.push((*b"gTRC", curve_at.0, curve_at.1));
    table.push((*b"bTRC", curve_at.0, curve_at.1));
    let size = offset;
    let mut p = Vec::with_capacity(size);
    p.extend_from_slice(&(size as u32).to_be_bytes());
    p.extend_from_slice(&[0; 4]); // preferred CMM
    p.extend_from_slice(&[2, 0x10, 0, 0]); // version 2.1
    p.extend_from_slice(b"mntrRGB XYZ ");
    p.extend_from_slice(&[0x07, 0xEA, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]); // 2026-01-01 00:00:00
    p.extend_from_slice(b"acsp");
    p.extend_from_slice(&[0; 4]); // platform
    p.extend_from_slice(&[0; 4]); // flags
    p.extend_from_slice(&[0; 8]); // manufacturer, model
    p.extend_from_slice(&[0; 8]); // attributes
    p.extend_from_slice(&[0; 4]); // perceptual intent
    for v in [d50.0, d50.1, d50.2] {
        p.extend_from_slice(&s15(v));
    }
    p.extend_from_slice(&[0; 4]); // creator
    p.resize(128, 0);
    p.extend_from_slice(&(tags as u32).to_be_bytes());
    for (sig, at, len) in table {
        p.extend_from_slice(&sig);
        p.extend_from_slice(&(at as u32).to_be_bytes());
        p.extend_from_slice(&(len as u32).to_be_bytes());
    }
    p.extend_from_slice(&data);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_srgb_profile_is_well_formed() {
        let p = srgb_profile();
        let size = u32::from_be_bytes([p[0], p[1], p[2], p[3]]) as usize;
        assert_eq!(size, p.len());
        assert_eq!(&p[36..40], b"acsp");
        assert_eq!(&p[12..24], b"mntrRGB XYZ ");
        let tags = u32::from_be_bytes([p[128], p[129], p[130], p[131]]) as usize;
        assert_eq!(tags, 9);
        let mut names = Vec::new();
        for i in 0..tags {
            let e = &p[132 + 12 * i..144 + 12 * i];
            let at = u32::from_be_bytes([e[4], e[5], e[6], e[7]]) as usize;
            let len = u32::from_be_bytes([e[8], e[9], e[10], e[11]]) as usize;
            assert!(
                at.is_multiple_of(4) && at + len <= p.len(),
                "tag {i} inside the profile"
            );
            names.push(String::from_utf8_lossy(&e[..4]).to_string());
        }
        for t in [
            "desc", "cprt", "wtpt", "rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC",
        ] {
            assert!(names.iter().any(|n| n == t), "{t}");
        }
        // The primaries add up to the D50 white.
        let y: f64 = [0.222_504_5, 0.716_878_6, 0.060_616_9].iter().sum();
        assert!((y - 1.0).abs() < 1e-6);
    }

    #[test]
    fn xmp_names_the_part_and_level_and_escapes_the_title() {
        let x = xmp("A & <B>");
        assert!(x.contains("<pdfaid:part>2</pdfaid:part>"));
        assert!(x.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
        assert!(x.contains("A &amp; &lt;B&gt;"));
        assert!(x.starts_with("<?xpacket begin=\"\u{feff}\""));
    }
}
