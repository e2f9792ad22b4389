//! Charts of a report section as self-contained SVG: bars side by side, stacked bars, or lines, over a y axis of
//! "nice" ticks (steps of 1, 2 or 5 times a power of ten), with category labels thinned when there are many, a
//! legend, and each value as a `<title>` tooltip. No script, no external reference, every text escaped, and no
//! coordinate is ever NaN (values that are not finite, or negative, are drawn as 0; values above 10^15, far beyond
//! any count, as 10^15).

use std::fmt::Write;

use healthbook_protocol::Language;
use healthbook_protocol::reports::{Chart, ChartKind};

/// Width of the drawing, in SVG units.
const WIDTH: f64 = 720.0;
/// Height of the drawing.
const HEIGHT: f64 = 320.0;
/// Room left of the plot for the tick labels.
const LEFT: f64 = 64.0;
/// Room right of the plot.
const RIGHT: f64 = 16.0;
/// Room above the plot.
const TOP: f64 = 16.0;
/// Room below the plot for the category labels and the legend.
const BOTTOM: f64 = 64.0;
/// Rough width of one character at the labels' size, to space labels and legend entries.
const CHAR_WIDTH: f64 = 6.5;
/// The largest value drawn: the axis arithmetic stays finite, and no count comes near it.
const MAX_VALUE: f64 = 1e15;
/// Series colours (Okabe-Ito, readable for the colour-blind), in order.
const COLOURS: [&str; 6] = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"];

/// The chart as an `<svg role="img">` labelled `title`, with legends in `language`.
pub fn svg(chart: &Chart, language: Language, title: &str) -> String {
    let mut out = String::with_capacity(4096);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-label="{t}" font-family="sans-serif" font-size="11"><title>{t}</title>"#,
        t = escape(title)
    );
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = chart.categories.len();
    let values: Vec<Vec<f64>> = chart
        .series
        .iter()
        .map(|s| (0..n).map(|i| s.values.get(i).copied().filter(|v| v.is_finite() && *v > 0.0).map_or(0.0, |v| v.min(MAX_VALUE))).collect())
        .collect();
    if n == 0 || values.is_empty() {
        let no_data = match language {
            Language::Vi => "Không có dữ liệu",
            Language::En => "No data",
        };
        let _ = write!(
            out,
            r##"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#ccc"/><text x="{x}" y="{y}" text-anchor="middle" fill="#555">{no_data}</text></svg>"##,
            x = LEFT + plot_w / 2.0,
            y = TOP + plot_h / 2.0
        );
        return out;
    }
    let max = match chart.kind {
        ChartKind::StackedBar => (0..n).map(|i| values.iter().map(|s| s[i]).sum::<f64>()).fold(0.0, f64::max),
        ChartKind::Bar | ChartKind::Line => values.iter().flatten().copied().fold(0.0, f64::max),
    };
    let (step, top) = nice_axis(max);
    let y_of = |v: f64| TOP + plot_h - (v / top * plot_h).clamp(0.0, plot_h);

    // Grid lines and tick labels.
    let ticks = (top / step).round() as usize;
    for i in 0..=ticks {
        let v = step * i as f64;
        let y = y_of(v);
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{x2:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{c}"/><text x="{tx:.1}" y="{ty:.1}" text-anchor="end" fill="#333">{label}</text>"##,
            x2 = LEFT + plot_w,
            c = if i == 0 { "#333" } else { "#e4e4e4" },
            tx = LEFT - 6.0,
            ty = y + 4.0,
            label = escape(&format_number(v, language)),
        );
    }
    let _ = write!(out, r##"<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{b:.1}" stroke="#333"/>"##, b = TOP + plot_h);

    // Category labels, every `every`-th one when they would not fit.
    let band = plot_w / n as f64;
    let longest = chart.categories.iter().map(|c| c.chars().count()).max().unwrap_or(1).max(1) as f64;
    let every = ((longest * CHAR_WIDTH + 8.0) / band).ceil().max(1.0) as usize;
    for (i, category) in chart.categories.iter().enumerate() {
        if i % every != 0 {
            continue;
        }
        let _ = write!(
            out,
            r##"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="#333">{label}</text>"##,
            x = LEFT + band * (i as f64 + 0.5),
            y = TOP + plot_h + 16.0,
            label = escape(category),
        );
    }

    // The data.
    let tooltip = |i: usize, s: usize, v: f64| {
        let label = series_label(chart, s, language);
        escape(&format!("{} — {}: {}", chart.categories[i], label, format_number(v, language)))
    };
    match chart.kind {
        ChartKind::Bar => {
            let width = band * 0.8 / values.len() as f64;
            for (s, series) in values.iter().enumerate() {
                for (i, v) in series.iter().enumerate() {
                    let x = LEFT + band * i as f64 + band * 0.1 + width * s as f64;
                    let y = y_of(*v);
                    let _ = write!(
                        out,
                        r#"<rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{h:.1}" fill="{c}"><title>{t}</title></rect>"#,
                        h = TOP + plot_h - y,
                        c = COLOURS[s % COLOURS.len()],
                        t = tooltip(i, s, *v),
                    );
                }
            }
        }
        ChartKind::StackedBar => {
            let width = band * 0.7;
            for i in 0..n {
                let mut base = 0.0;
                for (s, series) in values.iter().enumerate() {
                    let v = series[i];
                    let (y0, y1) = (y_of(base), y_of(base + v));
                    base += v;
                    if v <= 0.0 {
                        continue;
                    }
                    let _ = write!(
                        out,
                        r#"<rect x="{x:.1}" y="{y1:.1}" width="{width:.1}" height="{h:.1}" fill="{c}"><title>{t}</title></rect>"#,
                        x = LEFT + band * i as f64 + band * 0.15,
                        h = y0 - y1,
                        c = COLOURS[s % COLOURS.len()],
                        t = tooltip(i, s, v),
                    );
                }
            }
        }
        ChartKind::Line => {
            for (s, series) in values.iter().enumerate() {
                let colour = COLOURS[s % COLOURS.len()];
                let points: Vec<String> = series
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format!("{:.1},{:.1}", LEFT + band * (i as f64 + 0.5), y_of(*v)))
                    .collect();
                let _ = write!(out, r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#, points.join(" "));
                for (i, v) in series.iter().enumerate() {
                    let _ = write!(
                        out,
                        r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{colour}"><title>{t}</title></circle>"#,
                        x = LEFT + band * (i as f64 + 0.5),
                        y = y_of(*v),
                        t = tooltip(i, s, *v),
                    );
                }
            }
        }
    }

    // The legend, in one row under the labels.
    let mut x = LEFT;
    let y = HEIGHT - 18.0;
    for s in 0..values.len() {
        let label = series_label(chart, s, language);
        let _ = write!(
            out,
            r##"<rect x="{x:.1}" y="{ry:.1}" width="10" height="10" fill="{c}"/><text x="{tx:.1}" y="{y:.1}" fill="#333">{l}</text>"##,
            ry = y - 9.0,
            c = COLOURS[s % COLOURS.len()],
            tx = x + 14.0,
            l = escape(label),
        );
        x += 14.0 + label.chars().count() as f64 * CHAR_WIDTH + 18.0;
    }
    out.push_str("</svg>");
    out
}

