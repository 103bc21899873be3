//! The page frame: header with navigation by role, language switch, account menu; footer.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::api::auth::{Logout, SessionView};
use crate::domain::roles::{Permission, Role};
use crate::i18n::*;

/// The signed-in user, loaded once per page load (blocking, so SSR knows it).
#[derive(Clone, Copy)]
pub struct SessionResource(pub Resource<Option<SessionView>>);

pub fn use_session() -> Resource<Option<SessionView>> {
    expect_context::<SessionResource>().0
}

pub fn role_label(role: Role, i18n: leptos_i18n::I18nContext<Locale>) -> &'static str {
    match role {
        Role::Merchant => t_string!(i18n, roles.merchant),
        Role::Reviewer => t_string!(i18n, roles.reviewer),
        Role::ComplianceLead => t_string!(i18n, roles.compliance_lead),
        Role::AccountManager => t_string!(i18n, roles.account_manager),
        Role::Admin => t_string!(i18n, roles.admin),
    }
}

#[component]
fn NavLinks(session: SessionView) -> impl IntoView {
    let i18n = use_i18n();
    let role = session.role;
    let ready = session.mfa_passed && session.email_verified;
    let mut links: Vec<(&'static str, &'static str)> = Vec::new();
    if ready {
        if role.can(Permission::OwnApplicationEdit) {
            links.push(("/portal", t_string!(i18n, nav.portal)));
            links.push(("/portal/documents", t_string!(i18n, portal.documents_title)));
            links.push(("/portal/contract", t_string!(i18n, nav.contract)));
        }
        if role.can(Permission::ReviewWork) {
            links.push(("/review", t_string!(i18n, nav.review)));
        }
        if role.can(Permission::ChecklistTemplatesEdit) {
            links.push(("/review/templates", t_string!(i18n, review.templates_title)));
        }
        if role.can(Permission::FeesManage) {
            links.push(("/fees", t_string!(i18n, nav.fees)));
        }
        if role.can(Permission::FeesManage) || role.can(Permission::FeeFloorApprove) {
            links.push(("/fees/merchants", t_string!(i18n, nav.fee_merchants)));
        }
        if role.can(Permission::DashboardView) {
            links.push(("/dashboard", t_string!(i18n, nav.dashboard)));
        }
        if role.can(Permission::UsersManage) {
            links.push(("/admin/users", t_string!(i18n, nav.users)));
        }
        if role.can(Permission::AuditView) {
            links.push(("/admin/audit", t_string!(i18n, nav.audit)));
        }
        if role.can(Permission::MailboxView) {
            links.push(("/admin/mailbox", t_string!(i18n, nav.mailbox)));
        }
    }
    links
        .into_iter()
        .map(|(href, label)| view! { <li><A href=href>{label}</A></li> })
        .collect_view()
}

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let location = use_location();
    let (menu_open, set_menu_open) = signal(false);
    // The language switch is a plain link: the server sets the cookie (and the user's
    // preference) and sends the browser back here.
    let lang_href = move || {
        let target = match i18n.get_locale() {
            Locale::zh_CN => "en",
            Locale::en => "zh-CN",
        };
        let here = format!(
            "{}{}",
            location.pathname.get(),
            location
                .search
                .get()
                .chars()
                .next()
                .map(|_| format!("?{}", location.search.get()))
                .unwrap_or_default()
        );
        format!("/lang/{target}?next={}", urlencode(&here))
    };
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(nav)) = logout.value().get() {
            full_navigation(&nav.to);
        }
    });
    view! {
        <a class="skip" href="#main">{t!(i18n, nav.skip)}</a>
        <header class="site-header">
            <div class="bar">
                <A href="/" attr:class="brand">{t!(i18n, brand)}</A>
                <button
                    type="button"
                    class="menu-toggle"
                    aria-controls="site-nav"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| set_menu_open.update(|o| *o = !*o)
                >
                    {t!(i18n, nav.menu)}
                </button>
                <nav id="site-nav" class="site-nav" class:open=move || menu_open.get() aria-label="main">
                    <ul>
                        <Suspense>
                            {move || session.get().flatten().map(|s| view! { <NavLinks session=s/> })}
                        </Suspense>
                    </ul>
                    <ul class="nav-right">
                        <li>
                            <a href=lang_href rel="external" class="lang-switch" hreflang=move || match i18n.get_locale() { Locale::zh_CN => "en", Locale::en => "zh-CN" }>
                                {t!(i18n, nav.switch_lang)}
                            </a>
                        </li>
                        <Suspense>
                            {move || match session.get().flatten() {
                                Some(s) => view! {
                                    <li><A href="/account">{s.name.clone()}" · "{role_label(s.role, i18n)}</A></li>
                                    <li>
                                        <ActionForm action=logout attr:class="inline-form">
                                            <button type="submit" class="link-button">{t!(i18n, nav.logout)}</button>
                                        </ActionForm>
                                    </li>
                                }.into_any(),
                                None => view! {
                                    <li><A href="/login">{t!(i18n, nav.login)}</A></li>
                                    <li><A href="/register" attr:class="btn btn-small">{t!(i18n, nav.register)}</A></li>
                                }.into_any(),
                            }}
                        </Suspense>
                    </ul>
                </nav>
            </div>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <footer class="site-footer">
            <p>{t!(i18n, brand)}" · "{t!(i18n, tagline)}</p>
        </footer>
    }
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Loads `to` as a new page, so everything (session, language) is fresh from the server.
pub fn full_navigation(to: &str) {
    #[cfg(feature = "hydrate")]
    {
        if let Some(w) = web_sys::window() {
            let _ = w.location().assign(to);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = to;
}
