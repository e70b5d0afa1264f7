//! Text measuring: the fonts' advances per character, line breaking and fitting text into a box.

use crate::error::{Error, Result};
use crate::forms::font::Font;

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
    pub(super) fn measure(&self, text: &str, field: &str) -> Result<Vec<Measured>> {
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

pub(super) fn text_of(chars: &[Measured]) -> String {
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
pub(super) struct Fitted {
    pub(super) size: f32,
    pub(super) lines: Vec<String>,
}

/// Fits measured text into `box_w` mm: one line at `base` size, else one line shrunk to at least
/// 85 % of `base`, else wrapped onto up to `max_lines` lines at sizes from `base` down to `min`.
pub(super) fn fit(
    chars: &[Measured],
    box_w: f32,
    base: f32,
    min: f32,
    max_lines: usize,
) -> Option<Fitted> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Vec<Measured> {
        s.chars()
            .map(|c| (c, if c.is_ascii() { 0.5 } else { 1.0 }))
            .collect()
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