/// The legend of series `s` in `language`.
fn series_label(chart: &Chart, s: usize, language: Language) -> &str {
    let series = &chart.series[s];
    match language {
        Language::Vi => &series.label_vi,
        Language::En => &series.label_en,
    }
}

/// The tick step (1, 2 or 5 times a power of ten) giving at most about five intervals up to `max`, and the axis
/// top (a multiple of the step at or above `max`; 1 for an all-zero chart).
fn nice_axis(max: f64) -> (f64, f64) {
    if !max.is_finite() || max <= 0.0 {
        return (1.0, 1.0);
    }
    let raw = max / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= raw).unwrap_or(10.0 * power);
    // Counts never need steps below 1.
    let step = if max >= 1.0 { step.max(1.0) } else { step };
    let top = (max / step).ceil() * step;
    (step, if top > 0.0 { top } else { step })
}

/// A number with the language's separators (1.234,5 in Vietnamese, 1,234.5 in English); whole numbers without
/// decimals.
pub fn format_number(value: f64, language: Language) -> String {
    if !value.is_finite() {
        return "—".into();
    }
    let (thousands, decimal) = match language {
        Language::Vi => ('.', ','),
        Language::En => (',', '.'),
    };
    let rounded = (value * 10.0).round() / 10.0;
    let text = if rounded.fract() == 0.0 { format!("{:.0}", rounded.abs()) } else { format!("{:.1}", rounded.abs()) };
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3 + 4);
    if rounded < 0.0 {
        grouped.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(thousands);
        }
        grouped.push(digit);
    }
    if let Some(fraction) = fraction {
        grouped.push(decimal);
        grouped.push_str(fraction);
    }
    grouped
}

