//! Page layout of a form on A4, written directly as SVG.
//!
//! Units are millimetres (the SVG's `viewBox` is `0 0 210 297`). Every piece of text goes through
//! [`Metrics`], which measures it with the font's advances and refuses a character the font has
//! no glyph for, so nothing reaches a renderer that would leave a blank gap. Values that are too
//! wide for their cell first shrink a little, then wrap onto more lines (the row grows), then
//! shrink further down to a minimum size; past that the field is refused.

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::forms::content::{Form, Row};
use crate::forms::font::Font;
use crate::forms::qr::QrMatrix;

/// Page width, mm (A4).
pub const PAGE_W: f32 = 210.0;
/// Page height, mm (A4).
pub const PAGE_H: f32 = 297.0;

const LEFT: f32 = 18.0;
const RIGHT: f32 = 192.0;
const LABEL_W: f32 = 30.0;
const PAIR_VALUE_W: f32 = (RIGHT - LEFT) / 2.0 - LABEL_W;
const VALUE_PAD: f32 = 2.0;
const LABEL_PAD: f32 = 1.2;
const ROW_MIN_H: f32 = 9.4;
const ROW_PAD: f32 = 1.5;
const HEADING_H: f32 = 7.6;
const LINE_FACTOR: f32 = 1.32;

const TITLE_Y: f32 = 24.0;
const TITLE_SIZE: f32 = 6.6;
const SUBTITLE_Y: f32 = 32.5;
const SUBTITLE_SIZE: f32 = 3.6;
const NUMBER_Y: f32 = 42.0;
const NUMBER_SIZE: f32 = 3.4;
/// Space between the header's centred lines and the QR code's dark modules, mm.
const QR_GAP: f32 = 3.0;
/// Top of the QR code's dark modules, mm; its quiet zone lies above, in the page margin.
const QR_TOP: f32 = 9.0;
/// Lowest top of the table, mm (the QR code pushes it down when it is taller).
const TABLE_TOP: f32 = 55.0;
/// Space between the QR code's quiet zone and the table, mm.
const TABLE_GAP: f32 = 3.0;
const BOTTOM_LIMIT: f32 = 285.0;

/// The grid of a dense QR code: 1/240 inch, the pixel of the default PNG resolution. Its module
/// is a whole number of dots.
const DOT: f32 = 25.4 / 240.0;
/// Module of a phone-grade QR code, in dots: 8 dots = 1/30 inch = 0.847 mm, at least the 0.8 mm
/// phone cameras need on paper. It is 8 pixels at the default 240 dpi (4 after the image is
/// scaled to half), and whole pixels at 150, 300 and 600 dpi too (5, 10 and 20): the code is
/// placed on a grid of its own modules.
pub const QR_MODULE_DOTS: u32 = 8;
/// The phone-grade module in millimetres (1/30 inch).
pub const QR_MODULE_MM: f32 = QR_MODULE_DOTS as f32 * DOT;
/// Largest QR code drawn with phone-grade modules, modules per side including the quiet zone:
/// version 9 at level M (up to 262 alphanumeric characters: every signed token, with or without
/// a deployment URL prefix). It is 51.6 mm wide.
pub const PHONE_QR_MODULES: usize = 61;
/// Side of the QR area, mm: a larger code (a token with the disclosure embedded) is drawn with
/// smaller modules inside it.
const QR_MAX_SIDE: f32 = PHONE_QR_MODULES as f32 * QR_MODULE_MM;
/// Smallest module of a dense code, in dots (0.42 mm).
const QR_MIN_DOTS: u32 = 4;

const LABEL_SIZE: f32 = 3.4;
const LABEL_MIN: f32 = 2.4;
const VALUE_SIZE: f32 = 3.5;
const VALUE_MIN: f32 = 2.6;
const HEADING_SIZE: f32 = 3.9;
const NOTE_SIZE: f32 = 3.0;
const NOTE_HEAD_SIZE: f32 = 3.4;

