//! Renders the pages of a PDF to pixels with Poppler's `pdftoppm` (an independent renderer, the one many Linux
//! print and preview tools use) and decodes the QR codes inside given boxes of each page (rqrr), the way a camera
//! would meet a printed sheet. A crate of its own so that it is compiled optimised in test builds
//! (`[profile.dev.package.healthbook-pdfscan]`): rqrr's generic code is instantiated here, so it is this crate's
//! optimisation level that counts, not rqrr's. `scripts/test.sh` installs `poppler-utils` when it is missing.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Points per millimetre.
const PT_PER_MM: f64 = 72.0 / 25.4;

/// A box on the page, in millimetres from its top-left corner: left, top, width, height.
pub type BoxMm = (f64, f64, f64, f64);

/// What one box held: the text of every QR symbol found in it, or why a symbol found did not decode.
pub type BoxResult = Vec<Result<String, String>>;

/// The outcome of a scan: per page, per box; and where the time went.
#[derive(Debug, Default)]
pub struct Scan {
    /// `pages[p][b]`: the symbols of box `b` on page `p`.
    pub pages: Vec<Vec<BoxResult>>,
    /// Time spent rendering, summed over threads.
    pub render: Duration,
    /// Time spent detecting and decoding, summed over threads.
    pub decode: Duration,
}

/// A page rendered in grey levels.
struct Grey {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

/// Renders every page of `pdf` at `scale` pixels a point and decodes the QR symbols inside each of `boxes`, on
/// `threads` threads (each renders its own run of pages with its own `pdftoppm`).
pub fn scan(pdf: Vec<u8>, scale: f32, boxes: &[BoxMm], threads: usize) -> Result<Scan, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    let file = dir.path().join("sheet.pdf");
    std::fs::write(&file, &pdf).map_err(|e| format!("the PDF could not be written: {e}"))?;
    let count = page_count(&file)?;
    let threads = threads.clamp(1, count.max(1));
    let per_thread = count.div_ceil(threads);
    let parts: Vec<Result<Part, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (file, out) = (file.clone(), dir.path().join(format!("t{t}")));
                let pages: Vec<usize> = (t * per_thread..((t + 1) * per_thread).min(count)).collect();
                s.spawn(move || scan_part(&file, &out, scale, Turn::None, boxes, &pages))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a scan thread panicked".into()))).collect()
    });
    let mut scan = Scan { pages: vec![Vec::new(); count], ..Scan::default() };
    for part in parts {
        let (pages, render, decode) = part?;
        for (index, page) in pages {
            scan.pages[index] = page;
        }
        scan.render += render;
        scan.decode += decode;
    }
    Ok(scan)
}

/// How a box's pixels are handed to the decoder: as printed, or turned a quarter to the right, as a camera held
/// sideways sees the sheet. The decoder's thresholding runs along rows, so a turned look is a different reading
/// of the same symbol, not the same one again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Upright.
    None,
    /// A quarter turn clockwise.
    Quarter,
}

/// Renders only `pages` (indices) of `pdf` at `scale` and decodes their boxes, on this thread: (page index, its
/// boxes) for each. For a second look at another resolution, as a camera gets from frame to frame.
pub fn scan_pages(pdf: Vec<u8>, scale: f32, boxes: &[BoxMm], pages: &[usize]) -> Result<Vec<(usize, Vec<BoxResult>)>, String> {
    scan_pages_turned(pdf, scale, Turn::None, boxes, pages)
}

/// [`scan_pages`], with the boxes' pixels turned by `turn` before they are decoded.
pub fn scan_pages_turned(
    pdf: Vec<u8>,
    scale: f32,
    turn: Turn,
    boxes: &[BoxMm],
    pages: &[usize],
) -> Result<Vec<(usize, Vec<BoxResult>)>, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    let file = dir.path().join("sheet.pdf");
    std::fs::write(&file, &pdf).map_err(|e| format!("the PDF could not be written: {e}"))?;
    let (out, _, _) = scan_part(&file, &dir.path().join("p"), scale, turn, boxes, pages)?;
    Ok(out)
}

