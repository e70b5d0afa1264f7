//! Generates `include/gradreg.h` from the crate's source with cbindgen.
//!
//! The header is checked in; it is rewritten only when its content changes, so a build leaves a
//! current checkout untouched and `git diff --exit-code include/gradreg.h` finds a stale one.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let header = crate_dir.join("../include/gradreg.h");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=GRADREG_SKIP_HEADER");
    if std::env::var_os("GRADREG_SKIP_HEADER").is_some() {
        return;
    }
    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => panic!("ffi/cbindgen.toml: {e}"),
    };
    // Parsing the source files directly avoids running `cargo metadata` from inside a build.
    let bindings = match cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/lib.rs"))
        .generate()
    {
        Ok(b) => b,
        Err(e) => panic!("cbindgen could not generate include/gradreg.h: {e}"),
    };
    let mut text = Vec::new();
    bindings.write(&mut text);
    let current = std::fs::read(&header).unwrap_or_default();
    if current != text {
        if let Err(e) = std::fs::write(&header, &text) {
            // A read-only source tree (a vendored copy) still builds; the checked-in header stays.
            println!("cargo:warning=could not write {}: {e}", header.display());
        }
    }
}
