//! Printed pages shared by venue posters, volunteers' control cards and agencies' staff card sheets: QR codes as
//! merged module runs and text as filled outlines of the bundled DejaVu Sans subset (`cli/assets/`), written out
//! as SVG and PDF in millimetres. Nothing needs a font on the machine that prints them, and Vietnamese letters
//! come out right everywhere.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use healthbook_core::credentials::qr::{self, ErrorCorrection};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref};
use ttf_parser::{Face, OutlineBuilder};

/// The font whose outlines draw the text.
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans-vi.ttf");
/// Points per millimetre (PDF units).
pub const PT_PER_MM: f64 = 72.0 / 25.4;

/// One step of a path, in millimetres from the page's top-left corner.
#[derive(Debug, Clone, Copy)]
pub enum Seg {
    /// Start a contour.
    Move(f64, f64),
    /// A straight line.
    Line(f64, f64),
    /// A quadratic curve (control, end).
    Quad(f64, f64, f64, f64),
    /// A cubic curve (two controls, end).
    Cubic(f64, f64, f64, f64, f64, f64),
    /// Close the contour.
    Close,
}

/// Everything drawn on one page: filled rectangles (the QR's dark modules) and filled text outlines.
pub struct Page {
    /// Page width in millimetres.
    pub width: f64,
    /// Page height in millimetres.
    pub height: f64,
    /// Dark QR modules merged into horizontal runs: x, y, width, height in millimetres (the SVG draws these).
    pub qr_rects: Vec<(f64, f64, f64, f64)>,
    /// The same symbols as bitmaps (the PDF draws these), with the left and top of each symbol and its width
    /// without the quiet zone, in millimetres.
    pub qr_images: Vec<(QrBitmap, f64, f64, f64)>,
    /// Text outlines.
    pub text: Vec<Seg>,
}

/// Collects a glyph's outline as [`Seg`]s placed at a baseline, scaled from font units to millimetres.
pub struct Pen<'a> {
    /// Where the segments go.
    pub out: &'a mut Vec<Seg>,
    /// Pen position, mm.
    pub x: f64,
    /// Baseline, mm from the top.
    pub y: f64,
    /// Millimetres per font unit.
    pub scale: f64,
}

impl Pen<'_> {
    fn at(&self, x: f32, y: f32) -> (f64, f64) {
        // Font units have y pointing up; the page's y points down.
        (self.x + f64::from(x) * self.scale, self.y - f64::from(y) * self.scale)
    }
}

impl OutlineBuilder for Pen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.at(x, y);
        self.out.push(Seg::Move(x, y));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.at(x, y);
        self.out.push(Seg::Line(x, y));
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let ((x1, y1), (x, y)) = (self.at(x1, y1), self.at(x, y));
        self.out.push(Seg::Quad(x1, y1, x, y));
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let ((x1, y1), (x2, y2), (x, y)) = (self.at(x1, y1), self.at(x2, y2), self.at(x, y));
        self.out.push(Seg::Cubic(x1, y1, x2, y2, x, y));
    }
    fn close(&mut self) {
        self.out.push(Seg::Close);
    }
}

/// The bundled font.
pub fn face() -> Result<Face<'static>, String> {
    Face::parse(FONT, 0).map_err(|e| format!("the bundled font does not parse: {e}"))
}

/// The glyph drawn for `c`: a letter the subset lacks is drawn as '?' rather than dropped, so that nothing
/// vanishes silently.
pub fn glyph(face: &Face<'_>, c: char) -> Option<ttf_parser::GlyphId> {
    face.glyph_index(c).or_else(|| face.glyph_index('?'))
}

/// Width of `text` at `size_mm` (the em size), in millimetres.
pub fn text_width(face: &Face<'_>, text: &str, size_mm: f64) -> f64 {
    let scale = size_mm / f64::from(face.units_per_em());
    text.chars().map(|c| glyph(face, c).and_then(|g| face.glyph_hor_advance(g)).unwrap_or(0)).map(|a| f64::from(a) * scale).sum()
}

/// A run of dark modules in one row of a QR symbol: column, row, length, in modules from its top-left corner.
pub type Run = (usize, usize, usize);

/// A QR symbol as runs of dark modules, with the symbol's width in modules.
pub fn qr_runs(text: &str, level: ErrorCorrection) -> Result<(Vec<Run>, usize), String> {
    let code = qr::encode(text, level).map_err(|e| e.to_string())?;
    let width = code.width();
    let colors = code.to_colors();
    let mut runs = Vec::new();
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if colors[y * width + x] == qrcode::Color::Dark {
                let start = x;
                while x < width && colors[y * width + x] == qrcode::Color::Dark {
                    x += 1;
                }
                runs.push((start, y, x - start));
            } else {
                x += 1;
            }
        }
    }
    Ok((runs, width))
}