/// The number of pages, as Poppler's `pdfinfo` reads it.
fn page_count(file: &Path) -> Result<usize, String> {
    let out = Command::new("pdfinfo")
        .arg(file)
        .output()
        .map_err(|e| format!("pdfinfo could not run ({e}): install poppler-utils (scripts/test.sh does)"))?;
    if !out.status.success() {
        return Err(format!("the PDF does not parse: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("Pages:")?.trim().parse::<usize>().ok())
        .ok_or_else(|| "pdfinfo gave no page count".to_owned())
}

/// One thread's share: (page index, its boxes) for each page it scanned, render time, decode time.
type Part = (Vec<(usize, Vec<BoxResult>)>, Duration, Duration);

/// Renders and decodes `pages` (indices, ascending runs are rendered in one call) of the PDF at `file`.
fn scan_part(file: &Path, out: &Path, scale: f32, turn: Turn, boxes: &[BoxMm], pages: &[usize]) -> Result<Part, String> {
    let px_per_mm = f64::from(scale) * PT_PER_MM;
    let (mut render, mut decode) = (Duration::ZERO, Duration::ZERO);
    let mut results_by_page = Vec::with_capacity(pages.len());
    for run in runs(pages) {
        let t = Instant::now();
        let rendered = render_pages(file, out, scale, run.0, run.1)?;
        render += t.elapsed();
        let t = Instant::now();
        for (index, page) in (run.0..=run.1).zip(rendered) {
            results_by_page.push((index, decode_boxes(&page, boxes, px_per_mm, turn)));
        }
        decode += t.elapsed();
    }
    Ok((results_by_page, render, decode))
}

/// Splits ascending page indices into inclusive runs of consecutive pages.
fn runs(pages: &[usize]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &page in pages {
        match runs.last_mut() {
            Some(last) if last.1 + 1 == page => last.1 = page,
            _ => runs.push((page, page)),
        }
    }
    runs
}

/// Renders pages `first..=last` (0-based) to grey levels with `pdftoppm`.
fn render_pages(file: &Path, out: &Path, scale: f32, first: usize, last: usize) -> Result<Vec<Grey>, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("no output directory: {e}"))?;
    let prefix = out.join("page");
    let dpi = format!("{:.3}", f64::from(scale) * 72.0);
    let status = Command::new("pdftoppm")
        .args(["-gray", "-r", &dpi, "-f", &(first + 1).to_string(), "-l", &(last + 1).to_string()])
        .arg(file)
        .arg(&prefix)
        .status()
        .map_err(|e| format!("pdftoppm could not run ({e}): install poppler-utils (scripts/test.sh does)"))?;
    if !status.success() {
        return Err(format!("pdftoppm failed on pages {}-{}: {status}", first + 1, last + 1));
    }
    // pdftoppm names the files page-<n>.pgm with n zero-padded to the width of the document's page count.
    let mut files: Vec<_> = std::fs::read_dir(out)
        .map_err(|e| format!("the rendered pages can't be listed: {e}"))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "pgm"))
        .collect();
    files.sort_by_key(|path| {
        path.file_stem().and_then(|s| s.to_str()).and_then(|s| s.rsplit('-').next()).and_then(|n| n.parse::<usize>().ok())
    });
    if files.len() != last - first + 1 {
        return Err(format!("pdftoppm wrote {} pages for {}-{}", files.len(), first + 1, last + 1));
    }
    let mut pages = Vec::with_capacity(files.len());
    for path in files {
        let bytes = std::fs::read(&path).map_err(|e| format!("a rendered page can't be read: {e}"))?;
        std::fs::remove_file(&path).map_err(|e| format!("a rendered page can't be removed: {e}"))?;
        pages.push(parse_pgm(&bytes)?);
    }
    Ok(pages)
}

