//! Gatehouse: the Leptos app (SSR + hydration). This file is the shell, the router and the
//! hydration entry point; everything else lives in the modules.
#![recursion_limit = "512"]

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod api;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod backend;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::layout::{Footer, Header, SessionResource};
use crate::i18n::*;
use crate::pages::{account, admin, auth, dashboard, fees, home, not_found, portal, review};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // The server negotiates the language once (cookie, then Accept-Language) in
    // `backend::request`; leptos_i18n takes it from there, and the browser from <html lang>.
    #[cfg(feature = "ssr")]
    let negotiated = leptos_use::UseLocalesOptions::default().ssr_lang_header_getter(|| {
        Some(crate::backend::request::current_lang().code().to_string())
    });
    #[cfg(not(feature = "ssr"))]
    let negotiated = leptos_use::UseLocalesOptions::default();
    view! {
        <I18nContextProvider ssr_lang_header_getter=negotiated>
            <Stylesheet id="leptos" href="/pkg/gatehouse.css"/>
            <Title text="Gatehouse"/>
            <Router>
                <Session>
                    <Header/>
                    <main id="main" class="container">
                        // Every page renders completely on the server before the first byte
                        // (SsrMode::Async): it then works without JavaScript, and status codes
                        // and redirects decided by its data still reach the browser.
                        <Routes fallback=not_found::NotFound>
                            <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async/>
                            <Route path=path!("/register") view=auth::RegisterPage ssr=SsrMode::Async/>
                            <Route path=path!("/verify-email") view=auth::VerifyEmailPage ssr=SsrMode::Async/>
                            <Route path=path!("/login") view=auth::LoginPage ssr=SsrMode::Async/>
                            <Route path=path!("/login/mfa") view=auth::MfaPage ssr=SsrMode::Async/>
                            <Route path=path!("/forgot-password") view=auth::ForgotPasswordPage ssr=SsrMode::Async/>
                            <Route path=path!("/reset-password") view=|| view! { <auth::ResetPasswordPage purpose="reset_password"/> } ssr=SsrMode::Async/>
                            <Route path=path!("/set-password") view=|| view! { <auth::ResetPasswordPage purpose="set_password"/> } ssr=SsrMode::Async/>
                            <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async/>
                            <Route path=path!("/account/mfa") view=account::MfaSetupPage ssr=SsrMode::Async/>
                            <Route path=path!("/portal") view=portal::PortalPage ssr=SsrMode::Async/>
                            <Route path=path!("/portal/application") view=portal::ApplicationIndexPage ssr=SsrMode::Async/>
                            <Route path=path!("/portal/application/:section") view=portal::SectionPage ssr=SsrMode::Async/>
                            <Route path=path!("/portal/documents") view=portal::DocumentsPage ssr=SsrMode::Async/>
                            <Route path=path!("/portal/contract") view=fees::PortalContractPage ssr=SsrMode::Async/>
                            <Route path=path!("/fees") view=fees::FeesPage ssr=SsrMode::Async/>
                            <Route path=path!("/fees/new") view=fees::ScheduleEditorPage ssr=SsrMode::Async/>
                            <Route path=path!("/fees/merchants") view=fees::FeeMerchantsPage ssr=SsrMode::Async/>
                            <Route path=path!("/fees/merchants/:org") view=fees::FeeMerchantPage ssr=SsrMode::Async/>
                            <Route path=path!("/fees/contracts/:id") view=fees::StaffContractPage ssr=SsrMode::Async/>
                            <Route path=path!("/fees/:id") view=fees::ScheduleEditorPage ssr=SsrMode::Async/>
                            <Route path=path!("/review") view=review::QueuePage ssr=SsrMode::Async/>
                            <Route path=path!("/review/templates") view=review::TemplatesPage ssr=SsrMode::Async/>
                            <Route path=path!("/review/:id") view=review::ReviewPage ssr=SsrMode::Async/>
                            <Route path=path!("/dashboard") view=dashboard::DashboardPage ssr=SsrMode::Async/>
                            <Route path=path!("/admin/audit") view=admin::AuditPage ssr=SsrMode::Async/>
                            <Route path=path!("/admin/users") view=admin::UsersPage ssr=SsrMode::Async/>
                            <Route path=path!("/admin/mailbox") view=admin::MailboxPage ssr=SsrMode::Async/>
                        </Routes>
                    </main>
                    <Footer/>
                </Session>
            </Router>
        </I18nContextProvider>
    }
}

/// Loads the signed-in user once per page load and shares it with every component.
#[component]
fn Session(children: Children) -> impl IntoView {
    let session = Resource::new_blocking(
        || (),
        |_| async { crate::api::auth::get_session().await.ok().flatten() },
    );
    provide_context(SessionResource(session));
    children()
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // Lets browser tests wait for interactivity instead of guessing.
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &"__gatehouse_hydrated".into(), &true.into());
    }
}
