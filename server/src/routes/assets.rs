//! The compiled site assets under `/pkg` (wasm, JavaScript, CSS): served from disk with
//! validators, precompressed variants when the build made them, and revalidation on use
//! (file names are not content-hashed, so a deploy must not leave stale code cached).

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::startup::ServerState;

pub fn mount(router: Router<ServerState>, site_root: &str) -> Router<ServerState> {
    let dir = ServeDir::new(format!("{site_root}/pkg"))
        .precompressed_br()
        .precompressed_gzip();
    let service = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .service(dir);
    router.nest_service("/pkg", service)
}