/// Reads a binary PGM (`P5`, 8 bits).
fn parse_pgm(bytes: &[u8]) -> Result<Grey, String> {
    let mut fields = Vec::with_capacity(4);
    let mut at = 0;
    while fields.len() < 4 {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if start == at {
            return Err("a rendered page has a short PGM header".into());
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    let number = |i: usize| fields[i].parse::<usize>().map_err(|_| "a rendered page has a bad PGM header".to_owned());
    if fields[0] != "P5" || number(3)? != 255 {
        return Err("a rendered page is not an 8-bit PGM".into());
    }
    let (width, height) = (number(1)?, number(2)?);
    let pixels = bytes.get(at + 1..at + 1 + width * height).ok_or("a rendered page is cut short")?.to_vec();
    Ok(Grey { width, height, pixels })
}

/// Decodes the QR symbols inside each box of a rendered page, the box's pixels turned by `turn`.
fn decode_boxes(page: &Grey, boxes: &[BoxMm], px_per_mm: f64, turn: Turn) -> Vec<BoxResult> {
    let (w, h) = (page.width, page.height);
    let mut results = Vec::with_capacity(boxes.len());
    for &(left, top, width, height) in boxes {
        let (x0, y0) = (((left * px_per_mm) as usize).min(w), ((top * px_per_mm) as usize).min(h));
        let (cw, ch) = (((width * px_per_mm) as usize).min(w - x0), ((height * px_per_mm) as usize).min(h - y0));
        let at = |x: usize, y: usize| page.pixels[(y0 + y) * w + x0 + x];
        let mut image = match turn {
            Turn::None => rqrr::PreparedImage::prepare_from_greyscale(cw, ch, at),
            // Turned clockwise: the turned image's column x is the box's row from the bottom, its row y the box's column.
            Turn::Quarter => rqrr::PreparedImage::prepare_from_greyscale(ch, cw, |x, y| at(y, ch - 1 - x)),
        };
        let found = image.detect_grids().iter().map(|grid| grid.decode().map(|(_, text)| text).map_err(|e| format!("{e:?}"))).collect();
        results.push(found);
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_pgm_and_splits_runs() {
        let mut pgm = b"P5\n3 2\n255\n".to_vec();
        pgm.extend_from_slice(&[0, 128, 255, 1, 2, 3]);
        let grey = parse_pgm(&pgm).unwrap();
        assert_eq!((grey.width, grey.height, grey.pixels), (3, 2, vec![0, 128, 255, 1, 2, 3]));
        assert!(parse_pgm(b"P6\n1 1\n255\n\0\0\0").is_err());
        assert!(parse_pgm(b"P5\n2 2\n255\n\0").is_err(), "cut short");
        assert_eq!(runs(&[0, 1, 2, 5, 7, 8]), vec![(0, 2), (5, 5), (7, 8)]);
    }

    /// A page with one symbol, 4 pixels a module, off-centre in a wide box: it decodes upright and turned (a turn
    /// that mixed up the box's width and height would cut the symbol off or read outside the box).
    #[test]
    fn a_symbol_decodes_upright_and_turned() {
        let text = "HB1.a-quarter-turn-is-another-look";
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let modules = code.width();
        let colors = code.to_colors();
        let (width, height, left, top, px) = (modules * 4 + 120, modules * 4 + 40, 70, 20, 4);
        let mut pixels = vec![255u8; width * height];
        for (i, color) in colors.iter().enumerate() {
            if *color == qrcode::Color::Dark {
                let (mx, my) = (i % modules, i / modules);
                for dy in 0..px {
                    let row = (top + my * px + dy) * width;
                    pixels[row + left + mx * px..row + left + (mx + 1) * px].fill(0);
                }
            }
        }
        let page = Grey { width, height, pixels };
        // One pixel a millimetre: the box is the whole page.
        let boxes = [(0.0, 0.0, width as f64, height as f64)];
        for turn in [Turn::None, Turn::Quarter] {
            assert_eq!(decode_boxes(&page, &boxes, 1.0, turn), vec![vec![Ok(text.to_owned())]], "{turn:?}");
        }
    }
}
