//! A venue poster on A4, as SVG and PDF: the venue name, the QR (error correction Q, the symbol 160 mm wide,
//! so well over the 15 cm the province asked for) and short instructions in Vietnamese and English.
//!
//! Drawn with the shared page code ([`crate::print`]): text as outlines of the bundled font, so the files need no
//! font on the machine that prints them and Vietnamese letters come out right everywhere.

use healthbook_core::credentials::qr::ErrorCorrection;

#[cfg(test)]
use crate::print::{PT_PER_MM, Seg, face, split_name};
use crate::print::{self, Page};

/// A4 in millimetres.
pub const PAGE_W: f64 = 210.0;
/// A4 in millimetres.
pub const PAGE_H: f64 = 297.0;
/// Width of the QR symbol (without its quiet zone), in millimetres.
pub const QR_MM: f64 = 160.0;
const QR_TOP: f64 = 58.0;
/// The lowest point of the venue's name (two lines with descenders).
const TITLE_BOTTOM: f64 = 41.0;

/// Instructions under the QR, Vietnamese first.
pub const INSTRUCTIONS: [&str; 4] = [
    "Quét mã bằng ứng dụng Healthbook khi đến để khai báo.",
    "Mã được xác minh ngay trên điện thoại; nhật ký chỉ lưu trên máy bạn 21 ngày.",
    "Scan this code with the Healthbook app when you arrive.",
    "It is checked on your phone; your diary stays on your phone for 21 days.",
];

/// Everything drawn on the poster.
pub type Layout = Page;

/// Lays out the poster of `venue_name` with the QR of `qr_text`.
pub fn layout(venue_name: &str, qr_text: &str) -> Result<Layout, String> {
    let face = print::face()?;
    let module = Page::module_of(qr_text, ErrorCorrection::Q, QR_MM)?;
    // Text keeps out of the quiet zone (four modules) on both sides of the symbol, whatever its version.
    let quiet = 4.0 * module;
    let qr_top = QR_TOP.max(TITLE_BOTTOM + quiet);
    let mut page = Page::new(PAGE_W, PAGE_H);
    page.qr(qr_text, ErrorCorrection::Q, (PAGE_W - QR_MM) / 2.0, qr_top, QR_MM)?;
    let lines = print::split_name(&face, venue_name, 11.0, 186.0);
    let mut baseline = if lines.len() == 1 { 34.0 } else { 24.0 };
    for line in &lines {
        page.centred(&face, line, baseline, 11.0, 186.0);
        baseline += 13.0;
    }
    // The first line's capitals (about 4 mm tall) start 3 mm below the quiet zone.
    let mut baseline = qr_top + QR_MM + quiet + 7.0;
    for (i, line) in INSTRUCTIONS.iter().enumerate() {
        page.centred(&face, line, baseline, 5.2, 190.0);
        baseline += if i == 1 { 10.0 } else { 7.5 };
    }
    Ok(page)
}

/// The poster as an SVG document in millimetres (A4).
pub fn svg(venue_name: &str, layout: &Layout) -> String {
    print::svg(layout, venue_name)
}

