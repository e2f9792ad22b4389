//! Staff card sheets: A4 pages of 8 cut-out cards (2 × 4, each 95 × 68 mm) with cut marks in the margins. Each
//! card carries its QR (error correction Q, the symbol 52 mm wide, so above the 5 × 5 cm the province asked
//! for), the agency's name, the photo where the roster has one (the JPEG embedded as is), the name, department
//! and staff number.
//!
//! Text is drawn from the bundled font's outlines as in the posters, but each glyph's outline is written once
//! (a form XObject) and placed wherever the letter appears, and page streams are deflated: 5,000 cards stay a
//! file of a few megabytes rather than hundreds.

use std::collections::BTreeMap;

use healthbook_core::credentials::qr::ErrorCorrection;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref};
use ttf_parser::{Face, OutlineBuilder};
use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::bytestream::ZCursor;

use crate::print::{PT_PER_MM, QrBitmap, deflate, face, glyph, text_width};

/// A4 in millimetres.
pub const PAGE_W: f64 = 210.0;
/// A4 in millimetres.
pub const PAGE_H: f64 = 297.0;
/// Card width, mm.
pub const CARD_W: f64 = 95.0;
/// Card height, mm.
pub const CARD_H: f64 = 68.0;
/// Cards across a page.
pub const COLUMNS: usize = 2;
/// Cards down a page.
pub const ROWS: usize = 4;
/// Cards on a page.
pub const PER_PAGE: usize = COLUMNS * ROWS;
/// Width of the QR symbol without its quiet zone, mm.
pub const QR_MM: f64 = 52.0;
/// The page's left and right margin (cut marks only), mm.
pub const MARGIN_X: f64 = (PAGE_W - CARD_W * COLUMNS as f64) / 2.0;
/// The page's top and bottom margin (cut marks only), mm.
pub const MARGIN_Y: f64 = (PAGE_H - CARD_H * ROWS as f64) / 2.0;
/// The QR symbol's left edge from the card's, mm.
pub const QR_LEFT: f64 = 5.5;
/// The QR symbol's top edge from the card's, mm.
pub const QR_TOP: f64 = 8.0;
const TEXT_LEFT: f64 = 63.0;
const TEXT_W: f64 = 29.5;
/// The photo's box on the card, mm (left, top, width, height from the card's corner).
const PHOTO: (f64, f64, f64, f64) = (TEXT_LEFT + 4.75, 13.0, 20.0, 25.0);

/// What one card shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFace {
    /// The signed `HS1:` text.
    pub qr_text: String,
    /// Full name.
    pub name: String,
    /// Department (may be empty).
    pub department: String,
    /// Staff number.
    pub staff_number: String,
    /// The agency's display name.
    pub agency_name: String,
    /// The photo, a JPEG file's bytes.
    pub photo_jpeg: Option<Vec<u8>>,
}

/// A JPEG's size and colour components, read by a real decoder's header parser (never by hand).
pub fn jpeg_info(bytes: &[u8]) -> Option<(u16, u16, u8)> {
    let mut decoder = JpegDecoder::new(ZCursor::new(bytes));
    decoder.decode_headers().ok()?;
    let info = decoder.info()?;
    (info.width > 0 && info.height > 0 && matches!(info.components, 1 | 3)).then_some((info.width, info.height, info.components))
}

/// Writes a glyph outline in font units (y up, as PDF) into a form XObject's content.
struct GlyphPen<'a> {
    content: &'a mut Content,
    current: (f32, f32),
}

impl OutlineBuilder for GlyphPen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.content.move_to(x, y);
        self.current = (x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.content.line_to(x, y);
        self.current = (x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        // PDF has no quadratic curves: the same curve as a cubic.
        let (x0, y0) = self.current;
        let c1 = (x0 + 2.0 / 3.0 * (x1 - x0), y0 + 2.0 / 3.0 * (y1 - y0));
        let c2 = (x + 2.0 / 3.0 * (x1 - x), y + 2.0 / 3.0 * (y1 - y));
        self.content.cubic_to(c1.0, c1.1, c2.0, c2.1, x, y);
        self.current = (x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.content.cubic_to(x1, y1, x2, y2, x, y);
        self.current = (x, y);
    }
    fn close(&mut self) {
        self.content.close_path();
    }
}

/// The text side of a sheet: which glyphs are used, so that each outline is written once.
struct Text<'f> {
    face: Face<'f>,
    used: BTreeMap<u16, ()>,
}

