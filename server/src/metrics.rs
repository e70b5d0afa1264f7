//! Operator metrics in the Prometheus text format: requests by route and status, verdicts by
//! channel, and request latency.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

/// The service's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    verdicts: IntCounterVec,
    latency: HistogramVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// New, all at zero.
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "gradreg_http_requests_total",
                "HTTP requests by route and status",
            ),
            &["route", "status"],
        )?;
        let verdicts = IntCounterVec::new(
            Opts::new(
                "gradreg_verdicts_total",
                "Verification answers by channel (api, form, token) and verdict",
            ),
            &["channel", "verdict"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "gradreg_http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["route"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(verdicts.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            verdicts,
            latency,
        })
    }

    /// Counts a request.
    pub fn request(&self, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[route, &status.to_string()])
            .inc();
        self.latency.with_label_values(&[route]).observe(seconds);
    }

    /// Counts a verdict.
    pub fn verdict(&self, channel: &str, verdict: &str) {
        self.verdicts.with_label_values(&[channel, verdict]).inc();
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Encoding into a Vec cannot fail for the text format but the type says it may.
        if prometheus::TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .is_err()
        {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}
