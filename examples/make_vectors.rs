//! Writes the token test vectors to `docs/vectors/*.json`.
//!
//! `cargo run -p gradreg --example make_vectors`

#[allow(dead_code)]
#[path = "vectors_gen.rs"]
mod vectors_gen;

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/vectors");
    std::fs::create_dir_all(&dir)?;
    let vectors = vectors_gen::vectors();
    for (name, v) in &vectors {
        let mut text = serde_json::to_string_pretty(v).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::write(dir.join(format!("{name}.json")), text)?;
    }
    println!("wrote {} vectors to {}", vectors.len(), dir.display());
    Ok(())
}