impl Text<'_> {
    /// Places `line` with its left end at `x` and baseline at `y` (mm from the page's top-left), `size` mm.
    fn line(&mut self, content: &mut Content, line: &str, x: f64, y: f64, size: f64) {
        let scale = size / f64::from(self.face.units_per_em());
        let mut pen = x;
        for c in line.chars() {
            let Some(g) = glyph(&self.face, c) else { continue };
            if !c.is_whitespace() {
                self.used.insert(g.0, ());
                let s = (scale * PT_PER_MM) as f32;
                content.save_state();
                content.transform([s, 0.0, 0.0, s, (pen * PT_PER_MM) as f32, ((PAGE_H - y) * PT_PER_MM) as f32]);
                content.x_object(Name(format!("G{}", g.0).as_bytes()));
                content.restore_state();
            }
            pen += f64::from(self.face.glyph_hor_advance(g).unwrap_or(0)) * scale;
        }
    }

    /// Word-wraps `text` into at most `max_lines` lines of `width` mm, shrinking the size until it fits.
    fn wrap(&self, text: &str, width: f64, mut size: f64, max_lines: usize) -> (Vec<String>, f64) {
        loop {
            let mut lines: Vec<String> = Vec::new();
            for word in text.split_whitespace() {
                match lines.last_mut() {
                    Some(last) if text_width(&self.face, &format!("{last} {word}"), size) <= width => {
                        last.push(' ');
                        last.push_str(word);
                    }
                    _ => lines.push(word.to_owned()),
                }
            }
            let fits = lines.len() <= max_lines && lines.iter().all(|l| text_width(&self.face, l, size) <= width);
            if fits || size < 1.2 {
                lines.truncate(max_lines);
                return (lines, size);
            }
            size *= 0.9;
        }
    }

    /// Draws wrapped text centred in the text column, first baseline at `y`; returns the next free baseline.
    fn block(&mut self, content: &mut Content, text: &str, left: f64, y: f64, size: f64, max_lines: usize) -> f64 {
        let (lines, size) = self.wrap(text, TEXT_W, size, max_lines);
        let mut baseline = y;
        for line in lines {
            let w = text_width(&self.face, &line, size);
            self.line(content, &line, left + (TEXT_W - w).max(0.0) / 2.0, baseline, size);
            baseline += size * 1.2;
        }
        baseline
    }
}