/// The poster as a one-page A4 PDF.
pub fn pdf(layout: &Layout) -> Vec<u8> {
    print::pdf(layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    const QR_TEXT: &str = "HP1:NCFOXN%TS3DH0RGPJB/IB-OM7533SYHZ/C$SGM5H7VAT 9MB7OVP7Y1MP0VR7FA2CRVVO1/R8OHFF:E$6FJJB5";

    /// Fills the rectangles into a greyscale image (`px` pixels a millimetre, white margin) and decodes the QR.
    fn decode(rects: &[(f64, f64, f64, f64)], px: f64) -> String {
        let (min_x, min_y) = rects.iter().fold((f64::MAX, f64::MAX), |(a, b), r| (a.min(r.0), b.min(r.1)));
        let max_x = rects.iter().map(|r| r.0 + r.2).fold(0.0, f64::max);
        let max_y = rects.iter().map(|r| r.1 + r.3).fold(0.0, f64::max);
        let margin = 10.0;
        let (w, h) = (((max_x - min_x + 2.0 * margin) * px) as usize, ((max_y - min_y + 2.0 * margin) * px) as usize);
        let mut pixels = vec![255u8; w * h];
        for (x, y, rw, rh) in rects {
            let x0 = ((x - min_x + margin) * px).round() as usize;
            let y0 = ((y - min_y + margin) * px).round() as usize;
            let x1 = ((x + rw - min_x + margin) * px).round() as usize;
            let y1 = ((y + rh - min_y + margin) * px).round() as usize;
            for row in y0..y1.min(h) {
                pixels[row * w + x0..row * w + x1.min(w)].fill(0);
            }
        }
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR on the poster");
        grids[0].decode().expect("the QR decodes").1
    }

    /// The rectangles of the SVG's `qr` path (`M x y h w v h h -w z` per run).
    fn svg_rects(svg: &str) -> Vec<(f64, f64, f64, f64)> {
        let start = svg.find("id=\"qr\"").expect("a qr path");
        let d = &svg[start..];
        let d = &d[d.find(" d=\"").unwrap() + 4..];
        let d = &d[..d.find('"').unwrap()];
        d.split('M')
            .filter(|s| !s.is_empty())
            .map(|run| {
                let nums: Vec<f64> = run
                    .split([' ', 'h', 'v', 'z'])
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().unwrap())
                    .collect();
                (nums[0], nums[1], nums[2], nums[3])
            })
            .collect()
    }

    fn find(haystack: &[u8], needle: &[u8], from: usize) -> usize {
        from + haystack[from..].windows(needle.len()).position(|w| w == needle).expect("in the PDF")
    }

    /// The QR as the PDF draws it: the 1-bit image's dark pixels (inflated from its stream) placed by the `cm`
    /// before its `Do` (a 0 0 d e f, points, y up), as module squares in millimetres, y down.
    fn pdf_rects(pdf: &[u8]) -> Vec<(f64, f64, f64, f64)> {
        use std::io::Read;
        let text = String::from_utf8_lossy(pdf);
        let lines: Vec<&str> = text.lines().collect();
        let at = lines.iter().position(|l| l.trim() == "/Q0 Do").expect("the QR image is drawn");
        let m: Vec<f64> = lines[at - 1].split_whitespace().take(6).map(|p| p.parse().unwrap()).collect();
        let image = find(pdf, b"/Subtype /Image", 0);
        // The image dictionary starts at its object's header; /Length comes first in it.
        let object = pdf[..image].windows(4).rposition(|w| w == b" obj").expect("an object header");
        let after = |key: &str| -> usize {
            let i = find(pdf, key.as_bytes(), object) + key.len();
            String::from_utf8_lossy(&pdf[i..i + 12]).split_whitespace().next().unwrap().parse().unwrap()
        };
        let (side, length) = (after("/Width "), after("/Length "));
        let start = find(pdf, b"stream\n", image) + 7;
        let mut bits = Vec::new();
        flate2::read::ZlibDecoder::new(&pdf[start..start + length]).read_to_end(&mut bits).unwrap();
        let stride = side.div_ceil(8);
        assert_eq!(bits.len(), stride * side);
        let mm = |v: f64| v / PT_PER_MM;
        let module = mm(m[0]) / side as f64;
        assert!((mm(m[3]) / side as f64 - module).abs() < 1e-9, "square modules");
        let (left, top) = (mm(m[4]), PAGE_H - mm(m[5] + m[3]));
        let mut rects = Vec::new();
        for y in 0..side {
            for x in 0..side {
                if bits[y * stride + x / 8] & (0x80 >> (x % 8)) == 0 {
                    rects.push((left + x as f64 * module, top + y as f64 * module, module, module));
                }
            }
        }
        rects
    }

    fn extent(rects: &[(f64, f64, f64, f64)]) -> (f64, f64) {
        let min_x = rects.iter().map(|r| r.0).fold(f64::MAX, f64::min);
        let max_x = rects.iter().map(|r| r.0 + r.2).fold(0.0, f64::max);
        let min_y = rects.iter().map(|r| r.1).fold(f64::MAX, f64::min);
        let max_y = rects.iter().map(|r| r.1 + r.3).fold(0.0, f64::max);
        (max_x - min_x, max_y - min_y)
    }

    #[test]
    fn the_svg_qr_decodes_to_the_poster_text_and_is_at_least_15_cm() {
        let layout = layout("Chợ Bến Thành – Cổng 1", QR_TEXT).unwrap();
        let svg = svg("Chợ Bến Thành – Cổng 1", &layout);
        assert!(svg.contains("width=\"210mm\" height=\"297mm\""), "A4");
        assert!(svg.contains("<title>Chợ Bến Thành – Cổng 1</title>"));
        let rects = svg_rects(&svg);
        let (w, h) = extent(&rects);
        assert!(w >= 150.0 && h >= 150.0, "QR {w} × {h} mm");
        assert_eq!(decode(&rects, 2.0), QR_TEXT);
        // The name and both languages' instructions are drawn (as outlines): the text path is not empty.
        let text = &svg[svg.find("id=\"text\"").unwrap()..];
        assert!(text.matches('Z').count() > 200, "text outlines drawn");
    }

    #[test]
    fn the_pdf_is_one_a4_page_whose_qr_decodes_and_is_at_least_15_cm() {
        let layout = layout("Ngân hàng Á Châu", QR_TEXT).unwrap();
        let pdf = pdf(&layout);
        assert!(pdf.starts_with(b"%PDF-1."));
        assert!(pdf.ends_with(b"%%EOF\n") || pdf.ends_with(b"%%EOF"));
        // Byte for byte (the header's binary comment included), so that offsets stay offsets.
        let text: String = pdf.iter().map(|&b| if b.is_ascii() { b as char } else { '?' }).collect();
        assert!(text.contains("/MediaBox [0 0 595.27563 841.8898]") || text.contains("/MediaBox [0 0 595.2"), "A4 media box");
        assert_eq!(text.matches("/Type /Page\n").count() + text.matches("/Type /Page ").count() + text.matches("/Type /Page/").count(), 1, "one page");
        // The cross-reference table points at each object.
        let startxref: usize = text[text.rfind("startxref").unwrap() + 9..].split_whitespace().next().unwrap().parse().unwrap();
        assert!(text[startxref..].starts_with("xref"));
        let rows: Vec<&str> = text[startxref..].lines().skip(3).take(4).collect();
        assert_eq!(rows.len(), 4);
        for (i, row) in rows.iter().enumerate() {
            let offset: usize = row[..10].parse().unwrap();
            assert!(text[offset..].starts_with(&format!("{} 0 obj", i + 1)), "object {} at {offset}", i + 1);
        }
        let rects = pdf_rects(&pdf);
        let (w, h) = extent(&rects);
        assert!(w >= 150.0 && h >= 150.0, "QR {w} × {h} mm");
        assert_eq!(decode(&rects, 2.0), QR_TEXT);
    }

    #[test]
    fn text_stays_on_the_page_and_out_of_the_qr_and_its_quiet_zone() {
        let long_name = "Trung tâm thương mại và siêu thị tổng hợp Phường Bến Nghé Quận Một Thành phố Hồ Chí Minh";
        let long_text = format!("{QR_TEXT}{QR_TEXT}");
        for (name, text) in [("Chợ", QR_TEXT), (long_name, long_text.as_str()), ("Chợ", "HP1:AB")] {
            let layout = layout(name, text).unwrap();
            let (min_x, max_x) = layout.qr_rects.iter().fold((f64::MAX, 0.0f64), |(a, b), r| (a.min(r.0), b.max(r.0 + r.2)));
            let (min_y, max_y) = layout.qr_rects.iter().fold((f64::MAX, 0.0f64), |(a, b), r| (a.min(r.1), b.max(r.1 + r.3)));
            let module = layout.qr_rects.iter().map(|r| r.3).fold(f64::MAX, f64::min);
            let quiet = 4.0 * module;
            let points = layout.text.iter().flat_map(|seg| match *seg {
                Seg::Move(x, y) | Seg::Line(x, y) => vec![(x, y)],
                Seg::Quad(a, b, x, y) => vec![(a, b), (x, y)],
                Seg::Cubic(a, b, c, d, x, y) => vec![(a, b), (c, d), (x, y)],
                Seg::Close => vec![],
            });
            for (x, y) in points {
                assert!((0.0..=PAGE_W).contains(&x) && (0.0..=PAGE_H).contains(&y), "({x}, {y}) off the page");
                let inside = x > min_x - quiet && x < max_x + quiet && y > min_y - quiet && y < max_y + quiet;
                assert!(!inside, "text at ({x:.1}, {y:.1}) inside the QR or its quiet zone");
            }
        }
    }

    #[test]
    fn every_vietnamese_letter_has_a_glyph_and_long_names_fit() {
        let face = face().unwrap();
        for c in "ĂÂĐÊÔƠƯăâđêôơưÀẢÃÁẠẰẲẴẮẶẦẨẪẤẬÈẺẼÉẸỀỂỄẾỆÌỈĨÍỊÒỎÕÓỌỒỔỖỐỘỜỞỠỚỢÙỦŨÚỤỪỬỮỨỰỲỶỸÝỴàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ".chars() {
            assert!(face.glyph_index(c).is_some(), "{c} missing from the bundled font");
        }
        for text in INSTRUCTIONS {
            for c in text.chars() {
                assert!(face.glyph_index(c).is_some(), "{c} missing");
            }
        }
        let long = "Trung tâm thương mại và siêu thị tổng hợp Phường Bến Nghé Quận Một Thành phố Hồ Chí Minh";
        assert_eq!(split_name(&face, long, 11.0, 186.0).len(), 2);
        assert!(layout(long, QR_TEXT).is_ok());
    }
}
