//! Charts of protection outcomes, as PNG and SVG, drawn with plotters and a
//! bundled font (no system fonts needed).
//!
//! Every chart is drawn into memory first, both formats; only when both
//! succeeded are the files written, atomically. A failed drawing never replaces
//! a good chart with a blank one.

pub mod charts;
pub mod data;
pub mod plan;
pub mod sensitivity;

use crate::error::Error;
use crate::outputs::files::write_atomic;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

/// Colour-blind-safe colours (Okabe–Ito), ordered so that neighbours also differ
/// in lightness and stay distinguishable in greyscale.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 0, 0),       // black
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(240, 228, 66),  // yellow
];

pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Registers the bundled DejaVu Sans as "sans-serif" (once per process).
pub fn fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

/// A chart drawn in both formats.
pub struct Rendered {
    pub name: String,
    pub title: String,
    pub svg: String,
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Turns any plotters error into text.
pub fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Draws one chart with a generic drawing function into SVG and PNG in memory.
#[macro_export]
macro_rules! render_chart {
    ($name:expr, $title:expr, ($w:expr, $h:expr), $draw:path, $data:expr) => {{
        $crate::outputs::plot::fonts();
        let (w, h): (u32, u32) = ($w, $h);
        // The vector drawing beside the bitmap's drawing and encoding: the
        // last chart of a set then keeps both cores busy.
        let ((svg, svg_result), (png_result, png)) = rayon::join(
            || {
                let mut svg = String::new();
                let r = {
                    let root = plotters::prelude::IntoDrawingArea::into_drawing_area(
                        plotters::prelude::SVGBackend::with_string(&mut svg, (w, h)),
                    );
                    $draw(&root, $data)
                        .and_then(|_| root.present().map_err($crate::outputs::plot::err))
                };
                (svg, r)
            },
            || {
                let mut buf = vec![0u8; (w * h * 3) as usize];
                let r = {
                    let root = plotters::prelude::IntoDrawingArea::into_drawing_area(
                        plotters::prelude::BitMapBackend::with_buffer(&mut buf, (w, h)),
                    );
                    $draw(&root, $data)
                        .and_then(|_| root.present().map_err($crate::outputs::plot::err))
                };
                let png = r
                    .is_ok()
                    .then(|| $crate::outputs::plot::encode_png(&buf, w, h));
                (r, png)
            },
        );
        match (svg_result, png_result) {
            (Ok(()), Ok(())) => {
                png.expect("encoded once drawn")
                    .map(|png| $crate::outputs::plot::Rendered {
                        name: $name.to_string(),
                        title: $title.to_string(),
                        svg,
                        png,
                        width: w,
                        height: h,
                    })
            }
            (Err(e), _) | (_, Err(e)) => Err(format!("chart {}: {e}", $name)),
        }
    }};
}

/// Encodes an RGB buffer as PNG.
pub fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        // Charts are flat colours: the fast deflate compresses them about as
        // well as the default, in a fraction of the time.
        enc.set_compression(png::Compression::Fast);
        let mut writer = enc.write_header().map_err(err)?;
        writer.write_image_data(rgb).map_err(err)?;
    }
    Ok(out)
}

/// Writes each chart as `DIR/NAME.png` and `DIR/NAME.svg`, atomically.
pub fn write_all(dir: &Path, charts: &[Rendered]) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    // Each file is written and synced on its own thread: the waits for the
    // disk overlap instead of adding up. The first error, in chart order, is
    // the one reported.
    let files: Vec<(std::path::PathBuf, &[u8])> = charts
        .iter()
        .flat_map(|c| {
            [
                (dir.join(format!("{}.png", c.name)), &c.png[..]),
                (dir.join(format!("{}.svg", c.name)), c.svg.as_bytes()),
            ]
        })
        .collect();
    std::thread::scope(|scope| {
        let writers: Vec<_> = files
            .iter()
            .map(|(path, bytes)| scope.spawn(move || write_atomic(path, bytes)))
            .collect();
        writers
            .into_iter()
            .map(|w| w.join().expect("a chart writer does not panic"))
            .collect::<Result<Vec<()>, Error>>()
            .map(|_| ())
    })
}