/// Largest QR code on a page, modules per side including the quiet zone (version 18 at level M,
/// about 750 alphanumeric characters, for tokens with the disclosure embedded): its modules are
/// at least four dots (0.42 mm), which scanners read from paper but phones only up close. Up to
/// [`PHONE_QR_MODULES`] the modules are phone-grade ([`QR_MODULE_MM`]).
pub const MAX_PAGE_QR_MODULES: usize = 100;

/// Bold is drawn as a thin outline around the glyphs, since one regular face is embedded. Only
/// the title is bold: stroking glyph outlines is the costliest step of rasterising a page
/// (about a quarter of it when the section headings were bold too).
pub(crate) const BOLD_STROKE: f32 = 0.12;

/// Text measurement with the fonts' advances; every character is checked for a glyph.
///
/// Built once per renderer from its fonts in order (the first is the page's font, the others
/// fall back character by character): for every character of the Basic Multilingual Plane the
/// font that draws it, its glyph and advance are kept in a table, so measuring a form and
/// writing its PDF cost no font-table lookups; characters beyond it are looked up in the fonts
/// themselves.
pub(crate) struct Metrics {
    fonts: Vec<Font>,
    upem: Vec<f32>,
    bmp: Vec<Entry>,
}

/// A character's glyph in the BMP table: the font's index (`NO_FONT` when no font has it), the
/// glyph id and the advance in font units.
#[derive(Clone, Copy)]
struct Entry {
    font: u8,
    gid: u16,
    advance: u16,
}

const NO_FONT: u8 = u8::MAX;

/// A character's glyph: which of the renderer's fonts draws it, the glyph id in that font and the
/// advance in em.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Glyph {
    pub font: usize,
    pub gid: u16,
    pub advance: f32,
}

/// A character with its advance in em.
type Measured = (char, f32);

impl Metrics {
    /// Metrics of `fonts`, the first preferred (at most 254 fonts).
    pub(crate) fn new(fonts: &[Font]) -> Result<Metrics> {
        let faces = fonts
            .iter()
            .take(usize::from(NO_FONT))
            .map(|f| f.face())
            .collect::<Result<Vec<_>>>()?;
        let upem = faces
            .iter()
            .map(|f| f32::from(f.units_per_em().max(1)))
            .collect();
        let bmp = (0u32..=0xFFFF)
            .map(|cp| {
                char::from_u32(cp)
                    .and_then(|c| {
                        faces.iter().enumerate().find_map(|(i, face)| {
                            glyph_units(face, c).map(|(gid, advance)| Entry {
                                font: i as u8,
                                gid,
                                advance,
                            })
                        })
                    })
                    .unwrap_or(Entry {
                        font: NO_FONT,
                        gid: 0,
                        advance: 0,
                    })
            })
            .collect();
        Ok(Metrics {
            fonts: fonts.iter().take(usize::from(NO_FONT)).cloned().collect(),
            upem,
            bmp,
        })
    }

    /// The fonts, in order of preference.
    pub(crate) fn fonts(&self) -> &[Font] {
        &self.fonts
    }

    /// Normalises whitespace (control characters become spaces, runs collapse, ends trimmed)
    /// and measures each character, refusing one without a glyph.
    fn measure(&self, text: &str, field: &str) -> Result<Vec<Measured>> {
        let mut out: Vec<Measured> = Vec::with_capacity(text.len());
        for c in text.chars() {
            let c = if c.is_control() || c.is_whitespace() {
                ' '
            } else {
                c
            };
            if c == ' ' {
                if out.last().is_none_or(|&(p, _)| p == ' ') {
                    continue;
                }
                let w = self.glyph(' ').map_or(0.3, |g| g.advance);
                out.push((' ', w));
                continue;
            }
            match self.glyph(c) {
                Some(g) => out.push((c, g.advance)),
                None => {
                    return Err(Error::MissingGlyph {
                        character: c,
                        field: field.to_string(),
                    })
                }
            }
        }
        while out.last().is_some_and(|&(c, _)| c == ' ') {
            out.pop();
        }
        Ok(out)
    }

