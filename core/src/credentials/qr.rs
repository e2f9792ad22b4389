//! QR rendering of a credential's text: PNG for screens (EC level M), SVG for print (EC level Q), and Unicode
//! half blocks for terminals.
//!
//! Credential texts are prefix plus Base45, all within QR alphanumeric mode (5.5 bits a character instead of 8),
//! so the text is encoded as one alphanumeric segment in the smallest version that fits.

use qrcode::QrCode;
use qrcode::bits::Bits;
use qrcode::types::{Color, EcLevel, Version};

use super::error::CredentialError;

/// Modules of light margin around the symbol, as ISO/IEC 18004 requires.
const QUIET_ZONE: usize = 4;

/// Error-correction level of a rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCorrection {
    /// About 15 % recovery: screens, where the image is clean.
    M,
    /// About 25 % recovery: printed cards that get creased and smudged.
    Q,
}

impl ErrorCorrection {
    fn level(self) -> EcLevel {
        match self {
            Self::M => EcLevel::M,
            Self::Q => EcLevel::Q,
        }
    }
}

/// Which way round to draw Unicode blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalTheme {
    /// Light text on a dark background (most terminals): light modules are drawn as blocks.
    Dark,
    /// Dark text on a light background: dark modules are drawn as blocks.
    Light,
}

/// True for characters of the QR alphanumeric set.
fn is_alphanumeric(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase() || b" $%*+-./:".contains(&b)
}

/// Encodes `text` as a QR code: one alphanumeric segment when the text allows, else the crate's optimiser.
pub fn encode(text: &str, ec: ErrorCorrection) -> Result<QrCode, CredentialError> {
    let level = ec.level();
    if !text.bytes().all(is_alphanumeric) {
        return QrCode::with_error_correction_level(text, level).map_err(|e| CredentialError::Qr(e.to_string()));
    }
    for version in 1..=40 {
        let mut bits = Bits::new(Version::Normal(version));
        if bits.push_alphanumeric_data(text.as_bytes()).is_ok() && bits.push_terminator(level).is_ok() {
            return QrCode::with_bits(bits, level).map_err(|e| CredentialError::Qr(e.to_string()));
        }
    }
    Err(CredentialError::Qr(format!("{} characters do not fit in a version-40 QR code", text.len())))
}

/// The symbol's modules with the quiet zone, row by row (`true` = dark).
fn modules(code: &QrCode) -> (usize, Vec<bool>) {
    let width = code.width();
    let size = width + 2 * QUIET_ZONE;
    let mut grid = vec![false; size * size];
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (x, y) = (i % width, i / width);
            grid[(y + QUIET_ZONE) * size + x + QUIET_ZONE] = true;
        }
    }
    (size, grid)
}

/// A PNG (1-bit greyscale) at `scale` pixels a module, EC level M, for screens and sharing.
pub fn render_png(text: &str, scale: u32) -> Result<Vec<u8>, CredentialError> {
    let code = encode(text, ErrorCorrection::M)?;
    let (size, grid) = modules(&code);
    let scale = scale.clamp(1, 64) as usize;
    let pixels = size * scale;
    let row_bytes = pixels.div_ceil(8);
    let mut data = vec![0u8; row_bytes * pixels];
    for y in 0..pixels {
        for x in 0..pixels {
            // Light is 1 in greyscale.
            if !grid[(y / scale) * size + x / scale] {
                data[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    let mut out = Vec::new();
    let side = u32::try_from(pixels).map_err(|_| CredentialError::Qr("image too large".into()))?;
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let mut writer = encoder.write_header().map_err(|e| CredentialError::Qr(e.to_string()))?;
    writer.write_image_data(&data).map_err(|e| CredentialError::Qr(e.to_string()))?;
    writer.finish().map_err(|e| CredentialError::Qr(e.to_string()))?;
    Ok(out)
}

/// An SVG at EC level Q, `size_mm` millimetres square including the quiet zone, for printed cards
/// (the design asks that a 50 mm code survive print and scan).
pub fn render_svg(text: &str, size_mm: u32) -> Result<String, CredentialError> {
    let code = encode(text, ErrorCorrection::Q)?;
    let (size, grid) = modules(&code);
    let mut path = String::with_capacity(grid.len() * 4);
    for y in 0..size {
        let mut x = 0;
        while x < size {
            if grid[y * size + x] {
                let start = x;
                while x < size && grid[y * size + x] {
                    x += 1;
                }
                path.push_str(&format!("M{start} {y}h{}v1h-{}z", x - start, x - start));
            } else {
                x += 1;
            }
        }
    }
    Ok(format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{mm}mm\" height=\"{mm}mm\" ",
            "viewBox=\"0 0 {s} {s}\" shape-rendering=\"crispEdges\">\n",
            "<rect width=\"{s}\" height=\"{s}\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"{d}\"/>\n</svg>\n"
        ),
        mm = size_mm.max(10),
        s = size,
        d = path
    ))
}

/// Unicode half blocks (two module rows a character line), EC level M, for terminals.
pub fn render_unicode(text: &str, theme: TerminalTheme) -> Result<String, CredentialError> {
    let code = encode(text, ErrorCorrection::M)?;
    let (size, grid) = modules(&code);
    // Which modules get ink depends on whether the terminal's ink is light or dark.
    let inked = |x: usize, y: usize| -> bool {
        let dark = y < size && grid[y * size + x];
        match theme {
            TerminalTheme::Dark => !dark,
            TerminalTheme::Light => dark,
        }
    };
    let mut out = String::with_capacity((size + 1) * size.div_ceil(2) * 3);
    for y in (0..size).step_by(2) {
        for x in 0..size {
            // Below the last row counts as quiet zone.
            let top = inked(x, y);
            let bottom = if y + 1 < size { inked(x, y + 1) } else { theme == TerminalTheme::Dark };
            out.push(match (top, bottom) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "HB1:NCFOXN%TSMAHN-HJK4%KBMMTA-4.SNBA245JK$42RN%69X0JFOA-RI4";

    #[test]
    fn alphanumeric_text_uses_the_smallest_alphanumeric_version() {
        let code = encode(TEXT, ErrorCorrection::M).unwrap();
        let auto = QrCode::with_error_correction_level(TEXT, EcLevel::M).unwrap();
        assert!(code.version().width() <= auto.version().width());
        assert_eq!(code.error_correction_level(), EcLevel::M);
        assert_eq!(encode(TEXT, ErrorCorrection::Q).unwrap().error_correction_level(), EcLevel::Q);
    }

    #[test]
    fn renders_png_svg_and_unicode() {
        let png = render_png(TEXT, 4).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg = render_svg(TEXT, 50).unwrap();
        assert!(svg.contains("width=\"50mm\"") && svg.contains("<path"));
        let text = render_unicode(TEXT, TerminalTheme::Dark).unwrap();
        let width = encode(TEXT, ErrorCorrection::M).unwrap().width() + 2 * QUIET_ZONE;
        assert_eq!(text.lines().count(), width.div_ceil(2));
        assert!(text.lines().all(|line| line.chars().count() == width));
    }

    #[test]
    fn too_long_text_is_an_error() {
        assert!(render_png(&"A".repeat(5000), 1).is_err());
    }
}
