//! The SVG writer of a laid-out page, with short decimal numbers.

use std::fmt::Write as _;

use super::{layout, Anchor, Metrics, Rule, BOLD_STROKE, BORDER_W, RULE_W};
use crate::error::Result;
use crate::forms::content::Form;
use crate::forms::qr::QrMatrix;

/// Appends a non-negative integer in decimal.
pub(crate) fn push_uint(s: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        s.push(char::from(b));
    }
}

/// Appends a number with at most two decimals, trailing zeros dropped (as [`n`] formats it).
fn push_num(s: &mut String, v: f32) {
    let h = (v * 100.0).round() as i64;
    if h < 0 {
        s.push('-');
    }
    let a = h.unsigned_abs();
    push_uint(s, a / 100);
    let frac = a % 100;
    if frac != 0 {
        s.push('.');
        s.push(char::from(b'0' + (frac / 10) as u8));
        if !frac.is_multiple_of(10) {
            s.push(char::from(b'0' + (frac % 10) as u8));
        }
    }
}

/// Appends a path command pair such as `M18 55H192` or `M48 55v9.4`.
fn push_cmd(s: &mut String, (x, y, op, z): Rule) {
    s.push('M');
    push_num(s, x);
    s.push(' ');
    push_num(s, y);
    s.push(op);
    push_num(s, z);
}

/// A number in mm with at most two decimals, trailing zeros dropped.
fn n(v: f32) -> Num {
    Num((v * 100.0).round() as i64)
}

struct Num(i64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        if v < 0 {
            f.write_str("-")?;
        }
        let a = v.unsigned_abs();
        let (int, frac) = (a / 100, a % 100);
        match frac {
            0 => write!(f, "{int}"),
            x if x % 10 == 0 => write!(f, "{int}.{}", x / 10),
            x => write!(f, "{int}.{x:02}"),
        }
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// The font-family list of the page: the loaded families first (the page's font, then its
/// fallbacks), common CJK families after them for viewers that open the SVG on their own.
fn families(loaded: &[&str]) -> String {
    let mut list: Vec<String> = Vec::new();
    let known = [
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "WenQuanYi Micro Hei",
        "Microsoft YaHei",
        "PingFang SC",
        "SimHei",
    ];
    for family in loaded.iter().copied().chain(known) {
        let clean: String = family
            .chars()
            .filter(|c| !matches!(c, '\'' | '"' | '<' | '>' | '&' | ';' | ','))
            .collect();
        let quoted = format!("'{clean}'");
        if !clean.is_empty() && !list.iter().any(|f| f.eq_ignore_ascii_case(&quoted)) {
            list.push(quoted);
        }
    }
    list.push("sans-serif".into());
    list.join(", ")
}

/// Lays out `form` with the fonts' metrics and writes the page as SVG, with `qr` as the form's
/// QR code (the caller encoded `form.token`).
pub(crate) fn form_svg(form: &Form, m: &Metrics, qr: &QrMatrix) -> Result<String> {
    let page = layout(form, m, qr)?;
    // The page font, then the fallback fonts this page draws characters with.
    let mut used = vec![false; m.fonts().len()];
    used[0] = true;
    for t in &page.texts {
        for c in t.text.chars() {
            if let Some(g) = m.glyph(c) {
                used[g.font] = true;
            }
        }
    }
    let loaded: Vec<&str> = m
        .fonts()
        .iter()
        .zip(&used)
        .filter(|(_, &u)| u)
        .map(|(f, _)| f.family())
        .collect();
    let mut s = String::with_capacity(16 * 1024 + page.texts.len() * 96);
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"210mm\" height=\"297mm\" \
         viewBox=\"0 0 210 297\" font-family=\"{}\">",
        families(&loaded)
    );
    // Oversized so that it covers every edge pixel at any resolution.
    s.push_str("<rect x=\"-1\" y=\"-1\" width=\"212\" height=\"299\" fill=\"#fff\"/>\n");
    for &(x, y, w, h, gray) in &page.fills {
        let _ = writeln!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#{gray:02x}{gray:02x}{gray:02x}\"/>",
            n(x),
            n(y),
            n(w),
            n(h)
        );
    }
    let mut d = String::with_capacity(page.rules.len() * 16);
    for &rule in &page.rules {
        push_cmd(&mut d, rule);
    }
    let _ = writeln!(
        s,
        "<path fill=\"none\" stroke=\"#000\" stroke-width=\"{}\" d=\"{d}\"/>",
        n(RULE_W)
    );
    let (bx, by, bw, bh) = page.border;
    let _ = writeln!(
        s,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#000\" stroke-width=\"{}\"/>",
        n(bx),
        n(by),
        n(bw),
        n(bh),
        n(BORDER_W)
    );
    for t in page.texts.iter().filter(|t| !t.text.is_empty()) {
        s.push_str("<text x=\"");
        push_num(&mut s, t.x);
        s.push_str("\" y=\"");
        push_num(&mut s, t.y);
        s.push_str("\" font-size=\"");
        push_num(&mut s, t.size);
        s.push('"');
        if t.anchor == Anchor::Middle {
            s.push_str(" text-anchor=\"middle\"");
        }
        if t.bold {
            let _ = write!(
                s,
                " stroke=\"#000\" stroke-width=\"{}\" stroke-linejoin=\"round\"",
                n(BOLD_STROKE)
            );
        }
        s.push('>');
        escape_into(&mut s, &t.text);
        s.push_str("</text>\n");
    }
    let modules = page.qr.size_with_quiet_zone();
    let b = page.qr_box;
    let _ = writeln!(
        s,
        "<g transform=\"translate({:.5} {:.5}) scale({:.6})\" shape-rendering=\"crispEdges\">\
         <rect width=\"{modules}\" height=\"{modules}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{}\"/></g>",
        b.x,
        b.y,
        b.pitch,
        page.qr.path_data()
    );
    s.push_str("</svg>\n");
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(n(18.0).to_string(), "18");
        assert_eq!(n(3.5).to_string(), "3.5");
        assert_eq!(n(0.125).to_string(), "0.13");
        assert_eq!(n(-2.05).to_string(), "-2.05");
        for v in [0.0, 18.0, 3.5, 0.125, -2.05, 9.4, 192.0, 0.07, 1234.56] {
            let mut s = String::new();
            push_num(&mut s, v);
            assert_eq!(s, n(v).to_string());
        }
        let mut s = String::new();
        push_uint(&mut s, 0);
        push_uint(&mut s, 1_234_567);
        assert_eq!(s, "01234567");
    }
}
