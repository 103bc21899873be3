//! An application section as a form, drawn from the domain's field schema. Checks each field
//! in the browser as it is left (the same rules the server applies), saves on request and,
//! with JavaScript, automatically shortly after typing stops. Works as a plain form without it.

use std::collections::HashMap;

use leptos::prelude::*;

use crate::api::portal::{SaveSection, SectionView};
use crate::components::labels::{field_label, option_label};
use crate::domain::application::{
    normalise, owner_key, FieldKind, FieldSpec, Section, OWNER_FIELDS,
};
use crate::domain::industry::INDUSTRIES;
use crate::domain::lang::Lang;
use crate::error::FieldErrors;
use crate::i18n::*;

/// Field ids as anchors for ledger links (`owner.x.name` → `f-owner-x-name`).
pub fn field_id(key: &str) -> String {
    format!("f-{}", key.replace('.', "-"))
}

#[derive(Clone)]
struct Ctx {
    values: HashMap<String, String>,
    errors: Signal<Option<FieldErrors>>,
    due: HashMap<String, String>,
    editable: Option<Vec<String>>,
    locale: Locale,
}

impl Ctx {
    fn may_edit(&self, key: &str) -> bool {
        self.editable
            .as_ref()
            .is_none_or(|keys| keys.iter().any(|k| k == key))
    }

    /// The value to show: what was just submitted (after a refusal), else what is stored.
    fn value(&self, key: &str) -> String {
        self.errors
            .get_untracked()
            .and_then(|e| {
                e.value(&format!("data[{key}]"))
                    .or(e.value(key))
                    .map(str::to_string)
            })
            .or_else(|| self.values.get(key).cloned())
            .unwrap_or_default()
    }
}

