//! Who may check: offices authenticated by API key (the JSON API) or by a login session set
//! from the same key (the browser form).
//!
//! The keys file holds only SHA-256 digests of the keys:
//!
//! ```toml
//! [[key]]
//! sha256 = "<64 hex digits>"        # gradreg-server hash-key < key.txt
//! principal = "archive:nj-rc"       # the identity guessing limits and records are kept under
//! department = "archive"            # archive (档案) or hukou (户口)
//! name = "南京市人才服务中心"          # shown to the graduate as who checked
//! ```
//!
//! A presented key is hashed and compared with every digest in constant time.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use gradreg::{Actor, Principal};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::ConfigError;

/// The department an office checks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Department {
    /// An archive department (档案接收管理部门): sees the archive form.
    Archive,
    /// A household-registration department (户籍接收管理部门): sees the hukou form.
    Hukou,
}

impl Department {
    /// The form title of the online check (档案转递信息在线核验 / 户口迁移信息在线核验).
    pub fn check_title(self) -> &'static str {
        match self {
            Department::Archive => "档案转递信息在线核验",
            Department::Hukou => "户口迁移信息在线核验",
        }
    }
}

/// An authenticated office.
#[derive(Debug, Clone)]
pub struct Office {
    /// The identity limits and records are kept under.
    pub principal: Principal,
    /// Its department.
    pub department: Department,
    /// The department as the library's actor (its id is the principal, its name the display
    /// name the graduate sees).
    pub actor: Actor,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    sha256: String,
    principal: String,
    department: Department,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    #[serde(default)]
    key: Vec<KeyEntry>,
}

/// The offices allowed to check, by the SHA-256 digest of their key.
#[derive(Debug, Clone, Default)]
pub struct ApiKeys {
    entries: Vec<([u8; 32], Office)>,
}

/// The SHA-256 digest of an API key, as the keys file holds it (hexadecimal).
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.trim().as_bytes()))
}

/// A new random API key: 32 bytes from the OS random source, hexadecimal.
pub fn new_key() -> Result<String, getrandom::Error> {
    let mut k = [0u8; 32];
    getrandom::fill(&mut k)?;
    Ok(hex::encode(k))
}

impl ApiKeys {
    /// Reads the keys file.
    pub fn read(path: &Path) -> Result<ApiKeys, ConfigError> {
        crate::config::read_file(path, ApiKeys::parse)
    }

    /// Parses the text of a keys file.
    pub fn parse(text: &str) -> Result<ApiKeys, String> {
        let file: KeysFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut keys = ApiKeys::default();
        for (i, e) in file.key.into_iter().enumerate() {
            let mut digest = [0u8; 32];
            hex::decode_to_slice(e.sha256.trim(), &mut digest)
                .map_err(|_| format!("key {}: sha256 must be 64 hex digits", i + 1))?;
            keys.add(digest, &e.principal, e.department, &e.name)
                .map_err(|m| format!("key {}: {m}", i + 1))?;
        }
        Ok(keys)
    }

    /// Adds an office with the SHA-256 `digest` of its key.
    pub fn add(
        &mut self,
        digest: [u8; 32],
        principal: &str,
        department: Department,
        name: &str,
    ) -> Result<(), String> {
        let principal = Principal::new(principal).map_err(|e| e.to_string())?;
        if name.trim().is_empty() {
            return Err("name is empty".into());
        }
        let id = principal.as_str().to_string();
        let actor = match department {
            Department::Archive => Actor::ArchiveDept {
                id,
                name: name.to_string(),
            },
            Department::Hukou => Actor::HukouDept {
                id,
                name: name.to_string(),
            },
        };
        self.entries.push((
            digest,
            Office {
                principal,
                department,
                actor,
            },
        ));
        Ok(())
    }

    /// How many offices.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The office holding `key`: its digest is compared with every entry in constant time.
    pub fn find(&self, key: &str) -> Option<&Office> {
        let digest: [u8; 32] = Sha256::digest(key.trim().as_bytes()).into();
        let mut found = None;
        for (d, office) in &self.entries {
            if bool::from(d.ct_eq(&digest)) {
                found = Some(office);
            }
        }
        found
    }
}

/// A browser login: which office, until when, and the token its forms must carry.
#[derive(Debug, Clone)]
pub struct Session {
    /// The office.
    pub office: Office,
    /// The form token (CSRF): a POST must carry it.
    pub csrf: String,
    /// End of the session.
    pub until: DateTime<Utc>,
}

/// The browser logins, in memory (a restart logs every office out).
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "gradreg_session";

impl Sessions {
    /// Starts a session for `office`; returns its id (the cookie's value).
    pub fn start(
        &self,
        office: Office,
        now: DateTime<Utc>,
        length: Duration,
    ) -> Option<(String, Session)> {
        let id = new_key().ok()?;
        let csrf = new_key().ok()?;
        let session = Session {
            office,
            csrf,
            until: now + length,
        };
        let mut map = self.map.lock().ok()?;
        map.retain(|_, s| s.until > now);
        map.insert(id.clone(), session.clone());
        Some((id, session))
    }

    /// The session with this id, when it has not ended.
    pub fn get(&self, id: &str, now: DateTime<Utc>) -> Option<Session> {
        let map = self.map.lock().ok()?;
        map.get(id).filter(|s| s.until > now).cloned()
    }

    /// Ends a session.
    pub fn end(&self, id: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(id);
        }
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_by_digest_only() {
        let text = format!(
            "[[key]]\nsha256 = \"{}\"\nprincipal = \"archive:a\"\ndepartment = \"archive\"\nname = \"甲\"\n",
            hash_key("secret-a")
        );
        let keys = ApiKeys::parse(&text).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(
            keys.find("secret-a").unwrap().principal.as_str(),
            "archive:a"
        );
        assert!(keys.find("secret-b").is_none());
        assert!(keys.find("").is_none());
        assert!(ApiKeys::parse(
            "[[key]]\nsha256 = \"00\"\nprincipal = \"a\"\ndepartment = \"archive\"\nname = \"x\""
        )
        .is_err());
        assert!(ApiKeys::parse(&text.replace("archive\"\nname", "police\"\nname")).is_err());
    }

    #[test]
    fn cookies_are_read_by_name() {
        assert_eq!(
            cookie("a=1; gradreg_session=xyz", SESSION_COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie("a=1", SESSION_COOKIE), None);
    }
}
