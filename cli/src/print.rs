//! What the printed sheets share (venue posters, staff card sheets): the bundled DejaVu Sans subset, text drawn
//! as glyph outlines (so the files need no font on the printing machine and Vietnamese letters come out right
//! everywhere), QR symbols as runs of dark modules, and millimetre-to-point conversion.

use healthbook_core::credentials::qr::{self, ErrorCorrection};
use pdf_writer::Content;
use ttf_parser::{Face, OutlineBuilder};

/// The font whose outlines draw the text.
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans-vi.ttf");
/// Points in a millimetre.
pub const PT_PER_MM: f64 = 72.0 / 25.4;

/// One step of a path, in millimetres from the page's top-left corner.
#[derive(Debug, Clone, Copy)]
pub enum Seg {
    /// Start a subpath.
    Move(f64, f64),
    /// Straight line.
    Line(f64, f64),
    /// Quadratic curve: control point, end point.
    Quad(f64, f64, f64, f64),
    /// Cubic curve: two control points, end point.
    Cubic(f64, f64, f64, f64, f64, f64),
    /// Close the subpath.
    Close,
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
