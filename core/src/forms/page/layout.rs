//! Layout of a form on the page: the header, the table of blocks and rows, and the notes, with
//! the geometry of each and the place of the QR code.

use super::measure::{fit, text_of, Fitted, Metrics};
use super::{
    Anchor, Fill, Page, QrBox, Rule, Text, DOT, MAX_PAGE_QR_MODULES, PAGE_H, PAGE_W,
    PHONE_QR_MODULES, QR_MODULE_DOTS, QR_MODULE_MM,
};
use crate::error::{Error, Result};
use crate::forms::content::{Field, Form, Row};
use crate::forms::qr::{QrMatrix, QUIET_ZONE};

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

/// Side of the QR area, mm: a larger code is drawn with smaller modules inside it.
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

/// Height of a row holding these fitted texts, at scale `k`.
fn rows_height(fitted: &[&Fitted], k: f32) -> f32 {
    fitted
        .iter()
        .map(|f| f.size * LINE_FACTOR * f.lines.len() as f32 + 2.0 * ROW_PAD * k)
        .fold(ROW_MIN_H * k, f32::max)
}

/// A field's value fitted into `box_w` mm on at most `max_lines` lines, at scale `k`.
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

/// A field's label fitted into the label cell, at scale `k`.
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

/// One line of text fitted into `max_w` mm, shrunk down to 60 % of `size` when needed.
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

/// Lays out `form` on one page with `qr` as its QR code, at the largest scale of the table that
/// fits.
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

/// What the steps of a layout draw, in drawing order.
struct Marks {
    texts: Vec<Text>,
    fills: Vec<Fill>,
    rules: Vec<Rule>,
}

/// Lays out the form with the table's sizes scaled by `k`: the header, the table, the notes.
fn layout_at(form: &Form, m: &Metrics, k: f32, qr: &QrMatrix) -> Result<Page> {
    if qr.size_with_quiet_zone() > MAX_PAGE_QR_MODULES {
        return Err(Error::QrPayloadInvalid(format!(
            "{} characters make a QR code of {} modules: too dense to scan from the printed form (at most {})",
            form.token.len(),
            qr.size_with_quiet_zone(),
            MAX_PAGE_QR_MODULES
        )));
    }
    let mut marks = Marks {
        texts: Vec::with_capacity(96),
        fills: Vec::with_capacity(48),
        rules: Vec::with_capacity(64),
    };
    let qr_box = qr_box(qr.size_with_quiet_zone());
    header(&mut marks.texts, form, m, qr_box)?;
    let table_top = TABLE_TOP.max(qr_box.y + qr_box.side + TABLE_GAP);
    let table_bottom = table(&mut marks, form, m, k, table_top)?;
    let border = (LEFT, table_top, RIGHT - LEFT, table_bottom - table_top);
    let y = notes(&mut marks.texts, form, m, table_bottom)?;
    if y > BOTTOM_LIMIT {
        return Err(Error::FormOverflow {
            needed_mm: (y + PAGE_H - BOTTOM_LIMIT).ceil() as u32,
        });
    }
    Ok(Page {
        fills: marks.fills,
        rules: marks.rules,
        border,
        texts: marks.texts,
        qr: qr.clone(),
        qr_box,
    })
}

/// The header: title, subtitle and verification number centred on the page, clear of the QR
/// code in the top-right corner.
fn header(texts: &mut Vec<Text>, form: &Form, m: &Metrics, qr_box: QrBox) -> Result<()> {
    let dark_left = qr_box.x + qr_box.pitch * QUIET_ZONE as f32;
    let centred_w = 2.0 * (dark_left - QR_GAP - PAGE_W / 2.0);
    // Centred on the page; beside a code too wide for that (a token with its disclosure
    // embedded), centred in the space left of the code.
    let mut placed = Vec::with_capacity(3);
    match header_at(&mut placed, form, m, PAGE_W / 2.0, centred_w) {
        Ok(()) => {}
        Err(Error::FieldTooLong { .. }) => {
            placed.clear();
            let left_w = dark_left - QR_GAP - LEFT;
            header_at(&mut placed, form, m, LEFT + left_w / 2.0, left_w)?;
        }
        Err(e) => return Err(e),
    }
    texts.extend(placed);
    Ok(())
}

/// The header's lines centred on `x` within `width` mm.
fn header_at(texts: &mut Vec<Text>, form: &Form, m: &Metrics, x: f32, width: f32) -> Result<()> {
    let centred_w = width;
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
            x,
            y,
            size: fitted.size,
            anchor: Anchor::Middle,
            bold,
            text: fitted.lines.into_iter().next().unwrap_or_default(),
        });
    }
    Ok(())
}