/// Lays out the cards on A4 pages and returns the PDF; `progress` is called with the number of cards laid out.
pub fn pdf(cards: &[CardFace], mut progress: impl FnMut(usize)) -> Result<Vec<u8>, String> {
    let mut text = Text { face: face()?, used: BTreeMap::new() };
    let pages_count = cards.len().div_ceil(PER_PAGE).max(1);
    let catalog = Ref::new(1);
    let pages_ref = Ref::new(2);
    let resources = Ref::new(3);
    let mut next = 4;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let page_refs: Vec<(Ref, Ref)> = (0..pages_count).map(|_| (alloc(), alloc())).collect();
    let mut qr_refs: Vec<Ref> = Vec::with_capacity(cards.len());
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages_ref);
    pdf.pages(pages_ref).kids(page_refs.iter().map(|(p, _)| *p)).count(pages_count as i32);
    let mut photos: Vec<(Ref, usize)> = Vec::new();
    let mut qrs: Vec<(Ref, QrBitmap)> = Vec::with_capacity(cards.len());
    let px = |mm: f64| (mm * PT_PER_MM) as f32;
    let (w, h) = (px(PAGE_W), px(PAGE_H));
    for (page_index, (page, contents)) in page_refs.iter().enumerate() {
        let mut content = Content::new();
        cut_marks(&mut content);
        let start = page_index * PER_PAGE;
        for (slot, card) in cards.iter().enumerate().skip(start).take(PER_PAGE).map(|(i, c)| (i - start, c)) {
            let left = MARGIN_X + (slot % COLUMNS) as f64 * CARD_W;
            let top = MARGIN_Y + (slot / COLUMNS) as f64 * CARD_H;
            let qr = QrBitmap::new(&card.qr_text, ErrorCorrection::Q)?;
            let id = alloc();
            qr.place(&mut content, format!("Q{}", id.get()).as_bytes(), px(left + QR_LEFT), px(PAGE_H - top - QR_TOP), px(QR_MM));
            qrs.push((id, qr));
            text.block(&mut content, &card.agency_name, left + TEXT_LEFT, top + 5.5, 2.6, 2);
            if let Some((pw, ph, _)) = card.photo_jpeg.as_deref().and_then(jpeg_info) {
                let (bx, by, bw, bh) = PHOTO;
                // Fit the photo in its box, keeping its proportions.
                let ratio = (bw / f64::from(pw)).min(bh / f64::from(ph));
                let (dw, dh) = (f64::from(pw) * ratio, f64::from(ph) * ratio);
                let (x, y) = (left + bx + (bw - dw) / 2.0, top + by + (bh - dh) / 2.0);
                let id = alloc();
                photos.push((id, card_index(page_index, slot)));
                content.save_state();
                content.transform([px(dw), 0.0, 0.0, px(dh), px(x), px(PAGE_H - y - dh)]);
                content.x_object(Name(format!("P{}", id.get()).as_bytes()));
                content.restore_state();
            }
            let y = text.block(&mut content, &card.name, left + TEXT_LEFT, top + 43.0, 3.4, 3);
            let y = if card.department.is_empty() { y } else { text.block(&mut content, &card.department, left + TEXT_LEFT, y + 0.6, 2.5, 2) };
            text.block(&mut content, &card.staff_number, left + TEXT_LEFT, y.max(top + 63.5).min(top + 65.0), 2.5, 1);
            progress(start + slot + 1);
        }
        let mut p = pdf.page(*page);
        p.media_box(Rect::new(0.0, 0.0, w, h));
        p.parent(pages_ref);
        p.contents(*contents);
        p.pair(Name(b"Resources"), resources);
        p.finish();
        pdf.stream(*contents, &deflate(&content.finish())).filter(Filter::FlateDecode);
        // The page's symbols, written here so that a 5,000-card run never holds them all.
        for (id, qr) in qrs.drain(..) {
            qr.write(&mut pdf, id);
            qr_refs.push(id);
        }
    }
    // Glyph outlines, each once.
    let scale_ref = text.face.units_per_em();
    let mut glyph_refs = Vec::new();
    for &gid in text.used.keys() {
        let id = alloc();
        let mut content = Content::new();
        text.face.outline_glyph(ttf_parser::GlyphId(gid), &mut GlyphPen { content: &mut content, current: (0.0, 0.0) });
        content.fill_nonzero();
        let upm = f32::from(scale_ref);
        pdf.form_xobject(id, &content.finish()).bbox(Rect::new(-upm, -upm, 2.0 * upm, 2.0 * upm));
        glyph_refs.push((gid, id));
    }
    for (id, index) in &photos {
        let jpeg = cards[*index].photo_jpeg.as_deref().unwrap_or_default();
        let Some((pw, ph, components)) = jpeg_info(jpeg) else { continue };
        let mut image = pdf.image_xobject(*id, jpeg);
        image.filter(Filter::DctDecode);
        image.width(i32::from(pw)).height(i32::from(ph)).bits_per_component(8);
        if components == 1 {
            image.color_space().device_gray();
        } else {
            image.color_space().device_rgb();
        }
    }
    let mut res = pdf.indirect(resources).start::<pdf_writer::writers::Resources>();
    let mut x_objects = res.x_objects();
    for (gid, id) in &glyph_refs {
        x_objects.pair(Name(format!("G{gid}").as_bytes()), *id);
    }
    for (id, _) in &photos {
        x_objects.pair(Name(format!("P{}", id.get()).as_bytes()), *id);
    }
    for id in &qr_refs {
        x_objects.pair(Name(format!("Q{}", id.get()).as_bytes()), *id);
    }
    x_objects.finish();
    res.finish();
    Ok(pdf.finish())
}

fn card_index(page: usize, slot: usize) -> usize {
    page * PER_PAGE + slot
}