#[component]
pub fn SectionForm(view: SectionView) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    // One action per section shown, so a result never leaks from one section to the next.
    let action = ServerAction::<SaveSection>::new();
    let (_, form_error) = crate::components::form::action_errors(action);
    let errors = crate::components::form::field_errors(move || action.value().get());
    let read_only = view.editable.as_ref().is_some_and(|k| k.is_empty());
    let ctx = Ctx {
        values: view.values.clone(),
        errors,
        due: view.due.iter().cloned().collect(),
        editable: view.editable.clone(),
        locale,
    };
    let (version, set_version) = signal(view.version);
    let (saved_note, set_saved_note) = signal(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(r)) = action.value().get() {
            set_version.set(r.version);
            set_saved_note.set(Some(td_string!(
                locale,
                portal.saved_at,
                when = crate::components::time::format_cst(r.saved_at)
            )));
        }
    });
    let form_ref = NodeRef::<leptos::html::Form>::new();
    // Autosave: 1.5 s after the last keystroke, save what the form holds (JavaScript only).
    #[cfg(feature = "hydrate")]
    let on_input = {
        let pending = StoredValue::new_local(None::<leptos::prelude::TimeoutHandle>);
        on_cleanup(move || {
            if let Some(h) = pending.try_get_value().flatten() {
                h.clear();
            }
        });
        move |_| {
            if read_only {
                return;
            }
            set_saved_note.set(Some(td_string!(locale, portal.saving).to_string()));
            if let Some(h) = pending.get_value() {
                h.clear();
            }
            let handle = set_timeout_with_handle(
                move || {
                    use leptos::form::FromFormData;
                    let Some(form) = form_ref.try_get_untracked().flatten() else {
                        return;
                    };
                    if let Ok(fd) = web_sys::FormData::new_with_form(&form) {
                        if let Ok(input) = SaveSection::from_form_data(&fd) {
                            action.dispatch(input);
                        }
                    }
                },
                std::time::Duration::from_millis(1500),
            )
            .ok();
            pending.set_value(handle);
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let on_input = move |_: leptos::ev::Event| {
        let _ = (read_only, form_ref, set_saved_note);
    };
    let section = view.section;
    let owner_ids = view.owner_ids.clone();
    let new_owner_id = view.new_owner_id.clone();
    let fields: Vec<FieldSpec> = section.fields().to_vec();
    let ctx_fields = ctx.clone();
    view! {
        <crate::components::form::FormAlert error=form_error/>
        <ActionForm action=action node_ref=form_ref attr:class="section-form" on:input=on_input>
            <input type="hidden" name="section" value=section.slug()/>
            <input type="hidden" name="version" prop:value=move || version.get().to_string() value=view.version.to_string()/>
            {fields.into_iter().map(|spec| view! { <FieldInput spec=spec key=spec.key.to_string() ctx=ctx_fields.clone()/> }).collect_view()}
            {(section == Section::Owners).then(|| view! { <Owners ids=owner_ids.clone() new_id=new_owner_id.clone() ctx=ctx.clone()/> })}
            {(!read_only).then(|| view! {
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>{t!(i18n, common.save)}</button>
                    <span class="muted small" aria-live="polite" data-testid="save-status">{move || saved_note.get().unwrap_or_else(|| td_string!(locale, portal.autosave).to_string())}</span>
                </div>
            })}
        </ActionForm>
    }
}

#[component]
fn Owners(ids: Vec<String>, new_id: String, ctx: Ctx) -> impl IntoView {
    let l = ctx.locale;
    let mut rows: Vec<(String, bool)> = ids.into_iter().map(|id| (id, false)).collect();
    if ctx.editable.is_none() {
        rows.push((new_id, true));
    }
    let empty = rows.is_empty();
    view! {
        {empty.then(|| view! { <p class="muted">{td_string!(l, portal.no_owners)}</p> })}
        {rows.into_iter().enumerate().map(|(i, (id, is_new))| {
            let legend = if is_new { td_string!(l, portal.add_owner).to_string() } else { td_string!(l, portal.owner_n, n = i + 1) };
            let ctx = ctx.clone();
            view! {
                <fieldset class="owner" id=field_id(&format!("owner.{id}"))>
                    <legend>{legend}</legend>
                    {OWNER_FIELDS.iter().map(|spec| {
                        let key = owner_key(&id, spec.key);
                        view! { <FieldInput spec=*spec key=key ctx=ctx.clone()/> }
                    }).collect_view()}
                    {(!is_new && ctx.editable.is_none()).then(|| view! {
                        <label class="check"><input type="checkbox" name=format!("data[{}]", owner_key(&id, "remove")) value="yes"/>" "{field_label(l, "owner_remove")}</label>
                    })}
                </fieldset>
            }
        }).collect_view()}
    }
}

#[component]
fn FieldInput(spec: FieldSpec, key: String, ctx: Ctx) -> impl IntoView {
    let l = ctx.locale;
    let label = field_label(l, &key);
    let id = field_id(&key);
    let name = format!("data[{key}]");
    let current = ctx.value(&key);
    let editable = ctx.may_edit(&key);
    let due = ctx.due.get(&key).cloned();
    let server_error = {
        let key = key.clone();
        let errors = ctx.errors;
        move || {
            errors.get().and_then(|e| {
                e.get(&key)
                    .or(e.get(&format!("data[{key}]")))
                    .map(str::to_string)
            })
        }
    };
    // Instant feedback with the same rules as the server (JavaScript only).
    let (client_error, set_client_error) = signal(None::<String>);
    let type_field = match spec.kind {
        FieldKind::IdNumber { type_field } => Some(if key.starts_with("owner.") {
            format!(
                "{}.{}",
                key.rsplit_once('.').map(|(p, _)| p).unwrap_or(""),
                type_field
            )
        } else {
            type_field.to_string()
        }),
        _ => None,
    };
    let check = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        #[cfg(feature = "hydrate")]
        let id_type = type_field.as_ref().and_then(|tf| {
            leptos::prelude::document()
                .get_element_by_id(&field_id(tf))
                .and_then(|el| {
                    wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlSelectElement>(el).ok()
                })
                .map(|s| s.value())
        });
        #[cfg(not(feature = "hydrate"))]
        let id_type: Option<String> = type_field.clone();
        let today = crate::components::time::cst(chrono::Utc::now()).date_naive();
        set_client_error.set(
            normalise(spec.kind, &value, id_type.as_deref(), today)
                .err()
                .map(|p| p.message(Lang::from_locale(l))),
        );
    };
    let error = Signal::derive(move || {
        client_error
            .get()
            .or_else(server_error.clone())
            .or(due.clone())
    });
    let err_id = format!("{id}-err");

    if !editable {
        // Locked (submitted, or not asked for): shown, and carried along unchanged.
        let shown = display_value(l, spec.kind, &current);
        return view! {
            <div class="field locked" id=id.clone()>
                <span class="label">{label}</span>
                <p class="value">{if shown.is_empty() { "—".to_string() } else { shown }}</p>
                <input type="hidden" name=name value=current/>
            </div>
        }
        .into_any();
    }

    let control = match spec.kind {
        FieldKind::LongText { max } => view! {
            <textarea id=id.clone() name=name rows="4" maxlength=max.to_string() aria-describedby=err_id.clone() on:change=check prop:value=current.clone()>{current.clone()}</textarea>
        }
        .into_any(),
        FieldKind::Choice(options) => view! {
            <select id=id.clone() name=name aria-describedby=err_id.clone() on:change=check prop:value=current.clone()>
                <option value="">{td_string!(l, options.choose)}</option>
                {options.iter().map(|o| view! { <option value=*o selected=current == *o>{option_label(l, o)}</option> }).collect_view()}
            </select>
        }
        .into_any(),
        FieldKind::Industry => view! {
            <select id=id.clone() name=name aria-describedby=err_id.clone() on:change=check prop:value=current.clone()>
                <option value="">{td_string!(l, options.choose)}</option>
                {INDUSTRIES.iter().map(|i| view! { <option value=i.code selected=current == i.code>{option_label(l, i.code)}</option> }).collect_view()}
            </select>
        }
        .into_any(),
        FieldKind::Multi(options) => {
            let chosen: Vec<String> = current.split(',').map(str::to_string).collect();
            view! {
                <div class="choices" id=id.clone()>
                    {options.iter().map(|o| view! {
                        <label class="check"><input type="checkbox" name=format!("data[{key}.{o}]") value="yes" checked=chosen.iter().any(|c| c == o) prop:checked=chosen.iter().any(|c| c == o)/>" "{option_label(l, o)}</label>
                    }).collect_view()}
                </div>
            }
            .into_any()
        }
        FieldKind::Flag => view! {
            <label class="check"><input type="checkbox" id=id.clone() name=name value="yes" checked=current == "yes" prop:checked=current == "yes"/>" "{label}</label>
        }
        .into_any(),
        FieldKind::YesNo => view! {
            <div class="choices" id=id.clone()>
                <label class="check"><input type="radio" name=name.clone() value="yes" checked=current == "yes" prop:checked=current == "yes"/>" "{td_string!(l, options.yes)}</label>
                <label class="check"><input type="radio" name=name value="no" checked=current == "no" prop:checked=current == "no"/>" "{td_string!(l, options.no)}</label>
            </div>
        }
        .into_any(),
        kind => {
            let (input_type, mode, auto) = match kind {
                FieldKind::Date => ("date", None, None),
                FieldKind::Email => ("email", None, Some("email")),
                FieldKind::Mobile | FieldKind::Phone => ("tel", Some("tel"), Some("tel")),
                FieldKind::Url => ("url", None, Some("url")),
                FieldKind::Yuan | FieldKind::Share => ("text", Some("decimal"), None),
                FieldKind::Cnaps | FieldKind::Account => ("text", Some("numeric"), None),
                _ => ("text", None, None),
            };
            view! {
                <input id=id.clone() name=name type=input_type inputmode=mode autocomplete=auto value=current.clone() prop:value=current aria-describedby=err_id.clone() on:change=check/>
            }
            .into_any()
        }
    };
    let is_flag = matches!(spec.kind, FieldKind::Flag);
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            {(!is_flag).then(|| view! { <label for=id.clone()>{label}</label> })}
            {control}
            <p class="error" id=err_id role="alert">{move || error.get()}</p>
        </div>
    }
    .into_any()
}

/// A stored value as a person reads it (choices by their label).
pub fn display_value(l: Locale, kind: FieldKind, value: &str) -> String {
    match kind {
        FieldKind::Choice(_) | FieldKind::Industry | FieldKind::YesNo => {
            option_label(l, value).to_string()
        }
        FieldKind::Multi(_) => value
            .split(',')
            .map(|v| option_label(l, v))
            .collect::<Vec<_>>()
            .join("、"),
        FieldKind::Flag => if value == "yes" {
            td_string!(l, options.yes)
        } else {
            ""
        }
        .to_string(),
        FieldKind::Yuan if !value.is_empty() => format!("¥{value}"),
        FieldKind::Share if !value.is_empty() => format!("{value}%"),
        _ => value.to_string(),
    }
}
