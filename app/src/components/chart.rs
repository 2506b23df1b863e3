//! Charts that load nothing: horizontal bar charts drawn as SVG by the server (the page's lazy
//! route hydrates them like any markup). Each is a `<figure>` with a caption and a one-sentence
//! summary; every bar carries its label and value as text (never colour alone) and a `<title>`
//! tooltip; the numbers follow as a table, for screen readers and for copying, each row leading
//! to the list it counts where there is one.

use leptos::prelude::*;

use crate::list::thousands;

/// One bar of a [`BarChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// What it counts.
    pub label: String,
    /// How many.
    pub value: i64,
    /// The list it counts, if any.
    pub href: Option<String>,
}

/// Width of the label column, the bars' area and a row's height, in SVG units.
const LABEL_W: f64 = 190.0;
const BARS_W: f64 = 330.0;
const ROW_H: f64 = 24.0;

/// The width of a bar of `value` where the longest is `max`.
fn bar_width(value: i64, max: i64) -> f64 {
    if max <= 0 || value <= 0 {
        0.0
    } else {
        (value as f64 / max as f64 * BARS_W).max(1.0)
    }
}

/// A horizontal bar chart of `bars`, captioned `caption` and summed up by `summary`; `noun` names
/// what the values count (in the table's heading and the tooltips).
#[component]
pub fn BarChart(
    /// The figure's caption.
    caption: String,
    /// The chart in a sentence.
    summary: String,
    /// What the values count, e.g. "submissions".
    noun: &'static str,
    /// The bars, top to bottom.
    bars: Vec<Bar>,
) -> impl IntoView {
    let empty = bars.is_empty();
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let height = ROW_H * bars.len() as f64 + 4.0;
    let view_box = format!("0 0 {} {height}", LABEL_W + BARS_W + 70.0);
    let drawn = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let y = ROW_H * i as f64 + 2.0;
            let w = bar_width(b.value, max);
            let tip = format!("{}: {} {noun}", b.label, thousands(b.value));
            view! {
                <g class="bar">
                    <title>{tip}</title>
                    <text x="0" y=y + 16.0 class="bar-label">{b.label.clone()}</text>
                    <rect x=LABEL_W y=y + 3.0 width=w height=ROW_H - 6.0 rx="2"></rect>
                    <text x=LABEL_W + w + 6.0 y=y + 16.0 class="bar-value">{thousands(b.value)}</text>
                </g>
            }
        })
        .collect_view();
    let rows = bars
        .into_iter()
        .map(|b| {
            let label = match b.href {
                Some(href) => view! { <a href=href>{b.label}</a> }.into_any(),
                None => b.label.into_any(),
            };
            view! { <tr><th scope="row">{label}</th><td class="num">{thousands(b.value)}</td></tr> }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption>{caption.clone()}</figcaption>
            <p class="chart-summary">{summary}</p>
            {if empty {
                view! { <p class="empty">"Nothing to show for this range."</p> }.into_any()
            } else {
                view! {
                    <svg viewBox=view_box role="img" aria-label=caption.clone() preserveAspectRatio="xMinYMin meet">
                        {drawn}
                    </svg>
                    <details>
                        <summary>"The numbers"</summary>
                        <table class="data">
                            <thead><tr><th scope="col">{caption}</th><th scope="col" class="num">{noun}</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </details>
                }
                .into_any()
            }}
        </figure>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn html(bars: Vec<Bar>) -> String {
        let owner = Owner::new();
        owner.with(|| {
            view! { <BarChart caption="Submissions".into() summary="In a sentence.".into() noun="submissions" bars/> }
                .to_html()
        })
    }

    fn bars(n: usize) -> Vec<Bar> {
        (0..n)
            .map(|i| Bar {
                label: format!("Row {i}"),
                value: i as i64 * 10,
                href: (i % 2 == 0).then(|| format!("/list?row={i}")),
            })
            .collect()
    }

    #[test]
    fn an_empty_chart_says_so_and_draws_nothing() {
        let out = html(vec![]);
        assert!(out.contains("<figure"), "{out}");
        assert!(out.contains("Nothing to show"), "{out}");
        assert!(!out.contains("<svg"), "{out}");
    }

    #[test]
    fn one_point_draws_one_full_bar_with_its_tooltip_and_row() {
        let out = html(vec![Bar {
            label: "PCC".into(),
            value: 1234,
            href: Some("/modules/pcc".into()),
        }]);
        assert_eq!(out.matches("<rect").count(), 1, "{out}");
        assert!(out.contains(&format!("width=\"{BARS_W}\"")), "{out}");
        assert!(out.contains("<title>PCC: 1,234 submissions"), "{out}");
        assert!(out.contains("<a href=\"/modules/pcc\">PCC"), "{out}");
    }

    #[test]
    fn large_data_scales_to_the_longest_bar_and_lists_every_row() {
        let out = html(bars(500));
        assert_eq!(out.matches("<rect").count(), 500);
        assert_eq!(
            out.matches("<tr>").count(),
            501,
            "a heading row and one per bar"
        );
        assert!(
            out.contains(&format!("width=\"{BARS_W}\"")),
            "the longest is full width"
        );
        assert!(out.contains("width=\"0\""), "a zero is no bar");
    }

    #[test]
    fn a_bar_is_never_thinner_than_a_line() {
        assert_eq!(bar_width(1, 1_000_000), 1.0);
        assert_eq!(bar_width(0, 10), 0.0);
        assert_eq!(bar_width(5, 0), 0.0);
    }
}
