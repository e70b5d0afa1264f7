//! The font of the forms: found once, read once into memory, shared by every render.
//!
//! Where the font comes from, in order ([`FontSource`]):
//! 1. bytes or a path given by the caller;
//! 2. else the file named by the environment variable `GRADREG_FONT` (an error if it is set and
//!    unusable: a wrong setting is reported, not silently replaced);
//! 3. else the system's CJK fonts, searched in the usual font folders of Linux, macOS and
//!    Windows, preferring in this order: Noto Sans CJK / Noto Sans SC, Source Han Sans,
//!    WenQuanYi Micro Hei, WenQuanYi Zen Hei, Microsoft YaHei, PingFang, SimHei / SimSun, then
//!    Noto Serif CJK / Source Han Serif and other CJK families; regular weights before others.
//!
//! Collections (`.ttc`, `.otc`) are handled: the face used is the Simplified Chinese one when the
//! collection names one (`Noto Sans CJK SC`), else the first face that has Chinese glyphs.
//!
//! The file is read once with [`std::fs::read`] and handed to `fontdb` as shared bytes; it is
//! never memory-mapped or re-opened per page (that made pages 6× slower and two threads slower
//! than one).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};

/// The environment variable naming a font file.
pub const FONT_ENV: &str = "GRADREG_FONT";

/// Characters a font must have to count as a CJK font in the system search.
const CJK_PROBE: [char; 6] = ['中', '国', '档', '户', '核', '验'];

/// Where to take the font from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FontSource {
    /// Font file contents (`.ttf`, `.otf`, `.ttc`, `.otc`).
    Bytes(Vec<u8>),
    /// A font file.
    Path(PathBuf),
    /// `GRADREG_FONT`, else the system's CJK fonts.
    Auto,
}

/// A font face held in memory, ready for layout and rendering. Cloning is cheap (shared bytes).
#[derive(Clone)]
pub struct Font {
    data: Arc<Vec<u8>>,
    index: u32,
    family: String,
    origin: String,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font")
            .field("family", &self.family)
            .field("index", &self.index)
            .field("origin", &self.origin)
            .field("bytes", &self.data.len())
            .finish()
    }
}

impl Font {
    /// Loads the font from `source`.
    pub fn load(source: FontSource) -> Result<Font> {
        match source {
            FontSource::Bytes(b) => Font::from_bytes(b),
            FontSource::Path(p) => Font::from_path(&p),
            FontSource::Auto => Font::discover(),
        }
    }

    /// A font from file contents. In a collection, the Simplified Chinese face is chosen when
    /// one is named so, else the first face with Chinese glyphs, else the first face.
    pub fn from_bytes(data: Vec<u8>) -> Result<Font> {
        Font::from_data(data, "bytes".to_string())
    }

    /// A font from a file, read once into memory.
    pub fn from_path(path: &Path) -> Result<Font> {
        let origin = path.display().to_string();
        let data = std::fs::read(path).map_err(|e| Error::FontInvalid {
            origin: origin.clone(),
            reason: e.to_string(),
        })?;
        Font::from_data(data, origin)
    }

    /// `GRADREG_FONT` when set, else the first usable CJK font of the system (see the module
    /// documentation for the order).
    pub fn discover() -> Result<Font> {
        Font::discover_with(std::env::var_os(FONT_ENV))
    }

    /// [`Font::discover`] with the value of `GRADREG_FONT` given: a non-empty value is the font
    /// file to use; otherwise the system's CJK fonts are searched.
    pub fn discover_with(env_value: Option<std::ffi::OsString>) -> Result<Font> {
        match env_value.filter(|v| !v.is_empty()) {
            Some(path) => Font::from_path(Path::new(&path)),
            None => Font::system(),
        }
    }

