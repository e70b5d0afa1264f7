//! Writes the test vectors to `docs/vectors/*.json` and their case list to
//! `docs/vectors/README.md`.
//!
//! `cargo run -p gradreg --example make_vectors`

#[allow(dead_code)]
#[path = "vectors_gen.rs"]
mod vectors_gen;

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/vectors");
    std::fs::create_dir_all(&dir)?;
    let vectors = vectors_gen::vectors();
    // Files of cases that no longer exist go.
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if path.extension().is_some_and(|e| e == "json") && !vectors.iter().any(|(n, _)| n == stem)
        {
            std::fs::remove_file(&path)?;
        }
    }
    std::fs::write(dir.join("README.md"), vectors_gen::readme(&vectors))?;
    for (name, v) in &vectors {
        let mut text = serde_json::to_string_pretty(v).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::write(dir.join(format!("{name}.json")), text)?;
    }
    println!("wrote {} vectors to {}", vectors.len(), dir.display());
    Ok(())
}
