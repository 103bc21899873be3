//! Logging: pretty for people in dev, JSON lines for machines in production. `RUST_LOG`
//! overrides the default filter.

use app::backend::settings::LogFormat;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(
            "info,sqlx=warn,aws_smithy_runtime=warn,aws_config=warn,hyper=warn,tower_http=info",
        )
    });
    let registry = tracing_subscriber::registry().with(filter);
    // try_init: tests start several apps in one process.
    let _ = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
    };
}
