//! Account entry: register, verify email, log in (with the TOTP step), forgot and reset password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{
    CompleteMfa, ForgotPassword, Login, Register, ResendVerification, ResetPassword, VerifyEmail,
};
use crate::components::form::{action_errors, Field, FormAlert, Notice, Submit};
use crate::components::layout::{full_navigation, use_session};
use crate::i18n::*;

fn query(name: &'static str) -> Memo<Option<String>> {
    let q = use_query_map();
    Memo::new(move |_| q.read().get(name))
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<Register>::new();
    let (fields, other) = action_errors(action);
    let done = query("done");
    let finished = move || done.get().is_some() || matches!(action.value().get(), Some(Ok(())));
    view! {
        <Title text=move || t_string!(i18n, auth.register_title)/>
        <section class="card narrow">
            <Show
                when=finished
                fallback=move || view! {
                    <h1>{t!(i18n, auth.register_title)}</h1>
                    <p class="lead">{t!(i18n, auth.register_lead)}</p>
                    <FormAlert error=other/>
                    <ActionForm action=action>
                        <Field label=t_string!(i18n, auth.organisation) name="organisation" autocomplete="organization" required=true errors=fields/>
                        <Field label=t_string!(i18n, auth.your_name) name="name" autocomplete="name" required=true errors=fields/>
                        <Field label=t_string!(i18n, common.email) name="email" kind="email" autocomplete="email" required=true errors=fields/>
                        <Field label=t_string!(i18n, auth.mobile) name="mobile" kind="tel" autocomplete="tel" inputmode="tel" required=true errors=fields/>
                        <Field label=t_string!(i18n, auth.password) name="password" kind="password" autocomplete="new-password" hint=t_string!(i18n, auth.password_hint) required=true errors=fields/>
                        <Field label=t_string!(i18n, auth.password_confirm) name="password_confirm" kind="password" autocomplete="new-password" required=true errors=fields/>
                        <Submit label=t_string!(i18n, auth.register_button) pending=action.pending()/>
                    </ActionForm>
                    <p class="muted">{t!(i18n, auth.have_account)}" "<A href="/login">{t!(i18n, nav.login)}</A></p>
                }
            >
                <h1>{t!(i18n, auth.check_email_title)}</h1>
                <p>{t!(i18n, auth.check_email_text)}</p>
                <p><A href="/login">{t!(i18n, nav.login)}</A></p>
            </Show>
        </section>
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let i18n = use_i18n();
    let token = query("token");
    let done = query("done");
    let resent = query("resent");
    let verify = ServerAction::<VerifyEmail>::new();
    let resend = ServerAction::<ResendVerification>::new();
    let (_, verify_err) = action_errors(verify);
    let (_, resend_err) = action_errors(resend);
    let session = use_session();
    let verified = move || done.get().is_some() || matches!(verify.value().get(), Some(Ok(())));
    view! {
        <Title text=move || t_string!(i18n, auth.verify_title)/>
        <section class="card narrow">
            {move || if verified() {
                view! {
                    <h1>{t!(i18n, auth.verified_title)}</h1>
                    <p>{t!(i18n, auth.verified_text)}</p>
                    <p><a href="/login" rel="external" class="btn btn-primary">{t!(i18n, nav.login)}</a></p>
                }.into_any()
            } else if let Some(tok) = token.get() {
                view! {
                    <h1>{t!(i18n, auth.verify_title)}</h1>
                    <FormAlert error=verify_err/>
                    <ActionForm action=verify>
                        <input type="hidden" name="token" value=tok/>
                        <Submit label=t_string!(i18n, auth.verify_title) pending=verify.pending()/>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <h1>{t!(i18n, auth.verify_title)}</h1>
                    <Suspense>
                        {move || session.get().map(|s| match s {
                            Some(s) if !s.email_verified => view! {
                                <p>{t!(i18n, auth.verify_needed, email = s.email.clone())}</p>
                                <Show when=move || resent.get().is_some() || matches!(resend.value().get(), Some(Ok(())))>
                                    <Notice>{t!(i18n, auth.verify_resent)}</Notice>
                                </Show>
                                <FormAlert error=resend_err/>
                                <ActionForm action=resend>
                                    <Submit label=t_string!(i18n, auth.verify_resend) pending=resend.pending() class="btn"/>
                                </ActionForm>
                            }.into_any(),
                            _ => view! { <p><A href="/login">{t!(i18n, nav.login)}</A></p> }.into_any(),
                        })}
                    </Suspense>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<Login>::new();
    let (fields, other) = action_errors(action);
    let next = query("next");
    let logged_out = query("logged_out");
    let reset = query("reset");
    Effect::new(move |_| {
        if let Some(Ok(nav)) = action.value().get() {
            full_navigation(&nav.to);
        }
    });
    view! {
        <Title text=move || t_string!(i18n, auth.login_title)/>
        <section class="card narrow">
            <h1>{t!(i18n, auth.login_title)}</h1>
            <Show when=move || logged_out.get().is_some()><Notice>{t!(i18n, auth.logged_out)}</Notice></Show>
            <Show when=move || reset.get().is_some()><Notice>{t!(i18n, auth.reset_done)}</Notice></Show>
            <FormAlert error=other/>
            <ActionForm action=action>
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default()/>
                <Field label=t_string!(i18n, common.email) name="email" kind="email" autocomplete="username" required=true errors=fields/>
                <Field label=t_string!(i18n, auth.password) name="password" kind="password" autocomplete="current-password" required=true errors=fields/>
                <Submit label=t_string!(i18n, auth.login_button) pending=action.pending()/>
            </ActionForm>
            <p class="muted">
                <A href="/forgot-password">{t!(i18n, auth.forgot_link)}</A>
                " · "{t!(i18n, auth.no_account)}" "<A href="/register">{t!(i18n, nav.register)}</A>
            </p>
        </section>
    }
}

#[component]
pub fn MfaPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<CompleteMfa>::new();
    let (fields, other) = action_errors(action);
    let next = query("next");
    Effect::new(move |_| {
        if let Some(Ok(nav)) = action.value().get() {
            full_navigation(&nav.to);
        }
    });
    view! {
        <Title text=move || t_string!(i18n, auth.mfa_title)/>
        <section class="card narrow">
            <h1>{t!(i18n, auth.mfa_title)}</h1>
            <p>{t!(i18n, auth.mfa_text)}</p>
            <FormAlert error=other/>
            <ActionForm action=action>
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default()/>
                <Field label=t_string!(i18n, auth.mfa_code) name="code" autocomplete="one-time-code" inputmode="numeric" required=true errors=fields/>
                <Submit label=t_string!(i18n, auth.mfa_button) pending=action.pending()/>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<ForgotPassword>::new();
    let (fields, other) = action_errors(action);
    let sent = query("sent");
    view! {
        <Title text=move || t_string!(i18n, auth.forgot_title)/>
        <section class="card narrow">
            <h1>{t!(i18n, auth.forgot_title)}</h1>
            <Show
                when=move || sent.get().is_some() || matches!(action.value().get(), Some(Ok(())))
                fallback=move || view! {
                    <p>{t!(i18n, auth.forgot_text)}</p>
                    <FormAlert error=other/>
                    <ActionForm action=action>
                        <Field label=t_string!(i18n, common.email) name="email" kind="email" autocomplete="email" required=true errors=fields/>
                        <Submit label=t_string!(i18n, auth.forgot_button) pending=action.pending()/>
                    </ActionForm>
                }
            >
                <Notice>{t!(i18n, auth.forgot_sent)}</Notice>
            </Show>
        </section>
    }
}

/// `/reset-password` (emailed reset link) and `/set-password` (invitation) share this page.
#[component]
pub fn ResetPasswordPage(purpose: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let token = query("token");
    let action = ServerAction::<ResetPassword>::new();
    let (fields, other) = action_errors(action);
    let usable = Resource::new(
        move || token.get(),
        move |t| async move {
            match t {
                Some(t) => crate::api::auth::link_status(t, purpose.to_string())
                    .await
                    .unwrap_or(false),
                None => false,
            }
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            full_navigation("/login?reset=1");
        }
    });
    let title = move || {
        if purpose == "set_password" {
            t_string!(i18n, auth.set_title)
        } else {
            t_string!(i18n, auth.reset_title)
        }
    };
    view! {
        <Title text=title/>
        <section class="card narrow">
            <h1>{title}</h1>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || usable.get().map(|ok| if ok {
                    view! {
                        <FormAlert error=other/>
                        <ActionForm action=action>
                            <input type="hidden" name="token" value=move || token.get().unwrap_or_default()/>
                            <input type="hidden" name="purpose" value=purpose/>
                            <Field label=t_string!(i18n, account.new_password) name="password" kind="password" autocomplete="new-password" hint=t_string!(i18n, auth.password_hint) required=true errors=fields/>
                            <Field label=t_string!(i18n, account.new_password_confirm) name="password_confirm" kind="password" autocomplete="new-password" required=true errors=fields/>
                            <Submit label=t_string!(i18n, auth.reset_button) pending=action.pending()/>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! {
                        <div class="alert alert-error" role="alert">{t!(i18n, auth.link_invalid)}</div>
                        <p><A href="/forgot-password">{t!(i18n, auth.forgot_link)}</A></p>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}
