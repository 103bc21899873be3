//! `/account` (profile, password, sessions, two-step verification, colleagues) and
//! `/account/mfa` (TOTP enrolment).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::account::{
    account_overview, mfa_begin, take_recovery_codes, ChangePassword, InviteColleague,
    LogoutEverywhere, MfaConfirm,
};
use crate::components::form::{action_errors, ErrorPanel, Field, FormAlert, Notice, Submit};
use crate::components::layout::full_navigation;
use crate::components::time::When;
use crate::i18n::*;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let q = use_query_map();
    let change = ServerAction::<ChangePassword>::new();
    let everywhere = ServerAction::<LogoutEverywhere>::new();
    let invite = ServerAction::<InviteColleague>::new();
    let (pw_fields, pw_other) = action_errors(change);
    let (inv_fields, inv_other) = action_errors(invite);
    let (_, ev_other) = action_errors(everywhere);
    let overview = Resource::new(
        move || (change.version().get(), invite.version().get()),
        |_| account_overview(),
    );
    Effect::new(move |_| {
        if let Some(Ok(())) = everywhere.value().get() {
            full_navigation("/login?logged_out=1");
        }
    });
    let password_changed = move || {
        q.read().get("password_changed").is_some() || matches!(change.value().get(), Some(Ok(())))
    };
    let invited =
        move || q.read().get("invited").is_some() || matches!(invite.value().get(), Some(Ok(())));
    view! {
        <Title text=move || t_string!(i18n, account.title)/>
        <h1>{t!(i18n, account.title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || overview.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(a) => {
                    let colleagues = a.colleagues.clone();
                    view! {
                        <div class="grid-2">
                            <section class="card">
                                <h2>{t!(i18n, account.profile)}</h2>
                                <dl class="kv">
                                    <dt>{t!(i18n, common.name)}</dt><dd>{a.name.clone()}</dd>
                                    <dt>{t!(i18n, common.email)}</dt><dd>{a.email.clone()}</dd>
                                    {a.organisation_name.clone().map(|o| view! { <dt>{t!(i18n, account.organisation)}</dt><dd>{o}</dd> })}
                                </dl>
                            </section>
                            <section class="card">
                                <h2>{t!(i18n, account.mfa)}</h2>
                                {if a.totp_enabled {
                                    view! {
                                        <p>{t!(i18n, account.mfa_on)}</p>
                                        <p class="muted">{t!(i18n, account.mfa_recovery_left, n = a.recovery_codes_left)}</p>
                                    }.into_any()
                                } else {
                                    view! {
                                        <p>{t!(i18n, account.mfa_off)}</p>
                                        <p><A href="/account/mfa" attr:class="btn">{t!(i18n, account.mfa_setup)}</A></p>
                                    }.into_any()
                                }}
                            </section>
                        </div>
                        <section class="card">
                            <h2>{t!(i18n, account.sessions)}</h2>
                            <div class="table-wrap">
                                <table>
                                    <thead><tr>
                                        <th>{t!(i18n, account.session_started)}</th>
                                        <th>{t!(i18n, account.session_last_seen)}</th>
                                        <th>{t!(i18n, account.session_from)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {a.sessions.into_iter().map(|s| view! {
                                            <tr>
                                                <td><When at=s.created_at/>{s.current.then(|| view! { " " <span class="badge">{t!(i18n, account.session_current)}</span> })}</td>
                                                <td><When at=s.last_seen_at/></td>
                                                <td>{s.ip.unwrap_or_default()}" "<span class="muted small">{s.user_agent.unwrap_or_default()}</span></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <FormAlert error=ev_other/>
                            <ActionForm action=everywhere>
                                <p class="muted">{t!(i18n, account.logout_everywhere_hint)}</p>
                                <Submit label=t_string!(i18n, account.logout_everywhere) pending=everywhere.pending() class="btn btn-danger"/>
                            </ActionForm>
                        </section>
                        {colleagues.map(|people| view! {
                            <section class="card">
                                <h2>{t!(i18n, account.colleagues)}</h2>
                                <ul class="plain">
                                    {people.into_iter().map(|p| view! {
                                        <li>{p.name}" <"{p.email}">"{p.pending.then(|| view! { " " <span class="badge">{t!(i18n, admin.invited_pending)}</span> })}</li>
                                    }).collect_view()}
                                </ul>
                                <h3>{t!(i18n, account.invite_colleague)}</h3>
                                <Show when=invited><Notice>{t!(i18n, account.invited)}</Notice></Show>
                                <FormAlert error=inv_other/>
                                <ActionForm action=invite>
                                    <Field label=t_string!(i18n, common.name) name="name" required=true errors=inv_fields/>
                                    <Field label=t_string!(i18n, common.email) name="email" kind="email" required=true errors=inv_fields/>
                                    <Submit label=t_string!(i18n, admin.invite_button) pending=invite.pending() class="btn"/>
                                </ActionForm>
                            </section>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
        <section class="card">
            <h2>{t!(i18n, account.change_password)}</h2>
            <Show when=password_changed><Notice>{t!(i18n, account.password_changed)}</Notice></Show>
            <FormAlert error=pw_other/>
            <ActionForm action=change>
                <Field label=t_string!(i18n, account.current_password) name="current_password" kind="password" autocomplete="current-password" required=true errors=pw_fields/>
                <Field label=t_string!(i18n, account.new_password) name="new_password" kind="password" autocomplete="new-password" hint=t_string!(i18n, auth.password_hint) required=true errors=pw_fields/>
                <Field label=t_string!(i18n, account.new_password_confirm) name="new_password_confirm" kind="password" autocomplete="new-password" required=true errors=pw_fields/>
                <Submit label=t_string!(i18n, common.save) pending=change.pending()/>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn MfaSetupPage() -> impl IntoView {
    let i18n = use_i18n();
    let q = use_query_map();
    let done = Memo::new(move |_| q.read().get("done").is_some());
    let confirm = ServerAction::<MfaConfirm>::new();
    let (fields, other) = action_errors(confirm);
    Effect::new(move |_| {
        if let Some(Ok(nav)) = confirm.value().get() {
            full_navigation(&nav.to);
        }
    });
    // Each visit starts enrolment afresh (a new secret); nothing changes until confirmed.
    let enrolment = Resource::new(
        move || done.get(),
        |done| async move {
            if done {
                None
            } else {
                Some(mfa_begin().await)
            }
        },
    );
    let codes = Resource::new(
        move || done.get(),
        |done| async move {
            if done {
                Some(take_recovery_codes().await)
            } else {
                None
            }
        },
    );
    view! {
        <Title text=move || t_string!(i18n, account.mfa_setup)/>
        <section class="card narrow">
            <h1>{t!(i18n, account.mfa_setup)}</h1>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
                {move || codes.get().flatten().map(|r| match r {
                    Ok(Some(list)) => view! {
                        <h2>{t!(i18n, account.mfa_codes_title)}</h2>
                        <p>{t!(i18n, account.mfa_codes_text)}</p>
                        <ul class="codes" data-testid="recovery-codes">{list.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
                        <p><a href="/account" rel="external" class="btn btn-primary">{t!(i18n, nav.account)}</a></p>
                    }.into_any(),
                    Ok(None) => view! { <p>{t!(i18n, account.mfa_on)}</p><p><A href="/account">{t!(i18n, nav.account)}</A></p> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                })}
                {move || enrolment.get().flatten().map(|r| match r {
                    Ok(e) => view! {
                        <p>{t!(i18n, account.mfa_scan)}</p>
                        <div class="qr" inner_html=e.qr_svg></div>
                        <p>{t!(i18n, account.mfa_key)}": "<code data-testid="totp-secret">{e.secret}</code></p>
                        <FormAlert error=other/>
                        <ActionForm action=confirm>
                            <Field label=t_string!(i18n, auth.mfa_code) name="code" autocomplete="one-time-code" inputmode="numeric" required=true errors=fields/>
                            <Submit label=t_string!(i18n, account.mfa_confirm) pending=confirm.pending()/>
                        </ActionForm>
                    }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
