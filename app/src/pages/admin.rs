//! `/admin/users` (staff accounts) and `/admin/mailbox` (the dev mailbox and the outbox).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::admin::{
    list_staff, mailbox, ChangeRole, InviteStaff, SendTestMail, SetDisabled, StaffView,
};
use crate::components::form::{action_errors, ErrorPanel, Field, FormAlert, Notice, Submit};
use crate::components::layout::role_label;
use crate::components::time::When;
use crate::domain::roles::Role;
use crate::i18n::*;

#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let q = use_query_map();
    let invite = ServerAction::<InviteStaff>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let set_disabled = ServerAction::<SetDisabled>::new();
    let (inv_fields, inv_other) = action_errors(invite);
    let (_, role_err) = action_errors(change_role);
    let (_, dis_err) = action_errors(set_disabled);
    let users = Resource::new(
        move || {
            (
                invite.version().get(),
                change_role.version().get(),
                set_disabled.version().get(),
            )
        },
        |_| list_staff(),
    );
    let invited =
        move || q.read().get("invited").is_some() || matches!(invite.value().get(), Some(Ok(())));
    view! {
        <Title text=move || t_string!(i18n, admin.users_title)/>
        <h1>{t!(i18n, admin.users_title)}</h1>
        <FormAlert error=role_err/>
        <FormAlert error=dis_err/>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || users.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(list) => view! {
                    <div class="table-wrap">
                        <table class="data">
                            <thead><tr>
                                <th>{t!(i18n, common.name)}</th>
                                <th>{t!(i18n, common.email)}</th>
                                <th>{t!(i18n, common.role)}</th>
                                <th>{t!(i18n, common.status)}</th>
                                <th>{t!(i18n, admin.mfa)}</th>
                                <th>{t!(i18n, common.actions)}</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|u| view! { <StaffRow user=u change_role set_disabled/> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            })}
        </Suspense>
        <section class="card">
            <h2>{t!(i18n, admin.invite_title)}</h2>
            <Show when=invited><Notice>{t!(i18n, account.invited)}</Notice></Show>
            <FormAlert error=inv_other/>
            <ActionForm action=invite>
                <Field label=t_string!(i18n, common.name) name="name" required=true errors=inv_fields/>
                <Field label=t_string!(i18n, common.email) name="email" kind="email" required=true errors=inv_fields/>
                <div class="field">
                    <label for="f-role">{t!(i18n, common.role)}</label>
                    <RoleSelect id="f-role" selected=Role::Reviewer/>
                    <p class="error" role="alert">{move || inv_fields.get().and_then(|f| f.get("role").map(str::to_string))}</p>
                </div>
                <Submit label=t_string!(i18n, admin.invite_button) pending=invite.pending()/>
            </ActionForm>
        </section>
    }
}

#[component]
fn RoleSelect(id: &'static str, selected: Role) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <select id=id name="role">
            {Role::STAFF.into_iter().map(|r| view! {
                <option value=r.as_str() selected=r == selected>{role_label(r, i18n)}</option>
            }).collect_view()}
        </select>
    }
}

