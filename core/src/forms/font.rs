//! The font of the forms: found once, read once into memory, shared by every render.
//!
//! Where the font comes from, in order ([`FontSource`]):
//! 1. bytes or a path given by the caller;
//! 2. else the file named by the environment variable `GRADREG_FONT` (an error if it is set and
//!    unusable: a wrong setting is reported, not silently replaced);
//! 3. else the system's CJK fonts, searched in the usual font folders of Linux, macOS and
//!    Windows, preferring in this order: Noto Sans CJK / Noto Sans SC, Source Han Sans,
//!    WenQuanYi Micro Hei, WenQuanYi Zen Hei, Microsoft YaHei, PingFang, SimHei / SimSun, then
//!    Noto Serif CJK / Source Han Serif and other CJK families; regular weights before others;
//! 4. else, with the `bundled-font` feature (on by default), the font shipped inside the crate:
//!    Gradreg Sans SC, a 1.9 MB subset of Noto Sans CJK SC (SIL Open Font License 1.1) covering
//!    the 8,105 characters of 通用规范汉字表, GB 2312, CJK punctuation, full-width forms, Latin and
//!    digits ([`Font::bundled`]; `core/fonts/README.md` tells how it is made). So rendering works
//!    on a machine without any CJK font.
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

/// The family name of the bundled font.
#[cfg(feature = "bundled-font")]
pub const BUNDLED_FAMILY: &str = "Gradreg Sans SC";

/// The bundled font's file: a subset of Noto Sans CJK SC, renamed (see `core/fonts/`).
#[cfg(feature = "bundled-font")]
static BUNDLED: &[u8] = include_bytes!("../../fonts/GradregSansSC-Regular.otf");

/// The origin reported by [`Font::origin`] for the bundled font.
#[cfg(feature = "bundled-font")]
const BUNDLED_ORIGIN: &str = "bundled";

/// Where to take the font from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FontSource {
    /// Font file contents (`.ttf`, `.otf`, `.ttc`, `.otc`).
    Bytes(Vec<u8>),
    /// A font file.
    Path(PathBuf),
    /// `GRADREG_FONT`, else the system's CJK fonts, else (feature `bundled-font`) the bundled
    /// font. A renderer made from `Auto` also falls back to the bundled font, character by
    /// character, for what the chosen font lacks.
    Auto,
    /// The font bundled with the crate (feature `bundled-font`), whatever the system has.
    #[cfg(feature = "bundled-font")]
    Bundled,
}

/// Font bytes shared without copying: a file read into memory, or the bundled font's static data.
type SharedBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A font face held in memory, ready for layout and rendering. Cloning is cheap (shared bytes).
#[derive(Clone)]
pub struct Font {
    data: SharedBytes,
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
            .field("bytes", &self.bytes().len())
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
            #[cfg(feature = "bundled-font")]
            FontSource::Bundled => Font::bundled(),
        }
    }

    /// The font shipped with the crate: Gradreg Sans SC (feature `bundled-font`). Its bytes are
    /// static: loading it copies nothing.
    #[cfg(feature = "bundled-font")]
    pub fn bundled() -> Result<Font> {
        let data: SharedBytes = Arc::new(BUNDLED);
        Font::from_shared(data, BUNDLED_ORIGIN.to_string())
    }

    /// Whether this is the bundled font.
    pub fn is_bundled(&self) -> bool {
        #[cfg(feature = "bundled-font")]
        {
            std::ptr::eq(self.bytes().as_ptr(), BUNDLED.as_ptr())
        }
        #[cfg(not(feature = "bundled-font"))]
        {
            false
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

    /// `GRADREG_FONT` when set, else the first usable CJK font of the system, else the bundled
    /// font (see the module documentation for the order).
    pub fn discover() -> Result<Font> {
        Font::discover_with(std::env::var_os(FONT_ENV))
    }

    /// [`Font::discover`] with the value of `GRADREG_FONT` given: a non-empty value is the font
    /// file to use; otherwise the system's CJK fonts are searched, and when there is none the
    /// bundled font is used (feature `bundled-font`; without it, [`Error::FontNotFound`]).
    pub fn discover_with(env_value: Option<std::ffi::OsString>) -> Result<Font> {
        match env_value.filter(|v| !v.is_empty()) {
            Some(path) => Font::from_path(Path::new(&path)),
            None => match Font::system() {
                Ok(font) => Ok(font),
                #[cfg(feature = "bundled-font")]
                Err(Error::FontNotFound { .. }) => Font::bundled(),
                Err(e) => Err(e),
            },
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
        Font::from_shared(Arc::new(data), origin)
    }

    fn from_shared(shared: SharedBytes, origin: String) -> Result<Font> {
        let data: &[u8] = (*shared).as_ref();
        let invalid = |reason: String| Error::FontInvalid {
            origin: origin.clone(),
            reason,
        };
        let count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
        if count == 0 {
            return Err(invalid("empty font collection".into()));
        }
        let mut faces = Vec::new();
        let mut first_error = None;
        for index in 0..count {
            match ttf_parser::Face::parse(data, index) {
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
            data: shared.clone(),
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

    /// The font file's bytes (the whole collection for a `.ttc`).
    pub(crate) fn bytes(&self) -> &[u8] {
        (*self.data).as_ref()
    }

    pub(crate) fn face(&self) -> Result<ttf_parser::Face<'_>> {
        ttf_parser::Face::parse(self.bytes(), self.index).map_err(|e| Error::FontInvalid {
            origin: self.origin.clone(),
            reason: e.to_string(),
        })
    }

    /// Adds this face alone to `db`, sharing the bytes (no copy, no file access).
    pub(crate) fn add_to(&self, db: &mut fontdb::Database) {
        let ids = db.load_font_source(fontdb::Source::Binary(self.data.clone()));
        for id in ids {
            if db.face(id).map(|f| f.index) != Some(self.index) {
                db.remove_face(id);
            }
        }
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
        if let Some(system) = none.ok().filter(|f| !f.is_bundled()) {
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

    #[cfg(feature = "bundled-font")]
    #[test]
    fn the_bundled_font_is_renamed_and_covers_the_standard_list() {
        let font = Font::bundled().unwrap();
        assert_eq!(font.family(), BUNDLED_FAMILY);
        assert!(font.is_bundled() && font.origin() == "bundled");
        assert!(!font.family().contains("Noto") && !font.family().contains("Source"));
        // First, middle and last characters of 通用规范汉字表's three levels, names' rare
        // characters, punctuation, full-width forms, Latin and digits.
        assert!(font.covers(&[
            '一', '厂', '堃', '镕', '喆', '昇', '䶮', '·', '，', '。', '（', '）', 'Ａ', '０', 'A',
            'z', '9', '—'
        ]));
        // A character of Extension B in the list (U+2C2A4 𬊤, a level-3 character).
        assert!(font.has_glyph('\u{2C2A4}'));
        // Not a font of everything: a private-use character stays missing.
        assert!(!font.has_glyph('\u{F0001}'));
        // Loading it copies nothing: two loads share the static bytes.
        assert_eq!(
            Font::bundled().unwrap().bytes().as_ptr(),
            font.bytes().as_ptr()
        );
        assert!(!Font::from_bytes(font.bytes().to_vec())
            .unwrap()
            .is_bundled());
    }
}
