//! Writes `include/gradreg.h`, the C library's header, from the Rust source with cbindgen; with
//! `--check`, only compares and prints a diff when the checked-in header is stale.
//!
//! Usage (from anywhere in the workspace; `scripts/gen-header.sh` runs it):
//!
//! ```text
//! cargo run -q -p gen-header                 # rewrite include/gradreg.h when it changed
//! cargo run -q -p gen-header -- --check      # exit 1 with a diff when it is stale
//! cargo run -q -p gen-header -- --output F   # write the header to F instead
//! ```
//!
//! The header is made from three sources: the C library's functions and types (`ffi/src`, from
//! `lib.rs` down its modules), the core's one list of error codes (`core/src/error_code.rs`,
//! exported as `GRADREG_ERR_*`), and the core's verdict kinds (`core/src/codes/verify.rs`,
//! exported as `GRADREG_VERDICT_*`). `ffi/cbindgen.toml` says how.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The parsed command line.
struct Args {
    check: bool,
    output: Option<PathBuf>,
}

const USAGE: &str = "usage: gen-header [--check] [--output PATH]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        check: false,
        output: None,
    };
    let mut it = std::env::args_os().skip(1);
    while let Some(arg) = it.next() {
        match arg.to_str() {
            Some("--check") => args.check = true,
            Some("--output") | Some("-o") => {
                let path = it.next().ok_or("--output needs a path")?;
                args.output = Some(PathBuf::from(path));
            }
            Some("--help") | Some("-h") => return Err(USAGE.to_string()),
            _ => return Err(format!("unknown argument {arg:?}\n{USAGE}")),
        }
    }
    Ok(args)
}

/// The workspace root: this tool lives in `tools/gen-header`.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Generates the header's text.
fn generate(root: &Path) -> Result<Vec<u8>, String> {
    let config_path = root.join("ffi/cbindgen.toml");
    let config = cbindgen::Config::from_file(&config_path)
        .map_err(|e| format!("{}: {e}", config_path.display()))?;
    // Parsing source files directly (not through `cargo metadata`) keeps this fast and offline.
    // cbindgen follows `mod` declarations from ffi/src/lib.rs; the two core files hold only what
    // the header takes from the core (the enums listed in `[export] include`).
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("ffi/src/lib.rs"))
        .with_src(root.join("core/src/error_code.rs"))
        .with_src(root.join("core/src/codes/verify.rs"))
        .generate()
        .map_err(|e| format!("cbindgen could not generate the header: {e}"))?;
    let mut text = Vec::new();
    bindings.write(&mut text);
    Ok(text)
}

fn run() -> Result<ExitCode, String> {
    let args = parse_args()?;
    let root = workspace_root();
    let header = root.join("include/gradreg.h");
    let fresh = generate(&root)?;
    if args.check {
        let current = std::fs::read(&header).unwrap_or_default();
        if current == fresh {
            println!("include/gradreg.h is current");
            return Ok(ExitCode::SUCCESS);
        }
        let old = String::from_utf8_lossy(&current);
        let new = String::from_utf8_lossy(&fresh);
        println!(
            "include/gradreg.h is stale: it differs from what ffi/src and the core's codes generate.\n\
             Run scripts/gen-header.sh and commit the result. The difference:"
        );
        print!(
            "{}",
            unified_diff(
                &old,
                &new,
                "include/gradreg.h (checked in)",
                "include/gradreg.h (generated)"
            )
        );
        return Ok(ExitCode::FAILURE);
    }
    let (target, shown) = match args.output {
        Some(path) => {
            let shown = path.display().to_string();
            (path, shown)
        }
        None => (header, "include/gradreg.h".to_string()),
    };
    let current = std::fs::read(&target).ok();
    if current.as_deref() == Some(fresh.as_slice()) {
        println!("{shown} is current");
    } else {
        std::fs::write(&target, &fresh).map_err(|e| format!("{shown}: {e}"))?;
        println!("wrote {shown}");
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("gen-header: {message}");
            ExitCode::from(2)
        }
    }
}

/// One line of an edit script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    Same,
    Removed,
    Added,
}

/// Lines of context around each change.
const CONTEXT: usize = 3;
/// The most diff lines printed (a header rewritten wholesale is not worth paging through).
const MAX_LINES: usize = 200;

