//! Rich output: tables as HTML with a plain-text fallback, and pictures as
//! SVG drawn by plotters with a font the binary carries.

pub mod chart;
pub mod table;
pub mod topology;

use std::sync::Once;

use plotters::style::FontStyle;

/// DejaVu Sans (Bitstream Vera license, see `kernel/assets`), so pictures
/// never depend on the fonts of the host.
const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The family name every chart uses for text.
pub const FONT_FAMILY: &str = "sans-serif";

/// Registers the bundled font with plotters once per process.
pub fn ensure_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        if plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT).is_err() {
            tracing::error!("the bundled font could not be registered; SVG text will be missing");
        }
    });
}

/// Escapes text for HTML and SVG content.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The result of drawing one SVG picture.
pub type DrawResult = Result<String, Box<dyn std::error::Error>>;

/// Builds the bundle of a picture: the SVG, or a one-line SVG that names
/// the drawing error, and a text/plain summary.
pub fn picture(drawn: DrawResult, summary: String) -> jupyter_protocol::Media {
    let svg = drawn.unwrap_or_else(|error| {
        tracing::error!(cause = %error, "drawing failed");
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"30\"><text x=\"5\" y=\"20\">{}</text></svg>",
            escape_html(&format!("drawing failed: {error}"))
        )
    });
    crate::iopub::media([
        ("image/svg+xml".to_string(), serde_json::Value::String(svg)),
        ("text/plain".to_string(), serde_json::Value::String(summary)),
    ])
}

/// "1 node", "3 nodes".
pub fn count_of(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
