//! `/dashboard`: counts by state, time to decision, queue age, decisions per week.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::dashboard::dashboard;
use crate::components::charts::BarChart;
use crate::components::form::ErrorPanel;
use crate::components::labels::state_label;
use crate::i18n::*;

fn hours(h: Option<f64>) -> String {
    match h {
        Some(h) if h >= 48.0 => format!("{:.1} d", h / 24.0),
        Some(h) => format!("{h:.1} h"),
        None => "—".to_string(),
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let data = Resource::new(|| (), |_| dashboard());
    view! {
        <Title text=move || td_string!(l, nav.dashboard)/>
        <h1>{td_string!(l, nav.dashboard)}</h1>
        <Suspense fallback=move || view! { <p>{td_string!(l, common.loading)}</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(d) => {
                    let states: Vec<(String, Vec<i64>)> = d.by_state.iter().map(|(s, n)| (state_label(l, *s).to_string(), vec![*n])).collect();
                    let ages: Vec<(String, Vec<i64>)> = (0..=10).map(|day| {
                        let n = d.queue_ages.iter().find(|(a, _)| *a == day).map(|(_, n)| *n).unwrap_or(0);
                        (if day == 10 { "10+".to_string() } else { day.to_string() }, vec![n])
                    }).collect();
                    let weekly: Vec<(String, Vec<i64>)> = d.weekly.iter().map(|(w, a, r)| (crate::components::time::cst(*w).format("%m-%d").to_string(), vec![*a, *r])).collect();
                    view! {
                        <div class="grid-2">
                            <section class="card">
                                <h2>{td_string!(l, dashboard.time_to_decision)}</h2>
                                <dl class="kv">
                                    <dt>{td_string!(l, dashboard.decided_30d)}</dt><dd data-testid="decided">{d.decided_30d}</dd>
                                    <dt>{td_string!(l, dashboard.median)}</dt><dd>{hours(d.median_hours)}</dd>
                                    <dt>{td_string!(l, dashboard.p90)}</dt><dd>{hours(d.p90_hours)}</dd>
                                </dl>
                            </section>
                            <section class="card"><BarChart bars=states title=td_string!(l, dashboard.by_state)/></section>
                        </div>
                        <div class="grid-2">
                            <section class="card"><BarChart bars=ages title=td_string!(l, dashboard.queue_age)/></section>
                            <section class="card"><BarChart bars=weekly series=vec![td_string!(l, states.approved).to_string(), td_string!(l, states.rejected).to_string()] title=td_string!(l, dashboard.weekly)/></section>
                        </div>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
