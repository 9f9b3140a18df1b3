//! Opens and clicks over time as an inline SVG: one pair of bars per time
//! bucket (unique recipients per bucket), drawn by the view itself, no
//! chart library in the WASM.

use leptos::prelude::*;

use crate::model::campaigns::Chart;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
/// Room under the bars for the first and last bucket's time.
const AXIS: f64 = 22.0;

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
        .max(1) as f64;
    let slot = WIDTH / points.len().max(1) as f64;
    let bar = (slot / 2.0 - 1.0).max(1.0);
    let plot = HEIGHT - AXIS;
    let height = move |n: i64| n as f64 / top * (plot - 4.0);
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = i as f64 * slot;
            let (o, c) = (height(p.opens), height(p.clicks));
            view! {
                <g>
                    <title>{format!("{}: {} opens, {} clicks", p.label, p.opens, p.clicks)}</title>
                    <rect class="chart-opens" x=format!("{x:.1}") y=format!("{:.1}", plot - o)
                        width=format!("{bar:.1}") height=format!("{o:.1}") />
                    <rect class="chart-clicks" x=format!("{:.1}", x + bar + 1.0) y=format!("{:.1}", plot - c)
                        width=format!("{bar:.1}") height=format!("{c:.1}") />
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
                <text class="chart-label" x="0" y=(HEIGHT - 6.0).to_string()>{first}</text>
                <text class="chart-label" x=WIDTH.to_string() y=(HEIGHT - 6.0).to_string() text-anchor="end">
                    {last}
                </text>
            </svg>
        </figure>
    }
}