#[component]
fn StaffRow(
    user: StaffView,
    change_role: ServerAction<ChangeRole>,
    set_disabled: ServerAction<SetDisabled>,
) -> impl IntoView {
    let i18n = use_i18n();
    let status = if user.disabled {
        t_string!(i18n, admin.disabled)
    } else if user.pending {
        t_string!(i18n, admin.invited_pending)
    } else {
        t_string!(i18n, admin.active)
    };
    let id = user.id.to_string();
    let id2 = id.clone();
    view! {
        <tr class:muted=user.disabled>
            <td>{user.name.clone()}</td>
            <td>{user.email.clone()}</td>
            <td>{role_label(user.role, i18n)}</td>
            <td><span class="badge">{status}</span></td>
            <td>{if user.mfa { t_string!(i18n, common.yes) } else { t_string!(i18n, common.no) }}</td>
            <td>
                {(!user.is_me).then(|| view! {
                    <ActionForm action=change_role attr:class="inline-form">
                        <input type="hidden" name="user_id" value=id.clone()/>
                        <RoleSelect id="role-select" selected=user.role/>
                        <button type="submit" class="btn btn-small">{t!(i18n, admin.change_role)}</button>
                    </ActionForm>
                    <ActionForm action=set_disabled attr:class="inline-form">
                        <input type="hidden" name="user_id" value=id2.clone()/>
                        <input type="hidden" name="disabled" value=(!user.disabled).to_string()/>
                        <button type="submit" class=if user.disabled { "btn btn-small" } else { "btn btn-small btn-danger" }>
                            {if user.disabled { t_string!(i18n, admin.enable) } else { t_string!(i18n, admin.disable) }}
                        </button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    let i18n = use_i18n();
    let q = use_query_map();
    let recipient = Memo::new(move |_| q.read().get("to"));
    let test = ServerAction::<SendTestMail>::new();
    let (test_fields, test_other) = action_errors(test);
    let data = Resource::new(
        move || (recipient.get(), test.version().get()),
        |(r, _)| mailbox(r),
    );
    let sent = move || q.read().get("sent").is_some() || matches!(test.value().get(), Some(Ok(())));
    view! {
        <Title text=move || t_string!(i18n, admin.mailbox_title)/>
        <h1>{t!(i18n, admin.mailbox_title)}</h1>
        <p class="muted">{t!(i18n, admin.mailbox_text)}</p>
        <form method="get" action="/admin/mailbox" class="inline-form">
            <label for="to">{t!(i18n, admin.mailbox_filter)}</label>
            <input id="to" name="to" type="search" value=move || recipient.get().unwrap_or_default()/>
            <button type="submit" class="btn btn-small">{t!(i18n, common.show)}</button>
        </form>
        <Suspense fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(m) => view! {
                    <p class="muted">{t!(i18n, admin.smtp_mode, mode = m.transport.clone())}</p>
                    {if m.messages.is_empty() {
                        view! { <p>{t!(i18n, admin.mailbox_empty)}</p> }.into_any()
                    } else {
                        view! {
                            <div class="mail-list">
                                {m.messages.into_iter().map(|msg| view! {
                                    <details class="mail">
                                        <summary>
                                            <span class="mail-subject">{msg.subject}</span>
                                            <span class="muted">" → "{msg.recipient}" · "<When at=msg.at/></span>
                                        </summary>
                                        <pre class="mail-body">{msg.body}</pre>
                                    </details>
                                }).collect_view()}
                            </div>
                        }.into_any()
                    }}
                    <h2>{t!(i18n, admin.outbox_title)}</h2>
                    <div class="table-wrap">
                        <table class="data">
                            <thead><tr>
                                <th>{t!(i18n, admin.mailbox_to)}</th>
                                <th>{t!(i18n, admin.mailbox_subject)}</th>
                                <th>{t!(i18n, common.status)}</th>
                                <th>{t!(i18n, common.created)}</th>
                            </tr></thead>
                            <tbody>
                                {m.outbox.into_iter().map(|o| view! {
                                    <tr>
                                        <td>{o.recipient}</td>
                                        <td>{o.subject}</td>
                                        <td><span class="badge">{o.status}</span>" "{o.attempts}{o.last_error.map(|e| view! { <br/><span class="muted small">{e}</span> })}</td>
                                        <td><When at=o.created_at/></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            })}
        </Suspense>
        <section class="card">
            <h2>{t!(i18n, admin.send_test)}</h2>
            <Show when=sent><Notice>{t!(i18n, common.saved)}</Notice></Show>
            <FormAlert error=test_other/>
            <ActionForm action=test>
                <Field label=t_string!(i18n, common.email) name="email" kind="email" required=true errors=test_fields/>
                <Submit label=t_string!(i18n, admin.send_test) pending=test.pending() class="btn"/>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    use crate::api::audit::{audit_log, AuditQuery, AuditVerify};
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let q = use_query_map();
    let query = Memo::new(move |_| {
        let q = q.read();
        AuditQuery {
            actor: q.get("actor"),
            action: q.get("action"),
            object_type: q.get("object_type"),
            object_id: q.get("object_id"),
            from: q.get("from"),
            to: q.get("to"),
            before: q.get("before").and_then(|b| b.parse().ok()),
        }
    });
    let data = Resource::new(move || query.get(), audit_log);
    let verify = ServerAction::<AuditVerify>::new();
    let input = move |name: &'static str, label: &'static str, kind: &'static str| {
        view! { <label>{label}<input type=kind name=name value=move || q.read().get(name).unwrap_or_default()/></label> }
    };
    view! {
        <Title text=move || td_string!(l, nav.audit)/>
        <h1>{td_string!(l, nav.audit)}</h1>
        <form method="get" action="/admin/audit" class="filters">
            {input("actor", td_string!(l, audit.actor), "search")}
            {input("action", td_string!(l, audit.action), "search")}
            {input("object_type", td_string!(l, audit.object_type), "search")}
            {input("object_id", td_string!(l, audit.object_id), "search")}
            {input("from", td_string!(l, audit.from), "date")}
            {input("to", td_string!(l, audit.to), "date")}
            <button type="submit" class="btn btn-small">{td_string!(l, review.filter)}</button>
            <a class="btn btn-small" href=move || format!("/admin/audit.csv?{}", query.get().to_query_string())>{td_string!(l, audit.export)}</a>
        </form>
        <ActionForm action=verify attr:class="inline-form">
            <button type="submit" class="btn btn-small">{td_string!(l, audit.verify)}</button>
            <span data-testid="verify-result">{move || verify.value().get().map(|r| match r { Ok(s) => s, Err(e) => e.to_string() })}</span>
        </ActionForm>
        <Suspense fallback=move || view! { <p>{td_string!(l, common.loading)}</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                Ok(page) => {
                    let next = page.next_before.map(|b| format!("/admin/audit?{}&before={b}", query.get_untracked().to_query_string()));
                    view! {
                        <div class="table-wrap">
                            <table class="data audit">
                                <thead><tr>
                                    <th>"#"</th><th>{td_string!(l, audit.when)}</th><th>{td_string!(l, audit.actor)}</th><th>{td_string!(l, audit.action)}</th>
                                    <th>{td_string!(l, audit.object_type)}</th><th>{td_string!(l, audit.details)}</th>
                                </tr></thead>
                                <tbody>
                                    {page.entries.into_iter().map(|e| view! {
                                        <tr>
                                            <td>{e.seq}</td><td><When at=e.at/></td><td>{e.actor}<br/><span class="muted small">{e.ip.unwrap_or_default()}</span></td>
                                            <td><code>{e.action}</code></td><td>{e.object_type}<br/><span class="muted small">{e.object_id}</span></td>
                                            <td><code class="small">{e.details}</code></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {next.map(|n| view! { <p><a href=n class="btn">{td_string!(l, review.next_page)}</a></p> })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