/// Text made safe for SVG text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use healthbook_protocol::reports::ChartSeries;

    fn chart(kind: ChartKind, categories: &[&str], series: &[&[f64]]) -> Chart {
        Chart {
            kind,
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            series: series
                .iter()
                .enumerate()
                .map(|(i, v)| ChartSeries { label_vi: format!("Chuỗi {i}"), label_en: format!("Series {i}"), values: v.to_vec() })
                .collect(),
        }
    }

    fn well_formed(svg: &str) {
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert!(!svg.contains("<script") && !svg.contains("href"), "{svg}");
        // Every tag opened is closed or self-closed (a cheap balance check: no raw '<' inside text).
        let opens = svg.matches('<').count();
        let closes = svg.matches('>').count();
        assert_eq!(opens, closes);
    }

    #[test]
    fn ticks_step_by_one_two_or_five() {
        assert_eq!(nice_axis(0.0), (1.0, 1.0));
        assert_eq!(nice_axis(3.0), (1.0, 3.0));
        assert_eq!(nice_axis(7.0), (2.0, 8.0));
        assert_eq!(nice_axis(23.0), (5.0, 25.0));
        assert_eq!(nice_axis(100.0), (20.0, 100.0));
        assert_eq!(nice_axis(1234.0), (500.0, 1500.0));
        let (step, top) = nice_axis(0.3);
        assert!((step - 0.1).abs() < 1e-12 && (0.3..0.41).contains(&top), "{step} {top}");
        let (step, top) = nice_axis(9.7e14);
        assert!(step.is_finite() && top >= 9.7e14 && top / step <= 10.0);
    }

    #[test]
    fn labels_and_legends_are_escaped() {
        let mut c = chart(ChartKind::Bar, &["<b>&\"x'"], &[&[3.0]]);
        c.series[0].label_en = "</text><script>alert(1)</script>".into();
        let svg = svg(&c, Language::En, "A & B <title>");
        well_formed(&svg);
        assert!(svg.contains("aria-label=\"A &amp; B &lt;title&gt;\""));
        assert!(svg.contains("&lt;b&gt;&amp;&quot;x&#39;"));
        assert!(svg.contains("&lt;/text&gt;&lt;script&gt;"));
    }

    #[test]
    fn an_empty_chart_says_so() {
        let svg_vi = svg(&chart(ChartKind::Line, &[], &[]), Language::Vi, "Trống");
        well_formed(&svg_vi);
        assert!(svg_vi.contains("Không có dữ liệu"));
        let svg_en = svg(&chart(ChartKind::Bar, &["a"], &[]), Language::En, "Empty");
        assert!(svg_en.contains("No data"));
    }

    #[test]
    fn one_category_draws_one_bar_with_its_tooltip() {
        let svg = svg(&chart(ChartKind::Bar, &["26734"], &[&[1234.0]]), Language::Vi, "t");
        well_formed(&svg);
        assert_eq!(svg.matches("<rect").count(), 2, "one bar and one legend swatch: {svg}");
        assert!(svg.contains("<title>26734 — Chuỗi 0: 1.234</title>"));
    }

    #[test]
    fn huge_negative_and_nan_values_never_break_the_drawing() {
        for kind in [ChartKind::Bar, ChartKind::StackedBar, ChartKind::Line] {
            let c = chart(kind, &["a", "b", "c", "d"], &[&[f64::NAN, 1e300, -5.0, f64::INFINITY], &[1.0, 2.0]]);
            let svg = svg(&c, Language::En, "t");
            well_formed(&svg);
        }
    }

    #[test]
    fn many_categories_are_thinned_and_lines_keep_every_point() {
        let days: Vec<String> = (1..=60).map(|d| format!("2026-10-{d:02}")).collect();
        let refs: Vec<&str> = days.iter().map(String::as_str).collect();
        let values: Vec<f64> = (0..60).map(f64::from).collect();
        let svg = svg(&chart(ChartKind::Line, &refs, &[&values]), Language::En, "t");
        well_formed(&svg);
        let shown = days.iter().filter(|d| svg.contains(&format!(">{d}</text>"))).count();
        assert!(shown > 3 && shown < 20, "{shown} labels");
        assert_eq!(svg.matches("<circle").count(), 60);
    }

    #[test]
    fn stacked_bars_reach_the_sum() {
        let svg = svg(&chart(ChartKind::StackedBar, &["x"], &[&[3.0], &[4.0]]), Language::En, "t");
        well_formed(&svg);
        // The axis goes to the sum (7 → 8 with steps of 2), not to the largest part.
        assert!(svg.contains(">8</text>") && !svg.contains(">10</text>"));
    }

    #[test]
    fn random_charts_are_always_well_formed() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let alphabet: Vec<char> = "a<>&\"'ứ🙂\u{1}9 ".chars().collect();
        for _ in 0..300 {
            let label = |rng: &mut rand::rngs::StdRng| {
                (0..rng.gen_range(0..15)).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect::<String>()
            };
            let categories: Vec<String> = (0..rng.gen_range(0..40)).map(|_| label(&mut rng)).collect();
            let series = (0..rng.gen_range(0..4))
                .map(|_| ChartSeries {
                    label_vi: label(&mut rng),
                    label_en: label(&mut rng),
                    values: (0..rng.gen_range(0..45)).map(|_| f64::from_bits(rng.r#gen())).collect(),
                })
                .collect();
            let kind = [ChartKind::Bar, ChartKind::StackedBar, ChartKind::Line][rng.gen_range(0..3)];
            let title = label(&mut rng);
            well_formed(&svg(&Chart { kind, categories, series }, Language::Vi, &title));
        }
    }

    #[test]
    fn numbers_use_the_language_separators() {
        assert_eq!(format_number(1_234_567.0, Language::Vi), "1.234.567");
        assert_eq!(format_number(1_234_567.0, Language::En), "1,234,567");
        assert_eq!(format_number(1234.56, Language::Vi), "1.234,6");
        assert_eq!(format_number(0.0, Language::En), "0");
        assert_eq!(format_number(f64::NAN, Language::En), "—");
        assert_eq!(format_number(-1500.0, Language::En), "-1,500");
    }
}
