//! Where a registry's database lives: the folder rule every face shares.

use std::path::{Path, PathBuf};

use crate::error::{Cause, Error, Result};

/// The database file a registry keeps inside a folder given to [`Registry::open`](super::Registry::open).
pub const DEFAULT_FILE_NAME: &str = "gradreg.sqlite3";

/// The database file [`Registry::open`](super::Registry::open) uses for `path`: `path` itself when it is a file or
/// does not exist yet, `path/`[`DEFAULT_FILE_NAME`] when it is a folder. Every face (C, Python)
/// opens registries through this rule.
///
/// A path whose parent folder does not exist is an [`Error::Io`] (507) that names the folder,
/// rather than a database error: nothing is created.
pub fn database_path(path: &Path) -> Result<PathBuf> {
    if path.as_os_str().is_empty() {
        return Err(Error::InvalidArgument(
            "空的注册库路径 / empty registry path".into(),
        ));
    }
    if path.is_dir() {
        return Ok(path.join(DEFAULT_FILE_NAME));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(Error::Io(Cause::with_error(
            format!("目录不存在 / folder does not exist: {}", parent.display()),
            std::io::Error::from(std::io::ErrorKind::NotFound),
        )));
    }
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn a_folder_holds_the_default_file_and_a_missing_parent_is_refused() {
        let dir = std::env::temp_dir().join(format!("gradreg-path-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(database_path(&dir).unwrap(), dir.join(DEFAULT_FILE_NAME));
        let file = dir.join("x.db");
        assert_eq!(database_path(&file).unwrap(), file);
        let e = database_path(&dir.join("missing").join("x.db")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Io);
        assert!(e.to_string().contains("missing"), "{e}");
        assert_eq!(
            database_path(Path::new("")).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        // A bare file name lives in the current folder.
        assert_eq!(
            database_path(Path::new("r.db")).unwrap(),
            PathBuf::from("r.db")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
