//! File upload for one document slot: drag and drop or pick, a progress bar per file (XHR,
//! since fetch reports no upload progress). Without JavaScript it is a plain multipart form.

use leptos::prelude::*;

use crate::domain::documents::DocKind;
use crate::i18n::*;

/// Upload progress per slot, kept by the page so it survives the slot being redrawn when the
/// document list reloads.
#[derive(Clone, Copy)]
pub struct UploadStore(pub RwSignal<std::collections::HashMap<String, Vec<Progress>>>);

impl UploadStore {
    pub fn new() -> Self {
        Self(RwSignal::new(Default::default()))
    }
}

impl Default for UploadStore {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub name: String,
    /// 0–100.
    pub percent: u32,
    pub done: bool,
    pub error: Option<String>,
}

#[component]
pub fn Uploader(
    kind: DocKind,
    subject: Option<String>,
    multiple: bool,
    limit_mb: String,
    /// Called after each finished upload, so the list can reload.
    on_done: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let (dragging, set_dragging) = signal(false);
    let input_id = format!(
        "file-{}-{}",
        kind.slug(),
        subject.clone().unwrap_or_default()
    );
    let store = use_context::<UploadStore>().unwrap_or_default().0;
    let files = {
        let key = input_id.clone();
        Signal::derive(move || store.with(|m| m.get(&key).cloned().unwrap_or_default()))
    };
    let set_files = SlotWriter {
        store,
        key: input_id.clone(),
    };
    let subject_value = subject.clone().unwrap_or_default();

    #[cfg(feature = "hydrate")]
    let start = {
        let subject = subject.clone();
        move |list: web_sys::FileList| {
            for i in 0..list.length() {
                if let Some(file) = list.get(i) {
                    let index = files.with_untracked(|f| f.len());
                    set_files.update(|f| {
                        f.push(Progress {
                            name: file.name(),
                            percent: 0,
                            done: false,
                            error: None,
                        })
                    });
                    send(
                        kind,
                        subject.clone(),
                        file,
                        index,
                        set_files.clone(),
                        on_done,
                        td_string!(l, errors.network),
                    );
                }
            }
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let start = {
        let _ = (on_done, set_files);
        |_: ()| {}
    };

    let on_change = {
        #[allow(clippy::redundant_clone, clippy::clone_on_copy)]
        let start = start.clone();
        move |ev: leptos::ev::Event| {
            #[cfg(feature = "hydrate")]
            {
                use wasm_bindgen::JsCast;
                if let Some(input) = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                {
                    if let Some(list) = input.files() {
                        start(list);
                    }
                    input.set_value("");
                }
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (&ev, &start);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        set_dragging.set(false);
        #[cfg(feature = "hydrate")]
        if let Some(list) = ev.data_transfer().and_then(|d| d.files()) {
            start(list);
        }
    };
    view! {
        <form
            class="uploader"
            class:dragging=move || dragging.get()
            method="post"
            action="/portal/documents/upload"
            enctype="multipart/form-data"
            on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); set_dragging.set(true); }
            on:dragleave=move |_| set_dragging.set(false)
            on:drop=on_drop
        >
            <input type="hidden" name="kind" value=kind.slug()/>
            <input type="hidden" name="subject" value=subject_value/>
            <label class="drop" for=input_id.clone()>{td_string!(l, portal.drop_here, mb = limit_mb)}</label>
            <input id=input_id type="file" name="file" accept="image/jpeg,image/png,application/pdf" multiple=multiple on:change=on_change/>
            <noscript><button type="submit" class="btn btn-small">{t!(i18n, portal.upload)}</button></noscript>
            <ul class="progress-list">
                {move || files.get().into_iter().map(|p| view! {
                    <li class:error=p.error.is_some()>
                        <span class="name">{p.name.clone()}</span>
                        <progress max="100" value=p.percent.to_string() aria-label=p.name.clone()></progress>
                        <span class="small">{match (&p.error, p.done) {
                            (Some(e), _) => e.clone(),
                            (None, true) => td_string!(l, portal.uploaded).to_string(),
                            (None, false) => format!("{}%", p.percent),
                        }}</span>
                    </li>
                }).collect_view()}
            </ul>
        </form>
    }
}

#[cfg(feature = "hydrate")]
fn send(
    kind: DocKind,
    subject: Option<String>,
    file: web_sys::File,
    index: usize,
    slot: SlotWriter,
    on_done: Callback<()>,
    network: &'static str,
) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let fail = |slot: &SlotWriter, msg: String| slot.update(|f| f[index].error = Some(msg));
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        return fail(&slot, "XMLHttpRequest".into());
    };
    let Ok(fd) = web_sys::FormData::new() else {
        return fail(&slot, "FormData".into());
    };
    let _ = fd.append_with_str("kind", kind.slug());
    let _ = fd.append_with_str("subject", subject.as_deref().unwrap_or(""));
    let _ = fd.append_with_blob_and_filename("file", &file, &file.name());
    if xhr.open("POST", "/portal/documents/upload").is_err() {
        return fail(&slot, "open".into());
    }
    let _ = xhr.set_request_header("Accept", "application/json");
    if let Ok(upload) = xhr.upload() {
        let s = slot.clone();
        let progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    let pct = ((e.loaded() / e.total()) * 100.0).floor() as u32;
                    s.update(|f| f[index].percent = pct.min(99));
                }
            });
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        progress.forget();
    }
    let done_xhr = xhr.clone();
    let s = slot.clone();
    let loaded = Closure::<dyn FnMut()>::new(move || {
        let status = done_xhr.status().unwrap_or(0);
        let body = done_xhr.response_text().ok().flatten().unwrap_or_default();
        if (200..300).contains(&status) {
            s.update(|f| {
                f[index].percent = 100;
                f[index].done = true;
            });
            on_done.run(());
        } else {
            let msg = serde_json::from_str::<crate::error::AppError>(&body)
                .map(|e| e.to_string())
                .unwrap_or_else(|_| format!("HTTP {status}"));
            s.update(|f| f[index].error = Some(msg));
        }
    });
    xhr.set_onload(Some(loaded.as_ref().unchecked_ref()));
    loaded.forget();
    let s = slot.clone();
    let failed = Closure::<dyn FnMut()>::new(move || {
        s.update(|f| f[index].error = Some(network.to_string()))
    });
    xhr.set_onerror(Some(failed.as_ref().unchecked_ref()));
    failed.forget();
    if xhr.send_with_opt_form_data(Some(&fd)).is_err() {
        fail(&slot, "send".into());
    }
}

/// Writes one slot's progress list in the page's store.
#[derive(Clone)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct SlotWriter {
    store: RwSignal<std::collections::HashMap<String, Vec<Progress>>>,
    key: String,
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
impl SlotWriter {
    fn update(&self, f: impl FnOnce(&mut Vec<Progress>)) {
        self.store
            .update(|m| f(m.entry(self.key.clone()).or_default()));
    }
}
