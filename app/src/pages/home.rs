//! The landing page: what Gatehouse is, with the way in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::layout::use_session;
use crate::i18n::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    view! {
        <Title text=move || format!("{} · {}", t_string!(i18n, brand), t_string!(i18n, tagline))/>
        <section class="hero">
            <h1>{t!(i18n, landing.title)}</h1>
            <p class="lead">{t!(i18n, landing.lead)}</p>
            <Suspense>
                {move || session.get().map(|s| match s {
                    None => view! {
                        <p class="cta">
                            <A href="/register" attr:class="btn btn-primary">{t!(i18n, landing.cta_register)}</A>
                            " "
                            <A href="/login" attr:class="btn">{t!(i18n, landing.cta_login)}</A>
                        </p>
                    }.into_any(),
                    Some(_) => view! {
                        <p class="cta"><A href="/account" attr:class="btn btn-primary">{t!(i18n, nav.account)}</A></p>
                    }.into_any(),
                })}
            </Suspense>
        </section>
        <section class="steps">
            <h2>{t!(i18n, landing.steps_title)}</h2>
            <ol class="step-list">
                <li><h3>{t!(i18n, landing.step1)}</h3><p>{t!(i18n, landing.step1_text)}</p></li>
                <li><h3>{t!(i18n, landing.step2)}</h3><p>{t!(i18n, landing.step2_text)}</p></li>
                <li><h3>{t!(i18n, landing.step3)}</h3><p>{t!(i18n, landing.step3_text)}</p></li>
                <li><h3>{t!(i18n, landing.step4)}</h3><p>{t!(i18n, landing.step4_text)}</p></li>
            </ol>
        </section>
        <section class="card">
            <h2>{t!(i18n, landing.security_title)}</h2>
            <p>{t!(i18n, landing.security_text)}</p>
        </section>
    }
}
