//! Renders the pages of a PDF to pixels (hayro, a pure-Rust renderer) and decodes the QR codes inside given boxes
//! of each page (rqrr), the way a camera would meet a printed sheet. A crate of its own so that it is compiled
//! optimised in test builds (`[profile.dev.package.healthbook-pdfscan]`): rqrr's and hayro's generic code is
//! instantiated here, so it is this crate's optimisation level that counts, not theirs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;

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

/// Renders every page of `pdf` at `scale` pixels a point and decodes the QR symbols inside each of `boxes`, on
/// `threads` threads (each parses the document itself: the renderer's caches are per thread).
pub fn scan(pdf: Vec<u8>, scale: f32, boxes: &[BoxMm], threads: usize) -> Result<Scan, String> {
    let data = Arc::new(pdf);
    let count = Pdf::new(data.clone()).map_err(|e| format!("the PDF does not parse: {e:?}"))?.pages().len();
    let threads = threads.clamp(1, count.max(1));
    let parts: Vec<Result<Part, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let data = data.clone();
                s.spawn(move || scan_part(data, scale, boxes, t, threads))
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

/// Renders only `pages` (indices) of `pdf` at `scale` and decodes their boxes, on this thread: (page index, its
/// boxes) for each. For a second look at another resolution, as a camera gets from frame to frame.
pub fn scan_pages(pdf: Vec<u8>, scale: f32, boxes: &[BoxMm], pages: &[usize]) -> Result<Vec<(usize, Vec<BoxResult>)>, String> {
    let data = Arc::new(pdf);
    let mut out = Vec::with_capacity(pages.len());
    for &page in pages {
        let (mut part, _, _) = scan_part(data.clone(), scale, boxes, page, usize::MAX)?;
        out.append(&mut part);
    }
    Ok(out)
}

/// One thread's share: (page index, its boxes) for each page it scanned, render time, decode time.
type Part = (Vec<(usize, Vec<BoxResult>)>, Duration, Duration);

/// Scans pages `first`, `first + step`, … of the document.
fn scan_part(data: Arc<Vec<u8>>, scale: f32, boxes: &[BoxMm], first: usize, step: usize) -> Result<Part, String> {
    let document = Pdf::new(data).map_err(|e| format!("the PDF does not parse: {e:?}"))?;
    let cache = hayro::RenderCache::new();
    let settings = hayro::RenderSettings { x_scale: scale, y_scale: scale, bg_color: WHITE, ..Default::default() };
    let px_per_mm = f64::from(scale) * PT_PER_MM;
    let (mut render, mut decode) = (Duration::ZERO, Duration::ZERO);
    let mut out = Vec::new();
    for (index, page) in document.pages().iter().enumerate().skip(first).step_by(step) {
        let t = Instant::now();
        let pixmap = hayro::render(page, &cache, &InterpreterSettings::default(), &settings);
        render += t.elapsed();
        let t = Instant::now();
        let (w, h) = (usize::from(pixmap.width()), usize::from(pixmap.height()));
        let rgba = pixmap.data_as_u8_slice();
        let mut results = Vec::with_capacity(boxes.len());
        for &(left, top, width, height) in boxes {
            let (x0, y0) = (((left * px_per_mm) as usize).min(w), ((top * px_per_mm) as usize).min(h));
            let (cw, ch) = (((width * px_per_mm) as usize).min(w - x0), ((height * px_per_mm) as usize).min(h - y0));
            // The red channel of a black-on-white page is its grey level.
            let grey: Vec<u8> = (0..ch).flat_map(|y| (0..cw).map(move |x| (y, x))).map(|(y, x)| rgba[((y0 + y) * w + x0 + x) * 4]).collect();
            let mut image = rqrr::PreparedImage::prepare_from_greyscale(cw, ch, |x, y| grey[y * cw + x]);
            let found = image.detect_grids().iter().map(|grid| grid.decode().map(|(_, text)| text).map_err(|e| format!("{e:?}"))).collect();
            results.push(found);
        }
        decode += t.elapsed();
        out.push((index, results));
    }
    Ok((out, render, decode))
}