    /// The glyph that draws `c`, from the first font that has one.
    pub(crate) fn glyph(&self, c: char) -> Option<Glyph> {
        let (font, gid, units) = match self.bmp.get(c as usize) {
            Some(e) if e.font == NO_FONT => return None,
            Some(e) => (usize::from(e.font), e.gid, e.advance),
            None => self.fonts.iter().enumerate().find_map(|(i, f)| {
                let face = f.face().ok()?;
                glyph_units(&face, c).map(|(gid, adv)| (i, gid, adv))
            })?,
        };
        Some(Glyph {
            font,
            gid,
            advance: f32::from(units) / self.upem[font],
        })
    }

    /// The width of `text` in em (its characters' advances; no kerning).
    pub(crate) fn width_em(&self, text: &str) -> f32 {
        text.chars()
            .filter_map(|c| self.glyph(c))
            .map(|g| g.advance)
            .sum()
    }
}

/// The glyph of `c` and its advance in font units, `None` when the font has no glyph for it.
fn glyph_units(face: &ttf_parser::Face<'_>, c: char) -> Option<(u16, u16)> {
    let g = face.glyph_index(c)?;
    if g.0 == 0 {
        return None;
    }
    Some((g.0, face.glyph_hor_advance(g).unwrap_or(0)))
}

fn em_width(chars: &[Measured]) -> f32 {
    chars.iter().map(|&(_, w)| w).sum()
}

fn text_of(chars: &[Measured]) -> String {
    chars.iter().map(|&(c, _)| c).collect()
}

/// Characters that must not start a line (Chinese line-breaking rules, simplified).
fn no_line_start(c: char) -> bool {
    "，。、；：！？）》」』】〕”’,.;:!?)]%".contains(c)
}

/// Characters that must not end a line.
fn no_line_end(c: char) -> bool {
    "（《「『【〔“‘([".contains(c)
}

