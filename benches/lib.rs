//! Shared helpers of the criterion benchmarks (the benchmarks are the `[[bench]]` targets).

use std::sync::Arc;

use gradreg::{sample, BasicInfo};

/// Whether the benchmark binary was started by `cargo bench` (criterion gets `--bench`); under
/// `cargo test` the benchmarks run once each on small inputs.
pub fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The i-th of a run of distinct valid basic-information records (unique ID and student numbers
/// for i below 3,650,000: ten regions × 3,650 birth dates × 100 sequence numbers).
pub fn synthetic_basic(i: u32) -> (String, Arc<BasicInfo>) {
    const REGIONS: [&str; 10] = [
        "320102", "320106", "320205", "320506", "321002", "110105", "310104", "330106", "420111",
        "510107",
    ];
    let day = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
        + chrono::Duration::days(i64::from(i / 1000 % 3650));
    let birth = day.format("%Y%m%d").to_string();
    let mut b = sample::basic_info();
    let region = REGIONS[(i / 100 % 10) as usize];
    b.id_number = sample::id_number(region, &birth, i % 100, true).unwrap_or_default();
    b.origin_region = region.to_string();
    b.student_number = format!("20{i:09}");
    b.college = ["会计学院", "金融学院", "信息工程学院", "法学院"][(i % 4) as usize].to_string();
    (
        format!("{}:{}", b.school_code, b.student_number),
        Arc::new(b),
    )
}
