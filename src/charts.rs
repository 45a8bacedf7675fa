//! Charts drawn on the server as SVG (charts-rs, no script, nothing fetched by the browser):
//! the dashboards' pictures. A chart is made from exact figures ([`Chart`], decimals): the
//! picture is only a picture of them, so amounts become floats only to be drawn, and the table
//! beside each chart (and its download) shows the figures themselves. Every SVG carries a
//! `<title>` and a `<desc>` (and `role="img"`) so that a screen reader says what it shows.

use crate::web::page::escape;
use charts_rs::{BarChart, Series as DrawnSeries};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// The series' colours in order (the pages' legend repeats them: `.swatch-N` in app.css).
pub const PALETTE: [&str; 9] = [
    "#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4",
    "#ea7ccc",
];

/// One named row of figures, one per category.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Series {
    pub name: String,
    #[schema(value_type = Vec<String>)]
    pub values: Vec<Decimal>,
}

/// A bar chart's figures: the categories along the x axis, a series per bar colour.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Chart {
    /// Unique on its page (the SVG's title and description are named after it).
    pub id: String,
    pub title: String,
    /// What the chart shows, in words (the text alternative).
    pub desc: String,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// The figures are yuan (to the cent); otherwise counts.
    pub money: bool,
    /// The colour of each series, as an index into [`PALETTE`]; empty: the palette in order.
    #[serde(skip)]
    pub colours: Vec<usize>,
}

impl Chart {
    /// The chart as an SVG document, drawn at `width` × `height` and scaled by the page.
    pub fn svg(&self, width: f32, height: f32) -> String {
        let series: Vec<DrawnSeries> = self
            .series
            .iter()
            .map(|s| {
                DrawnSeries::new(
                    s.name.clone(),
                    s.values
                        .iter()
                        .map(|v| v.to_f32().unwrap_or_default())
                        .collect(),
                )
            })
            .collect();
        // Long names (suppliers, listings) are cut short in the drawing; the table beneath
        // has them whole.
        let labels: Vec<String> = self.categories.iter().map(|c| short(c)).collect();
        let long = labels.iter().any(|l| drawn_width(l) > 8);
        let mut c = BarChart::new(series, labels);
        c.width = width;
        c.height = height;
        // The page shows the title above the picture and the legend below it, as HTML: they
        // wrap at phone width there, and Chinese names are laid out by the browser (the
        // drawing measures text with a Latin font).
        c.title_text = String::new();
        c.legend_show = Some(false);
        c.series_colors = (0..self.series.len().max(1))
            .map(|i| PALETTE[self.colour(i)].into())
            .collect();
        c.font_family = "sans-serif".into();
        if self.categories.len() > 6 || long {
            c.x_axis_name_rotate = -30.0;
            c.x_axis_height = 72.0;
        }
        if !self.money {
            // Counts: whole numbers on the axis.
            let max = self
                .series
                .iter()
                .flat_map(|s| s.values.iter())
                .max()
                .and_then(|m| m.ceil().to_usize())
                .unwrap_or_default()
                .max(1);
            let split = max.min(5);
            let top = max.div_ceil(split) * split;
            if let Some(y) = c.y_axis_configs.first_mut() {
                y.axis_min = Some(0.0);
                y.axis_max = top.to_f32();
                y.axis_split_number = split;
                y.axis_formatter = Some("{c}".into());
            }
        }
        let drawn = c.svg().unwrap_or_default();
        with_text_alternative(&drawn, &self.id, &self.title, &self.desc)
    }
}

/// How wide `s` is drawn, in Latin letters (a Chinese character counts two).
fn drawn_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// A category's name as the drawing shows it: at most 14 letters wide, cut with "…".
fn short(s: &str) -> String {
    const MAX: usize = 14;
    if drawn_width(s) <= MAX {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if drawn_width(&out) + drawn_width(&c.to_string()) > MAX - 1 {
            break;
        }
        out.push(c);
    }
    let mut out = out.trim_end().to_string();
    out.push('…');
    out
}