/// Greedy line breaking at `max_em` per line: anywhere between Chinese characters, at spaces
/// inside Latin words and numbers, keeping closing punctuation off line starts.
fn wrap(chars: &[Measured], max_em: f32) -> Vec<Vec<Measured>> {
    let mut lines: Vec<Vec<Measured>> = Vec::new();
    let mut cur: Vec<Measured> = Vec::new();
    let mut cur_w = 0.0f32;
    for &(c, w) in chars {
        if cur.is_empty() && c == ' ' {
            continue;
        }
        if cur_w + w > max_em && !cur.is_empty() {
            let mut carry: Vec<Measured> = Vec::new();
            if c.is_ascii_alphanumeric()
                && cur.last().is_some_and(|&(p, _)| p.is_ascii_alphanumeric())
            {
                // Inside a Latin word or number: break at the last space, if any.
                if let Some(pos) = cur.iter().rposition(|&(p, _)| p == ' ') {
                    if pos > 0 {
                        carry = cur.split_off(pos + 1);
                        cur.pop();
                    }
                }
            } else if no_line_start(c) && cur.len() > 1 {
                carry = cur.split_off(cur.len() - 1);
            }
            while cur.len() > 1 && cur.last().is_some_and(|&(p, _)| no_line_end(p)) {
                let last = cur.split_off(cur.len() - 1);
                carry.splice(0..0, last);
            }
            while cur.last().is_some_and(|&(p, _)| p == ' ') {
                cur.pop();
            }
            lines.push(std::mem::take(&mut cur));
            cur_w = em_width(&carry);
            cur = carry;
        }
        cur.push((c, w));
        cur_w += w;
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Text fitted into a box: its size and lines.
struct Fitted {
    size: f32,
    lines: Vec<String>,
}

/// Fits measured text into `box_w` mm: one line at `base` size, else one line shrunk to at least
/// 85 % of `base`, else wrapped onto up to `max_lines` lines at sizes from `base` down to `min`.
fn fit(chars: &[Measured], box_w: f32, base: f32, min: f32, max_lines: usize) -> Option<Fitted> {
    let total = em_width(chars);
    if total * base <= box_w {
        return Some(Fitted {
            size: base,
            lines: vec![text_of(chars)],
        });
    }
    let one_line = (box_w / total * 20.0).floor() / 20.0;
    if one_line >= base * 0.85 && one_line >= min {
        return Some(Fitted {
            size: one_line,
            lines: vec![text_of(chars)],
        });
    }
    let mut size = base;
    while size >= min - 1e-3 {
        let lines = wrap(chars, box_w / size);
        if lines.len() <= max_lines && lines.iter().all(|l| em_width(l) * size <= box_w + 1e-3) {
            return Some(Fitted {
                size,
                lines: lines.iter().map(|l| text_of(l)).collect(),
            });
        }
        size -= 0.1;
    }
    None
}

/// How a text is placed horizontally on its `x`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// `x` is the start of the text.
    Start,
    /// `x` is the middle of the text.
    Middle,
}

/// A line of text on the page: baseline at `y`, size in mm.
pub(crate) struct Text {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub anchor: Anchor,
    pub bold: bool,
    pub text: String,
}

/// A filled rectangle: `x`, `y`, width, height (mm) and its gray level (0 black … 255 white).
pub(crate) type Fill = (f32, f32, f32, f32, u8);

/// A thin rule: from (`x`, `y`), horizontally to x = `to` (`'H'`) or down by `to` (`'v'`).
pub(crate) type Rule = (f32, f32, char, f32);

/// Everything drawn on a page, in mm from the top-left corner; the SVG and PDF writers draw it.
pub(crate) struct Page {
    pub fills: Vec<Fill>,
    pub rules: Vec<Rule>,
    pub border: (f32, f32, f32, f32),
    pub texts: Vec<Text>,
    pub qr: QrMatrix,
    pub qr_box: QrBox,
}

/// Width of the thin rules and of the table's border, mm.
pub(crate) const RULE_W: f32 = 0.2;
/// Width of the table's border, mm.
pub(crate) const BORDER_W: f32 = 0.45;
/// Gray of the section headings' cells.
const HEADING_GRAY: u8 = 0xdc;
/// Gray of the label cells.
const LABEL_GRAY: u8 = 0xf0;

/// A cell's text, placed: lines centred vertically in the row.
fn place(texts: &mut Vec<Text>, fitted: Fitted, x: f32, row_top: f32, row_h: f32, anchor: Anchor) {
    let lh = fitted.size * LINE_FACTOR;
    let block = lh * fitted.lines.len() as f32;
    let top = row_top + (row_h - block) / 2.0;
    for (i, line) in fitted.lines.into_iter().enumerate() {
        let y = top + lh * i as f32 + (lh - fitted.size) / 2.0 + fitted.size * 0.86;
        texts.push(Text {
            x,
            y,
            size: fitted.size,
            anchor,
            bold: false,
            text: line,
        });
    }
}

fn rows_height(fitted: &[&Fitted], k: f32) -> f32 {
    fitted
        .iter()
        .map(|f| f.size * LINE_FACTOR * f.lines.len() as f32 + 2.0 * ROW_PAD * k)
        .fold(ROW_MIN_H * k, f32::max)
}

fn fit_field(
    m: &Metrics,
    key: &str,
    value: &str,
    box_w: f32,
    max_lines: usize,
    k: f32,
) -> Result<Fitted> {
    let chars = m.measure(value, key)?;
    fit(&chars, box_w, VALUE_SIZE * k, VALUE_MIN * k, max_lines).ok_or_else(|| {
        Error::FieldTooLong {
            field: key.to_string(),
            chars: value.chars().count(),
        }
    })
}

fn fit_label(m: &Metrics, key: &str, label: &str, k: f32) -> Result<Fitted> {
    let field = format!("label.{key}");
    let chars = m.measure(label, &field)?;
    fit(
        &chars,
        LABEL_W - 2.0 * LABEL_PAD,
        LABEL_SIZE * k,
        LABEL_MIN * k,
        2,
    )
    .ok_or_else(|| Error::FieldTooLong {
        field,
        chars: label.chars().count(),
    })
}

fn single(m: &Metrics, text: &str, field: &str, size: f32, max_w: f32) -> Result<Fitted> {
    let chars = m.measure(text, field)?;
    fit(&chars, max_w, size, size * 0.6, 1).ok_or_else(|| Error::FieldTooLong {
        field: field.to_string(),
        chars: text.chars().count(),
    })
}

/// Scales of the table's type and spacing, tried in order until the form fits one page: only
/// records with many long values need the smaller ones.
const SCALES: [f32; 4] = [1.0, 0.88, 0.78, 0.7];

pub(crate) fn layout(form: &Form, m: &Metrics, qr: &QrMatrix) -> Result<Page> {
    let mut overflow = None;
    for k in SCALES {
        match layout_at(form, m, k, qr) {
            Err(e @ Error::FormOverflow { .. }) => overflow = Some(e),
            other => return other,
        }
    }
    Err(overflow.unwrap_or(Error::FormOverflow { needed_mm: 0 }))
}

/// Lays out the form with the table's sizes scaled by `k`.
fn layout_at(form: &Form, m: &Metrics, k: f32, qr: &QrMatrix) -> Result<Page> {
    if qr.size_with_quiet_zone() > MAX_PAGE_QR_MODULES {
        return Err(Error::QrPayloadInvalid(format!(
            "{} characters make a QR code of {} modules: too dense to scan from the printed form (at most {})",
            form.token.len(),
            qr.size_with_quiet_zone(),
            MAX_PAGE_QR_MODULES
        )));
    }
    let mut texts = Vec::with_capacity(96);
    let mut fills = Vec::with_capacity(48);
    let mut rules: Vec<Rule> = Vec::with_capacity(64);

    // Header: title, subtitle and verification number centred on the page, the QR code in the
    // top-right corner.
    let qr_box = qr_box(qr.size_with_quiet_zone());
    let dark_left = qr_box.x + qr_box.pitch * super::qr::QUIET_ZONE as f32;
    let centred_w = 2.0 * (dark_left - QR_GAP - PAGE_W / 2.0);
    let number = format!("核验编号：{}", form.number_text());
    let header = [
        (form.title.as_str(), "title", TITLE_Y, TITLE_SIZE, true),
        (
            form.subtitle.as_str(),
            "subtitle",
            SUBTITLE_Y,
            SUBTITLE_SIZE,
            false,
        ),
        (number.as_str(), "number", NUMBER_Y, NUMBER_SIZE, false),
    ];
    for (text, field, y, size, bold) in header {
        let fitted = single(m, text, field, size, centred_w)?;
        texts.push(Text {
            x: PAGE_W / 2.0,
            y,
            size: fitted.size,
            anchor: Anchor::Middle,
            bold,
            text: fitted.lines.into_iter().next().unwrap_or_default(),
        });
    }
    let table_top = TABLE_TOP.max(qr_box.y + qr_box.side + TABLE_GAP);

    // The table.
    let mut y = table_top;
    for block in &form.blocks {
        let heading = single(
            m,
            &block.heading,
            &format!("heading.{}", block.key),
            HEADING_SIZE * k,
            RIGHT - LEFT - 4.0,
        )?;
        fills.push((LEFT, y, RIGHT - LEFT, HEADING_H * k, HEADING_GRAY));
        place(
            &mut texts,
            heading,
            PAGE_W / 2.0,
            y,
            HEADING_H * k,
            Anchor::Middle,
        );
        y += HEADING_H * k;
        rules.push((LEFT, y, 'H', RIGHT));
        for row in &block.rows {
            match row {
                Row::Wide(f) => {
                    let label = fit_label(m, &f.key, &f.label, k)?;
                    let value_w = RIGHT - LEFT - LABEL_W - 2.0 * VALUE_PAD;
                    let value = fit_field(m, &f.key, &f.value, value_w, 4, k)?;
                    let h = rows_height(&[&label, &value], k);
                    fills.push((LEFT, y, LABEL_W, h, LABEL_GRAY));
                    place(
                        &mut texts,
                        label,
                        LEFT + LABEL_W / 2.0,
                        y,
                        h,
                        Anchor::Middle,
                    );
                    place(
                        &mut texts,
                        value,
                        LEFT + LABEL_W + VALUE_PAD,
                        y,
                        h,
                        Anchor::Start,
                    );
                    rules.push((LEFT + LABEL_W, y, 'v', h));
                    y += h;
                }
                Row::Pair(a, b) => {
                    let value_w = PAIR_VALUE_W - 2.0 * VALUE_PAD;
                    let la = fit_label(m, &a.key, &a.label, k)?;
                    let va = fit_field(m, &a.key, &a.value, value_w, 3, k)?;
                    let lb = fit_label(m, &b.key, &b.label, k)?;
                    let vb = fit_field(m, &b.key, &b.value, value_w, 3, k)?;
                    let h = rows_height(&[&la, &va, &lb, &vb], k);
                    let half = (RIGHT - LEFT) / 2.0;
                    fills.push((LEFT, y, LABEL_W, h, LABEL_GRAY));
                    fills.push((LEFT + half, y, LABEL_W, h, LABEL_GRAY));
                    place(&mut texts, la, LEFT + LABEL_W / 2.0, y, h, Anchor::Middle);
                    place(
                        &mut texts,
                        va,
                        LEFT + LABEL_W + VALUE_PAD,
                        y,
                        h,
                        Anchor::Start,
                    );
                    place(
                        &mut texts,
                        lb,
                        LEFT + half + LABEL_W / 2.0,
                        y,
                        h,
                        Anchor::Middle,
                    );
                    place(
                        &mut texts,
                        vb,
                        LEFT + half + LABEL_W + VALUE_PAD,
                        y,
                        h,
                        Anchor::Start,
                    );
                    for x in [LEFT + LABEL_W, LEFT + half, LEFT + half + LABEL_W] {
                        rules.push((x, y, 'v', h));
                    }
                    y += h;
                }
            }
            rules.push((LEFT, y, 'H', RIGHT));
        }
    }
    let border = (LEFT, table_top, RIGHT - LEFT, y - table_top);

    // 说明.
    y += 8.0;
    let head = single(m, "说明：", "notes", NOTE_HEAD_SIZE, 20.0)?;
    texts.push(Text {
        x: LEFT,
        y,
        size: head.size,
        anchor: Anchor::Start,
        bold: false,
        text: head.lines.into_iter().next().unwrap_or_default(),
    });
    y += 2.0;
    for (i, note) in form.notes.iter().enumerate() {
        let key = format!("notes[{i}]");
        let mark = format!("{}.", i + 1);
        let mark_chars = m.measure(&mark, &key)?;
        let chars = m.measure(note, &key)?;
        let indent = 5.0;
        let fitted =
            fit(&chars, RIGHT - LEFT - indent, NOTE_SIZE, NOTE_SIZE * 0.8, 3).ok_or_else(|| {
                Error::FieldTooLong {
                    field: key.clone(),
                    chars: note.chars().count(),
                }
            })?;
        let lh = fitted.size * 1.5;
        texts.push(Text {
            x: LEFT + 1.0,
            y: y + lh * 0.8,
            size: fitted.size,
            anchor: Anchor::Start,
            bold: false,
            text: text_of(&mark_chars),
        });
        for line in fitted.lines {
            y += lh;
            texts.push(Text {
                x: LEFT + indent,
                y: y - lh * 0.2,
                size: fitted.size,
                anchor: Anchor::Start,
                bold: false,
                text: line,
            });
        }
        y += 0.8;
    }
    if y > BOTTOM_LIMIT {
        return Err(Error::FormOverflow {
            needed_mm: (y + PAGE_H - BOTTOM_LIMIT).ceil() as u32,
        });
    }
    Ok(Page {
        fills,
        rules,
        border,
        texts,
        qr: qr.clone(),
        qr_box,
    })
}

/// Where the QR code goes: the top-left corner of its quiet zone, its module pitch and its side
/// with the quiet zone, in mm, on the dot grid. Its dark modules end at the table's right edge and
/// start [`QR_TOP`] from the top; the quiet zone reaches into the page margin, which stays white.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QrBox {
    pub x: f32,
    pub y: f32,
    pub pitch: f32,
    pub side: f32,
}

