//! Names the shared library for the linker: its soname (install name on Apple platforms) is
//! `libgradreg.so`, the C library's name, although cargo writes the file as `libgradreg_ffi.so`
//! (the lib target cannot be called `gradreg`, the core's name). A program linked against it
//! records `libgradreg.so`, the file `scripts/build-c.sh` puts beside it.
//!
//! The header is not written here: `scripts/gen-header.sh` regenerates `include/gradreg.h`, and
//! its `--check` mode fails on a stale one.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let family = std::env::var("CARGO_CFG_TARGET_FAMILY").unwrap_or_default();
    let vendor = std::env::var("CARGO_CFG_TARGET_VENDOR").unwrap_or_default();
    if vendor == "apple" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/libgradreg.dylib");
    } else if family.split(',').any(|f| f == "unix") && os != "emscripten" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libgradreg.so");
    }
}
