//! Opens and clicks over time as an inline SVG: one pair of bars per time
//! bucket (unique recipients per bucket), drawn by the view itself, no
//! chart library in the WASM.

use leptos::prelude::*;

use crate::model::campaigns::Chart;

// Whole SVG units: integer arithmetic keeps float formatting (tens of
// kilobytes) out of the WASM.
const WIDTH: i64 = 640;
const HEIGHT: i64 = 180;
/// Room under the bars for the first and last bucket's time.
const AXIS: i64 = 22;

#[component]
pub fn EngagementChart(chart: Chart) -> impl IntoView {
    let Chart { bucket, points } = chart;
    let opens: i64 = points.iter().map(|p| p.opens).sum();
    let clicks: i64 = points.iter().map(|p| p.clicks).sum();
    let top = points
        .iter()
        .map(|p| p.opens.max(p.clicks))
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = WIDTH / (points.len().max(1) as i64);
    let bar = (slot / 2 - 1).max(1);
    let plot = HEIGHT - AXIS;
    let height = move |n: i64| n * (plot - 4) / top;
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = i as i64 * slot;
            let (o, c) = (height(p.opens), height(p.clicks));
            view! {
                <g>
                    <title>{format!("{}: {} opens, {} clicks", p.label, p.opens, p.clicks)}</title>
                    <rect class="chart-opens" x=x.to_string() y=(plot - o).to_string()
                        width=bar.to_string() height=o.to_string() />
                    <rect class="chart-clicks" x=(x + bar + 1).to_string() y=(plot - c).to_string()
                        width=bar.to_string() height=c.to_string() />
                </g>
            }
        })
        .collect_view();
    let first = points.first().map(|p| p.label.clone()).unwrap_or_default();
    let last = points.last().map(|p| p.label.clone()).unwrap_or_default();
    let summary = format!(
        "{opens} unique opens and {clicks} unique clicks, per {bucket}, from {first} to {last}."
    );
    view! {
        <figure class="campaign-chart" data-testid="campaign-chart">
            <figcaption>
                <h2>"Opens and clicks"</h2>
                <span class="legend"><span class="swatch chart-opens"></span>"Opens"</span>
                <span class="legend"><span class="swatch chart-clicks"></span>"Clicks"</span>
                <span class="muted">{format!(" per {bucket}")}</span>
            </figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=summary>
                <line class="chart-axis" x1="0" y1=plot.to_string() x2=WIDTH.to_string() y2=plot.to_string() />
                {bars}
                <text class="chart-label" x="0" y=(HEIGHT - 6).to_string()>{first}</text>
                <text class="chart-label" x=WIDTH.to_string() y=(HEIGHT - 6).to_string() text-anchor="end">
                    {last}
                </text>
            </svg>
        </figure>
    }
}
