//! Small SVG charts rendered on the server (readable without JavaScript).

use leptos::prelude::*;

/// A vertical bar chart: one bar per (label, value), or a pair of bars per label.
#[component]
pub fn BarChart(
    /// (label, values); each value gets a bar in its series colour.
    bars: Vec<(String, Vec<i64>)>,
    /// Names of the series, for the legend (empty: no legend).
    #[prop(optional)]
    series: Vec<String>,
    #[prop(into)] title: String,
) -> impl IntoView {
    const W: i64 = 560;
    const H: i64 = 200;
    const PAD: i64 = 28;
    let colours = ["#0f4c81", "#b42318", "#1b7f4b"];
    let max = bars
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let per = bars.iter().map(|(_, v)| v.len()).max().unwrap_or(1).max(1) as i64;
    let slot = if bars.is_empty() {
        W
    } else {
        (W - PAD) / bars.len() as i64
    };
    let bar_w = ((slot - 8) / per).max(2);
    let desc = bars
        .iter()
        .map(|(l, v)| {
            format!(
                "{l}: {}",
                v.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {W} {}", H + 40) role="img" aria-label=format!("{title}. {desc}")>
                <line x1=PAD.to_string() y1=H.to_string() x2=W.to_string() y2=H.to_string() stroke="#b8c0cc"/>
                <text x="0" y="12" font-size="11" fill="#5b6475">{max.to_string()}</text>
                <text x="0" y=H.to_string() font-size="11" fill="#5b6475">"0"</text>
                {bars.iter().enumerate().map(|(i, (label, values))| {
                    let x0 = PAD + i as i64 * slot + 4;
                    view! {
                        <g>
                            {values.iter().enumerate().map(|(j, v)| {
                                let h = v * (H - 16) / max;
                                view! {
                                    <rect x=(x0 + j as i64 * bar_w).to_string() y=(H - h).to_string() width=(bar_w - 1).to_string() height=h.to_string() fill=colours[j % colours.len()]>
                                        <title>{format!("{label}: {v}")}</title>
                                    </rect>
                                    <text x=(x0 + j as i64 * bar_w + bar_w / 2).to_string() y=(H - h - 3).to_string() font-size="10" text-anchor="middle" fill="#1d2433">{v.to_string()}</text>
                                }
                            }).collect_view()}
                            <text x=(x0 + (bar_w * per) / 2).to_string() y=(H + 14).to_string() font-size="10" text-anchor="middle" fill="#5b6475">{label.clone()}</text>
                        </g>
                    }
                }).collect_view()}
                {series.iter().enumerate().map(|(j, name)| view! {
                    <g>
                        <rect x=(PAD + j as i64 * 120).to_string() y=(H + 24).to_string() width="10" height="10" fill=colours[j % colours.len()]/>
                        <text x=(PAD + j as i64 * 120 + 14).to_string() y=(H + 33).to_string() font-size="11" fill="#1d2433">{name.clone()}</text>
                    </g>
                }).collect_view()}
            </svg>
            <figcaption>{title}</figcaption>
        </figure>
    }
}