    /// The first usable CJK font among the system's fonts, ignoring `GRADREG_FONT`.
    pub fn system() -> Result<Font> {
        let dirs = font_dirs();
        for path in system_candidates(&dirs) {
            if let Ok(font) = Font::from_path(&path) {
                if font.covers(&CJK_PROBE) {
                    return Ok(font);
                }
            }
        }
        Err(Error::FontNotFound {
            searched: dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    fn from_data(data: Vec<u8>, origin: String) -> Result<Font> {
        let invalid = |reason: String| Error::FontInvalid {
            origin: origin.clone(),
            reason,
        };
        let count = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
        if count == 0 {
            return Err(invalid("empty font collection".into()));
        }
        let mut faces = Vec::new();
        let mut first_error = None;
        for index in 0..count {
            match ttf_parser::Face::parse(&data, index) {
                Ok(face) => {
                    let family = family_name(&face);
                    let cjk = CJK_PROBE.iter().all(|&c| face.glyph_index(c).is_some());
                    faces.push((index, family, cjk));
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let chosen = faces
            .iter()
            .find(|(_, fam, cjk)| *cjk && is_simplified_family(fam))
            .or_else(|| faces.iter().find(|(_, _, cjk)| *cjk))
            .or_else(|| faces.first())
            .cloned();
        let Some((index, family, _)) = chosen else {
            return Err(invalid(match first_error {
                Some(e) => format!("not a font: {e}"),
                None => "no face".into(),
            }));
        };
        let family = family.ok_or_else(|| invalid("the font has no family name".into()))?;
        Ok(Font {
            data: Arc::new(data),
            index,
            family,
            origin,
        })
    }

    /// The family name the SVG refers to.
    pub fn family(&self) -> &str {
        &self.family
    }

    /// Where the font came from: a path, or `bytes`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The face index in a collection (0 for a single font).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Whether the font has a glyph for every character of `chars`.
    pub fn covers(&self, chars: &[char]) -> bool {
        self.face()
            .map(|f| chars.iter().all(|&c| f.glyph_index(c).is_some()))
            .unwrap_or(false)
    }

    /// Whether the font has a glyph for `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        self.covers(&[c])
    }

    pub(crate) fn face(&self) -> Result<ttf_parser::Face<'_>> {
        ttf_parser::Face::parse(&self.data, self.index).map_err(|e| Error::FontInvalid {
            origin: self.origin.clone(),
            reason: e.to_string(),
        })
    }

    /// A font database holding this face only, sharing the bytes (no copy, no file access).
    pub(crate) fn database(&self) -> fontdb::Database {
        let mut db = fontdb::Database::new();
        let shared: Arc<dyn AsRef<[u8]> + Send + Sync> = self.data.clone();
        let ids = db.load_font_source(fontdb::Source::Binary(shared));
        for id in ids {
            if db.face(id).map(|f| f.index) != Some(self.index) {
                db.remove_face(id);
            }
        }
        db.set_sans_serif_family(self.family.clone());
        db
    }
}

/// The face's family: the typographic family (name 16) else the family (name 1), English first.
fn family_name(face: &ttf_parser::Face<'_>) -> Option<String> {
    use ttf_parser::name_id;
    let names: Vec<_> = face.names().into_iter().collect();
    for id in [name_id::TYPOGRAPHIC_FAMILY, name_id::FAMILY] {
        let mut any = None;
        for n in names.iter().filter(|n| n.name_id == id) {
            if let Some(s) = n.to_string().filter(|s| !s.is_empty()) {
                if n.language() == ttf_parser::Language::English_UnitedStates {
                    return Some(s);
                }
                any.get_or_insert(s);
            }
        }
        if any.is_some() {
            return any;
        }
    }
    None
}

fn is_simplified_family(family: &Option<String>) -> bool {
    let Some(f) = family else { return false };
    let f = f.to_ascii_lowercase();
    f.ends_with(" sc")
        || f.ends_with(" cn")
        || f.contains(" sc ")
        || f.contains("gb")
        || (f.contains("wenquanyi") && !f.contains("mono"))
}

/// The folders searched for system fonts, in order.
pub fn font_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        dirs.push(PathBuf::from(xdg).join("fonts"));
    }
    if let Some(h) = &home {
        dirs.push(h.join(".local/share/fonts"));
        dirs.push(h.join(".fonts"));
        dirs.push(h.join("Library/Fonts"));
    }
    for d in [
        "/usr/share/fonts",
        "/usr/local/share/fonts",
        "/System/Library/Fonts",
        "/System/Library/Fonts/Supplemental",
        "/Library/Fonts",
    ] {
        dirs.push(PathBuf::from(d));
    }
    let windir = std::env::var_os("WINDIR").map(PathBuf::from);
    dirs.push(
        windir
            .unwrap_or_else(|| PathBuf::from("C:\\Windows"))
            .join("Fonts"),
    );
    if let Some(local) = std::env::var_os("LOCALAPPDATA") {
        dirs.push(PathBuf::from(local).join("Microsoft\\Windows\\Fonts"));
    }
    dirs
}

/// Rank of a font file name: lower is preferred; `None` for files that are not known CJK fonts.
fn rank(file_name: &str) -> Option<(u32, u32)> {
    const FAMILIES: [&[&str]; 9] = [
        &["notosanscjk", "notosanssc", "noto sans cjk", "noto sans sc"],
        &["sourcehansans", "source han sans", "sourcehansanssc"],
        &["wqy-microhei", "wqy_microhei"],
        &["wqy-zenhei", "wqy_zenhei"],
        &["msyh", "microsoft yahei"],
        &["pingfang"],
        &["simhei", "simsun", "simkai", "simfang"],
        &[
            "notoserifcjk",
            "notoserifsc",
            "sourcehanserif",
            "source han serif",
        ],
        &[
            "hiragino sans gb",
            "stheiti",
            "songti",
            "droidsansfallback",
            "arplumingcn",
            "uming",
            "ukai",
        ],
    ];
    let lower = file_name.to_ascii_lowercase();
    let family = FAMILIES
        .iter()
        .position(|pats| pats.iter().any(|p| lower.contains(p)))?;
    let heavy = ["bold", "black", "heavy", "light", "thin", "medium", "semi"];
    let weight = u32::from(heavy.iter().any(|w| lower.contains(w)));
    Some((family as u32, weight))
}

fn is_font_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".ttf", ".otf", ".ttc", ".otc"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// Known CJK font files under `dirs`, best first (by family, then weight, then path).
fn system_candidates(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut found: Vec<((u32, u32), PathBuf)> = Vec::new();
    let mut budget = 20_000usize;
    for d in dirs {
        walk(d, 0, &mut budget, &mut |p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if is_font_file(name) {
                if let Some(r) = rank(name) {
                    found.push((r, p.to_path_buf()));
                }
            }
        });
    }
    found.sort();
    found.dedup_by(|a, b| a.1 == b.1);
    found.into_iter().map(|(_, p)| p).collect()
}

fn walk(dir: &Path, depth: usize, budget: &mut usize, f: &mut dyn FnMut(&Path)) {
    if depth > 6 || *budget == 0 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        if p.is_dir() {
            walk(&p, depth + 1, budget, f);
        } else {
            f(&p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_prefer_known_regular_faces() {
        assert!(rank("NotoSansCJK-Regular.ttc") < rank("wqy-microhei.ttc"));
        assert!(rank("NotoSansCJK-Regular.ttc") < rank("NotoSansCJK-Bold.ttc"));
        assert!(rank("wqy-microhei.ttc") < rank("simsun.ttc"));
        assert_eq!(rank("DejaVuSans.ttf"), None);
        assert!(is_font_file("msyh.TTC"));
        assert!(!is_font_file("fonts.dir"));
    }

    #[test]
    fn the_environment_variable_comes_before_the_system_fonts() {
        let e = Font::discover_with(Some("/nonexistent/gradreg-font.ttf".into())).unwrap_err();
        assert_eq!(e.code(), 402, "a wrong setting is reported, not replaced");
        // An empty value is the same as none.
        let empty = Font::discover_with(Some("".into()));
        let none = Font::discover_with(None);
        assert_eq!(
            empty
                .as_ref()
                .map(|f| f.origin().to_string())
                .map_err(|e| e.code()),
            none.as_ref()
                .map(|f| f.origin().to_string())
                .map_err(|e| e.code())
        );
        if let Ok(system) = none {
            let via_env = Font::discover_with(Some(system.origin().into())).unwrap();
            assert_eq!(via_env.family(), system.family());
        }
    }

    #[test]
    fn bad_bytes_are_a_typed_error() {
        let e = Font::from_bytes(b"not a font".to_vec()).unwrap_err();
        assert_eq!(e.code(), 402);
        let e = Font::from_bytes(Vec::new()).unwrap_err();
        assert_eq!(e.code(), 402);
        let e = Font::from_path(Path::new("/nonexistent/font.ttf")).unwrap_err();
        assert_eq!(e.code(), 402);
        assert!(e.to_string().contains("/nonexistent/font.ttf"));
    }
}
