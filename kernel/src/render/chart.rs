//! Charts for `%plot`: messages per node as bars, one-way latency as a
//! histogram, and values programs recorded with `emit` as lines over time.

use jupyter_protocol::Media;
use plotters::prelude::*;

use super::{ensure_font, picture, DrawResult, FONT_FAMILY};

const WIDTH: u32 = 760;
const HEIGHT: u32 = 400;
/// Lines drawn in one series chart; more would be unreadable.
const MAX_LINES: usize = 12;

/// Bars of messages sent and received per node.
pub fn messages(rows: &[(String, u64, u64)]) -> Media {
    let total_sent: u64 = rows.iter().map(|row| row.1).sum();
    let total_received: u64 = rows.iter().map(|row| row.2).sum();
    let summary = format!(
        "messages per node: {} nodes, {total_sent} sent, {total_received} received",
        rows.len()
    );
    picture(draw_messages(rows), summary)
}

fn draw_messages(rows: &[(String, u64, u64)]) -> DrawResult {
    ensure_font();
    let top = rows.iter().map(|row| row.1.max(row.2)).max().unwrap_or(0).max(1) as f64 * 1.1;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("messages per node", (FONT_FAMILY, 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(0f64..rows.len().max(1) as f64, 0f64..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc("messages")
            .label_style((FONT_FAMILY, 11))
            .draw()?;
        // Node names sit under their bars; beyond 40 nodes they would overlap.
        if rows.len() <= 40 {
            let style = (FONT_FAMILY, 11)
                .into_font()
                .color(&BLACK)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Top,
                ));
            for (index, row) in rows.iter().enumerate() {
                let (x, y) = chart.backend_coord(&(index as f64 + 0.5, 0.0));
                root.draw(&Text::new(row.0.clone(), (x, y + 6), style.clone()))?;
            }
        }
        let sent_color = RGBColor(40, 110, 200);
        let received_color = RGBColor(230, 150, 20);
        chart
            .draw_series(rows.iter().enumerate().map(|(index, row)| {
                let x = index as f64;
                Rectangle::new([(x + 0.1, 0.0), (x + 0.5, row.1 as f64)], sent_color.filled())
            }))?
            .label("sent")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], sent_color.filled()));
        chart
            .draw_series(rows.iter().enumerate().map(|(index, row)| {
                let x = index as f64;
                Rectangle::new([(x + 0.5, 0.0), (x + 0.9, row.2 as f64)], received_color.filled())
            }))?
            .label("received")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], received_color.filled()));
        chart
            .configure_series_labels()
            .label_font((FONT_FAMILY, 12))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    Ok(text)
}

/// Counts `samples` in `bins` equal bins from 0 to the largest sample.
pub fn histogram(samples: &[f64], bins: usize) -> (f64, Vec<usize>) {
    let largest = samples.iter().copied().fold(0.0, f64::max);
    let width = if largest > 0.0 { largest / bins as f64 } else { 1.0 };
    let mut counts = vec![0; bins];
    for sample in samples {
        let bin = ((sample / width) as usize).min(bins - 1);
        counts[bin] += 1;
    }
    (width, counts)
}

/// Draws a histogram of one-way latencies, given in milliseconds and drawn
/// in microseconds.
pub fn latency(samples: &[f64]) -> Media {
    let mut sorted: Vec<f64> = samples.iter().map(|ms| ms * 1000.0).collect();
    sorted.sort_by(f64::total_cmp);
    let summary = if sorted.is_empty() {
        "one-way latency: no messages yet".to_string()
    } else {
        let p99 = sorted[((sorted.len() - 1) as f64 * 0.99).round() as usize];
        format!(
            "one-way latency: {} messages, median {:.1} us, p99 {:.1} us",
            sorted.len(),
            sorted[sorted.len() / 2],
            p99
        )
    };
    picture(draw_latency(&sorted), summary)
}

fn draw_latency(samples: &[f64]) -> DrawResult {
    ensure_font();
    let (width, counts) = histogram(samples, 30);
    let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64 * 1.1;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("one-way latency", (FONT_FAMILY, 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(0f64..width * counts.len() as f64, 0f64..top)?;
        chart
            .configure_mesh()
            .x_desc("microseconds")
            .y_desc("messages")
            .label_style((FONT_FAMILY, 11))
            .draw()?;
        chart.draw_series(counts.iter().enumerate().map(|(index, count)| {
            let left = index as f64 * width;
            Rectangle::new([(left, 0.0), (left + width * 0.9, *count as f64)], RGBColor(40, 110, 200).filled())
        }))?;
        root.present()?;
    }
    Ok(text)
}

/// Lines of the values nodes recorded for `key`, over time in seconds.
pub fn series(key: &str, series: &[(String, Vec<(f64, f64)>)]) -> Media {
    let points: usize = series.iter().map(|(_, samples)| samples.len()).sum();
    let mut summary = format!("{key}: {points} samples from {} nodes", series.len());
    if series.len() > MAX_LINES {
        summary.push_str(&format!(" (the first {MAX_LINES} are drawn)"));
    }
    picture(draw_series(key, &series[..series.len().min(MAX_LINES)]), summary)
}

fn draw_series(key: &str, series: &[(String, Vec<(f64, f64)>)]) -> DrawResult {
    ensure_font();
    let all = series.iter().flat_map(|(_, samples)| samples.iter());
    let (mut t_min, mut t_max, mut v_min, mut v_max) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (t, v) in all {
        t_min = t_min.min(*t / 1000.0);
        t_max = t_max.max(*t / 1000.0);
        v_min = v_min.min(*v);
        v_max = v_max.max(*v);
    }
    if t_min > t_max {
        (t_min, t_max, v_min, v_max) = (0.0, 1.0, 0.0, 1.0);
    }
    if t_max - t_min < 1e-9 {
        t_max = t_min + 1.0;
    }
    if v_max - v_min < 1e-9 {
        v_max = v_min + 1.0;
    }
    let pad = (v_max - v_min) * 0.05;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(key, (FONT_FAMILY, 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(t_min..t_max, (v_min - pad)..(v_max + pad))?;
        chart
            .configure_mesh()
            .x_desc("s since the network started")
            .y_desc(key)
            .label_style((FONT_FAMILY, 11))
            .draw()?;
        for (index, (name, samples)) in series.iter().enumerate() {
            let color = Palette99::pick(index).to_rgba();
            chart
                .draw_series(LineSeries::new(samples.iter().map(|(t, v)| (t / 1000.0, *v)), color.stroke_width(2)))?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .label_font((FONT_FAMILY, 11))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins_samples() {
        let (width, counts) = histogram(&[0.0, 0.5, 1.0, 2.0], 2);
        assert_eq!(width, 1.0);
        assert_eq!(counts, vec![2, 2]);
    }
}