/// A unified diff of two texts, line by line (longest common subsequence of the lines between
/// the common prefix and suffix), with [`CONTEXT`] lines of context, cut after [`MAX_LINES`].
fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let script = edit_script(&a, &b);
    // Each entry: the edit, and the line numbers (0-based) in a and b before it.
    let mut steps = Vec::with_capacity(script.len());
    let (mut i, mut j) = (0, 0);
    for edit in &script {
        steps.push((*edit, i, j));
        match edit {
            Edit::Same => {
                i += 1;
                j += 1;
            }
            Edit::Removed => i += 1,
            Edit::Added => j += 1,
        }
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    let mut printed = 0;
    let mut k = 0;
    while k < steps.len() {
        if steps[k].0 == Edit::Same {
            k += 1;
            continue;
        }
        // A hunk: from CONTEXT lines before this change to CONTEXT lines after the last change
        // that is closer than 2 * CONTEXT to the previous one.
        let start = k.saturating_sub(CONTEXT);
        let mut end = k;
        let mut last_change = k;
        while end < steps.len() {
            if steps[end].0 != Edit::Same {
                last_change = end;
            } else if end - last_change > 2 * CONTEXT {
                break;
            }
            end += 1;
        }
        let end = (last_change + 1 + CONTEXT).min(steps.len());
        let hunk = &steps[start..end];
        let old_len = hunk.iter().filter(|s| s.0 != Edit::Added).count();
        let new_len = hunk.iter().filter(|s| s.0 != Edit::Removed).count();
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            hunk[0].1 + 1,
            old_len,
            hunk[0].2 + 1,
            new_len
        ));
        for &(edit, i, j) in hunk {
            let line = match edit {
                Edit::Same => format!(" {}\n", a[i]),
                Edit::Removed => format!("-{}\n", a[i]),
                Edit::Added => format!("+{}\n", b[j]),
            };
            out.push_str(&line);
            printed += 1;
            if printed >= MAX_LINES {
                out.push_str("… (diff cut)\n");
                return out;
            }
        }
        k = end;
    }
    out
}

/// The edits that turn `a` into `b`.
fn edit_script(a: &[&str], b: &[&str]) -> Vec<Edit> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    // lcs[i][j]: the length of the longest common subsequence of ma[i..] and mb[j..].
    let mut lcs = vec![vec![0u32; mb.len() + 1]; ma.len() + 1];
    for i in (0..ma.len()).rev() {
        for j in (0..mb.len()).rev() {
            lcs[i][j] = if ma[i] == mb[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut script = vec![Edit::Same; prefix];
    let (mut i, mut j) = (0, 0);
    while i < ma.len() || j < mb.len() {
        if i < ma.len() && j < mb.len() && ma[i] == mb[j] {
            script.push(Edit::Same);
            i += 1;
            j += 1;
        } else if i < ma.len() && (j == mb.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removals first, as diff(1) prints them.
            script.push(Edit::Removed);
            i += 1;
        } else {
            script.push(Edit::Added);
            j += 1;
        }
    }
    script.extend(std::iter::repeat_n(Edit::Same, suffix));
    script
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_hunk() {
        let d = unified_diff("a\nb\n", "a\nb\n", "x", "y");
        assert_eq!(d, "--- x\n+++ y\n");
    }

    #[test]
    fn a_changed_line_is_one_hunk_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let d = unified_diff(old, new, "x", "y");
        assert_eq!(
            d,
            "--- x\n+++ y\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn distant_changes_are_separate_hunks_and_insertions_count() {
        let old: String = (1..=30).map(|n| format!("{n}\n")).collect();
        let new: String = (1..=30)
            .filter(|n| *n != 27)
            .map(|n| match n {
                3 => "3\nthree\n".to_string(),
                n => format!("{n}\n"),
            })
            .collect();
        let d = unified_diff(&old, &new, "x", "y");
        let hunks: Vec<&str> = d.lines().filter(|l| l.starts_with("@@")).collect();
        assert_eq!(hunks, ["@@ -1,6 +1,7 @@", "@@ -24,7 +25,6 @@"], "{d}");
        assert!(d.contains("+three\n") && d.contains("-27\n"));
    }

    #[test]
    fn the_header_in_the_tree_is_current() {
        // The same check as `--check`, so `cargo test` also catches a stale header.
        let root = workspace_root();
        let fresh = generate(&root).expect("generate");
        let current = std::fs::read(root.join("include/gradreg.h")).expect("read the header");
        assert!(
            current == fresh,
            "include/gradreg.h is stale: run scripts/gen-header.sh\n{}",
            unified_diff(
                &String::from_utf8_lossy(&current),
                &String::from_utf8_lossy(&fresh),
                "checked in",
                "generated"
            )
        );
    }
}