/// The quiet zone printed around every QR, in modules: the standard's minimum, drawn white so that nothing
/// under or beside the symbol can reach into it.
pub const QUIET_MODULES: usize = 4;

/// A QR symbol with its quiet zone as a 1-bit image, one pixel a module, for PDFs. Drawn as an image with
/// interpolation off, every module comes out as one solid square at any resolution: no antialiased module edges
/// and no seams between neighbouring shapes, which a printer's or a scanner's thresholding could shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrBitmap {
    /// Modules across the symbol without its quiet zone.
    pub width: usize,
    /// Rows of the image (quiet zone included), top first, each padded to whole bytes; bit 1 is white.
    pub data: Vec<u8>,
}

impl QrBitmap {
    /// The bitmap of `text` at error correction `level`.
    pub fn new(text: &str, level: ErrorCorrection) -> Result<Self, String> {
        let (runs, width) = qr_runs(text, level)?;
        Ok(Self::from_runs(&runs, width))
    }

    /// The bitmap of a symbol `width` modules across, from its runs of dark modules.
    pub fn from_runs(runs: &[Run], width: usize) -> Self {
        let side = width + 2 * QUIET_MODULES;
        let stride = side.div_ceil(8);
        let mut data = vec![0xff; stride * side];
        for &(x, y, len) in runs {
            let row = (y + QUIET_MODULES) * stride;
            for column in x + QUIET_MODULES..x + QUIET_MODULES + len {
                data[row + column / 8] &= !(0x80 >> (column % 8));
            }
        }
        Self { width, data }
    }

    /// Pixels across the image, quiet zone included.
    pub fn side(&self) -> usize {
        self.width + 2 * QUIET_MODULES
    }

    /// Writes the bitmap as image XObject `id`: DeviceGray, 1 bit a pixel, interpolation off, deflated.
    pub fn write(&self, pdf: &mut Pdf, id: Ref) {
        let side = i32::try_from(self.side()).unwrap_or(i32::MAX);
        let data = deflate(&self.data);
        let mut image = pdf.image_xobject(id, &data);
        image.filter(Filter::FlateDecode);
        image.width(side).height(side).bits_per_component(1).interpolate(false);
        image.color_space().device_gray();
    }

    /// Places image XObject `name` (this bitmap) so that the symbol, without its quiet zone, is `size_pt` wide with
    /// its top-left corner at (`left_pt`, `top_pt`) in PDF coordinates (y up).
    pub fn place(&self, content: &mut Content, name: &[u8], left_pt: f32, top_pt: f32, size_pt: f32) {
        let module = size_pt / self.width as f32;
        let quiet = module * QUIET_MODULES as f32;
        let full = module * self.side() as f32;
        content.save_state();
        // The image's unit square, scaled to the symbol and its quiet zone; PDF images have their origin bottom left.
        content.transform([full, 0.0, 0.0, full, left_pt - quiet, top_pt + quiet - full]);
        content.x_object(Name(name));
        content.restore_state();
    }
}

/// Compresses a PDF stream (zlib, as FlateDecode reads it).
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::with_capacity(data.len() / 4 + 16), Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// Splits `text` into at most two lines that fit `max_width` at `size_mm`, at a space near the middle.
pub fn split_name(face: &Face<'_>, text: &str, size_mm: f64, max_width: f64) -> Vec<String> {
    if text_width(face, text, size_mm) <= max_width {
        return vec![text.to_owned()];
    }
    let chars: Vec<char> = text.chars().collect();
    let middle = chars.len() / 2;
    let split = (0..chars.len()).filter(|&i| chars[i] == ' ').min_by_key(|&i| i.abs_diff(middle));
    match split {
        Some(i) => vec![chars[..i].iter().collect(), chars[i + 1..].iter().collect()],
        None => vec![text.to_owned()],
    }
}

impl Page {
    /// An empty page of `width` × `height` millimetres.
    pub fn new(width: f64, height: f64) -> Self {
        Self { width, height, qr_rects: Vec::new(), qr_images: Vec::new(), text: Vec::new() }
    }