impl Chart {
    /// Nothing to draw: no category, or every figure zero.
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
            || self
                .series
                .iter()
                .all(|s| s.values.iter().all(|v| v.is_zero()))
    }

    /// The legend's swatch class of the `i`th series (its colour in [`PALETTE`]).
    pub fn swatch(&self, i: &usize) -> String {
        format!("swatch-{}", self.colour(*i))
    }

    /// The palette index of the `i`th series.
    fn colour(&self, i: usize) -> usize {
        self.colours.get(i).copied().unwrap_or(i) % PALETTE.len()
    }

    /// The figure of `series` for category `i` (zero where there is none).
    pub fn value(&self, series: usize, i: usize) -> Decimal {
        self.series
            .get(series)
            .and_then(|s| s.values.get(i))
            .copied()
            .unwrap_or_default()
    }

    /// The table behind the chart, for its download: a row per category (`category` heads
    /// the first column), a column per series.
    pub fn sheet(&self, category: &str) -> crate::export::Sheet {
        let mut sheet = crate::export::Sheet::new(self.title.clone()).with_headers(
            std::iter::once(category.to_string()).chain(self.series.iter().map(|s| s.name.clone())),
        );
        for (i, c) in self.categories.iter().enumerate() {
            sheet.push_row(std::iter::once(crate::export::Cell::text(c.clone())).chain(
                (0..self.series.len()).map(|s| {
                    let v = self.value(s, i);
                    if self.money {
                        crate::export::Cell::money(v)
                    } else {
                        crate::export::Cell::int(v.to_i64().unwrap_or_default())
                    }
                }),
            ));
        }
        sheet
    }
}

/// `svg` with `role="img"`, a `<title>` and a `<desc>` (named `{id}-title`, `{id}-desc`) right
/// after its opening tag; an empty or foreign document stays as it was.
pub fn with_text_alternative(svg: &str, id: &str, title: &str, desc: &str) -> String {
    let Some(rest) = svg.strip_prefix("<svg") else {
        return svg.to_string();
    };
    let Some(end) = rest.find('>') else {
        return svg.to_string();
    };
    let (attrs, body) = rest.split_at(end);
    let id = escape(id);
    format!(
        "<svg{attrs} role=\"img\" aria-labelledby=\"{id}-title {id}-desc\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{}",
        escape(title),
        escape(desc),
        &body[1..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_short_for_the_drawing_only() {
        assert_eq!(short("盘螺 Φ8"), "盘螺 Φ8");
        assert_eq!(short("盘螺 HRB400E Φ8"), "盘螺 HRB400E…");
        assert_eq!(short("热轧带肋钢筋(螺纹钢) HRB400E Φ25"), "热轧带肋钢筋(…");
        assert_eq!(
            short("Chengdong Resettlement Housing Project"),
            "Chengdong Res…"
        );
        assert!(drawn_width(&short("一二三四五六七八九十")) <= 14);
    }
    use std::str::FromStr;

    fn chart() -> Chart {
        Chart {
            id: "draws".into(),
            title: "领用 <按项目>".into(),
            desc: "各项目每月领用金额".into(),
            categories: vec!["2026-11".into(), "2026-12".into()],
            series: vec![Series {
                name: "滨江".into(),
                values: vec![
                    Decimal::from_str("1234.56").unwrap_or_default(),
                    Decimal::ZERO,
                ],
            }],
            money: true,
            colours: Vec::new(),
        }
    }

    #[test]
    fn the_svg_says_what_it_shows_to_a_screen_reader() {
        let svg = chart().svg(600.0, 320.0);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-labelledby=\"draws-title draws-desc\""));
        assert!(svg.contains("<title id=\"draws-title\">领用 &lt;按项目&gt;</title>"));
        assert!(svg.contains("<desc id=\"draws-desc\">各项目每月领用金额</desc>"));
        assert!(svg.ends_with("</svg>"), "{svg}");
    }

    #[test]
    fn a_bar_per_figure_with_its_value() {
        let svg = chart().svg(600.0, 320.0);
        // A bar per figure (the exact figures are in the table beside it).
        assert_eq!(svg.matches("data-series=\"滨江\"").count(), 2, "{svg}");
        assert!(svg.contains("data-category=\"2026-11\""), "{svg}");
        // No inline style: the pages' content security policy forbids it.
        assert!(!svg.contains("style="), "{svg}");
    }

    #[test]
    fn the_table_behind_holds_the_exact_figures() {
        let csv = crate::export::Format::Csv
            .render(&chart().sheet("月份"))
            .unwrap_or_default();
        let csv = String::from_utf8_lossy(&csv);
        assert!(csv.contains("月份") && csv.contains("滨江"), "{csv}");
        assert!(csv.contains("2026-11") && csv.contains("1234.56"), "{csv}");
        assert!(csv.contains("0.00"), "an empty month is a zero: {csv}");
    }

    #[test]
    fn a_document_that_is_not_svg_is_left_alone() {
        assert_eq!(with_text_alternative("", "a", "b", "c"), "");
        assert_eq!(with_text_alternative("<p>x</p>", "a", "b", "c"), "<p>x</p>");
    }
}