/// Short hairlines in the margins along every cutting line.
fn cut_marks(content: &mut Content) {
    let p = |mm: f64| (mm * PT_PER_MM) as f32;
    content.set_line_width(0.3);
    content.set_stroke_gray(0.0);
    for i in 0..=COLUMNS {
        let x = MARGIN_X + i as f64 * CARD_W;
        for (a, b) in [(1.5, MARGIN_Y - 2.0), (PAGE_H - MARGIN_Y + 2.0, PAGE_H - 1.5)] {
            content.move_to(p(x), p(PAGE_H - a));
            content.line_to(p(x), p(PAGE_H - b));
        }
    }
    for j in 0..=ROWS {
        let y = PAGE_H - (MARGIN_Y + j as f64 * CARD_H);
        for (a, b) in [(1.5, MARGIN_X - 2.0), (PAGE_W - MARGIN_X + 2.0, PAGE_W - 1.5)] {
            content.move_to(p(a), p(y));
            content.line_to(p(b), p(y));
        }
    }
    content.stroke();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::QUIET_MODULES;
    use rand::{Rng, SeedableRng};

    const PHOTO_JPEG: &[u8] = include_bytes!("../../tests/fixtures/staff-photo.jpg");

    fn face(n: usize, photo: bool) -> CardFace {
        CardFace {
            qr_text: format!("HS1:TEST{n:05}"),
            name: "Nguyễn Thị Phượng".into(),
            department: "Tổ chức – Hành chính".into(),
            staff_number: format!("NV-{n:05}"),
            agency_name: "Ủy ban nhân dân Quận 1".into(),
            photo_jpeg: photo.then(|| PHOTO_JPEG.to_vec()),
        }
    }

    #[test]
    fn nine_cards_take_two_a4_pages_with_the_photos_embedded_once_each() {
        let cards: Vec<CardFace> = (0..9).map(|n| face(n, n % 4 == 0)).collect();
        let mut done = Vec::new();
        let pdf = pdf(&cards, |n| done.push(n)).unwrap();
        assert_eq!(done, (1..=9).collect::<Vec<_>>());
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 2"), "two pages");
        assert_eq!(text.matches("/DCTDecode").count(), 3, "three photos");
        assert_eq!(text.matches("/BitsPerComponent 1").count(), 9, "each card's QR a 1-bit image");
        assert_eq!(text.matches("/Interpolate false").count(), 9, "drawn without smoothing");
        assert!(text.contains("/MediaBox [0 0 595.2"), "A4");
        // The card's QR column leaves room for the 52 mm symbol and its quiet zone (four modules of a version-10
        // symbol, 57 modules, are 3.65 mm; larger versions have smaller modules).
        const { assert!(QR_LEFT >= QUIET_MODULES as f64 * QR_MM / 57.0 && QR_LEFT + QR_MM + 5.0 <= TEXT_LEFT) };
        const { assert!(QR_TOP >= QUIET_MODULES as f64 * QR_MM / 57.0 && QR_TOP + QR_MM + 4.0 <= CARD_H) };
    }

    #[test]
    fn jpeg_headers_are_read_by_the_decoder_and_hostile_bytes_never_panic() {
        assert_eq!(jpeg_info(PHOTO_JPEG), Some((120, 150, 3)));
        assert_eq!(jpeg_info(b"\x89PNG\r\n"), None);
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        for _ in 0..2_000 {
            let mut bytes = PHOTO_JPEG.to_vec();
            for _ in 0..rng.gen_range(1..8) {
                let at = rng.gen_range(0..bytes.len());
                match rng.gen_range(0..3) {
                    0 => bytes[at] = rng.r#gen(),
                    1 => bytes.truncate(at.max(1)),
                    _ => bytes.insert(at, rng.r#gen()),
                }
            }
            let _ = jpeg_info(&bytes);
            let random: Vec<u8> = (0..rng.gen_range(0..300)).map(|_| rng.r#gen()).collect();
            let _ = jpeg_info(&random);
        }
        // A card whose photo does not read is printed without it.
        let mut broken = face(0, false);
        broken.photo_jpeg = Some(b"\xff\xd8\xff garbage".to_vec());
        let pdf = pdf(&[broken], |_| {}).unwrap();
        assert!(!String::from_utf8_lossy(&pdf).contains("/DCTDecode"));
    }
}