    /// Draws the QR of `text` at error correction `level`, the symbol (without quiet zone) `size_mm` wide with its
    /// top-left corner at (`left`, `top`); returns the module size in millimetres.
    pub fn qr(&mut self, text: &str, level: ErrorCorrection, left: f64, top: f64, size_mm: f64) -> Result<f64, String> {
        let (runs, width) = qr_runs(text, level)?;
        let module = size_mm / width as f64;
        self.qr_images.push((QrBitmap::from_runs(&runs, width), left, top, size_mm));
        self.qr_rects.extend(
            runs.into_iter().map(|(x, y, len)| (left + x as f64 * module, top + y as f64 * module, len as f64 * module, module)),
        );
        Ok(module)
    }

    /// The module size the QR of `text` would have at `size_mm` (to place things around its quiet zone).
    pub fn module_of(text: &str, level: ErrorCorrection, size_mm: f64) -> Result<f64, String> {
        Ok(size_mm / qr::encode(text, level).map_err(|e| e.to_string())?.width() as f64)
    }

    /// Draws `text` centred on the page with its baseline at `baseline` (mm from the top), shrinking it to fit
    /// `max_width`; returns the size used.
    pub fn centred(&mut self, face: &Face<'_>, text: &str, baseline: f64, size_mm: f64, max_width: f64) -> f64 {
        let mut size = size_mm;
        let width = text_width(face, text, size);
        if width > max_width {
            size *= max_width / width;
        }
        let scale = size / f64::from(face.units_per_em());
        let mut x = (self.width - text_width(face, text, size)) / 2.0;
        for c in text.chars() {
            let Some(g) = glyph(face, c) else { continue };
            let mut pen = Pen { out: &mut self.text, x, y: baseline, scale };
            face.outline_glyph(g, &mut pen);
            x += f64::from(face.glyph_hor_advance(g).unwrap_or(0)) * scale;
        }
        size
    }
}

fn svg_path(segs: &[Seg]) -> String {
    let mut d = String::new();
    for seg in segs {
        let part = match *seg {
            Seg::Move(x, y) => format!("M{x:.3} {y:.3}"),
            Seg::Line(x, y) => format!("L{x:.3} {y:.3}"),
            Seg::Quad(x1, y1, x, y) => format!("Q{x1:.3} {y1:.3} {x:.3} {y:.3}"),
            Seg::Cubic(x1, y1, x2, y2, x, y) => format!("C{x1:.3} {y1:.3} {x2:.3} {y2:.3} {x:.3} {y:.3}"),
            Seg::Close => "Z".to_owned(),
        };
        d.push_str(&part);
    }
    d
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The page as an SVG document in millimetres, titled `title`.
pub fn svg(page: &Page, title: &str) -> String {
    let (w, h) = (page.width, page.height);
    let mut qr = String::new();
    for (x, y, rw, rh) in &page.qr_rects {
        qr.push_str(&format!("M{x:.3} {y:.3}h{rw:.3}v{rh:.3}h{:.3}z", -rw));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}mm\" height=\"{h}mm\" \
         viewBox=\"0 0 {w} {h}\">\n<title>{}</title>\n<rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\n\
         <path id=\"qr\" fill=\"#000\" d=\"{qr}\"/>\n<path id=\"text\" fill=\"#000\" d=\"{}\"/>\n</svg>\n",
        escape(title),
        svg_path(&page.text)
    )
}

/// The page as a one-page PDF.
pub fn pdf(page: &Page) -> Vec<u8> {
    let (catalog, pages, page_ref, contents) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4));
    let images: Vec<Ref> = (0..page.qr_images.len()).map(|i| Ref::new(5 + i as i32)).collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page_ref]).count(1);
    let (w, h) = ((page.width * PT_PER_MM) as f32, (page.height * PT_PER_MM) as f32);
    let mut p = pdf.page(page_ref);
    p.media_box(Rect::new(0.0, 0.0, w, h));
    p.parent(pages);
    p.contents(contents);
    let mut resources = p.resources();
    let mut x_objects = resources.x_objects();
    for (i, id) in images.iter().enumerate() {
        x_objects.pair(Name(format!("Q{i}").as_bytes()), *id);
    }
    x_objects.finish();
    resources.finish();
    p.finish();
    // PDF puts the origin at the bottom left, in points.
    let px = |x: f64| (x * PT_PER_MM) as f32;
    let py = |y: f64| ((page.height - y) * PT_PER_MM) as f32;
    let mut content = Content::new();
    for (i, (bitmap, left, top, size)) in page.qr_images.iter().enumerate() {
        bitmap.place(&mut content, format!("Q{i}").as_bytes(), px(*left), py(*top), px(*size));
    }
    content.set_fill_gray(0.0);
    fill_segs(&mut content, &page.text, px, py);
    pdf.stream(contents, &content.finish());
    for ((bitmap, ..), id) in page.qr_images.iter().zip(images) {
        bitmap.write(&mut pdf, id);
    }
    pdf.finish()
}