/// The module size in dots for a code of `modules` per side (with the quiet zone): phone-grade up
/// to [`PHONE_QR_MODULES`], else as large as the QR area allows.
pub(crate) fn qr_module_dots(modules: usize) -> u32 {
    if modules <= PHONE_QR_MODULES {
        QR_MODULE_DOTS
    } else {
        ((QR_MAX_SIDE / modules as f32 / DOT).floor() as u32).max(QR_MIN_DOTS)
    }
}

fn qr_box(modules: usize) -> QrBox {
    let dots = qr_module_dots(modules);
    let pitch = dots as f32 * DOT;
    // Corners on the grid of the modules themselves (1/30 inch for a phone-grade code): the
    // dark area's right edge at RIGHT, its top at QR_TOP.
    let quiet = super::qr::QUIET_ZONE as f32;
    let right = (RIGHT / pitch).round() + quiet;
    let top = (QR_TOP / pitch).round() - quiet;
    QrBox {
        x: (right - modules as f32) * pitch,
        y: top * pitch,
        pitch,
        side: modules as f32 * pitch,
    }
}

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

    fn m(s: &str) -> Vec<Measured> {
        s.chars()
            .map(|c| (c, if c.is_ascii() { 0.5 } else { 1.0 }))
            .collect()
    }

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

    #[test]
    fn wrapping_respects_widths_and_punctuation() {
        let lines = wrap(&m("江苏省南京市鼓楼区中，山北路"), 10.0);
        let texts: Vec<String> = lines.iter().map(|l| text_of(l)).collect();
        // The comma may not start a line: the character before it moves down with it.
        assert_eq!(texts, vec!["江苏省南京市鼓楼区", "中，山北路"]);
        assert!(lines.iter().all(|l| em_width(l) <= 10.0));
        // A Latin word is not split when a space allows a break.
        let lines = wrap(&m("Room 1203 Building"), 4.0);
        let texts: Vec<String> = lines.iter().map(|l| text_of(l)).collect();
        assert_eq!(texts, vec!["Room", "1203", "Building"]);
    }

    #[test]
    fn fitting_shrinks_then_wraps_then_refuses() {
        let short = fit(&m("张明"), 50.0, 3.5, 2.6, 3).unwrap();
        assert_eq!((short.size, short.lines.len()), (3.5, 1));
        let slightly = fit(&m(&"堃".repeat(15)), 50.0, 3.5, 2.6, 3).unwrap();
        assert_eq!(slightly.lines.len(), 1);
        assert!(slightly.size < 3.5 && slightly.size * 15.0 <= 50.0);
        let long = fit(&m(&"址".repeat(40)), 50.0, 3.5, 2.6, 3).unwrap();
        assert!(long.lines.len() > 1 && long.lines.len() <= 3);
        assert!(fit(&m(&"址".repeat(200)), 50.0, 3.5, 2.6, 3).is_none());
    }
}
