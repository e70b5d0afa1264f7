//! Files written whole or not at all: what the faces use when they stream a class of forms to a
//! caller's path.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file being written under a temporary name beside its final path. [`PendingFile::commit`]
/// syncs it and renames it over the target; dropped without a commit (an error, or a panic
/// unwinding), it is removed and the target is left as it was.
#[derive(Debug)]
pub struct PendingFile {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

/// Numbers the temporary files of one process.
static PENDING: AtomicU64 = AtomicU64::new(0);

impl PendingFile {
    /// Creates the temporary file for `target` in `target`'s folder, as
    /// `.<name>.<pid>-<n>.part`.
    ///
    /// A target that is empty, names no file (`..`) or is a folder is refused with an error of
    /// kind [`io::ErrorKind::InvalidInput`] whose text says why; a folder that does not exist, or
    /// cannot be written, is the operating system's error.
    pub fn create(target: &Path) -> io::Result<(PendingFile, File)> {
        let invalid = |why: &str| io::Error::new(io::ErrorKind::InvalidInput, why.to_string());
        if target.as_os_str().is_empty() {
            return Err(invalid("is empty"));
        }
        let Some(name) = target.file_name() else {
            return Err(invalid("names no file"));
        };
        if target.is_dir() {
            return Err(invalid("is a folder"));
        }
        let folder = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let temp = folder.join(format!(
            ".{}.{}-{}.part",
            name.to_string_lossy(),
            std::process::id(),
            PENDING.fetch_add(1, Ordering::Relaxed)
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        let pending = PendingFile {
            temp,
            target: target.to_path_buf(),
            committed: false,
        };
        Ok((pending, file))
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Puts the complete file on disk and in place of the target.
    pub fn commit(mut self, file: File) -> io::Result<()> {
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.temp, &self.target)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            // Nothing more can be done when this fails; the error being reported is the cause.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "gradreg-files-{name}-{}-{}",
            std::process::id(),
            PENDING.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_pending_file_replaces_the_target_only_when_committed() {
        let dir = scratch("pending");
        let target = dir.join("class.pdf");
        std::fs::write(&target, b"old").unwrap();
        {
            let (_pending, mut file) = PendingFile::create(&target).unwrap();
            file.write_all(b"half").unwrap();
            assert_eq!(
                entries(&dir).len(),
                2,
                "the temporary file is beside the target"
            );
        }
        assert_eq!(
            entries(&dir),
            ["class.pdf"],
            "dropped: the temporary file is gone"
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        let (pending, mut file) = PendingFile::create(&target).unwrap();
        assert_eq!(pending.target(), target);
        file.write_all(b"new").unwrap();
        pending.commit(file).unwrap();
        assert_eq!(entries(&dir), ["class.pdf"]);
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_pending_file_needs_a_file_name_in_an_existing_folder() {
        let dir = scratch("refused");
        let kind = |p: &Path| PendingFile::create(p).err().unwrap().kind();
        assert_eq!(kind(Path::new("")), io::ErrorKind::InvalidInput);
        assert_eq!(kind(&dir), io::ErrorKind::InvalidInput);
        assert_eq!(kind(&dir.join("..")), io::ErrorKind::InvalidInput);
        assert_eq!(
            kind(&dir.join("missing").join("class.pdf")),
            io::ErrorKind::NotFound
        );
        assert!(entries(&dir).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