/// Fills `segs` (millimetres, y down) into `content`, with `px`/`py` mapping millimetres to PDF points.
pub fn fill_segs(content: &mut Content, segs: &[Seg], px: impl Fn(f64) -> f32, py: impl Fn(f64) -> f32) {
    let mut current = (0.0, 0.0);
    for seg in segs {
        match *seg {
            Seg::Move(x, y) => {
                content.move_to(px(x), py(y));
                current = (x, y);
            }
            Seg::Line(x, y) => {
                content.line_to(px(x), py(y));
                current = (x, y);
            }
            Seg::Quad(qx, qy, x, y) => {
                // PDF has no quadratic curves: the same curve as a cubic.
                let (x0, y0) = current;
                let c1 = (x0 + 2.0 / 3.0 * (qx - x0), y0 + 2.0 / 3.0 * (qy - y0));
                let c2 = (x + 2.0 / 3.0 * (qx - x), y + 2.0 / 3.0 * (qy - y));
                content.cubic_to(px(c1.0), py(c1.1), px(c2.0), py(c2.1), px(x), py(y));
                current = (x, y);
            }
            Seg::Cubic(x1, y1, x2, y2, x, y) => {
                content.cubic_to(px(x1), py(y1), px(x2), py(y2), px(x), py(y));
                current = (x, y);
            }
            Seg::Close => {
                content.close_path();
            }
        }
    }
    content.fill_nonzero();
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "HS1:6BFOXN%TS3DH0RGPJB/IB-OM7533SYHZ/C$SGM5H7VAT 9MB7OVP7Y1MP0VR7FA2CRVVO1/R8OHFF:E$6FJJB5NCFOXN%TS3DH0RGPJB";

    /// The bitmap's pixel at (x, y): true when dark.
    fn dark(bitmap: &QrBitmap, x: usize, y: usize) -> bool {
        bitmap.data[y * bitmap.side().div_ceil(8) + x / 8] & (0x80 >> (x % 8)) == 0
    }

    #[test]
    fn the_bitmap_is_the_symbol_with_a_white_four_module_quiet_zone_and_decodes() {
        let bitmap = QrBitmap::new(TEXT, ErrorCorrection::Q).unwrap();
        let (runs, width) = qr_runs(TEXT, ErrorCorrection::Q).unwrap();
        assert_eq!((bitmap.width, bitmap.side()), (width, width + 8));
        let dark_count = (0..bitmap.side()).flat_map(|y| (0..bitmap.side()).map(move |x| (x, y))).filter(|&(x, y)| dark(&bitmap, x, y)).count();
        assert_eq!(dark_count, runs.iter().map(|r| r.2).sum::<usize>(), "every dark module, and nothing else");
        for i in 0..bitmap.side() {
            for q in 0..QUIET_MODULES {
                let far = bitmap.side() - 1 - q;
                assert!(![(i, q), (q, i), (i, far), (far, i)].iter().any(|&(x, y)| dark(&bitmap, x, y)), "quiet zone at {i}");
            }
        }
        // Scaled up by whole pixels, as a renderer without interpolation draws it, it decodes.
        let k = 5;
        let side = bitmap.side() * k;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| if dark(&bitmap, x / k, y / k) { 0 } else { 255 });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].decode().unwrap().1, TEXT);
    }

    #[test]
    fn a_page_pdf_draws_each_qr_as_one_uninterpolated_1_bit_image() {
        let mut page = Page::new(105.0, 148.0);
        page.qr(TEXT, ErrorCorrection::Q, 20.0, 20.0, 62.0).unwrap();
        let pdf = pdf(&page);
        let text = String::from_utf8_lossy(&pdf);
        assert_eq!(text.matches("/Subtype /Image").count(), 1, "one image");
        assert!(text.contains("/BitsPerComponent 1") && text.contains("/Interpolate false") && text.contains("/DeviceGray"));
        assert!(text.contains("/XObject <<\n      /Q0 5 0 R") || text.contains("/Q0 5 0 R"), "the image is in the page's resources");
        assert!(!text.contains(" re\n"), "no module is drawn as a rectangle");
    }
}
