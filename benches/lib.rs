//! Shared helpers of the criterion benchmarks (the benchmarks are the `[[bench]]` targets).