/// The table from `top`: each block's heading, then its rows, with the rules between them.
/// Returns the bottom of the table.
fn table(marks: &mut Marks, form: &Form, m: &Metrics, k: f32, top: f32) -> Result<f32> {
    let mut y = top;
    for block in &form.blocks {
        let heading = single(
            m,
            &block.heading,
            &format!("heading.{}", block.key),
            HEADING_SIZE * k,
            RIGHT - LEFT - 4.0,
        )?;
        marks
            .fills
            .push((LEFT, y, RIGHT - LEFT, HEADING_H * k, HEADING_GRAY));
        place(
            &mut marks.texts,
            heading,
            PAGE_W / 2.0,
            y,
            HEADING_H * k,
            Anchor::Middle,
        );
        y += HEADING_H * k;
        marks.rules.push((LEFT, y, 'H', RIGHT));
        for row in &block.rows {
            y += match row {
                Row::Wide(f) => wide_row(marks, m, f, y, k)?,
                Row::Pair(a, b) => pair_row(marks, m, a, b, y, k)?,
            };
            marks.rules.push((LEFT, y, 'H', RIGHT));
        }
    }
    Ok(y)
}

/// A row of one field across the table, its top at `y`; returns its height.
fn wide_row(marks: &mut Marks, m: &Metrics, f: &Field, y: f32, k: f32) -> Result<f32> {
    let label = fit_label(m, &f.key, &f.label, k)?;
    let value_w = RIGHT - LEFT - LABEL_W - 2.0 * VALUE_PAD;
    let value = fit_field(m, &f.key, &f.value, value_w, 4, k)?;
    let h = rows_height(&[&label, &value], k);
    marks.fills.push((LEFT, y, LABEL_W, h, LABEL_GRAY));
    place(
        &mut marks.texts,
        label,
        LEFT + LABEL_W / 2.0,
        y,
        h,
        Anchor::Middle,
    );
    place(
        &mut marks.texts,
        value,
        LEFT + LABEL_W + VALUE_PAD,
        y,
        h,
        Anchor::Start,
    );
    marks.rules.push((LEFT + LABEL_W, y, 'v', h));
    Ok(h)
}

/// A row of two fields side by side, its top at `y`; returns its height.
fn pair_row(marks: &mut Marks, m: &Metrics, a: &Field, b: &Field, y: f32, k: f32) -> Result<f32> {
    let value_w = PAIR_VALUE_W - 2.0 * VALUE_PAD;
    let la = fit_label(m, &a.key, &a.label, k)?;
    let va = fit_field(m, &a.key, &a.value, value_w, 3, k)?;
    let lb = fit_label(m, &b.key, &b.label, k)?;
    let vb = fit_field(m, &b.key, &b.value, value_w, 3, k)?;
    let h = rows_height(&[&la, &va, &lb, &vb], k);
    let half = (RIGHT - LEFT) / 2.0;
    let texts = &mut marks.texts;
    marks.fills.push((LEFT, y, LABEL_W, h, LABEL_GRAY));
    marks.fills.push((LEFT + half, y, LABEL_W, h, LABEL_GRAY));
    place(texts, la, LEFT + LABEL_W / 2.0, y, h, Anchor::Middle);
    place(texts, va, LEFT + LABEL_W + VALUE_PAD, y, h, Anchor::Start);
    place(texts, lb, LEFT + half + LABEL_W / 2.0, y, h, Anchor::Middle);
    place(
        texts,
        vb,
        LEFT + half + LABEL_W + VALUE_PAD,
        y,
        h,
        Anchor::Start,
    );
    for x in [LEFT + LABEL_W, LEFT + half, LEFT + half + LABEL_W] {
        marks.rules.push((x, y, 'v', h));
    }
    Ok(h)
}

/// The notes (说明) under the table, whose bottom is `table_bottom`. Returns where they end.
fn notes(texts: &mut Vec<Text>, form: &Form, m: &Metrics, table_bottom: f32) -> Result<f32> {
    let mut y = table_bottom + 8.0;
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
    Ok(y)
}

/// The module size in dots for a code of `modules` per side (with the quiet zone): phone-grade up
/// to [`PHONE_QR_MODULES`], else as large as the QR area allows.
fn qr_module_dots(modules: usize) -> u32 {
    if modules <= PHONE_QR_MODULES {
        QR_MODULE_DOTS
    } else {
        ((QR_MAX_SIDE / modules as f32 / DOT).floor() as u32).max(QR_MIN_DOTS)
    }
}

/// The QR code's box for a code of `modules` per side (with the quiet zone).
fn qr_box(modules: usize) -> QrBox {
    let dots = qr_module_dots(modules);
    let pitch = dots as f32 * DOT;
    // Corners on the grid of the modules themselves (1/30 inch for a phone-grade code): the
    // dark area's right edge at RIGHT, its top at QR_TOP.
    let quiet = QUIET_ZONE as f32;
    let right = (RIGHT / pitch).round() + quiet;
    let top = (QR_TOP / pitch).round() - quiet;
    QrBox {
        x: (right - modules as f32) * pitch,
        y: top * pitch,
        pitch,
        side: modules as f32 * pitch,
    }
}
