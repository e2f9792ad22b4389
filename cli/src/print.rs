//! Printed pages shared by posters and cards: QR codes as merged module runs and text as filled outlines of the
//! bundled DejaVu Sans subset (`cli/assets/`), written out as SVG and PDF in millimetres. Nothing needs a font
//! on the machine that prints them, and Vietnamese letters come out right everywhere.

use healthbook_core::credentials::qr::{self, ErrorCorrection};
use pdf_writer::{Content, Finish, Pdf, Rect, Ref};
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
    /// Dark QR modules merged into horizontal runs: x, y, width, height in millimetres.
    pub qr_rects: Vec<(f64, f64, f64, f64)>,
    /// Text outlines.
    pub text: Vec<Seg>,
}

struct Pen<'a> {
    out: &'a mut Vec<Seg>,
    x: f64,
    y: f64,
    scale: f64,
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

/// Width of `text` at `size_mm` (the em size), in millimetres.
pub fn text_width(face: &Face<'_>, text: &str, size_mm: f64) -> f64 {
    let scale = size_mm / f64::from(face.units_per_em());
    text.chars()
        .map(|c| face.glyph_index(c).or_else(|| face.glyph_index('?')).and_then(|g| face.glyph_hor_advance(g)).unwrap_or(0))
        .map(|a| f64::from(a) * scale)
        .sum()
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
        Self { width, height, qr_rects: Vec::new(), text: Vec::new() }
    }

    /// Draws the QR of `text` at error correction `level`, the symbol (without quiet zone) `size_mm` wide with its
    /// top-left corner at (`left`, `top`); returns the module size in millimetres.
    pub fn qr(&mut self, text: &str, level: ErrorCorrection, left: f64, top: f64, size_mm: f64) -> Result<f64, String> {
        let code = qr::encode(text, level).map_err(|e| e.to_string())?;
        let width = code.width();
        let module = size_mm / width as f64;
        let colors = code.to_colors();
        for y in 0..width {
            let mut x = 0;
            while x < width {
                if colors[y * width + x] == qrcode::Color::Dark {
                    let start = x;
                    while x < width && colors[y * width + x] == qrcode::Color::Dark {
                        x += 1;
                    }
                    self.qr_rects.push((left + start as f64 * module, top + y as f64 * module, (x - start) as f64 * module, module));
                } else {
                    x += 1;
                }
            }
        }
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
            // A letter the subset lacks is drawn as '?' rather than dropped, so that nothing vanishes silently.
            let Some(glyph) = face.glyph_index(c).or_else(|| face.glyph_index('?')) else { continue };
            let mut pen = Pen { out: &mut self.text, x, y: baseline, scale };
            face.outline_glyph(glyph, &mut pen);
            x += f64::from(face.glyph_hor_advance(glyph).unwrap_or(0)) * scale;
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
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page_ref]).count(1);
    let (w, h) = ((page.width * PT_PER_MM) as f32, (page.height * PT_PER_MM) as f32);
    let mut p = pdf.page(page_ref);
    p.media_box(Rect::new(0.0, 0.0, w, h));
    p.parent(pages);
    p.contents(contents);
    p.finish();
    // PDF puts the origin at the bottom left, in points.
    let px = |x: f64| (x * PT_PER_MM) as f32;
    let py = |y: f64| ((page.height - y) * PT_PER_MM) as f32;
    let mut content = Content::new();
    content.set_fill_gray(0.0);
    for (x, y, rw, rh) in &page.qr_rects {
        content.rect(px(*x), py(y + rh), px(*rw), px(*rh));
    }
    content.fill_nonzero();
    let mut current = (0.0, 0.0);
    for seg in &page.text {
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
    pdf.stream(contents, &content.finish());
    pdf.finish()
}
